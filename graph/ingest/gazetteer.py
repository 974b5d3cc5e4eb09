"""The graph's names -> mentions of known entities in a text (multi-pattern, longest match wins).

Every rdfs:label and skos:altLabel (any language) of every entity a text could name is one pattern of an
Aho-Corasick automaton run over a *matching form* of the text: ``fold`` (case, dashes, quotes), then
hyphens read as spaces ("Land-Sea" = "Land Sea"), full-width brackets as ASCII and blank runs as one
blank. A map from matching-form positions to text positions keeps every offset exact.

Which labels make mentions on their own (the rule, so a text's common words never become entities):

- *short*: a Latin label of one or two letters or digits: never ("an", "EU").
- *generic*: a one-word Latin label that is a common word: the graph writes it in lower case
  ("equipment"), or it is a word of an ontology class label or of ``GENERIC_WORDS`` (titles,
  compass points, administrative heads: "President", "EDITOR", "west", "customs"): never.
- *acronym*: written all in capitals in the graph ("CCI", "ILSTC"): matched only where the text also
  writes it in capitals.
- *descriptive*: a Latin label of several words all in lower case after the first ("memorandum of
  cooperation", "International trade"), or made only of common words whatever their capitals
  ("Memorandum of Understanding", "Joint Meeting"): matched; the linker decides how far to trust
  it (``Gazetteer.descriptive``).
- *name*: everything else (proper names, Chinese labels): matched.

Besides the graph's own labels, the forms the press writes them in (``label_variants``) are patterns
too, where no entity has that form as a real label: sure forms ("One Belt, One Road", "&" for
"and", "Center" for "Centre") match like aliases; near forms (a plural, a programme's name
without its head, "development of the western region" for "Western Development Strategy", a
head synonym) match too, and ``Gazetteer.near_form`` tells the linker to send them to review.

Boundaries: a match that starts or ends with a Latin letter or digit must not touch another one
("Chongqing" is not in "Chongqinger"); Chinese labels match anywhere. Overlapping matches: the
longest wins, then the leftmost. A leading "the" is never part of a label; a possessive "'s" is
outside the match. A name hyphened to a capitalised word is part of a longer name ("China" in
"China-Europe freight train" is no mention). The name of a place or body followed by an
administrative suffix that its label lacks ("Sichuan Province") takes the suffix into the mention,
with the types the suffix implies, so the linker can check them ("Sichuan City" is not the province). Coordinated forms, "Chongqing and Chengdu Customs",
"the Sichuan and Yunnan provinces", "the customs of Chongqing and Chengdu", give one mention per
conjunct when "<A> <head>" is a label (or "<A>" names an entity of the head's type) for every one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Protocol

import ahocorasick  # type: ignore[import-not-found]  # pyahocorasick ships no type information
import rdflib
from rapidfuzz import fuzz, process

from coopgraph.graph.ingest.model import LinkDecision, Mention
from coopgraph.graph.ingest.text import fold, sentence_of
from coopgraph.graph.namespaces import COOP_NS
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.store.base import ONTOLOGY_GRAPH, Row

__all__ = ["KnownEntity", "Gazetteer", "GENERIC_WORDS", "SUFFIX_TYPES", "fast_fold", "matching_form",
           "name_key", "is_cjk", "has_cjk", "label_variants"]

# Classes of things a text does not name: records about texts and statements, and the clauses of
# an agreement (their "labels" are paraphrased sentences, which would swallow real names inside).
_UNNAMEABLE = {"SourceDocument", "IngestedDocument", "Evidence", "ExtractedEvidence", "Ingest",
               "CooperationArea", "AgreementArticle"}

# Single words that are labels in some graph but, standing alone in a text, are common words.
GENERIC_WORDS = frozenset("""
president vice chairman chairwoman chair director deputy editor secretary general minister premier
mayor governor chief head officer spokesman spokesperson ambassador consul leader member secretariat
customs province provinces city cities municipality county district region zone area port park
state nation country government committee bureau office department ministry council administration
authority agency centre center platform corridor route mechanism meeting conference forum summit
memorandum agreement initiative strategy plan policy programme program project industry trade
logistics equipment finance investment construction manufacturing transport railway highway
west east north south central western eastern northern southern new international national
""".split())

# Words of names that are still common nouns ("Memorandum of Understanding", "Framework Agreement").
_COMMON_NAME_WORDS = frozenset("""understanding cooperation cooperative joint framework strategic partnership
comprehensive economic development bilateral multilateral regional consultation coordination""".split())
_SMALL_WORDS = frozenset("a an the of and in on at for to with by from between".split())

# Administrative suffixes and the coop classes each one implies (the linker's suffix veto).
SUFFIX_TYPES: dict[str, tuple[str, ...]] = {
    "province": ("Province",), "municipality": ("Municipality",), "city": ("City", "Municipality"),
    "customs": ("CustomsDistrict", "CustomsAdministration"), "autonomous region": ("AutonomousRegion",),
    "zhuang autonomous region": ("AutonomousRegion",), "hui autonomous region": ("AutonomousRegion",),
    "uygur autonomous region": ("AutonomousRegion",), "uyghur autonomous region": ("AutonomousRegion",),
    "new area": ("NewArea",), "free trade zone": ("FreeTradeZone",),
    "pilot free trade zone": ("FreeTradeZone",),
    "county": ("Region",), "district": ("Region",), "prefecture": ("Region",), "zone": ("Zone",),
}
# Heads of coordinated forms ("Chongqing and Chengdu Customs"): the head as a label ends, and the
# classes an entity named by the bare conjunct must have.
_HEADS: dict[str, tuple[str, tuple[str, ...]]] = {
    "customs": ("customs", ("CustomsDistrict",)),
    "province": ("province", ("Province",)), "provinces": ("province", ("Province",)),
    "city": ("city", ("City", "Municipality")), "cities": ("city", ("City", "Municipality")),
    "municipality": ("municipality", ("Municipality",)),
    "municipalities": ("municipality", ("Municipality",)),
    "county": ("county", ()), "counties": ("county", ()),
    "district": ("district", ()), "districts": ("district", ()),
}
# A head word: its start is checked in _heads (a look-behind first would make re try every position
# of the text instead of only the first letters of the heads: twice as slow)
_HEAD_RE = re.compile(r"(" + "|".join(sorted(_HEADS, key=len, reverse=True)) + r")(?![\w])")
_WORD_CHAR = re.compile(r"\w")
_SUFFIX_RE = re.compile(r" (" + "|".join(sorted(SUFFIX_TYPES, key=len, reverse=True)) + r")(?![\w])")
_BLANK_RUN = re.compile(r"  +")
_OF_RE = re.compile(r" of (?:the )?")
_NOT_ALNUM = re.compile(r"[\W_]+")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")  # what fold makes "-"
_WORD_RE = re.compile(r"[^\s,;:()]+")
_MAX_CONJUNCT_WORDS = 3
_MAX_CONJUNCTS = 6

_FUZZY_FLOOR = 65       # below this a label is not even a near miss (the linker's threshold is higher)
_FUZZY_CACHE = 20_000   # names whose fuzzy answer is kept (names recur across the articles of a run)
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]")
_FULLWIDTH = {ord("\uff08"): "(", ord("\uff09"): ")", ord("\uff0c"): ",", ord("-"): " "}
_PARTY_PREDICATES = ("hasSignatory", "hasMember", "heldBy")
_PARTY_INVERSES = ("signatoryOf", "memberOf")
_DATE_TYPES = ("date", "gYearMonth", "gYear", "dateTime")
_XSD = "http://www.w3.org/2001/XMLSchema#"


class Selectable(Protocol):
    """The one thing of a Store the gazetteer uses (local or remote stores alike)."""

    def select(self, sparql: str) -> list[Row]: ...


@dataclass(frozen=True)
class KnownEntity:
    """An entity of the graph as the matcher and the linker see it."""

    iri: str
    label: str                           # the English rdfs:label (else any label)
    labels: tuple[str, ...]              # every label and alias, any language, label first
    types: tuple[str, ...]               # coop local names, most specific first
    dates: tuple[str, ...] = ()          # xsd date literals on it (signedOn ...): YYYY[-MM[-DD]]
    parties: tuple[str, ...] = ()        # IRIs of signatories / members / holders


def is_cjk(char: str) -> bool:
    """A character of a script written without spaces between words (Han, kana, hangul)."""
    code = ord(char)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F)


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a character of a script written without spaces (see ``is_cjk``)."""
    return _CJK.search(text) is not None


