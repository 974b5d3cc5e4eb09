"""Mentions -> what each one is: an entity of the graph (linked or for review) or a new entity.

Every mention gets one ``LinkDecision`` with a score (0..100) and a reason (``model.REASONS``):

1. *Exact alias* (a label match of the gazetteer, or a candidate whose text is a label): linked
   automatically only when exactly one entity having that label is compatible and no veto applies.
   Several compatible entities: ``ambiguous``, for review. A common-noun alias of an agreement,
   meeting or mechanism ("memorandum of cooperation") links automatically only when the document
   also names one of its parties or the sentence gives its date; otherwise it goes to review.
2. *Acronym defined here*: "New International Land-Sea Trade Corridor (ILSTC)" makes every "ILSTC"
   of the article the entity its long form is (linked or new), never another one.
   A *near form* of a label (``gazetteer.label_variants``: a plural, a programme's name without its
   head, "development of the western region" for "Western Development Strategy") is reviewed as
   ``fuzzy:90``, never linked automatically; sure forms ("One Belt, One Road", "&") are aliases.
3. *Fuzzy*, only for names of several words: ``token_sort_ratio`` >= ``FUZZY_THRESHOLD`` against
   the graph's multi-word labels; never linked automatically, the candidates go to review.

Hard vetoes remove a candidate entity whatever its score: an incompatible type (over the coop class
tree: a class is compatible with its ancestors and descendants, unknown types with everything), a
different number or ordinal ("Second" / "Third"), a different date or different parties for an
agreement, memorandum, meeting or mechanism (from the sentence's dates and other mentions), a
different administrative suffix ("Sichuan City" is not the province), a confusable pair (Shanxi /
Shaanxi). When every candidate is vetoed, or none is close, the mention is proposed as a new
entity; the same new name twice in one article is one new entity. Nothing is merged through a third
name (no transitive merging).

Overlapping candidates: the longest stays, except inside a *container* (``CONTAINER_TYPES``: a post,
a visit, a meeting, a signing, an article or area of cooperation), whose names stay mentions of
their own ("chief of [X Customs]", "[Li Wei]'s visit to [Hanoi]"). A new entity is named by the
stable name a rule gave its span (``Mention.label``: an agreement's parties, topic and date), never
by its common-noun text alone, so two memoranda of one article are two entities.

Overlaps between gazetteer mentions and NER/rule candidates: a known label covering the candidate's
span wins (unless the label is only a near form, or the candidate is a conjunct sharing a head). A longer candidate containing a known label is a name of its own: for review against
that entity when it only adds words naming the same body ("Chongqing Customs Bureau", "... District
P.R.CHINA"), else linked like any candidate. The known mention inside stays a mention when the
longer one is a description ("implementing the overall national security concept"), names what it
is "of" ("Customs of Sichuan") or is built of several names ("Memorandum between A and B"); inside a
longer proper name ("Chongqing Yuelai International Convention Center") it is not a mention.

Persons' names written split or joined ("Shanwei" / "Shan Wei") and titles the press uses for one
post ("chief" / "director") are compared alike; such matches go to review like fuzzy ones.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz

from coopgraph.graph.ids import entity_iri, slugify
from coopgraph.graph.ingest.gazetteer import (
    SUFFIX_TYPES,
    Gazetteer,
    KnownEntity,
    fast_fold,
    has_cjk,
    name_key,
)
from coopgraph.graph.ingest.model import Candidate, IngestDocument, LinkDecision, Mention
from coopgraph.graph.ingest.text import sentence_of, sentences
from coopgraph.graph.namespaces import COOP_NS
from coopgraph.graph.ontology import load_ontology

__all__ = ["link", "new_entity_iri", "types_compatible", "FUZZY_THRESHOLD", "CONFUSABLE", "CONTAINER_TYPES"]

FUZZY_THRESHOLD = 90          # token_sort_ratio at or above which a multi-word name is a candidate
_SHOWN_BELOW_THRESHOLD = 75   # near misses listed with a new entity, so a reviewer can still relink
_MAX_PLACE_WORDS = 4          # the longest place name looked for inside another name
_SHORTENED_WORDS = 3          # content words a shortened name keeps at least ("new land and sea corridor")
_NEAR_FORM = 90.0            # a near form of a label (a plural, a head dropped): review
_SAME_LETTERS = 95.0          # a person's name split or joined otherwise ("Shanwei" / "Shan Wei"): review
_MAX_CANDIDATES = 5
_MAX_SLUG = 80
_LINK_CACHE = 50_000          # candidate names whose link is kept across the documents of a run
_NAME_CACHE = 1 << 16          # names whose normal forms are kept: news of one region repeats its names
# Mentions that hold other entities' names (the post's organisation, the visitor and the place
# visited, the body holding a session, what an article of cooperation is about): the names inside
# are mentions of their own, not leftovers of the longer one.
CONTAINER_TYPES = frozenset({"Post", "AgreementArticle", "CooperationArea", "Meeting", "Visit", "Signing"})

# Pairs of names one letter or syllable apart that are different places.
CONFUSABLE: frozenset[frozenset[str]] = frozenset(frozenset(pair) for pair in (
    ("shanxi", "shaanxi"), ("guangxi", "guangdong"), ("hubei", "hebei"), ("hunan", "henan"),
    ("jilin", "jinlin"), ("jiangxi", "jiangsu"), ("shandong", "guangdong"), ("ningxia", "ningbo"),
    ("guangxi", "jiangxi"), ("hainan", "henan"), ("hainan", "hunan"), ("liaoning", "ningxia"),
))
# Words naming a mode of transport: two routes' names differing in one are different routes.
_MODE_WORDS = frozenset("rail railway railways road roads river sea air waterway highway expressway pipeline "
                        "shipping truck trucking".split())
# Things with dates and parties: two of them are the same only if those agree.
_DATED_CLASSES = ("Agreement", "CooperationMechanism", "Event")
# Words that turn a name into its own organisation's name ("Chongqing Customs Bureau").
_ORGANISATION_WORDS = frozenset("""bureau office department administration authority branch headquarters
agency service services station""".split())
# A common-noun alias of this many content words or more is taken as specific (see ``_specific``).
_SPECIFIC_WORDS = 4
_FUNCTION_WORDS = frozenset("a an the of and in on at for to with by from between".split())
# Words that can be added to a body's name without making it another body.
_SAME_BODY_WORDS = _ORGANISATION_WORDS | frozenset("""district province city municipality county prefecture
china p.r.china p.r.c prc people's republic""".split())
_SHARED_HEAD_RULE = "rule:shared-head"   # the NER rule naming "A" of "A and B <head>" by the head
# NER rules whose span is a proper name even in lower case: a known name inside is part of it
# ("the [upper reaches of the Yangtze River]")
_NAMING_RULES = frozenset({_SHARED_HEAD_RULE, "rule:reaches"})
_OF_BEFORE = re.compile(r"\bof (the )?$")
_TITLES = {"chief": "director", "head": "director", "commissioner": "director"}
_COORDINATED_BEFORE = re.compile(r"(?:,|;|\band|&)\s*(?:the\s+)?$", re.IGNORECASE)
_COORDINATED_AFTER = re.compile(r"\s*(?:,|;|and\b|&)", re.IGNORECASE)
_ORDINALS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(), start=1)}
_MONTHS = {name: i for i, names in enumerate((
    "january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
    "august aug", "september sep sept", "october oct", "november nov", "december dec"), start=1)
    for name in names.split()}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [re.compile(p) for p in (
    r"\b(?P<year>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<day>\d\d)\b",
    r"\b" + _MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>(?:19|20)\d\d)\b",
    r"\b(?P<day>\d{1,2}) " + _MONTH + r",? (?P<year>(?:19|20)\d\d)\b",
    r"\b" + _MONTH + r",? (?P<year>(?:19|20)\d\d)\b",
    r"\b" + _MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?\b",
    r"\b(?P<year>(?:19|20)\d\d)\b",
)]
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?|[a-z]+")
# Every date pattern needs a digit, and all but the first and last a month name: a sentence without
# them (most) skips the patterns, each of which re would try at every position.
_DIGIT = re.compile(r"\d")
_MONTH_NAME = re.compile(_MONTH)
_NO_MONTH_PATTERNS = [_DATE_PATTERNS[0], _DATE_PATTERNS[-1]]