def _is_word_char(char: str) -> bool:
    return char.isalnum() and not is_cjk(char)


@cache
def _fold_table() -> dict[int, str]:
    """``fold``'s character mapping, read off ``fold`` itself once, so the two never disagree."""
    probe = "".join(chr(c) for c in (*range(0x3100), *range(0xFE00, 0x10000)))
    return {ord(a): b for a, b in zip(probe, fold(probe), strict=True) if b != a.lower()}


def fast_fold(text: str) -> str:
    """``fold`` at C speed: one ``translate`` and one ``lower`` (``fold`` itself when a character
    lower-cases to two, which would shift offsets).

    >>> fast_fold("The Land–Sea Corridor’s") == fold("The Land–Sea Corridor’s")
    True
    """
    folded = text.translate(_fold_table()).lower()
    return folded if len(folded) == len(text) else fold(text)


def _heads(form: str) -> Iterator[re.Match[str]]:
    """Every head word of ``form`` that starts a word."""
    for head in _HEAD_RE.finditer(form):
        if not (head.start() and _WORD_CHAR.match(form, head.start() - 1)):
            yield head


def matching_form(text: str) -> tuple[str, list[int]]:
    """The text as patterns are matched against, and each of its positions' offset in ``text``.

    >>> form, at = matching_form("The  Land–Sea\\nCorridor")
    >>> form
    'the land sea corridor'
    >>> at[4], at[9]  # "l" of Land (after two blanks) and "s" of Sea (after the dash)
    (5, 10)
    """
    folded = fast_fold(text).translate(_FULLWIDTH)
    parts: list[str] = []
    offsets: list[int] = []
    last = 0
    for run in _BLANK_RUN.finditer(folded):  # a run of blanks is one blank (fold made every blank " ")
        parts.append(folded[last:run.start() + 1])
        offsets.extend(range(last, run.start() + 1))
        last = run.end()
    parts.append(folded[last:])
    offsets.extend(range(last, len(folded)))
    return "".join(parts), offsets


@lru_cache(maxsize=1 << 16)
def name_key(label: str) -> str:
    """The matching form of a label, without a leading "the" and outer blanks."""
    form = matching_form(label)[0].strip()
    return form[4:] if form.startswith("the ") else form


def _label_kind(label: str, class_words: frozenset[str]) -> str:
    """short | generic | acronym | descriptive | name (see the module docstring)."""
    if has_cjk(label):
        return "name"
    alnum = [c for c in label if c.isalnum()]
    if len(alnum) <= 2:
        return "short"
    words = name_key(label).split()
    if len(words) == 1:
        if label.isupper() and words[0] not in GENERIC_WORDS and words[0] not in class_words:
            return "acronym"
        if label[:1].islower() or words[0] in GENERIC_WORDS or words[0] in class_words:
            return "generic"
        return "name"
    first, *rest = re.findall(r"[^\W\d_]+|\d+", label.strip())
    plain_first = first.islower() or (first[:1].isupper() and first[1:].islower())
    if rest and plain_first and all(w.islower() for w in rest) and not any(c.isdigit() for c in label):
        return "descriptive"
    content = [w for w in words if w not in _SMALL_WORDS]
    if content and all(w in GENERIC_WORDS or w in class_words or w in _COMMON_NAME_WORDS for w in content):
        return "descriptive"  # "Memorandum of Understanding", "Joint Meeting": capitals, yet no name
    return "name"


@dataclass
class _Match:
    start: int                 # text offsets
    end: int
    key: str
    types: tuple[str, ...] = ()