DatePart = tuple[int | None, int | None, int | None]


@dataclass
class _Context:
    """What the vetoes look at beyond the name: the sentence's dates and its other mentions."""

    text: str
    document_iris: set[str]                                   # entities the gazetteer found anywhere
    named_iris: set[str]                                      # ... found by a proper name or an acronym
    spans: dict[tuple[int, int], list[tuple[int, int]]]       # sentence -> spans of its mentions
    # sentence -> (mention, IRIs its label names, its types) for every mention in it
    mentions: dict[tuple[int, int], list[tuple[Mention, tuple[str, ...], tuple[str, ...]]]]
    _dates: dict[tuple[int, int], list[DatePart]] = field(default_factory=dict)
    exact: dict[tuple[str, str, tuple[str, ...]], tuple[list[Candidate], list[Candidate]]] = field(
        default_factory=dict)                                 # exact-alias vetoes of names without dates

    def dates(self, sentence: tuple[int, int]) -> list[DatePart]:
        """The dates the sentence states (read when a dated entity needs them, once)."""
        if sentence not in self._dates:
            self._dates[sentence] = _dates(self.text, sentence, self.spans.get(sentence, []))
        return self._dates[sentence]


@dataclass
class _NewEntities:
    """The new entities one article proposes, by name: one IRI per name."""

    base: str
    taken: set[str]
    by_key: dict[str, str] = field(default_factory=dict)
    by_label: dict[str, str] = field(default_factory=dict)   # the same, by the label as given (no _name_key)
    # the stable name and types a rule gave a span the gazetteer also matched ("memorandum of
    # understanding" between these parties on this date): a new entity there is named by it
    rule_names: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def iri(self, label: str) -> str:
        found = self.by_label.get(label)
        if found is None:
            key = _name_key(label)
            if key not in self.by_key:
                self.by_key[key] = new_entity_iri(self.base, label, self.taken)
            found = self.by_label[label] = self.by_key[key]
        return found


def new_entity_iri(base: str, label: str, taken: set[str]) -> str:
    """``{base}id/{slug of label}``, with ``-2``, ``-3``... when taken; the slug is added to ``taken``.

    >>> taken = {"chongqing-customs"}
    >>> new_entity_iri("https://x.org/", "Chongqing Customs", taken)
    'https://x.org/id/chongqing-customs-2'
    >>> new_entity_iri("https://x.org/", "Chongqing Customs", taken)
    'https://x.org/id/chongqing-customs-3'
    """
    slug = _slug(label)
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return entity_iri(base, candidate)