@dataclass
class Gazetteer:
    """The graph's nameable entities, their names, and the matcher over them.

    ``keys`` maps each label's matching form to the entities having it; ``kinds`` says how each key
    may match (module docstring); ``slugs`` are the entity slugs taken (so new IRIs never collide).
    """

    entities: dict[str, KnownEntity]
    slugs: set[str] = field(default_factory=set)
    keys: dict[str, list[str]] = field(init=False)
    kinds: dict[str, str] = field(init=False)
    place_keys: frozenset[str] = field(init=False)
    near_keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        class_words = frozenset(w for iri in load_ontology().classes if iri.startswith(COOP_NS)
                                for w in name_key(iri[len(COOP_NS):]).split())
        class_words |= frozenset(w for label in _class_labels() for w in name_key(label).split())
        keys: dict[str, list[str]] = defaultdict(list)
        kinds: dict[str, set[str]] = defaultdict(set)
        for entity in self.entities.values():
            for label in entity.labels:
                key = name_key(label)
                if not key:
                    continue
                if entity.iri not in keys[key]:
                    keys[key].append(entity.iri)
                kinds[key].add(_label_kind(label, class_words))
        # other ways the press writes a label (see ``label_variants``): only where no real label of any
        # entity has that form, so a variant never adds an entity to a name the graph gives to another
        surely: set[str] = set()
        for entity in self.entities.values():
            for label in entity.labels:
                for variant, same in label_variants(label).items():
                    key = name_key(variant)
                    if key and (key not in kinds or "variant" in kinds[key]):
                        if entity.iri not in keys[key]:
                            keys[key].append(entity.iri)
                        kinds[key] |= {"variant", _label_kind(variant, class_words)}
                        if same:
                            surely.add(key)
        self.keys = dict(keys)
        self.kinds = {key: _merge_kinds(found - {"variant"}) for key, found in kinds.items()}
        # forms only near a label (a plural, a head dropped or swapped): the linker sends them to review
        self.near_keys = frozenset(key for key, found in kinds.items() if "variant" in found and key not in surely)
        self._automaton = ahocorasick.Automaton()
        for key, kind in self.kinds.items():
            if kind not in ("short", "generic"):
                self._automaton.add_word(key, key)
        if len(self._automaton):
            self._automaton.make_automaton()
        self._fuzzy_keys = [key for key in self.keys if len(key.split()) >= 2]
        # token_sort_ratio is ratio() of the words sorted: sorted once here, not once per query and key
        self._fuzzy_sorted = [" ".join(sorted(key.split())) for key in self._fuzzy_keys]
        # only names of places and bodies take an administrative suffix ("Sichuan Province"); a post's
        # name does not ("Director of Chongqing Customs" + "District" is the district's name, not the post's)
        self._suffixable = frozenset(key for key, iris in self.keys.items() if any(
            {"Region", "GovernmentBody"} & set(self.entities[iri].types) for iri in iris))
        # names of places, to tell "Changsha ... Government" from "Chengdu ... Government"
        self.place_keys = frozenset(key for key, iris in self.keys.items()
                                    if self.kinds[key] in ("name", "acronym")
                                    and any("Region" in self.entities[iri].types for iri in iris))
        self._fuzzy_cache: dict[str, list[tuple[str, float]]] = {}
        self._dated_cache: dict[str, bool] = {}
        # the linker's answers for names that neither their sentence nor their document can change,
        # kept across the documents of one run (bounded like the fuzzy answers); keyed by the kind of
        # mention ("label" or "candidate"), its text, its label and its types
        self.link_cache: dict[tuple[str, str, str | None, tuple[str, ...]], LinkDecision] = {}
        # people's names in pinyin are written split or joined ("Shan Wei", "Shanwei", "Xi Jin-ping")
        self._compact: dict[str, list[str]] = defaultdict(list)
        for entity in self.entities.values():
            if "Person" in entity.types:
                for label in entity.labels:
                    compact = _compact(label)
                    if len(compact) >= 4 and entity.iri not in self._compact[compact]:
                        self._compact[compact].append(entity.iri)

    # -- construction ------------------------------------------------------------------------------

    @classmethod
    def from_store(cls, store: Selectable) -> Gazetteer:
        """Read every nameable entity of a store (default graph and named graphs) by SPARQL."""
        return cls._read(lambda kind: store.select(_QUERIES[kind]))

    @classmethod
    def from_graph(cls, graph: rdflib.Graph | rdflib.Dataset) -> Gazetteer:
        """The same from an rdflib graph or dataset (its named graphs too), without SPARQL."""
        return cls._read(_GraphRows(graph).rows)

    @classmethod
    def _read(cls, rows: Callable[[str], list[Row]]) -> Gazetteer:
        """Build from the rows of the five ``_QUERIES`` (types, extracted, labels, dates, parties)."""
        ontology = load_ontology()
        types: dict[str, set[str]] = defaultdict(set)
        taken: set[str] = set()
        for row in rows("types"):
            subject, cls_iri = row["s"], row["t"]
            if "/id/" in subject:
                taken.add(subject.rsplit("/id/", 1)[1])
            if cls_iri.startswith(COOP_NS):
                types[subject].add(cls_iri)
        nameable: dict[str, tuple[str, ...]] = {}
        for subject, classes in types.items():
            local = {c[len(COOP_NS):] for c in ontology.closure(sorted(classes)) if c.startswith(COOP_NS)}
            if local & _UNNAMEABLE:
                continue
            depth = {c: len([s for s in ontology.superclasses.get(COOP_NS + c, ()) if s.startswith(COOP_NS)])
                     for c in local}
            nameable[subject] = tuple(sorted(local, key=lambda c: (-depth[c], c)))
        # An entity an ingest introduced without a class (the text did not say what it is) is still a
        # name the graph has: the next article that names it links to it (unknown types are compatible).
        for row in rows("extracted"):
            nameable.setdefault(row["s"], ())
            if "/id/" in row["s"]:
                taken.add(row["s"].rsplit("/id/", 1)[1])
        labels: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for row in rows("labels"):
            if row["s"] not in nameable:
                continue
            # the English (or untagged) rdfs:label first, then other labels, then aliases
            is_label = row["p"] == _LABEL
            rank = 0 if is_label and row.get("lang", "") in ("en", "") else (1 if is_label else 2)
            labels[row["s"]].append((rank, row["l"]))
        dates: dict[str, set[str]] = defaultdict(set)
        for row in rows("dates"):
            if row["s"] in nameable:
                dates[row["s"]].add(row["d"][:10])
        parties: dict[str, set[str]] = defaultdict(set)
        for row in rows("parties"):
            parties[row["s"]].add(row["o"])
        entities: dict[str, KnownEntity] = {}
        for iri, found in labels.items():
            ordered = [text for _rank, text in sorted(set(found))]
            entities[iri] = KnownEntity(
                iri=iri, label=ordered[0], labels=tuple(dict.fromkeys(ordered)), types=nameable[iri],
                dates=tuple(sorted(dates.get(iri, ()))), parties=tuple(sorted(parties.get(iri, ()))))
        return cls(entities=entities, slugs=taken)

    # -- look-ups ------------------------------------------------------------------------------------

    def lookup(self, name: str) -> list[KnownEntity]:
        """The entities having ``name`` as a label or alias (compared in matching form)."""
        iris = self.keys.get(name)  # a mention's label is already a key
        if iris is None:
            iris = self.keys.get(name_key(_strip_possessive(name)), [])
        return [self.entities[iri] for iri in iris]

    def kind(self, name: str) -> str | None:
        """How the label ``name`` matches (short/generic/acronym/descriptive/name), None if no label."""
        kind = self.kinds.get(name)
        return kind if kind is not None else self.kinds.get(name_key(_strip_possessive(name)))

    def near_form(self, name: str) -> bool:
        """Whether ``name`` is only a near form of a label (``label_variants``: a plural, a head dropped
        or swapped), not a label itself: such a match is reviewed, never linked automatically."""
        key = name if name in self.kinds else name_key(_strip_possessive(name))
        return key in self.near_keys

    def descriptive(self, name: str) -> bool:
        """Whether ``name`` is a common-noun phrase of the graph ("memorandum of cooperation")."""
        return self.kind(name) == "descriptive"

    def same_letters(self, name: str) -> list[KnownEntity]:
        """People whose name has the same letters as ``name`` ("Shanwei" -> Shan Wei)."""
        return [self.entities[iri] for iri in self._compact.get(_compact(name), ())]

    def could_be_dated(self, name: str, classes: Iterable[str], limit: int = 5) -> bool:
        """Whether an entity of one of ``classes`` has ``name`` as a label, is among its ``limit``
        closest by fuzzy name, or has its letters (the things whose link depends on dates and parties)."""
        answer = self._dated_cache.get(name)
        if answer is None:
            wanted = frozenset(classes)
            entities = [*self.lookup(name), *(e for e, _s in self.fuzzy(name, limit=limit)),
                        *self.same_letters(name)]
            answer = any(wanted.intersection(e.types) for e in entities)
            if len(self._dated_cache) >= _FUZZY_CACHE:
                self._dated_cache.clear()
            self._dated_cache[name] = answer
        return answer

    def fuzzy(self, name: str, limit: int = 5) -> list[tuple[KnownEntity, float]]:
        """The closest entities by a multi-word label (token_sort_ratio, 0..100), best first."""
        query = name_key(_strip_possessive(name))
        if len(query.split()) < 2 or not self._fuzzy_keys:
            return []
        ranked = self._fuzzy_cache.get(query)
        if ranked is None:
            best: dict[str, float] = {}
            words = " ".join(sorted(query.split()))
            for _sorted, score, index in process.extract(words, self._fuzzy_sorted, scorer=fuzz.ratio,
                                                         processor=None, limit=15, score_cutoff=_FUZZY_FLOOR):
                for iri in self.keys[self._fuzzy_keys[index]]:
                    best[iri] = max(best.get(iri, 0.0), float(score))
            ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
            if len(self._fuzzy_cache) >= _FUZZY_CACHE:
                self._fuzzy_cache.clear()  # bounded: a long run of many articles keeps recent names only
            self._fuzzy_cache[query] = ranked
        return [(self.entities[iri], score) for iri, score in ranked[:limit]]

    # -- matching ------------------------------------------------------------------------------------

    def find(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        """Every mention of a known entity in ``text``; ``spans`` are its sentences."""
        form, offsets = matching_form(text)
        plain = self._plain_matches(text, form, offsets)
        chosen = _resolve(plain, self._coordinated_groups(form, offsets))
        sentence_spans = list(spans)
        mentions = []
        for match in chosen:
            mentions.append(Mention(text=text[match.start:match.end], start=match.start, end=match.end,
                                    sentence=sentence_of(sentence_spans, match.start), source="label",
                                    types=match.types, label=match.key))
        return mentions

    def _plain_matches(self, text: str, form: str, offsets: list[int]) -> list[_Match]:
        if not len(self._automaton):
            return []
        found: list[tuple[int, int, str]] = []
        for end_index, key in self._automaton.iter(form):
            start_index = end_index - len(key) + 1
            if not _bounded(form, start_index, end_index + 1, key):
                continue
            start, end = offsets[start_index], offsets[end_index] + 1
            if self.kinds[key] == "acronym" and not text[start:end].isupper():
                continue
            if _compound_part(text, start, end):
                continue
            found.append((start_index, end_index + 1, key))
        matches = []
        for start_index, end_index, key in _longest_first(found):
            types: tuple[str, ...] = ()
            suffix = _SUFFIX_RE.match(form, end_index)
            if suffix is not None and not key.endswith(suffix.group(1)) and key in self._suffixable:
                # "Sichuan Province": the suffix belongs to the name; it says what the name is
                end_index = suffix.end()
                types = SUFFIX_TYPES[suffix.group(1)]
            matches.append(_Match(offsets[start_index], offsets[end_index - 1] + 1, key, types))
        return matches

    def _coordinated_groups(self, form: str, offsets: list[int]) -> list[list[_Match]]:
        groups = []
        for head in _heads(form):
            conjuncts = self._conjuncts(form, head) or self._conjuncts_after(form, head)
            if conjuncts:
                groups.append([_Match(offsets[s], offsets[e - 1] + 1, key)
                               for s, e, key in conjuncts])
        return groups

    def _conjuncts(self, form: str, head: re.Match[str]) -> list[tuple[int, int, str]]:
        """"<A>, <B> and <C> <head>" -> [(start, end, key)] per conjunct (form offsets), or []."""
        window = max(0, head.start() - 120)
        if form.find(" and ", window, head.start()) == -1 and form.find(" & ", window, head.start()) == -1:
            return []  # no conjunction before the head: nothing coordinated (most heads of a text)
        head_word, head_types = _HEADS[head.group(1)]
        words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(form, window, head.start())]
        if not words or form[words[-1][1]:head.start()] != " ":
            return []
        result: list[tuple[int, int, str]] = []
        position = len(words)
        saw_and = False
        for _ in range(_MAX_CONJUNCTS):
            conjunct = self._conjunct(words, position, head_word, head_types)
            if conjunct is None:
                break
            first, key = conjunct
            result.append((words[first][0], words[position - 1][1], key))
            position = first
            if position == 0:
                break
            if words[position - 1][2] in ("and", "&") and not saw_and:
                saw_and, position = True, position - 1      # "... and <C> <head>"
            elif saw_and and "," in form[words[position - 1][1]:words[position][0]]:
                continue                                    # "<A>, <B> and <C> <head>"
            else:
                break
        if len(result) < 2 or not saw_and:
            return []
        result.reverse()
        last_start, _last_end, last_key = result[-1]
        result[-1] = (last_start, head.end(), last_key)  # the last conjunct carries the head
        return result

    def _conjuncts_after(self, form: str, head: re.Match[str]) -> list[tuple[int, int, str]]:
        """"<head> of <A>, <B> and <C>" ("the customs of Chongqing and Chengdu") -> one per conjunct;
        the first one's span starts at the head."""
        of = _OF_RE.match(form, head.end())
        if of is None:
            return []
        head_word, head_types = _HEADS[head.group(1)]
        words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(form, of.end(),
                                                                           min(len(form), of.end() + 120))]
        result: list[tuple[int, int, str]] = []
        position, after_and = 0, None
        for _ in range(_MAX_CONJUNCTS):
            conjunct = None
            for size in range(min(_MAX_CONJUNCT_WORDS, len(words) - position), 0, -1):
                phrase = " ".join(w[2] for w in words[position:position + size])
                key = self._conjunct_key(phrase, head_word, head_types)
                if key is not None:
                    conjunct = (size, key)
                    break
            if conjunct is None:
                break
            size, key = conjunct
            result.append((words[position][0], words[position + size - 1][1], key))
            position += size
            if after_and is not None or position >= len(words):
                break
            if words[position][2] in ("and", "&"):
                after_and, position = len(result), position + 1
            elif "," not in form[words[position - 1][1]:words[position][0]]:
                break
        if after_and is None or len(result) <= after_and:
            return []  # the conjunct after "and" must name something too
        result[0] = (head.start(), result[0][1], result[0][2])
        return result

    def _conjunct(self, words: list[tuple[int, int, str]], position: int, head_word: str,
                  head_types: tuple[str, ...]) -> tuple[int, str] | None:
        """The longest run of words ending at ``position`` that, with the head, names an entity."""
        for size in range(min(_MAX_CONJUNCT_WORDS, position), 0, -1):
            first = position - size
            key = self._conjunct_key(" ".join(w[2] for w in words[first:position]), head_word, head_types)
            if key is not None:
                return first, key
        return None

    def _conjunct_key(self, phrase: str, head_word: str, head_types: tuple[str, ...]) -> str | None:
        """The label "<phrase> <head>" names, or "<phrase>" when it names an entity of the head's type."""
        if phrase in ("and", "&") or phrase.startswith(("and ", "the ")):
            return None
        with_head = f"{phrase} {head_word}"
        if self.kinds.get(with_head) not in (None, "short", "generic"):
            return with_head
        if head_types and self.kinds.get(phrase) not in (None, "short", "generic"):
            if any(set(self.entities[iri].types) & set(head_types) for iri in self.keys[phrase]):
                return phrase
        return None