def link(doc: IngestDocument, known: Sequence[Mention], candidates: Sequence[Mention],
         acronyms: Mapping[str, Mention], gazetteer: Gazetteer, *, base: str) -> list[LinkDecision]:
    """One decision per mention (known and candidate, overlaps resolved), in text order."""
    new = _NewEntities(base=base, taken=set(gazetteer.slugs), rule_names={
        (c.start, c.end): (c.label, c.types) for c in candidates if c.label and c.source.startswith("rule:")})
    known_list, own_names, nested = _resolve_overlaps(list(known), list(candidates), gazetteer)
    context = _context(doc.text, known_list + own_names + [outer for outer, _inner in nested], gazetteer)
    decisions: dict[tuple[int, int], LinkDecision] = {}
    for mention in known_list:
        decisions[(mention.start, mention.end)] = _link_known(mention, gazetteer, context, new)
    for mention in own_names:
        decisions[(mention.start, mention.end)] = _link_candidate_once(mention, gazetteer, context, new)
    for mention, inner in nested:
        decisions[(mention.start, mention.end)] = _link_nested(mention, inner, gazetteer, context, new)
    _link_acronyms(doc.text, acronyms, decisions, gazetteer, context, new)
    return [decisions[key] for key in sorted(decisions)]


# -- overlaps ------------------------------------------------------------------------------------------


def _is_container(mention: Mention) -> bool:
    return bool(mention.types) and mention.types[0] in CONTAINER_TYPES


def _resolve_overlaps(known: list[Mention], candidates: list[Mention], gazetteer: Gazetteer
                      ) -> tuple[list[Mention], list[Mention], list[tuple[Mention, Mention]]]:
    """(known mentions kept, candidates standing alone, (candidate, known inside) for review)."""
    kept_candidates: list[Mention] = []
    length = max((m.end for m in candidates), default=0)
    plain = bytearray(length)       # characters taken by a kept candidate that is no container
    boxes = bytearray(length)       # characters inside a kept container (post, visit, meeting ...)
    seen: set[tuple[int, int]] = set()
    for mention in sorted(candidates, key=lambda m: (-(m.end - m.start), m.start)):
        start, end = mention.start, mention.end
        if end <= start or not mention.text.strip() or (start, end) in seen:
            continue
        # overlapping candidates: the longest stays, except that a container keeps what it names
        # ("chief of [X Customs]", "[Li Wei]'s visit to [Hanoi]"): those are entities of their own
        if plain.find(1, start, end) != -1:
            continue
        container = _is_container(mention)
        if boxes.find(1, start, end) != -1 and (container or not _inside_one_box(boxes, start, end)):
            continue  # a container inside a container, or a span crossing a container's edge
        seen.add((start, end))
        kept_candidates.append(mention)
        (boxes if container else plain)[start:end] = b"\x01" * (end - start)
    alone: list[Mention] = []
    nested: list[tuple[Mention, Mention]] = []
    dropped_known: set[tuple[int, int]] = set()
    known = sorted(known, key=lambda k: k.start)   # known mentions never overlap each other
    starts = [k.start for k in known]
    labelled = bytearray(max(length, max((k.end for k in known), default=0)))
    for k in known:
        labelled[k.start:k.end] = b"\x01" * (k.end - k.start)
    for mention in kept_candidates:
        if labelled.find(1, mention.start, mention.end) == -1:
            alone.append(mention)  # most candidates: no known label anywhere on their span
            continue
        first = max(0, bisect_left(starts, mention.start) - 1)
        overlapping = [k for k in known[first:bisect_left(starts, mention.end)]
                       if k.start < mention.end and k.end > mention.start]
        if not overlapping:
            alone.append(mention)
            continue
        covering = [k for k in overlapping if k.start <= mention.start and k.end >= mention.end]
        if covering:
            k = covering[0]
            if (k.start, k.end) == (mention.start, mention.end) and (
                    (k.label and gazetteer.near_form(k.label)) or mention.source == _SHARED_HEAD_RULE):
                # only a near form of a label, or a conjunct that shares a head ("the [Yunnan] and Guangxi
                # free trade zones" is a zone, not the province): the candidate, with its type, is linked
                dropped_known.add((k.start, k.end))
                alone.append(mention)
            continue  # the known label covers the candidate: the label wins
        if any(k.start < mention.start or k.end > mention.end for k in overlapping):
            continue  # crossing spans: the candidate is a mis-cut name
        if len(overlapping) == 1 and _only_organisation_words(mention, overlapping[0]):
            nested.append((mention, overlapping[0]))  # "Chongqing Customs Bureau": for review
            dropped_known.add((overlapping[0].start, overlapping[0].end))
            continue
        alone.append(mention)
        if _is_container(mention):
            # a post, a visit ...: the known names inside stay mentions ("chief of [X Customs]"),
            # except a known one of the container's own type that ends with it: "deputy [director
            # of Chongqing Customs]" is another post, not one the deputy's post names
            for k in overlapping:
                if k.end == mention.end and any(mention.types[0] in entity.types
                                                for entity in gazetteer.lookup(k.label or k.text)):
                    dropped_known.add((k.start, k.end))
            continue
        inner = overlapping[0]
        named = _title_cased(mention.text) or mention.source in _NAMING_RULES
        of_it = _OF_BEFORE.search(fast_fold(mention.text[:inner.start - mention.start])) is not None
        if len(overlapping) == 1 and named and not _coordinated(mention, inner) \
                and (not of_it or mention.source in _NAMING_RULES or _is_body(mention)):
            # a name inside a longer proper name ("Chongqing" in "Chongqing Yuelai International
            # Convention Center", "China (Chongqing) Pilot Free Trade Zone", "Sichuan" in "the Customs
            # of Sichuan", as in "Sichuan Customs"): the longer name is the mention
            dropped_known.add((inner.start, inner.end))
        # else: what a name that is no body's is "of" ("Memorandum of Cooperation of A"), a name
        # built of several known ones ("Memorandum between A and B") or a known name inside a
        # description ("implementing the overall national security concept"): they stay mentions
    return [k for k in known if (k.start, k.end) not in dropped_known], alone, nested


def _coordinated(outer: Mention, inner: Mention) -> bool:
    """Whether ``inner`` is one of the names ``outer`` joins ("Memorandum between [A] and B", "[A],
    B and C"): a conjunction or a comma right beside it, not an "and" inside a body's own name
    ("Sichuan Provincial Development and Reform Commission")."""
    before = outer.text[:inner.start - outer.start]
    after = outer.text[inner.end - outer.start:]
    return _COORDINATED_BEFORE.search(before) is not None or _COORDINATED_AFTER.match(after) is not None


def _inside_one_box(boxes: bytearray, start: int, end: int) -> bool:
    """Whether ``start:end`` lies wholly inside marked characters (not crossing a container's edge)."""
    return boxes.find(0, start, end) == -1


def _title_cased(name: str) -> bool:
    """Every word but the small ones starts with a capital or a digit: a proper name, not a description."""
    words = [w for w in re.findall(r"[^\W_][\w'’.-]*", name) if w.lower() not in _FUNCTION_WORDS]
    return bool(words) and all(w[0].isupper() or w[0].isdigit() for w in words)


def _only_organisation_words(outer: Mention, inner: Mention) -> bool:
    """Whether ``outer`` is ``inner`` plus words that name the same body otherwise ("Chongqing Customs
    Bureau", "Director of Chongqing Customs District P.R.CHINA")."""
    before = fast_fold(outer.text[:inner.start - outer.start])
    after = fast_fold(outer.text[inner.end - outer.start:])
    extra = [w.strip(".,()") for w in f"{before} {after}".split()]
    extra = [w for w in extra if w and w not in ("the", "'s", "of")]
    return bool(extra) and all(w in _SAME_BODY_WORDS for w in extra)


# -- context ---------------------------------------------------------------------------------------------


def _context(text: str, mentions: Iterable[Mention], gazetteer: Gazetteer) -> _Context:
    by_sentence: dict[tuple[int, int], list[tuple[Mention, tuple[str, ...], tuple[str, ...]]]] = {}
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    document_iris: set[str] = set()
    named_iris: set[str] = set()
    for mention in mentions:
        if mention.source == "label" and mention.label is not None:
            entities = gazetteer.lookup(mention.label)
            iris = tuple(e.iri for e in entities)
            types = tuple(dict.fromkeys(t for e in entities for t in e.types[:1])) or mention.types
            document_iris.update(iris)
            if len(iris) == 1 and gazetteer.kind(mention.label) in ("name", "acronym") \
                    and not gazetteer.near_form(mention.label):
                named_iris.update(iris)
        else:
            iris, types = (), mention.types
        by_sentence.setdefault(mention.sentence, []).append((mention, iris, types))
        spans.setdefault(mention.sentence, []).append((mention.start, mention.end))
    return _Context(text=text, document_iris=document_iris, named_iris=named_iris, spans=spans,
                    mentions=by_sentence)