# Head nouns the press uses interchangeably in the name of one policy or thing (and the British and
# American spellings of one word): a label ending in one is also written with the other.
_HEAD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "concept": ("outlook",), "outlook": ("concept",), "centre": ("center",), "center": ("centre",),
    "programme": ("program",), "program": ("programme",), "organisation": ("organization",),
    "organization": ("organisation",), "harbour": ("harbor",), "harbor": ("harbour",),
}
_SPELLINGS = frozenset({"centre", "center", "programme", "program", "organisation", "organization", "harbour",
                        "harbor"})
# Heads that only say what kind of programme a name is ("Belt and Road Initiative" = "Belt and Road").
_DROPPABLE_HEADS = ("initiative", "strategy")
# Nouns of action a regional strategy is named by ("Western Development", "Northeast Revitalization").
_ACTION_NOUN = re.compile(r"^[a-z]+(?:ment|tion|sion)$")
_COMPASS_ADJECTIVE = re.compile(r"^(?:north|south)?(?:east|west)?ern$|^central$")
_PLURAL_EXCEPTIONS = frozenset("customs affairs news series means headquarters works logistics economics "
                               "statistics politics arms goods".split())


def label_variants(label: str) -> dict[str, bool]:
    """Other forms a news text writes a label in (English labels of two words or more), each with
    whether it is surely the same name (True: "and" / "&", the "One A, One B" form of "A and B", a
    hyphened pair spelt out "Land-Sea" -> "Land and Sea", British / American spellings) or only
    near it (False, for review: a programme's name without its head "Belt and Road Initiative" ->
    "Belt and Road", a regional strategy named by its action "Western Development Strategy" ->
    "development of the western region", "the western region's development", a head synonym
    "... concept" -> "... outlook", the plural or singular of the last word).

    >>> sorted(label_variants("Belt and Road Initiative").items())  # doctest: +NORMALIZE_WHITESPACE
    [('Belt & Road Initiative', True), ('Belt and Road', False), ('Belt and Road Initiatives', False),
     ('One Belt One Road', True), ('One Belt and One Road', True), ('One Belt, One Road', True)]
    >>> label_variants("Eastern Revitalization Strategy")["revitalization of the eastern region"]
    False
    >>> label_variants("Chongqing")
    {}
    """
    words = label.split()
    if len(words) < 2 or has_cjk(label):
        return {}
    same: set[str] = set()
    near: set[str] = set()
    if " and " in label:
        same.add(label.replace(" and ", " & "))
    if " & " in label:
        same.add(label.replace(" & ", " and "))
    last = words[-1].lower()
    base = words
    if last in _DROPPABLE_HEADS and len(words) >= 3:
        base = words[:-1]
        near.add(" ".join(base))
    if len(base) == 3 and base[1].lower() in ("and", "&") and all(w[:1].isupper() for w in (base[0], base[2])):
        a, b = base[0], base[2]
        same |= {f"One {a} and One {b}", f"One {a}, One {b}", f"One {a} One {b}"}
    if len(base) == 2 and _COMPASS_ADJECTIVE.match(base[0].lower()) and _ACTION_NOUN.match(base[1].lower()):
        adjective, action = base[0].lower(), base[1].lower()
        near |= {f"{action} of the {adjective} region", f"{adjective} region's {action}",
                 f"{action} of {base[0]} China"}
    for synonym in _HEAD_SYNONYMS.get(last, ()):
        (same if synonym in _SPELLINGS else near).add(" ".join(words[:-1] + [_same_case(words[-1], synonym)]))
    for i, word in enumerate(words):
        pair = re.fullmatch(r"([A-Za-z]+)-([A-Za-z]+)", word)
        if pair and pair.group(1)[:1].isupper() and pair.group(2)[:1].isupper():
            same.add(" ".join(words[:i] + [f"{pair.group(1)} and {pair.group(2)}"] + words[i + 1:]))
    if last.isalpha() and last not in _PLURAL_EXCEPTIONS and len(last) > 3:
        if last.endswith("ies"):
            other = words[-1][:-3] + "y"
        elif last.endswith("s") and not last.endswith("ss"):
            other = words[-1][:-1]
        elif last.endswith("y") and last[-2] not in "aeiou":
            other = words[-1][:-1] + "ies"
        elif last.endswith(("s", "x", "ch", "sh")):
            other = words[-1] + "es"
        else:
            other = words[-1] + "s"
        near.add(" ".join(words[:-1] + [other]))
    out = {variant: False for variant in near}
    out.update({variant: True for variant in same})
    out.pop(label, None)
    return out