def _dates(text: str, sentence: tuple[int, int], inside_names: list[tuple[int, int]]) -> list[DatePart]:
    """The dates a sentence gives (year, month, day; None where not given), outside any name."""
    start, end = sentence
    folded = fast_fold(text[start:end])
    taken: list[tuple[int, int]] = [(s - start, e - start) for s, e in inside_names]
    found: list[DatePart] = []
    if not _DIGIT.search(folded):
        return found
    for pattern in _DATE_PATTERNS if _MONTH_NAME.search(folded) else _NO_MONTH_PATTERNS:
        for match in pattern.finditer(folded):
            if any(match.start() < e and match.end() > s for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            parts = match.groupdict()
            month = parts.get("month")
            found.append((int(parts["year"]) if parts.get("year") else None,
                          _MONTHS[month] if month else (int(parts["m"]) if parts.get("m") else None),
                          int(parts["day"]) if parts.get("day") else None))
    return found


def _date_agrees(known: str, stated: DatePart) -> bool:
    parts = [int(p) for p in known.split("-") if p.isdigit()]
    return all(s is None or i >= len(parts) or parts[i] == s for i, s in enumerate(stated))


# -- types -------------------------------------------------------------------------------------------


def types_compatible(guessed: Sequence[str], entity_types: Sequence[str]) -> bool:
    """Whether a mention guessed as ``guessed`` can be an entity of ``entity_types`` (coop local names).

    Compatible: unknown on either side, or one class is an ancestor of the other (Agreement /
    Memorandum); City and Municipality (a municipality is a city); a bare organisation class
    (GovernmentBody, PartyBody...) guessed by a model with any organisation.

    >>> types_compatible(("City",), ("Province", "ProvinceLevelDivision", "Region"))
    False
    >>> types_compatible(("Agreement",), ("Memorandum", "Agreement"))
    True
    """
    if not guessed or not entity_types:
        return True
    ontology = load_ontology()
    supers = {t: {s[len(COOP_NS):] for s in ontology.superclasses.get(COOP_NS + t, frozenset({COOP_NS + t}))
                  if s.startswith(COOP_NS)} for t in (*guessed, *entity_types)}
    entity_closure = set().union(*(supers[t] for t in entity_types))
    specific = [t for t in entity_types if not any(t != o and t in supers[o] for o in entity_types)]
    for guess in guessed:
        if guess in entity_closure or any(s in supers[guess] for s in specific):
            return True
        if {guess, *specific} <= {"City", "Municipality"}:
            return True
        if _is_organisation_root(guess) and any(_is_organisation(t) for t in entity_types):
            return True
    return False


def _is_body(mention: Mention) -> bool:
    """Whether the mention is guessed to be an organisation ("Customs of Sichuan", "Department of
    Commerce of Guizhou Province"): the place such a name is "of" is part of its name."""
    return bool(mention.types) and _is_organisation(mention.types[0])


def _is_organisation(cls: str) -> bool:
    return "http://www.w3.org/ns/org#Organization" in load_ontology().superclasses.get(COOP_NS + cls, ())


def _is_organisation_root(cls: str) -> bool:
    supers = load_ontology().superclasses.get(COOP_NS + cls, frozenset())
    return _is_organisation(cls) and not any(s.startswith(COOP_NS) and s != COOP_NS + cls for s in supers)


# -- vetoes -----------------------------------------------------------------------------------------


def _veto(name: str, mention: Mention, label: str, entity: KnownEntity, context: _Context,
          gazetteer: Gazetteer, *, by_name: bool) -> str | None:
    """The veto reason for reading ``mention`` (text ``name``) as ``entity`` (by its ``label``), or None."""
    suffix = _suffix_veto(name, label, mention.types, entity)
    if suffix is not None:
        return suffix
    if not types_compatible(mention.types, entity.types):
        return "vetoed:type"
    if by_name:
        if _numbers(name) != _numbers(label):
            return "vetoed:number"
        if _confusable(name, label):
            return "vetoed:confusable"
    # an exact proper name names its own parties; a common-noun alias or a near name must agree with them
    if any(cls in entity.types for cls in _DATED_CLASSES) and (by_name or gazetteer.descriptive(label)):
        stated = context.dates(mention.sentence)
        if entity.dates and stated and not any(_date_agrees(d, s) for d in entity.dates for s in stated):
            return "vetoed:date"
        if _other_parties(mention, entity, context, gazetteer) or _parties_in_name_differ(name, label, entity,
                                                                                           gazetteer):
            return "vetoed:parties"
    if by_name and _other_place(name, label, gazetteer):
        return "vetoed:confusable"
    return None


def _other_place(name: str, label: str, gazetteer: Gazetteer) -> bool:
    """The entity's name holds a place the mention does not: "Changsha Municipal People's Government"
    is not "Chengdu Municipal People's Government", however close the letters."""
    label_words, name_key_ = name_key(label).split(), name_key(name)
    for size in range(1, min(_MAX_PLACE_WORDS, len(label_words) - 1) + 1):
        for i in range(len(label_words) - size + 1):
            words = " ".join(label_words[i:i + size])
            if words in gazetteer.place_keys and not _contains_words(name_key_, words):
                return True
    return False


def _suffix_veto(name: str, label: str, guessed: Sequence[str], entity: KnownEntity) -> str | None:
    if "Post" in entity.types or "Person" in entity.types:
        return None  # "Director of X Customs District": the suffix is the body's, not the post's
    mine, theirs = _suffix(name), _suffix(label)
    if mine and theirs and mine != theirs and not set(SUFFIX_TYPES[mine]) & set(SUFFIX_TYPES[theirs]):
        return "vetoed:suffix"
    if mine and mine != theirs and not set(SUFFIX_TYPES[mine]) & set(entity.types):
        return "vetoed:suffix"
    return None


_SUFFIX_AT_END = re.compile(r"(?:^| )(" + "|".join(sorted(SUFFIX_TYPES, key=len, reverse=True)) + r")$")


def _suffix(name: str) -> str | None:
    match = _SUFFIX_AT_END.search(name_key(name))
    return match.group(1) if match else None


def _numbers(name: str) -> set[int]:
    values = set()
    for token in _NUMBER.findall(fast_fold(name)):
        digits = token.rstrip("stndrh")
        if digits.isdigit():
            values.add(int(digits))
        elif token in _ORDINALS:
            values.add(_ORDINALS[token])
    return values


def _confusable(name: str, label: str) -> bool:
    mine, theirs = set(_tokens(name)), set(_tokens(label))
    only_mine, only_theirs = mine - theirs, theirs - mine
    if only_mine & _MODE_WORDS and only_theirs & _MODE_WORDS:
        return True  # "river-sea" / "rail-sea" intermodal transport: another route, however close the letters
    return any(frozenset((a, b)) in CONFUSABLE for a in only_mine for b in only_theirs)


def _tokens(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fast_fold(name))


def _party_types(entity: KnownEntity, gazetteer: Gazetteer) -> set[str]:
    return {gazetteer.entities[p].types[0] for p in entity.parties if p in gazetteer.entities
            and gazetteer.entities[p].types}


def _other_parties(mention: Mention, entity: KnownEntity, context: _Context, gazetteer: Gazetteer) -> bool:
    """The sentence names something of the kind that signs or sits in ``entity``, not one of its parties."""
    if not entity.parties:
        return False
    kinds = _party_types(entity, gazetteer)
    # parties that are organisations: any organisation named beside it could be a signatory
    organisations = bool(kinds) and all(_is_organisation(k) for k in kinds)
    for other, iris, types in context.mentions.get(mention.sentence, []):
        if other is mention or (other.start == mention.start and other.end == mention.end):
            continue
        if not types or not (types[0] in kinds or (organisations and _is_organisation(types[0]))):
            continue
        if not iris or not set(iris) & set(entity.parties):
            return True
    return False


def _parties_in_name_differ(name: str, label: str, entity: KnownEntity, gazetteer: Gazetteer) -> bool:
    """The entity's label names a party the mention does not ("... Chengdu Customs" / "... Kunming")."""
    folded_name, folded_label = name_key(name), name_key(label)
    for party in entity.parties:
        known = gazetteer.entities.get(party)
        if known is None:
            continue
        names = {name_key(n) for n in known.labels}
        in_label = any(_contains_words(folded_label, n) for n in names)
        if in_label and not any(_contains_words(folded_name, n) for n in names):
            return True
    return False


@lru_cache(maxsize=_NAME_CACHE)
def _contains_words(text: str, words: str) -> bool:
    return bool(words) and re.search(r"(?<![a-z0-9])" + re.escape(words) + r"(?![a-z0-9])", text) is not None


# -- decisions ---------------------------------------------------------------------------------------


def _link_known(mention: Mention, gazetteer: Gazetteer, context: _Context, new: _NewEntities) -> LinkDecision:
    label = mention.label or mention.text
    key = ("label", mention.text, label, mention.types)
    cached = gazetteer.link_cache.get(key)
    if cached is not None:
        return _again(cached, mention, new)
    entities = gazetteer.lookup(label)
    decision = _decide_exact(mention, label, entities, gazetteer, context, new)
    # a label's answer holds for the whole run unless a date, parties (the sentence) or one sense per
    # article (a common-noun alias: the document) can change it
    if not gazetteer.descriptive(label) and (mention.start, mention.end) not in new.rule_names \
            and not any(c in e.types for e in entities for c in _DATED_CLASSES):
        _keep(gazetteer, key, decision)
    return decision


def _again(cached: LinkDecision, mention: Mention, new: _NewEntities) -> LinkDecision:
    """A kept answer for another mention of the same name; a new entity gets this document's IRI for
    its name. A copy of the kept one's fields with two changed: a frozen dataclass's __init__ (one
    object.__setattr__ per field) or dataclasses.replace costs more than the whole look-up, and an
    article repeats its names dozens of times."""
    again = object.__new__(LinkDecision)
    fields = again.__dict__
    fields.update(cached.__dict__)
    fields["mention"] = mention
    if cached.new:
        fields["iri"] = new.iri(cached.label)
    return again


def _keep(gazetteer: Gazetteer, key: tuple[str, str, str | None, tuple[str, ...]],
          decision: LinkDecision) -> None:
    if len(gazetteer.link_cache) >= _LINK_CACHE:
        gazetteer.link_cache.clear()  # bounded: a long run keeps its recent names only
    gazetteer.link_cache[key] = decision


def _decide_exact(mention: Mention, label: str, entities: list[KnownEntity], gazetteer: Gazetteer,
                  context: _Context, new: _NewEntities) -> LinkDecision:
    # a name repeated through an article gets the same answer unless its sentence matters (dated things)
    key = (mention.text, label, mention.types)
    sentence_free = not any(c in e.types for e in entities for c in _DATED_CLASSES)
    cached = context.exact.get(key) if sentence_free else None
    if cached is None:
        passing: list[Candidate] = []
        vetoed: list[Candidate] = []
        for entity in entities:
            reason = _veto(mention.text, mention, label, entity, context, gazetteer, by_name=False)
            if reason is None:
                passing.append(_candidate(entity, 100.0, "exact-alias"))
            else:
                vetoed.append(_candidate(entity, 100.0, reason))
        cached = (passing, vetoed)
        if sentence_free:
            context.exact[key] = cached
    passing, vetoed = cached
    if len(passing) == 1:
        entity = gazetteer.entities[passing[0].iri]
        if gazetteer.near_form(label):
            # a plural or a name without its head ("Belt and Road"): close to a label, not one of them
            near = replace(passing[0], score=_NEAR_FORM, reason=f"fuzzy:{int(_NEAR_FORM)}")
            return _existing(mention, entity, _NEAR_FORM, near.reason, False, (near, *vetoed))
        auto, score = True, 100.0
        if gazetteer.descriptive(label) and not _specific(label) and not _supported(mention, entity, context):
            auto, score = False, 80.0  # "memorandum of cooperation" alone could be any memorandum
        return _existing(mention, entity, score, "exact-alias", auto, tuple(passing + vetoed))
    if len(passing) > 1:
        ranked = tuple(replace(c, reason="ambiguous") for c in passing) + tuple(vetoed)
        top = gazetteer.entities[passing[0].iri]
        return _existing(mention, top, 100.0 / len(passing), "ambiguous", False, ranked)
    return _new(mention, new, vetoed[0].reason if vetoed else "new", tuple(vetoed))


def _specific(label: str) -> bool:
    """A common-noun phrase long enough to name one thing ("overall national security concept")."""
    return sum(1 for word in name_key(label).split() if word not in _FUNCTION_WORDS) >= _SPECIFIC_WORDS


def _supported(mention: Mention, entity: KnownEntity, context: _Context) -> bool:
    """Whether a common-noun alias ("western region") may stand for ``entity`` in this article: the
    article also calls it by a proper name (one sense per article), or, for an agreement, meeting
    or mechanism, names one of its parties or the sentence states its date."""
    if entity.iri in context.named_iris:
        return True
    if not any(c in entity.types for c in _DATED_CLASSES):
        return False
    if set(entity.parties) & context.document_iris:
        return True
    stated = context.dates(mention.sentence)
    return any(s[0] is not None and _date_agrees(d, s) for d in entity.dates for s in stated)


def _link_candidate(mention: Mention, gazetteer: Gazetteer, context: _Context,
                    new: _NewEntities) -> LinkDecision:
    name = _strip_the(mention.text)
    # a common word or a one-letter name is no alias on its own (the gazetteer's rule, here too)
    exact = gazetteer.lookup(name) if gazetteer.kind(name) not in ("short", "generic") else []
    if exact:
        return _decide_exact(mention, name, exact, gazetteer, context, new)
    passing, vetoed, near = _fuzzy_candidates(mention, name, gazetteer, context)
    for person in gazetteer.same_letters(name):
        if person.iri not in {c.iri for c in passing + vetoed}:
            reason = _veto(name, mention, person.label, person, context, gazetteer, by_name=False)
            target = passing if reason is None else vetoed
            target.insert(0, _candidate(person, _SAME_LETTERS, reason or f"fuzzy:{int(_SAME_LETTERS)}"))
    if passing:
        top = passing[0]
        return _existing(mention, gazetteer.entities[top.iri], top.score, top.reason, False,
                         tuple(passing + vetoed)[:_MAX_CANDIDATES])
    shown = sorted(vetoed + near, key=lambda c: -c.score)[:_MAX_CANDIDATES]
    # the reason is why the closest entity is not it: its veto, or just that nothing is close enough
    reason = shown[0].reason if shown and shown[0].reason.startswith("vetoed:") else "new"
    return _new(mention, new, reason, tuple(shown))


def _link_candidate_once(mention: Mention, gazetteer: Gazetteer, context: _Context,
                         new: _NewEntities) -> LinkDecision:
    """``_link_candidate``, answered once per name, type and rule label for the whole run when neither
    the sentence (no entity it could be has dates or parties for the vetoes to compare) nor the
    document (no common-noun alias, which one sense per article decides) can change the answer."""
    key = ("candidate", mention.text, mention.label, mention.types)
    cached = gazetteer.link_cache.get(key)
    if cached is not None:
        return _again(cached, mention, new)
    decision = _link_candidate(mention, gazetteer, context, new)
    name = _strip_the(mention.text)
    dated = gazetteer.could_be_dated(name, _DATED_CLASSES, _MAX_CANDIDATES)
    if not dated and not gazetteer.descriptive(name):
        _keep(gazetteer, key, decision)
    return decision


def _fuzzy_candidates(mention: Mention, name: str, gazetteer: Gazetteer, context: _Context
                      ) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
    """(close and not vetoed, close but vetoed, near misses) for a multi-word name."""
    passing: list[Candidate] = []
    vetoed: list[Candidate] = []
    near: list[Candidate] = []
    if len(name.split()) < 2 or has_cjk(name):
        return passing, vetoed, near
    for entity, _score in gazetteer.fuzzy(name, limit=_MAX_CANDIDATES):
        label, score = _closest_label(name, entity)
        if score < _SHOWN_BELOW_THRESHOLD:
            continue
        # near misses are vetoed too, so a reviewer sees why a similar name is another entity
        reason = _veto(name, mention, label, entity, context, gazetteer, by_name=True)
        if reason is not None:
            vetoed.append(_candidate(entity, score, reason))
        elif score >= FUZZY_THRESHOLD:
            passing.append(_candidate(entity, score, f"fuzzy:{int(score)}"))
        else:
            near.append(_candidate(entity, score, f"fuzzy:{int(score)}"))
    return passing, vetoed, near


@lru_cache(maxsize=_NAME_CACHE)
def _slug(label: str) -> str:
    return slugify(label)[:_MAX_SLUG].strip("-") or "entity"


@lru_cache(maxsize=_NAME_CACHE)
def _closest_label(name: str, entity: KnownEntity) -> tuple[str, float]:
    folded = _comparable(name)
    scored = [(fuzz.token_sort_ratio(folded, _comparable(label)), label) for label in entity.labels
              if len(label.split()) >= 2]
    if not scored:
        return entity.label, 0.0
    score, label = max(scored)
    if score < FUZZY_THRESHOLD:
        # a shortened name: the entity's name with some modifiers left out ("the new land and sea
        # corridor" for "New International Land-Sea Trade Corridor"): as close as a near form, for review
        shorter = [other for _s, other in scored if _shortened(name, other)]
        if shorter:
            return shorter[0], _NEAR_FORM
    return label, float(score)


def _shortened(name: str, label: str) -> bool:
    """``name`` is ``label`` without some of its modifiers: three content words or more, all of them
    the label's, and the same head (last word)."""
    mine = [w for w in _comparable(name).split() if w not in _FUNCTION_WORDS]
    theirs = [w for w in _comparable(label).split() if w not in _FUNCTION_WORDS]
    return len(mine) >= _SHORTENED_WORDS and len(mine) < len(theirs) and mine[-1] == theirs[-1] \
        and set(mine) <= set(theirs)


@lru_cache(maxsize=_NAME_CACHE)
def _comparable(name: str) -> str:
    """A name as the fuzzy scorer compares it: folded, hyphens as blanks, ordinals as numbers
    ("2nd" = "second"), one word for the titles the press uses for one post ("chief" = "director")."""
    words = fast_fold(name).replace("-", " ").split()
    return " ".join(_TITLES.get(w, str(_ORDINALS[w]) if w in _ORDINALS else (
        w[:-2] if re.fullmatch(r"\d+(st|nd|rd|th)", w) else w)) for w in words)


def _link_nested(mention: Mention, inner: Mention, gazetteer: Gazetteer, context: _Context,
                 new: _NewEntities) -> LinkDecision:
    """A candidate that is a known name plus organisational words: never linked without review."""
    decision = _link_candidate(mention, gazetteer, context, new)
    if not decision.new:
        return replace(decision, auto=False)
    inner_entities = gazetteer.lookup(inner.label or inner.text)
    if len(inner_entities) != 1:
        return decision
    entity = inner_entities[0]
    # the organisational word is what made a model guess another type ("Bureau"): no type veto here
    untyped = replace(mention, types=())
    reason = _veto(mention.text, untyped, entity.label, entity, context, gazetteer, by_name=True)
    score = float(fuzz.token_sort_ratio(_comparable(_strip_the(mention.text)),
                                        _comparable(inner.label or inner.text)))
    if reason is not None:
        return replace(decision, reason=reason, candidates=(_candidate(entity, score, reason),))
    fuzzy = f"fuzzy:{int(score)}"
    return _existing(mention, entity, score, fuzzy, False, (_candidate(entity, score, fuzzy),))


def _link_acronyms(text: str, acronyms: Mapping[str, Mention], decisions: dict[tuple[int, int], LinkDecision],
                   gazetteer: Gazetteer, context: _Context, new: _NewEntities) -> None:
    """Every use of an acronym the article defines is what its long form is (linked or new)."""
    spans = sentences(text) if acronyms else []
    for acronym, long_form in sorted(acronyms.items()):
        if len(acronym) < 2:
            continue
        target = _decision_for(long_form, decisions)
        if target is None:
            target = _link_candidate(long_form, gazetteer, context, new)
            decisions[(long_form.start, long_form.end)] = target
        if target.new:
            target = replace(target, aliases=tuple(dict.fromkeys((*target.aliases, acronym))))
            _share_aliases(decisions, target)
        for match in re.finditer(r"(?<![\w])" + re.escape(acronym) + r"(?![\w])", text):
            span = (match.start(), match.end())
            existing = decisions.get(span)
            if existing is not None and existing.mention.source == "label":
                if existing.iri != target.iri:
                    # the graph says this acronym is another entity: a person decides which
                    alternatives = (_candidate_of(target, "acronym-defined-here"),
                                    _candidate_of(existing, existing.reason))
                    decisions[span] = replace(existing, reason="ambiguous", auto=False,
                                              candidates=alternatives)
                continue
            if any(s < span[1] and e > span[0] and (s, e) != span and not _is_container(d.mention)
                   for (s, e), d in decisions.items()):
                continue  # part of a longer name (inside a post or a visit it is a mention of its own)
            mention = existing.mention if existing is not None else Mention(
                text=match.group(), start=span[0], end=span[1], sentence=sentence_of(spans, span[0]),
                source="acronym", types=long_form.types)
            decisions[span] = LinkDecision(
                mention=mention, iri=target.iri, label=target.label, types=target.types, new=target.new,
                score=target.score, reason="acronym-defined-here", auto=target.auto and not target.new,
                candidates=target.candidates, aliases=target.aliases)


def _decision_for(mention: Mention, decisions: Mapping[tuple[int, int], LinkDecision]) -> LinkDecision | None:
    exact = decisions.get((mention.start, mention.end))
    if exact is not None:
        return exact
    for (start, end), decision in decisions.items():
        if start <= mention.start and end >= mention.end:
            return decision
    return None


def _share_aliases(decisions: dict[tuple[int, int], LinkDecision], target: LinkDecision) -> None:
    for span, decision in list(decisions.items()):
        if decision.new and decision.iri == target.iri:
            decisions[span] = replace(decision, aliases=target.aliases)


def _candidate(entity: KnownEntity, score: float, reason: str) -> Candidate:
    return Candidate(iri=entity.iri, label=entity.label, types=entity.types, score=score, reason=reason)


def _candidate_of(decision: LinkDecision, reason: str) -> Candidate:
    return Candidate(iri=decision.iri, label=decision.label, types=decision.types, score=decision.score,
                     reason=reason)


def _existing(mention: Mention, entity: KnownEntity, score: float, reason: str, auto: bool,
              candidates: tuple[Candidate, ...]) -> LinkDecision:
    return LinkDecision(mention=mention, iri=entity.iri, label=entity.label, types=entity.types, new=False,
                        score=round(score, 1), reason=reason, auto=auto, candidates=candidates)


def _new(mention: Mention, new: _NewEntities, reason: str, candidates: tuple[Candidate, ...]) -> LinkDecision:
    # a candidate's stable name (an agreement's parties, topic and date) names it: two memoranda an
    # article calls "memorandum of cooperation" are two entities; a gazetteer label is a folded key,
    # but a rule may have named the same span
    types = mention.types
    if mention.label and mention.source != "label":
        label = _strip_the(mention.label)
    elif (mention.start, mention.end) in new.rule_names:
        label, rule_types = new.rule_names[(mention.start, mention.end)]
        types = types or rule_types
    else:
        label = _strip_the(mention.text)
    closest = max((c.score for c in candidates), default=0.0)
    # a new entity's score says how sure it is not one of the graph's: far from every name is sure
    return LinkDecision(mention=mention, iri=new.iri(label), label=label, types=types, new=True,
                        score=round(100.0 - closest if reason == "new" else 100.0 - closest / 2, 1),
                        reason=reason, auto=False, candidates=candidates)


@lru_cache(maxsize=_NAME_CACHE)
def _strip_the(text: str) -> str:
    """A name without a leading "the" and a possessive "'s", blanks collapsed."""
    name = " ".join(text.split())
    if name[:4].lower() == "the ":
        name = name[4:]
    if len(name) > 2 and name[-1] in "sS" and fast_fold(name[-2]) == "'":
        name = name[:-2]
    return name


@lru_cache(maxsize=_NAME_CACHE)
def _name_key(label: str) -> str:
    return name_key(_strip_the(label))