def _same_case(model: str, word: str) -> str:
    return word.capitalize() if model[:1].isupper() else word


@lru_cache(maxsize=1 << 16)
def _compact(name: str) -> str:
    return _NOT_ALNUM.sub("", name_key(_strip_possessive(name)))


def _merge_kinds(found: set[str]) -> str:
    # one entity's lower-case alias must not silence another entity's proper name of the same spelling
    for kind in ("name", "acronym", "descriptive", "generic", "short"):
        if kind in found:
            return kind
    return "name"


def _class_labels() -> Iterable[str]:
    graph = load_ontology().graph
    for cls_iri in load_ontology().classes:
        for value in graph.objects(rdflib.URIRef(cls_iri), rdflib.RDFS.label):
            yield str(value)


def _strip_possessive(name: str) -> str:
    name = name.strip()
    return name[:-2] if len(name) > 2 and name[-1] in "sS" and fast_fold(name[-2]) == "'" else name


def _bounded(form: str, start: int, end: int, key: str) -> bool:
    """A Latin end of a match must not touch another Latin letter or digit (CJK ends never do)."""
    if _is_word_char(key[0]) and start > 0 and _is_word_char(form[start - 1]):
        return False
    if _is_word_char(key[-1]) and end < len(form) and _is_word_char(form[end]):
        return False
    return True


def _compound_part(text: str, start: int, end: int) -> bool:
    """A name hyphened to a capitalised word ("China-Europe freight train") is part of a longer name;
    hyphened to a lower-case word ("Chongqing-based") it is itself."""
    if end + 1 < len(text) and text[end + 1].isupper() and text[end] in _DASHES:
        return True
    if start >= 2 and text[start - 1] in _DASHES:
        word_before = re.search(r"([^\W\d_]+)$", text[max(0, start - 40):start - 1])
        return word_before is not None and word_before.group(1)[0].isupper()
    return False


def _longest_first(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping matches: the longest first, then the leftmost; returned in text order."""
    taken: list[tuple[int, int, str]] = []
    occupied = bytearray(max((end for _s, end, _k in found), default=0))
    for start, end, key in sorted(found, key=lambda m: (-(m[1] - m[0]), m[0])):
        if not any(occupied[start:end]):
            occupied[start:end] = b"\x01" * (end - start)
            taken.append((start, end, key))
    return sorted(taken)


def _resolve(plain: list[_Match], groups: list[list[_Match]]) -> list[_Match]:
    """A coordinated group replaces the plain matches inside it, unless a plain match reaches out of
    the group (then the group was misread and the plain matches stand)."""
    chosen = list(plain)
    for group in groups:
        start, end = group[0].start, group[-1].end
        if any(p.start < end and p.end > start and (p.start < start or p.end > end) for p in chosen):
            continue
        chosen = [p for p in chosen if not (p.start < end and p.end > start)] + group
    return sorted(chosen, key=lambda m: m.start)


def _in_any_graph(pattern: str, condition: str, projection: str) -> str:
    """A SELECT of ``pattern`` over the default graph and every named graph but the ontology's."""
    return (f"SELECT DISTINCT {projection} WHERE {{ {{ {pattern} }} UNION "
            f"{{ GRAPH ?g {{ {pattern} }} FILTER(?g != <{ONTOLOGY_GRAPH}>) }} FILTER({condition}) }}")


_LABEL = str(rdflib.RDFS.label)
_MACHINE_EXTRACTED = COOP_NS + "machineExtracted"
_ALT_LABEL = str(rdflib.SKOS.altLabel)
_ORG = "http://www.w3.org/ns/org#"
_FORWARD = (*(COOP_NS + p for p in _PARTY_PREDICATES), _ORG + "hasMember")
_INVERSE = (*(COOP_NS + p for p in _PARTY_INVERSES), _ORG + "memberOf")
_QUERIES = {
    "types": _in_any_graph("?s a ?t", "isIRI(?s)", "?s ?t"),
    "labels": _in_any_graph(f"?s ?p ?l . VALUES ?p {{ <{_LABEL}> <{_ALT_LABEL}> }}", "isLiteral(?l)",
                            "?s ?p ?l (LANG(?l) AS ?lang)"),
    "dates": _in_any_graph("?s ?p ?d", "isLiteral(?d) && (" + " || ".join(
        f"DATATYPE(?d) = <{_XSD}{t}>" for t in _DATE_TYPES) + ")", "?s ?d"),
    "extracted": _in_any_graph(f"?s <{_MACHINE_EXTRACTED}> ?x", "isIRI(?s)", "?s"),
    # forward (memo hasSignatory party) and inverse (party signatoryOf memo) statements alike
    "parties": _in_any_graph("{ ?s ?p ?o VALUES ?p { " + " ".join(f"<{p}>" for p in _FORWARD) + " } } UNION "
                             "{ ?o ?p ?s VALUES ?p { " + " ".join(f"<{p}>" for p in _INVERSE) + " } }",
                             "isIRI(?o) && isIRI(?s)", "?s ?o"),
}


class _GraphRows:
    """The rows of ``_QUERIES`` read straight from an rdflib graph or dataset (its SPARQL engine
    warns on datasets, and reading triples is all these need)."""

    def __init__(self, graph: rdflib.Graph | rdflib.Dataset) -> None:
        if isinstance(graph, rdflib.Dataset):
            self.triples = [(s, p, o) for s, p, o, g in graph.quads((None, None, None, None))
                            if g is None or str(getattr(g, "identifier", g)) != ONTOLOGY_GRAPH]
        else:
            self.triples = list(graph)

    def rows(self, kind: str) -> list[Row]:
        out: list[Row] = []
        for s, p, o in self.triples:
            if kind == "types" and p == rdflib.RDF.type and isinstance(s, rdflib.URIRef):
                out.append({"s": str(s), "t": str(o)})
            elif kind == "extracted" and str(p) == _MACHINE_EXTRACTED and isinstance(s, rdflib.URIRef):
                out.append({"s": str(s)})
            elif kind == "labels" and str(p) in (_LABEL, _ALT_LABEL) and isinstance(o, rdflib.Literal):
                out.append({"s": str(s), "p": str(p), "l": str(o), "lang": o.language or ""})
            elif kind == "dates" and isinstance(o, rdflib.Literal) and o.datatype is not None \
                    and str(o.datatype) in {_XSD + t for t in _DATE_TYPES}:
                out.append({"s": str(s), "d": str(o)})
            elif kind == "parties" and isinstance(o, rdflib.URIRef):
                if str(p) in _FORWARD:
                    out.append({"s": str(s), "o": str(o)})
                elif str(p) in _INVERSE:
                    out.append({"s": str(o), "o": str(s)})
        return out
