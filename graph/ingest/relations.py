"""Relations an article states, sentence by sentence, between the entities its mentions link to.

Each rule is a pattern between two linked mentions of compatible types (the ontology's domains and
ranges, through the superclasses of the mentions' types) with the words between them:

    signing        "A and B (officially) signed a memorandum"   hasSignatory, signedOn (+ its date)
                   "a memorandum ... signed by / between A and B"
    post           "Shan Wei, Director of Chongqing Customs"    org:holds, org:postIn
    members        "the X mechanism among A, B and C"; "A joined the X mechanism"   hasMember
    establishes    "A (has) established the X mechanism"        establishesMechanism
    action         "A will promote / support / implement / build (the construction of) B"
                   promotes, supports, implements, builds, operates, administers, cooperatesWith;
                   "help X play a (leading) role in promoting B"   supports
    connects       "the X corridor ... links / connectivity between A and B"   connects
    located        "X, Y and Z in W"; "X, located in W"; "X (Chongqing) Free Trade Zone"  locatedIn
    based / part   "X, based in W"; "X, part of Y"               basedIn, partOf
    names          "Liangjiang New Area Administrative Committee" administers Liangjiang New Area
    nominals       "attach importance to the construction and operation of X"   builds, operates
    frames         "In line with plan P, A will carry out Q"   implements P, Q basedOn P;
                   "With the support of B, A will promote Y"    B supports Y
    apposition     "Kunming, the capital of Yunnan"              locatedIn

Subjects are named mentions, coordinated ones ("A and B will ..."), the name a relative clause follows
("A, which will ..."), or resolved references at a lower confidence: "they" / "it" / "the Bureau" (the
speaker's organisation or the sentence's topic), "the two sides" / "both parties" (the signatories of
the agreement in focus) and "this cooperation" (that agreement).

Precision first: a pattern fires only when the words between the two mentions are the few a
statement of that kind uses (auxiliaries, adverbs, "the construction of" ...); anything else (a
pronoun with nothing to refer to, a clause in between) is left to the reviewer. Every relation quotes the clause that
states it (``doc.text[start:end] == quote``), with its modality (done / planned / stated) from the
verb's tense and the words around it, and the date the sentence gives, if any.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from coopgraph.graph.ingest.dates import StatedDate, stated_date
from coopgraph.graph.ingest.linking import CONTAINER_TYPES
from coopgraph.graph.ingest.model import IngestDocument, LinkDecision, Modality, Relation
from coopgraph.graph.ingest.text import sentence_of

__all__ = ["find_relations", "type_closure"]

# Kinds of entity a rule accepts at one end, as coop classes (a mention qualifies through superclasses).
ORGANISATION = frozenset({"GovernmentBody", "PartyBody", "Association", "InternationalOrganisation",
                          "MediaOrganisation"})
PLACE = frozenset({"Region"})
ACTOR = ORGANISATION | PLACE | {"Agreement"}          # who supports, promotes, builds ... in the news
PARTY = ORGANISATION | PLACE                           # who signs, who is a member
THING = frozenset({"Region", "Platform", "Corridor", "Initiative", "Strategy", "Plan", "Policy", "Instruction",
                   "Agreement", "CooperationMechanism", "CooperationArea", "Industry", "Event"})
BUILT = frozenset({"Zone", "Platform", "Corridor", "CooperationMechanism"})
SITED = frozenset({"Zone", "Platform", "Region"})     # what lies in a region

# Words that may stand between a subject and its verb: auxiliaries, adverbs, "aims to", "plans to".
_AUX = (r"(?:will|shall|would|is|are|was|were|has|have|had|been|be|being|going|to|plans?|planned|planning|aims?"
        r"|aimed|aiming|at|intends?|intended|strives?|strived|continues?|continued|also|further|actively|jointly"
        r"|vigorously|fully|steadily|officially|formally|comprehensively|mainly|expected|must|should|can|could"
        r"|tries|try|trying|seeks?|agreed|agrees|decided|decides|sets?\s+out|still|now|already|first|recently"
        r"|successfully|together|both|hopes?|wants?|pledged|pledges|vowed|vows|committed|commits|need|needs|schemes?)")
# (and any adverb in -ly: "is strongly supported", "will steadily expand"; not the verbs in -ly)
_ADVERB = r"(?-i:(?!(?:apply|supply|reply|rely|multiply|comply|imply|rally|ally|fly)\b)[a-z]{2,}ly\b)"
_AUX_GAP = re.compile(rf"(?:\s+(?:{_AUX}|{_ADVERB}|takes?\s+the\s+lead\s+in|took\s+the\s+lead\s+in))*\s+",
                      re.IGNORECASE)
# Words that may stand between a verb and its object ("promote the opening up and development of").
_OBJ_WORDS = (r"(?:the|a|an|its|their|further|more|continued|construction|development|opening|up|opening-up"
              r"|implementation|sustainable|green|high-quality|quality|of|and|in|high-level|integrated"
              r"|co-construction|building|growth|upgrading|reform|cooperation|with|joint|steady|healthy|rapid"
              r"|deeper|deepening|new|round|better|stronger|operation|management|pattern|spirit|upper|middle|lower"
              r"|reaches|thorough|thoroughly|comprehensive|full|smooth|effective|integration|integrated)")
# The words between a verb and its object, up to the object itself (matched in full, so the object is the
# mention right after them): "the construction of the", "such mechanisms as the", and the first half of
# an elliptical pair ("promote China-Laos and [China-Myanmar trade cooperation]").
_OBJ_GAP = re.compile(rf"\s+(?:{_OBJ_WORDS}\s+){{0,9}}(?:such\s+(?:[\w-]+\s+){{0,3}}as\s+(?:the\s+)?)?"
                      r"(?-i:[A-Z]\w*-[A-Z]\w*\s+and\s+)?", re.IGNORECASE)
_COORD_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|\s+and\s+|\s+as\s+well\s+as\s+)(?:the\s+)?")

# verb -> (predicate, object kinds); the verb's form decides done / planned / stated.
_ACTIONS: list[tuple[re.Pattern[str], str, frozenset[str]]] = [
    # "takes part in / participates in (the construction of) X": backs X with its own work
    (re.compile(r"(?:support(?:s|ed|ing)?|back(?:s|ed|ing)?|participat(?:e|es|ed|ing)\s+in"
                r"|t(?:ake|akes|ook|aking)\s+part\s+in|help(?:s|ed|ing)?\s+(?:[A-Z][\w'\u2019-]*\s+){1,4}"
                r"play\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}role\s+in(?:\s+(?:promoting|advancing|boosting))?)\b", re.I),
     "supports", THING | ORGANISATION),
    (re.compile(r"(?:promot(?:e|es|ed|ing)|advanc(?:e|es|ed|ing)|boost(?:s|ed|ing)?)\b", re.I), "promotes", THING),
    (re.compile(r"(?:implement(?:s|ed|ing)?|carr(?:y|ies|ied|ying)\s+out|appl(?:y|ies|ied|ying)"
                r"|(?:accelerat(?:e|es|ed|ing)\s+)?(?:the|an?)\s+(?:[\w-]+\s+){0,2}?implementation\s+of)\b", re.I),
     "implements", frozenset({"Plan", "Policy", "Instruction", "Agreement", "CooperationMechanism", "Strategy",
                              "Initiative", "Meeting"})),
    (re.compile(r"(?:(?:co-)?build(?:s|ing)?|(?:co-)?built|(?:co-)?construct(?:s|ed|ing)?|accelerat(?:e|es|ed|ing)\s+the\s+construction"
                r"\s+of|(?:speed(?:s|ing)?|sped)\s+up\s+the\s+construction\s+of)\b", re.I), "builds", BUILT),
    (re.compile(r"(?:operat(?:e|es|ed|ing)|run(?:s|ning)?|ran)\b", re.I), "operates", frozenset({"Platform"})),
    (re.compile(r"(?:administer(?:s|ed|ing)?|manag(?:e|es|ed|ing))\b", re.I), "administers",
     frozenset({"Zone", "Initiative", "PilotProgramme", "Platform"})),
    (re.compile(r"(?:cooperat(?:e|es|ed|ing)|work(?:s|ed|ing)?|partner(?:s|ed|ing)?|(?:deepen|strengthen|expand"
                r"|enhance)(?:s|ed|ing)?\s+(?:its\s+|their\s+)?cooperation)\s+with\b", re.I),
     "cooperatesWith", PARTY),
    (re.compile(r"(?:establish(?:es|ed|ing)?|set(?:s|ting)?\s+up|launch(?:es|ed|ing)?|creat(?:e|es|ed|ing))\b", re.I),
     "establishesMechanism", frozenset({"CooperationMechanism"})),
    (re.compile(r"(?:lead(?:s|ing)?|led|convene(?:s|d)?|host(?:s|ed|ing)?)(?:\s+the\s+(?:preparation|preparations"
                r"|organisation|organization|work)\s+(?:for|of))?\b", re.I),
     "leadsMechanism", frozenset({"CooperationMechanism"})),
]

_PLANNED = re.compile(r"\b(?:will|shall|going\s+to|plans?\s+to|planned\s+to|planning\s+to|aims?\s+(?:to|at)"
                      r"|aimed\s+(?:to|at)|intends?\s+to|is\s+to|are\s+to|expected\s+to|strives?\s+to|seeks?\s+to"
                      r"|tries\s+to|try\s+to|must|should|agreed\s+to|decided\s+to|hopes?\s+to|pledged\s+to"
                      r"|vowed\s+to|committed\s+to|continues?\s+to|need\s+to|would)\b", re.I)
_PAST = re.compile(r"\b(?:has|have|had)\s+(?:\w+\s+)?\w+ed\b|\b(?:signed|inked|concluded|established|launched"
                   r"|built|set\s+up|created|promoted|supported|implemented|constructed|joined|linked|connected"
                   r"|held|opened|completed|applied|carried\s+out|cooperated|operated|administered|participated|took\s+part"
                   r"|was|were)\b", re.I)


# Names compared the way text.fold() compares them (dashes, quotes, case), without its per-character loop:
# here only equality matters, not offsets.
_NORM = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                       "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\n": " ", "\u00a0": " "})


@lru_cache(maxsize=8192)
def _norm(name: str) -> str:   # cached: an article names the same entities again and again
    return name.translate(_NORM).lower()


@dataclass(frozen=True)
class _Found:
    subject: LinkDecision
    predicate: str
    object: LinkDecision | None
    start: int
    end: int
    modality: Modality
    confidence: float
    rule: str
    value: str | None = None
    dated: bool = True            # whether the sentence's date applies (not to "stated" facts)


@cache
def _ontology_closure() -> dict[str, frozenset[str]]:
    from coopgraph.graph.namespaces import COOP_NS
    from coopgraph.graph.ontology import load_ontology
    ontology = load_ontology()
    return {cls.removeprefix(COOP_NS): frozenset(c.removeprefix(COOP_NS) for c in supers if c.startswith(COOP_NS))
            for cls, supers in ontology.superclasses.items() if cls.startswith(COOP_NS)}


@lru_cache(maxsize=4096)
def type_closure(types: tuple[str, ...]) -> frozenset[str]:
    """The coop classes and all their coop superclasses.

    >>> sorted(type_closure(("Port",)))
    ['Facility', 'Platform', 'Port']
    """
    closure = _ontology_closure()
    out: set[str] = set()
    for t in types:
        out |= closure.get(t, frozenset({t}))
    return frozenset(out)


def _is(decision: LinkDecision, kinds: frozenset[str]) -> bool:
    return not type_closure(decision.types).isdisjoint(kinds)


_LEADING_THE = re.compile(r"(?:the\s+)?", re.I)


class _Cues:
    """Where a document's cue words are ("said", "they", "both sides" ...), found once per document.

    A cue regex is only run on a sentence that holds one of its words: finding a few words with
    ``str.find`` in the lower-case text is far cheaper than a case-insensitive regex over every sentence.
    """

    def __init__(self, text: str) -> None:
        self.lower = text.lower()
        # a character whose lower case is longer ('İ') shifts offsets: then every sentence is a candidate
        self.exact = len(self.lower) == len(text)
        self.positions: dict[tuple[str, ...], list[int]] = {}

    def any(self, words: tuple[str, ...], start: int, end: int) -> bool:
        """Whether one of ``words`` (lower case) starts in ``text[start:end]``."""
        if not self.exact:
            return True
        found = self.positions.get(words)
        if found is None:
            found = []
            for word in words:
                at = self.lower.find(word)
                while at != -1:
                    found.append(at)
                    at = self.lower.find(word, at + 1)
            found.sort()
            self.positions[words] = found
        i = bisect_left(found, start)
        return i < len(found) and found[i] < end


def _outermost(ms: list[LinkDecision]) -> list[LinkDecision]:
    """``ms`` (by start, longest first) without the names nested in another name, except inside a
    container (a post, a visit, an article of an agreement...): in "the Department of Commerce of
    Guizhou Province signed", the department signed, not the province its name mentions."""
    kept: list[LinkDecision] = []
    outer: LinkDecision | None = None
    for d in ms:
        if outer is not None and d.mention.end <= outer.mention.end and d.mention.start < outer.mention.end \
                and (d.mention.start, d.mention.end) != (outer.mention.start, outer.mention.end) \
                and not (outer.types and outer.types[0] in CONTAINER_TYPES):
            continue
        kept.append(d)
        if outer is None or d.mention.end > outer.mention.end:
            outer = d
    return kept


def find_relations(doc: IngestDocument, decisions: Sequence[LinkDecision],
                   spans: Sequence[tuple[int, int]]) -> list[Relation]:
    """The relations each sentence of ``doc`` states between the entities of ``decisions``."""
    spans = list(spans)
    known = set(spans)
    by_sentence: dict[tuple[int, int], list[LinkDecision]] = {}
    for d in decisions:
        # a mention carries its sentence; looked up only if it came from other spans
        sentence = d.mention.sentence if d.mention.sentence in known else sentence_of(spans, d.mention.start)
        by_sentence.setdefault(sentence, []).append(d)
    found: list[_Found] = []
    topic: LinkDecision | None = None   # whom "they", "it", "we", "the Bureau" refer to
    agreement: LinkDecision | None = None           # the agreement in focus: "this cooperation"
    parties: list[LinkDecision] = []                # its signatories: "the two sides", "both parties"
    organisations: dict[str, LinkDecision] | None = None   # by name, for a post naming its body in full
    everywhere: set[str] = set()        # the classes mentioned in the document: rules for others are skipped
    cues = _Cues(doc.text)
    for (s_start, s_end), in_sentence in sorted(by_sentence.items()):
        if s_start == s_end:
            continue
        ms = _outermost(sorted(in_sentence, key=lambda d: (d.mention.start, -d.mention.end)))
        present = frozenset().union(*(type_closure(types) for types in {d.types for d in ms}))
        everywhere |= present
        if "Agreement" in present:
            signed = _signing(doc.text, s_start, s_end, ms, doc.date)
            found.extend(signed)
            signatories = [f for f in signed if f.predicate == "hasSignatory" and f.object is not None]
            if signatories:
                agreement = signatories[-1].subject
                parties = [f.object for f in signatories if f.subject is agreement and f.object is not None]
        if "Post" in present:
            posts = _posts(doc.text, ms)
            if not any(f.predicate == "org:postIn" for f in posts):
                if organisations is None:
                    organisations = {_norm(d.mention.text): d for d in decisions if _is(d, ORGANISATION)}
                posts.extend(_post_in_by_name(doc.text, ms, organisations))
            found.extend(posts)
            # a speaker's organisation is what the rest of their statement is about
            speaker = next((f.object for f in posts if f.predicate == "org:postIn"), None) or _post_organisation(ms)
            topic = speaker or topic
        # "... said that Liangjiang New Area tries ...": what the speaker talks about comes next
        for said in _SAID.finditer(doc.text, s_start, s_end) if cues.any(_SAID_WORDS, s_start, s_end) else ():
            named = next((d for d in ms if d.mention.start == said.end()), None)
            if named is not None and _is(named, ACTOR - {"Agreement"}):
                topic = named
        if "CooperationMechanism" in present:
            found.extend(_members(doc.text, s_start, s_end, ms))
        stated = _actions(doc.text, s_end, ms)
        if topic is not None and cues.any(_PRONOUN_WORDS, s_start, s_end):
            stated.extend(_actions(doc.text, s_end, ms, topic, _references(doc.text, s_start, s_end, topic)))
        if agreement is not None and cues.any(_AGREEMENT_REFERENCE_WORDS, s_start, s_end):
            stated.extend(_agreement_references(doc.text, s_start, s_end, ms, agreement, parties))
        if cues.any(_FRAME_WORDS, s_start, s_end):
            stated.extend(_framed(doc.text, s_start, s_end, ms, stated, topic))
        found.extend(stated)
        first = ms[0]
        if _LEADING_THE.fullmatch(doc.text, s_start, first.mention.start) and _is(
                first, ORGANISATION | frozenset({"Zone", "Municipality", "Province", "City"})):
            topic = first
        if "Corridor" in present:
            found.extend(_connects(doc.text, s_end, ms))
        found.extend(_located(doc.text, s_end, ms))
    found.extend(_names(doc.text, decisions))
    if "Agreement" in everywhere:
        found.extend(_agreement_parts(doc.text, decisions, spans, cues))
    if "Meeting" in everywhere:
        found.extend(_held_by(doc.text, decisions))
    if "Visit" in everywhere:
        found.extend(_visits(doc.text, decisions))
    return _relations(doc, found, spans)


# An opening phrase that frames the sentence's statement: its basis, or who backs it.
_FRAME_WORDS = ("accordance", "line", "keeping", "pursuant", "guided", "support", "help")
_BASIS = re.compile(r"(?:[Ii]n\s+(?:accordance|line|keeping)\s+with|[Pp]ursuant\s+to|[Gg]uided\s+by)\s+(?:the\s+)?")
_BACKING = re.compile(r"[Ww]ith\s+the\s+(?:strong\s+|full\s+|great\s+)?(?:support|help)\s+of\s+(?:the\s+)?")
_BASES = frozenset({"Plan", "Policy", "Instruction", "Agreement", "Strategy"})
_DONE_ON_A_BASIS = frozenset({"Policy", "Initiative", "Plan"})


def _framed(text: str, s_start: int, s_end: int, ms: list[LinkDecision], stated: list[_Found],
            topic: LinkDecision | None) -> list[_Found]:
    """ "In accordance with plan P, X will carry out programme Q": X implements P, Q is based on P.
    "With the support of B, X will promote Y": B supports Y. Only for what the sentence's own
    statements say X does (``stated``)."""
    out: list[_Found] = []
    for frame in _BASIS.finditer(text, s_start, s_end):
        basis = next((d for d in ms if d.mention.start == frame.end()), None)
        if basis is None or not _is(basis, _BASES):
            continue
        done = [f for f in stated if f.start >= basis.mention.end and f.object is not None
                and f.object is not basis and f.predicate in ("implements", "builds", "promotes", "establishesMechanism")]
        for f in done:
            out.append(_Found(f.subject, "implements", basis, frame.start(), f.end, f.modality,
                              round(f.confidence - 0.1, 2), "basis-implements"))
            if f.object is not None and _is(f.object, _DONE_ON_A_BASIS):
                out.append(_Found(f.object, "basedOn", basis, frame.start(), f.end, "stated",
                                  round(f.confidence - 0.1, 2), "basis-based-on", dated=False))
    for frame in _BACKING.finditer(text, s_start, s_end):
        backer = next((d for d in ms if d.mention.start == frame.end()), None)
        if backer is None or not _is(backer, PARTY):
            continue
        for f in stated:
            if f.start >= backer.mention.end and f.object is not None and f.subject is not backer \
                    and f.predicate in ("implements", "builds", "promotes", "supports"):
                out.append(_Found(backer, "supports", f.object, frame.start(), f.end, f.modality,
                                  round(f.confidence - 0.1, 2), "backing-supports"))
    return out


# (starts with one plain class, the first letters, for re's search to skip ahead; \b as (?<!\w.))
_SIDES = re.compile(r"[TtBb](?<!\w.)(?:(?<=[Tt])he\s+two\s+(?:sides|parties|(?P<places>provinces|cities|regions"
                    r"|countries|places|municipalities))|(?<=[Bb])oth\s+(?:sides|parties|(?P<both_places>provinces"
                    r"|cities|regions|countries)))\b")
_AFTER_PREPOSITION = re.compile(r"\b(?:of|in|for|to|with|by|from|at|on|among|between)\s+$", re.I)
_THIS_AGREEMENT = re.compile(r"\b[Tt](?:his|he)\s+(?:cooperation|agreement|memorandum|accord|deal)\b")


def _agreement_references(text: str, s_start: int, s_end: int, ms: list[LinkDecision], agreement: LinkDecision,
                          parties: list[LinkDecision]) -> list[_Found]:
    """What "the two sides" (the parties of the agreement in focus) and "this cooperation" (the agreement)
    do. "The two sides have established mechanisms A and B": the agreement establishes A and B, the
    parties are their members. At a lower confidence than a named subject: the reference is resolved."""
    out: list[_Found] = []
    sides: list[tuple[int, int]] = []
    for m in _SIDES.finditer(text, s_start, s_end):
        if any(d.mention.start <= m.start() < d.mention.end for d in ms) or _AFTER_PREPOSITION.search(
                text, max(0, m.start() - 25), m.start()):
            continue   # inside a name, or not a subject ("the customs of the two cities")
        if (m.group("places") or m.group("both_places")) and not all(_is(p, PLACE) for p in parties):
            continue   # "the two provinces" are not the parties when those are not places
        sides.append((m.start(), m.end()))
    for party in parties if sides else ():
        for f in _actions(text, s_end, ms, party, sides):
            if f.predicate == "establishesMechanism" and f.object is not None:
                out.append(replace(f, subject=agreement, confidence=round(f.confidence - 0.05, 2),
                                   rule=f"{f.rule}/sides"))
                out.append(replace(f, subject=f.object, predicate="hasMember", object=party,
                                   confidence=round(f.confidence - 0.05, 2), rule=f"{f.rule}/sides-members",
                                   modality="stated", dated=False))
            else:
                out.append(replace(f, confidence=round(f.confidence - 0.05, 2), rule=f"{f.rule}/sides"))
    this = [(m.start(), m.end()) for m in _THIS_AGREEMENT.finditer(text, s_start, s_end)
            if not any(d.mention.start <= m.start() < d.mention.end for d in ms)
            and not text.startswith(("of ", "between ", "on ", "signed "), m.end() + 1)]
    if this:
        out.extend(replace(f, rule=f"{f.rule}/agreement") for f in _actions(text, s_end, ms, agreement, this))
    return out


def _relations(doc: IngestDocument, found: list[_Found], spans: list[tuple[int, int]]) -> list[Relation]:
    best: dict[tuple[str, str, str], Relation] = {}
    dates: dict[tuple[int, int, bool], StatedDate | None] = {}  # per sentence (and deadlines or not), looked for once
    for f in found:
        if f.object is not None and f.object.iri == f.subject.iri:
            continue
        s_start, s_end = sentence_of(spans, f.start)
        if s_end - s_start <= 150 and _HEADLINE.fullmatch(doc.text, s_start, s_end):
            # a headline states in short what the body says in full: the body's sentence is the quote
            f = replace(f, confidence=round(f.confidence - 0.1, 2))
        date = None
        if f.dated and f.modality != "stated":
            # what was done did not happen "by 2023"; what is planned may
            sentence_key = (s_start, s_end, f.modality != "done")
            if sentence_key not in dates:
                dates[sentence_key] = stated_date(doc.text, doc.date, s_start, s_end, deadlines=sentence_key[2])
            date = dates[sentence_key]
        rel = Relation(subject=f.subject, predicate=f.predicate, object=f.object, quote=doc.text[f.start:f.end],
                       start=f.start, end=f.end, modality=f.modality, confidence=f.confidence, value=f.value,
                       date=date.value if date else None, date_inferred=bool(date and date.inferred), rule=f.rule)
        key = (f.subject.iri, f.predicate, f.object.iri if f.object is not None else f"value:{f.value}")
        if key not in best or rel.confidence > best[key].confidence:
            best[key] = rel
    return sorted(best.values(), key=lambda r: (r.start, r.end, r.predicate))


_HEADLINE = re.compile(r"[^\n]{1,150}(?<![.!?\"'\u201d\u2019:;,])")


def _modality(text: str, start: int, end: int) -> Modality:
    words = text[start:end]
    if _PLANNED.search(words):
        return "planned"
    if _PAST.search(words):
        return "done"
    return "stated"


_BLANK_THE = re.compile(r"\s*(?:the\s+)?", re.I)


def _group_after(text: str, ms: list[LinkDecision], at: int, kinds: frozenset[str], limit: int,
                 untyped_min: int = 0) -> list[LinkDecision]:
    """The coordinated mentions ("A, B and C") starting at ``at`` (after blanks / "the")."""
    first = next((d for d in ms if d.mention.start >= at), None)
    if first is None or not _BLANK_THE.fullmatch(text, at, first.mention.start):
        return []
    group = [first]
    for d in ms:
        if d.mention.start <= group[-1].mention.start or d.mention.start >= limit:
            continue
        if d.mention.start < group[-1].mention.end:
            continue  # nested in the previous one
        if _COORD_GAP.fullmatch(text[group[-1].mention.end:d.mention.start]):
            group.append(d)
        else:
            break
    return group if _coordinated_kinds(group, kinds, untyped_min) else []


def _coordinated_kinds(group: list[LinkDecision], kinds: frozenset[str], untyped_min: int = 0) -> bool:
    """Whether a coordinated group is of ``kinds``: every typed member is, and a name the finder could not
    type ("Chongqing, Guangxi and Guizhou") takes the kind of the typed names it is listed with. A group
    of untyped names only when the words around say what they are, and it has ``untyped_min`` (> 0)
    names or more: two parties before "signed an agreement", one place after "connects X with"."""
    typed = [d for d in group if d.types]
    if not all(_is(d, kinds) for d in typed):
        return False
    return bool(typed) or 0 < untyped_min <= len(group)


def _group_before(text: str, ms: list[LinkDecision], end: int, kinds: frozenset[str], untyped_min: int = 0
                  ) -> list[LinkDecision]:
    """The coordinated mentions ending at ``end`` ("A and B" before "signed")."""
    before = [d for d in ms if d.mention.end <= end]
    if not before:
        return []
    group = [before[-1]]
    if group[0].mention.end != end:
        return []
    for d in reversed(before[:-1]):
        if d.mention.end > group[-1].mention.start:
            continue
        if _COORD_GAP.fullmatch(text[d.mention.end:group[-1].mention.start]):
            group.append(d)
        else:
            break
    group.reverse()
    return group if _coordinated_kinds(group, kinds, untyped_min) else []


# What may stand between the parties and the verb: auxiliaries, adverbs and when ("A and B on
# Thursday signed ...", "... on March 18 signed ...", "... last week signed ...").
_SIGN_HEAD = re.compile(r"(?:\s+(?:have|has|had|will|officially|formally|jointly|also|today|yesterday|finally"
                        r"|successfully|on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
                        r"|(?:January|February|March|April|May|June|July|August|September|October|November"
                        r"|December)\s+\d{1,2}(?:st|nd|rd|th)?)|(?:last|this)\s+(?:week|month)))*\s+$")
# "signed", "inked" ... as whole words, any case. It starts with one plain class, every character the
# first letter can be ignoring case ('\u0130', '\u0131': an 'i'; '\u017f': an 's'), so that re's search
# skips ahead at C speed; then the word boundary before it ((?<!\w.)) and the same alternatives, in the
# same order, each after its own first letter.
_SIGN = re.compile(r"[CEISceis\u0130\u0131\u017f](?<!\w.)(?i:(?<=s)igned|(?<=i)nked|(?<=c)oncluded|(?<=s)ign"
                   r"|(?<=s)igns|(?<=s)igning|(?<=e)ntered\s+into)\b")


def _signing(text: str, s_start: int, s_end: int, ms: list[LinkDecision], document_date: str | None
             ) -> list[_Found]:
    out: list[_Found] = []
    agreements = [d for d in ms if _is(d, frozenset({"Agreement"}))]
    if not agreements:
        return out
    for verb in _SIGN.finditer(text, s_start, s_end):
        # "A and B (officially) signed a memorandum ..."
        # (only the words just before the verb: a search anchored at the end rescans the sentence from its start)
        window = max(s_start, verb.start() - 160)
        head = _SIGN_HEAD.search(text, window, verb.start())
        agreement = next((a for a in agreements if a.mention.start >= verb.end()
                          and re.fullmatch(r"\s+(?:a|an|the|their|two|new|\w+)?\s*(?:\w+\s+)?",
                                           text[verb.end():a.mention.start])), None)
        parties: list[LinkDecision] = []
        start = end = verb.start()
        if head is not None and agreement is not None:
            parties = _group_before(text, ms, head.start(), PARTY, untyped_min=2)
            if parties:
                start, end = parties[0].mention.start, agreement.mention.end
            # "A signed a cooperation agreement with B (and C)": the other parties come after "with"
            with_ = re.match(r"\s+with\s+", text[agreement.mention.end:s_end]) if len(parties) == 1 else None
            if with_ is not None:
                others = _group_after(text, ms, agreement.mention.end + with_.end(), PARTY, s_end)
                if others:
                    parties, end = parties + others, others[-1].mention.end
        if not parties:
            # "... a memorandum (...) signed by A and B" / "the agreement between A and B"
            by = re.match(r"\s+by\s+", text[verb.end():s_end])
            agreement = next((a for a in reversed(agreements) if a.mention.end <= verb.start()
                              and len(text[a.mention.end:verb.start()].split()) <= 14
                              and not re.search(r"[;:]", text[a.mention.end:verb.start()])), None)
            if by is not None and agreement is not None:
                parties = _group_after(text, ms, verb.end() + by.end(), PARTY, s_end)
                if parties:
                    start, end = agreement.mention.start, parties[-1].mention.end
        if agreement is not None and not parties and verb.group().lower() == "signed":
            # "the agreement ... signed by the two cities in July": no named parties, but the date
            date = stated_date(text, document_date, verb.end(), s_end, deadlines=False)
            if date is not None and not re.search(r"[;:]", text[verb.end():date.start]):
                out.append(_Found(agreement, "signedOn", None, agreement.mention.start, date.end, "done", 0.75,
                                  "signed-date", value=date.value))
        if not parties or agreement is None or len(parties) < 2:
            continue
        modality = _modality(text, s_start, verb.end())
        if modality == "stated" and verb.group().lower() in ("signed", "inked", "concluded", "entered into"):
            modality = "done"
        for party in parties:
            out.append(_Found(agreement, "hasSignatory", party, start, end, modality, 0.9, "signing"))
        date = stated_date(text, document_date, s_start, s_end, deadlines=False)
        if date is not None and modality == "done":
            d_start, d_end = min(start, date.start), max(end, date.end)
            out.append(_Found(agreement, "signedOn", None, d_start, d_end, "done", 0.85, "signing-date",
                              value=date.value))
    for agreement in agreements:
        between = re.match(r"\s+between\s+", text[agreement.mention.end:s_end])
        if between is None:
            continue
        parties = _group_after(text, ms, agreement.mention.end + between.end(), PARTY, s_end)
        if len(parties) >= 2:
            for party in parties:
                out.append(_Found(agreement, "hasSignatory", party, agreement.mention.start, parties[-1].mention.end,
                                  "stated", 0.8, "agreement-between", dated=False))
    return out


def _post_organisation(ms: list[LinkDecision]) -> LinkDecision | None:
    """The organisation named inside a post held by someone in this sentence ("Director of [X]")."""
    for post in ms:
        if "Post" not in post.types:
            continue
        for org in ms:
            if post.mention.start < org.mention.start and org.mention.end <= post.mention.end \
                    and _is(org, ORGANISATION):
                return org
    return None


def _post_in_by_name(text: str, ms: list[LinkDecision], organisations: dict[str, LinkDecision]) -> list[_Found]:
    """A post naming its body by a longer form than the article's mention of it ("Director of Lanzhou
    Customs District" where the article says "Lanzhou Customs"): the longest known name its words begin
    with, after "of" / "at"."""
    out: list[_Found] = []
    for post in ms:
        if "Post" not in post.types:
            continue
        of = re.search(r"\s(?:of|at)\s+(?:the\s+)?", post.mention.text)
        if of is None:
            continue
        words = _norm(post.mention.text[of.end():]).split()
        for n in range(min(len(words), 8), 0, -1):
            org = organisations.get(" ".join(words[:n]))
            if org is not None and org.iri != post.iri:
                out.append(_Found(post, "org:postIn", org, post.mention.start, post.mention.end, "stated", 0.7,
                                  "post-in-name", dated=False))
                break
    return out


def _posts(text: str, ms: list[LinkDecision]) -> list[_Found]:
    out: list[_Found] = []
    posts = [d for d in ms if "Post" in d.types]
    people = [d for d in ms if _is(d, frozenset({"Person"}))]
    for post in posts:
        for person in people:
            after = person.mention.end <= post.mention.start and re.fullmatch(
                r",\s+(?:the\s+)?", text[person.mention.end:post.mention.start])
            before = post.mention.end <= person.mention.start and re.fullmatch(
                r"\s+", text[post.mention.end:person.mention.start])
            if after or before:
                start = min(person.mention.start, post.mention.start)
                end = max(person.mention.end, post.mention.end)
                out.append(_Found(person, "org:holds", post, start, end, "stated", 0.9 if after else 0.8,
                                  "post-holder", dated=False))
        for org in ms:
            inside = post.mention.start < org.mention.start and org.mention.end <= post.mention.end
            if inside and _is(org, ORGANISATION) and re.search(
                    r"\s(?:of|at)\s+(?:the\s+)?$", text[post.mention.start:org.mention.start]):
                out.append(_Found(post, "org:postIn", org, post.mention.start, post.mention.end, "stated", 0.85,
                                  "post-in", dated=False))
    return out


_AMONG = re.compile(r"\s+(?:among|between|of|including|comprising|consisting\s+of)\s+", re.I)
_MEMBER_COUNT = re.compile(r"(\d{1,3})\s+(?:provinces|members|cities|countries|parties|regions|municipalities"
                           r"|provincial[- ]level\s+regions)\b", re.I)
_HAS_MECHANISM = frozenset({"Initiative", "Corridor", "Strategy"})
_JOIN = re.compile(r"(?:\s+" + _AUX + r")*\s+(?:join(?:s|ed|ing)?|became\s+(?:a\s+)?members?\s+of"
                   r"|is\s+(?:a\s+)?member\s+of|are\s+members\s+of)\s+(?:the\s+)?", re.I)


def _members(text: str, s_start: int, s_end: int, ms: list[LinkDecision]) -> list[_Found]:
    out: list[_Found] = []
    for mechanism in ms:
        if not _is(mechanism, frozenset({"CooperationMechanism"})):
            continue
        among = _AMONG.match(text, mechanism.mention.end, s_end)
        count = _MEMBER_COUNT.match(text, among.end(), s_end) if among is not None else None
        if count is not None:
            out.append(_Found(mechanism, "numberOfMembers", None, mechanism.mention.start, count.end(), "stated",
                              0.75, "mechanism-member-count", value=count.group(1), dated=False))
        # "the three-level cooperative mechanism of the CCI": the initiative it belongs to
        owner = re.match(r"\s+of\s+(?:the\s+)?", text[mechanism.mention.end:s_end])
        if owner is not None:
            owners = _group_after(text, ms, mechanism.mention.end + owner.end(), _HAS_MECHANISM, s_end)
            for o in owners[:1]:
                out.append(_Found(o, "hasMechanism", mechanism, mechanism.mention.start, o.mention.end, "stated",
                                  0.75, "mechanism-of", dated=False))
        if among is not None:
            members = _group_after(text, ms, among.end(), PARTY, s_end)
            if len(members) >= 2:
                for member in members:
                    out.append(_Found(mechanism, "hasMember", member, mechanism.mention.start,
                                      members[-1].mention.end, "stated", 0.85, "mechanism-members", dated=False))
        # "A and B joined the X mechanism"
        for d in ms:
            if d.mention.end > mechanism.mention.start:
                break
            join = _JOIN.fullmatch(text, d.mention.end, mechanism.mention.start)
            if join is None:
                continue
            for member in _group_before(text, ms, d.mention.end, PARTY):
                out.append(_Found(mechanism, "hasMember", member, member.mention.start, mechanism.mention.end,
                                  _modality(text, d.mention.end, mechanism.mention.start) if "join" in
                                  join.group().lower() else "stated", 0.8, "joins-mechanism"))
    return out


# The words without which a cue regex cannot match (see _Cues).
_SAID_WORDS = ("said", "says", "introduced", "stated", "noted", "added", "announced", "explained")
_PRONOUN_WORDS = ("they", "it", "we", "bureau", "committee", "customs", "government", "commission")
_AGREEMENT_REFERENCE_WORDS = ("sides", "parties", "provinces", "cities", "regions", "countries", "places",
                              "municipalities", "cooperation", "agreement", "memorandum", "accord", "deal")
# (written as _SIGN is, to start with one plain class)
_SAID = re.compile(r"[AEINSaeins\u0130\u0131\u017f](?<!\w.)(?i:(?<=s)aid|(?<=s)ays|(?<=i)ntroduced|(?<=s)tated"
                   r"|(?<=n)oted|(?<=a)dded|(?<=a)nnounced|(?<=e)xplained)(?i:(?:\s+that)?[\s:,]+(?:the\s+)?)")
# "they", "it", "we" (any case), "the (Administration) Bureau" ... as whole words. It starts with one
# plain class, every character the first letter can be ('\u0130' and '\u0131' match an 'i' that
# ignores case), so that re's search skips to the next such letter at C speed; then the word boundary
# before that letter ((?<!\w.): the character before it is no word character) and, each after its own
# first letter, the same alternatives in the same order.
_PRONOUN = re.compile(r"[TtIiWw\u0130\u0131](?<!\w.)(?:(?i:(?<=t)hey|(?<=i)t|(?<=w)e)\b"
                      r"|(?<=[Tt])he\s+(?:Administration\s+|Administrative\s+)?"
                      r"(?:Bureau|Committee|Customs|Government|Commission)\b)")


def _references(text: str, s_start: int, s_end: int, topic: LinkDecision) -> list[tuple[int, int]]:
    """Where a sentence refers to the topic by a pronoun or a bare head word of its type."""
    out = []
    for match in _PRONOUN.finditer(text, s_start, s_end):
        word = match.group().lower()
        # "it" is a zone, a place or a body; "they" and "we" are people speaking for an organisation
        if word == "it" and not _is(topic, frozenset({"Zone", "Region", "GovernmentBody"})):
            continue
        if word in ("they", "we") and not _is(topic, ORGANISATION):
            continue
        if word.startswith("the ") and word.split()[-1] not in _norm(topic.mention.text) and not (
                word.endswith("bureau") and _is(topic, frozenset({"AdministrativeBureau"}))):
            continue
        out.append((match.start(), match.end()))
    return out


def _actions(text: str, s_end: int, ms: list[LinkDecision], topic: LinkDecision | None = None,
             references: list[tuple[int, int]] | None = None) -> list[_Found]:
    """Subject-verb-object statements; with ``references``, the subject is the topic they refer to.

    A subject keeps its verb phrases joined by ", ", "and", "as well as" ("X will promote A, build B
    and support C") up to the next subject of its own ("..., and Y will ...") or a semicolon.
    """
    out: list[_Found] = []
    subjects: list[tuple[int, LinkDecision, int, int]] = (
        [(i, d, d.mention.start, d.mention.end) for i, d in enumerate(ms)] if references is None
        else [(sum(d.mention.start < r_end for d in ms), topic, r_start, r_end)
              for r_start, r_end in references if topic is not None])
    for i, subject, subject_start, subject_end in subjects:
        after_subject = text[subject_end:subject_end + 1]
        if not (after_subject == "," or after_subject.isspace()) or not _is(subject, _SUBJECTS):
            continue   # "X." "X's" "X)": every pattern below starts with a blank or a comma
        relative = _RELATIVE.match(text, subject_end, s_end)
        if relative is not None and (references is not None or _ATTACHED.search(text, max(0, subject_start - 25),
                                                                                subject_start)):
            continue   # "the growth of X, which ...": the clause is about the head noun, not X
        aux = _AUX_GAP.match(text, relative.end() if relative else subject_end, s_end)
        if _is(subject, _DOCUMENTS):
            # "the cooperation agreement on promoting X", "a plan for building Y": what the document is for
            aux = _FOR_PURPOSE.match(text, subject_end, s_end) or aux
        if aux is None or not "a" <= text[aux.end():aux.end() + 1] <= "z":
            continue
        # no verb of its own ("X development, and is ..."): the conjuncts are someone else's
        verbless = aux.end() - subject_end <= 2 and not _FINITE.match(text, aux.end())
        if verbless and not _ANY_VERB.match(text, aux.end(), s_end):
            continue
        after = ms[i + 1:] if references is None else ms[i:]
        clause_end = _clause_end(text, s_end, aux.end(), after)
        reference_penalty = 0.15 if references is not None else 0.0
        rule_suffix = "/reference" if references is not None else ""
        first = _verb_phrase(text, clause_end, subject, subject_start, subject_end, aux.end(), after,
                             reference_penalty, f"{rule_suffix}")
        said = list(first)
        if not first and verbless:
            continue
        for conjunct in _CONJUNCT.finditer(text, aux.end(), clause_end):
            if conjunct.group().lstrip(", ").lower().startswith(("to ", "so ", "in ")) and any(
                    aux.end() <= d.mention.start < conjunct.start() and _is(d, frozenset({"Agreement"}))
                    for d in after):
                continue   # "signed the MOU to build X": the purpose is the agreement's, not the signatory's
            said.extend(_verb_phrase(text, clause_end, subject, subject_start, subject_end, conjunct.end(), after,
                                     reference_penalty + 0.1, f"{rule_suffix}/conjunct"))
        out.extend(said)
        active = [f for f in said if not f.rule.startswith("passive")]
        if active and references is None:
            out.extend(_coordinated_subjects(text, ms[:i + 1], active))
    return out


# What may stand before the first of coordinated subjects: the sentence's start, or a clause's.
_CLAUSE_START = re.compile(r"(?:^|[,;:.!?\n]\s*|\b(?:that|while|whereas|but)\s+)(?:the\s+)?$", re.I)


def _coordinated_subjects(text: str, before: list[LinkDecision], said: list[_Found]) -> list[_Found]:
    """ "A, B and C will promote X": what the last subject does, the ones listed with it do too. Only
    when the list starts a clause ("... promote A and B will build X" is not about A)."""
    subject = before[-1]
    group = _group_before(text, before, subject.mention.end, ACTOR)
    if len(group) < 2 or not all(g.types for g in group):
        return []   # an untyped name here is as often half of a name split at its "and" ("X Economic and ...")
    head = group[0].mention.start
    if not _CLAUSE_START.search(text, max(0, head - 12), head):
        return []
    return [replace(f, subject=g, start=min(f.start, head), confidence=round(f.confidence - 0.05, 2),
                    rule=f"{f.rule}/coordinated") for g in group[:-1] for f in said]


# Where another verb phrase of the same subject starts: a coordinated one, or a purpose ("... to help X").
# ", which will promote Y" after a subject: a relative clause saying what the subject does; unless the
# subject hangs off something before it ("of X", "A, B and X"), to which the clause may belong.
_RELATIVE = re.compile(r",\s*(?:which|that|who)(?=\s)", re.I)
_ATTACHED = re.compile(r"(?:\b(?:of|and|in|for|to|with|by|from|at|on|among|between|or)\s+(?:the\s+)?|,\s*(?:the\s+)?)$",
                       re.I)
_FINITE = re.compile(r"[a-z]+(?:s|ed)\b")
_DOCUMENTS = frozenset({"Agreement", "Plan", "Policy"})
_FOR_PURPOSE = re.compile(r"\s+(?:on|for)\s+(?=\w+ing\b)", re.I)
# ", (and)", " and", " as well as", " while", " (so as / in order) to", then helpers, before a verb. It
# starts with one plain class (the comma or the first blank) so that re's search skips to the next
# comma or blank at C speed; after a blank, the rest of the blanks (all of them: each joining word
# starts with a letter) and the joining words in their old order.
_CONJUNCT = re.compile(r"[,\s](?:(?<=,)\s*(?:and\s+)?|(?<=\s)\s*(?:and\s+|as\s+well\s+as\s+|while\s+"
                       r"|(?:so\s+as\s+|in\s+order\s+)?to\s+))"
                       r"(?:also\s+|further\s+|actively\s+|then\s+|continue\s+to\s+|strive\s+to\s+|is\s+|are\s+)*"
                       r"(?=[a-z])")
_NEW_SUBJECT = re.compile(r"(?:,?\s+(?:which|who))?\s+(?:will|is|are|has|have|was|were|shall|aims?|plans?|should"
                          r"|must|can|would)\b", re.I)


def _clause_end(text: str, s_end: int, at: int, after: list[LinkDecision]) -> int:
    """Where one subject's statement ends: a semicolon, or the next mention that has a verb of its own."""
    end = s_end
    semicolon = text.find(";", at, s_end)
    if semicolon != -1:
        end = semicolon
    for d in after:
        if at < d.mention.start < end and _NEW_SUBJECT.match(text, d.mention.end, end):
            return d.mention.start
    return end


def _objects_after(text: str, after: list[LinkDecision], at: int, kinds: frozenset[str], end: int
                   ) -> list[LinkDecision]:
    """The coordinated objects of a verb ending at ``at``: the first mention the words of ``_OBJ_GAP``
    lead to (in full: a mention further on, after other words, is not the verb's object)."""
    for d in after:
        if d.mention.start < at:
            continue
        if d.mention.start >= end or d.mention.start - at > 160:
            break
        if _OBJ_GAP.fullmatch(text, at, d.mention.start):
            if text.startswith(("'s", "\u2019s"), d.mention.end):
                return []   # "support the development of Chongqing's industry": the object is the industry
            return _group_after(text, after, d.mention.start, kinds, end)
    return []


# "attach importance to / pay attention to / focus on the construction, management and operation of X":
# each nominalised verb of the list states its own relation with X.
_NOMINALS = re.compile(r"(?:attach(?:es|ed|ing)?\s+(?:great\s+|more\s+|high\s+)?importance\s+to|pa(?:y|ys|id|ying)"
                       r"\s+(?:more\s+|close\s+)?attention\s+to|focus(?:es|ed|ing)?\s+on|(?:speed(?:s|ing)?|sped)\s+up"
                       r"|accelerat(?:e|es|ed|ing)|step(?:s|ped|ping)?\s+up)\s+the\s+((?:(?:construction|management"
                       r"|operation|implementation)(?:\s*,\s*(?:and\s+)?|\s+and\s+))*(?:construction|management"
                       r"|operation|implementation))\s+of\b", re.I)
_NOMINAL_PREDICATES = {"construction": ("builds", BUILT),
                       "operation": ("operates", frozenset({"Platform"})),
                       "implementation": ("implements", frozenset({"Plan", "Policy", "Instruction", "Agreement",
                                                                   "CooperationMechanism", "Strategy"}))}


# Any of the verbs above, or a list of nominalised verbs (all these patterns ignore case).
_ANY_VERB = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _, _ in _ACTIONS) + f"|(?:{_NOMINALS.pattern})",
                       re.I)


def _nominal_list(text: str, end: int, subject: LinkDecision, subject_start: int, subject_end: int, verb_at: int,
                  after: list[LinkDecision], penalty: float, rule_suffix: str) -> list[_Found] | None:
    """ "X will attach importance to the construction and operation of Y": X builds Y, X operates Y."""
    listed = _NOMINALS.match(text, verb_at, end)
    if listed is None or "," not in listed.group(1) and " and " not in listed.group(1).lower():
        return None    # one nominal: the verb patterns read it ("accelerate the construction of")
    out: list[_Found] = []
    modality = _modality(text, subject_end, listed.end())
    for nominal in re.findall(r"[a-z]+", listed.group(1).lower()):
        if nominal not in _NOMINAL_PREDICATES:
            continue
        predicate, kinds = _NOMINAL_PREDICATES[nominal]
        if predicate == "administers" and not _is(subject, PARTY):
            continue
        for obj in _objects_after(text, after, listed.end(), kinds, end):
            out.append(_Found(subject, predicate, obj, subject_start if verb_at - subject_end < 120 else verb_at,
                              obj.mention.end, modality, round(0.75 - penalty, 2), f"nominal:{predicate}{rule_suffix}"))
    return out


_SUBJECTS = ACTOR | frozenset().union(*(kinds for _, _, kinds in _ACTIONS))   # actors, and passive subjects
_BY = re.compile(r"\s+by\s+(?:the\s+)?", re.I)
_PASSIVE = re.compile(r"\b(?:is|are|was|were|been|be|being)\b", re.I)


def _passive(text: str, end: int, subject: LinkDecision, subject_start: int, subject_end: int, verb: re.Match[str],
             agents_at: int, after: list[LinkDecision], predicate: str, kinds: frozenset[str], penalty: float,
             rule_suffix: str) -> list[_Found]:
    """ "Qinzhou Port was built by A and B": A and B build it (the subject is the verb's object)."""
    if predicate in ("establishesMechanism", "leadsMechanism") or not _is(subject, kinds):
        return []
    agents = _group_after(text, after, agents_at, PARTY, end)
    modality = _modality(text, subject_end, verb.end())
    return [_Found(agent, predicate, subject, subject_start, agents[-1].mention.end, modality,
                   round(0.75 - penalty, 2), f"passive:{predicate}{rule_suffix}") for agent in agents]


def _verb_phrase(text: str, end: int, subject: LinkDecision, subject_start: int, subject_end: int, verb_at: int,
                 after: list[LinkDecision], penalty: float, rule_suffix: str) -> list[_Found]:
    """The relations one verb phrase at ``verb_at`` states of ``subject``, if it is one we know."""
    if not _ANY_VERB.match(text, verb_at, end):
        return []   # most words after a subject start no verb we read: one test instead of one per pattern
    nominals = _nominal_list(text, end, subject, subject_start, subject_end, verb_at, after, penalty, rule_suffix)
    if nominals is not None:
        return nominals
    for pattern, predicate, kinds in _ACTIONS:
        verb = pattern.match(text, verb_at, end)
        if verb is None:
            continue
        by = _BY.match(text, verb.end(), end)
        if by is not None and _PASSIVE.search(text, subject_end, verb_at):
            return _passive(text, end, subject, subject_start, subject_end, verb, by.end(), after, predicate, kinds,
                            penalty, rule_suffix)
        if predicate in ("cooperatesWith", "administers") and not _is(subject, PARTY) or not _is(subject, ACTOR):
            return []   # (what is not an actor is only the subject of a passive: "X was built by Y")
        objects = _objects_after(text, after, verb.end(), kinds, end)
        if not objects:
            return []
        if predicate == "builds" and _is(subject, frozenset({"Agreement"})):
            predicate = "supports"   # "the MOU to co-build the corridor": an agreement builds nothing itself
        modality = _modality(text, subject_end, verb.end())
        if modality == "stated" and text[subject_end:verb_at].strip().lower().startswith("to "):
            modality = "planned"   # "(signed an agreement) to promote X": what it is for
        words = len(text[subject_end:objects[0].mention.start].split())
        confidence = round((0.85 if words <= 4 else 0.75) - penalty, 2)
        # the quote: from the subject to the last object, or from the verb when the subject is far
        start = subject_start if verb_at - subject_end < 120 else verb.start()
        return [_Found(subject, predicate, obj, start, objects[-1].mention.end, modality, confidence,
                       f"action:{predicate}{rule_suffix}") for obj in objects]
    return []


_LINK = re.compile(r"\b(?:connect(?:s|ed|ing)?|link(?:s|ed|ing)?|connectivity\s+between|(?:a\s+)?link\s+between)"
                   r"\s+(?:the\s+)?", re.I)


_CORRIDOR = frozenset({"Corridor"})
_WITH = re.compile(r"\s+with\s+(?:the\s+)?")


def _connects(text: str, s_end: int, ms: list[LinkDecision]) -> list[_Found]:
    out: list[_Found] = []
    for corridor in ms:
        if not _is(corridor, _CORRIDOR):
            continue
        # "A, B and C (all) linked X and Y": the link is each listed route's
        listed = _group_after(text, ms, corridor.mention.start, _CORRIDOR, s_end)
        last = listed[-1] if listed and listed[0] is corridor else corridor
        window_end = min(s_end, last.mention.end + 160)
        for link in _LINK.finditer(text, last.mention.end, window_end):
            between = text[last.mention.end:link.start()]
            if re.search(r"[;:]", between) or any(last.mention.end <= d.mention.start < link.start()
                                                  and _is(d, _CORRIDOR) for d in ms):
                break
            ends = _group_after(text, ms, link.end(), THING, s_end)
            if not ends:   # "connects Kunming with Vientiane": the verb says what untyped names are
                ends = _group_after(text, ms, link.end(), THING, s_end, untyped_min=1)
                ends = ends if ends and _WITH.match(text, ends[-1].mention.end, s_end) else []
            paired = _WITH.match(text, ends[-1].mention.end, s_end) if ends else None
            if paired is not None:   # "connects A with B and C"
                ends = ends + _group_after(text, ms, paired.end(), THING, s_end, untyped_min=1)
            if len(ends) >= 2 or (ends and re.search(r"\bwith\b", text[ends[0].mention.end:s_end][:8])):
                for end_ in ends:
                    out.append(_Found(corridor, "connects", end_, corridor.mention.start, ends[-1].mention.end,
                                      _modality(text, corridor.mention.end, link.end()), 0.8, "corridor-connects"))
            break
    return out


_IN = re.compile(r",?\s+(?:(?:which\s+is\s+|is\s+|are\s+)?located\s+in|situated\s+in|in)\s+(?:the\s+)?", re.I)
_BASED = re.compile(r",?\s+(?:(?:which\s+is\s+|is\s+)?(?:based|headquartered|seated)\s+in)\s+(?:the\s+)?", re.I)
# "Kunming, the capital of Yunnan": an apposition naming what kind of place it is and where; news
# style drops the article ("Kunming, capital of Yunnan"), and then the kind comes at once
_APPOSITION = re.compile(r",\s+(?:(?:the|a|an)\s+(?:[\w-]+\s+){0,3}?)?(?:capital|city|county|town|district|port|hub"
                         r"|municipality|province|prefecture)\s+(?:of|in)\s+(?:the\s+)?", re.I)
_PART = re.compile(r",?\s+(?:(?:which\s+is\s+|is\s+)?(?:a\s+|an\s+)?(?:part|component)\s+of)\s+(?:the\s+)?", re.I)


def _located(text: str, s_end: int, ms: list[LinkDecision]) -> list[_Found]:
    out: list[_Found] = []
    for i, d in enumerate(ms):
        if not text.startswith((" in ", ", ", " is ", " which ", " located ", " situated ", " based ", " part ",
                                " headquartered ", " seated ", " are "), d.mention.end):
            continue
        for pattern, predicate, subjects, objects in (
                (_BASED, "basedIn", ORGANISATION, PLACE), (_IN, "locatedIn", SITED, PLACE),
                (_PART, "partOf", SITED | BUILT, SITED | BUILT | frozenset({"Initiative"})),
                (_APPOSITION, "locatedIn", SITED, PLACE)):
            match = pattern.match(text, d.mention.end, s_end)
            if match is None:
                continue
            target = next((o for o in ms[i + 1:] if o.mention.start >= match.end()), None)
            # "X, the capital of Y": the apposition says what both are, even of names the finder left untyped
            apposition = pattern is _APPOSITION and not target_typed_wrongly(target, d, objects, subjects)
            if target is None or target.mention.start != match.end() or not (_is(target, objects) or apposition):
                continue
            # the subject and the coordinated names before it ("A, B, and C in W")
            group = ([d] if apposition else _group_before(text, ms[:i + 1], d.mention.end, subjects)) or []
            if not group or (predicate == "locatedIn" and _is(target, frozenset({"Zone", "Platform"}))
                             and not _is(d, frozenset({"Platform", "Zone"}))):
                continue
            if pattern is _IN and not match.group().strip(", ").lower().startswith(("located", "situated")):
                # a bare "in": "X in Chongqing" states where X is only for places, zones and facilities
                if not all(_is(g, frozenset({"Zone", "Platform"})) and not _is(g, _WIDE) for g in group):
                    continue
            for g in group:
                out.append(_Found(g, predicate, target, group[0].mention.start, target.mention.end, "stated",
                                  0.8, f"{predicate}-{'apposition' if pattern is _APPOSITION else 'phrase'}",
                                  dated=False))
    return out


def target_typed_wrongly(target: LinkDecision | None, subject: LinkDecision, objects: frozenset[str],
                        subjects: frozenset[str]) -> bool:
    """Whether either end of an apposition has a type that is not a place's (an untyped end is fine)."""
    return target is None or bool(target.types) and not _is(target, objects) or bool(subject.types) and not _is(
        subject, subjects)


_WIDE = frozenset({"EconomicZone", "CityCluster"})   # spans several places: "X in Y" is about something else
_ADMINISTRATION_HEADS = re.compile(r"\s+(?:administrative\s+committee|management\s+committee|administrative\s+bureau"
                                   r"|administration\s+bureau|administration)$")


_NAMED_KINDS = ORGANISATION | {"CooperationMechanism", "Zone", "Platform"}
_ADMINISTRATION_ENDS = ("committee", "bureau", "administration")
_PARENTHESIS = re.compile(r"\(([^)]+)\)")


def _names(text: str, decisions: Sequence[LinkDecision]) -> list[_Found]:
    """What a name says: "X Administrative Committee" administers X; "X (Chongqing) Free Trade Zone" and
    "Chongqing Y Port" lie in Chongqing. Only with X a mention of the same article."""
    by_name: dict[str, LinkDecision] = {}
    first_of: dict[str, tuple[LinkDecision, str]] = {}   # one mention per entity says what its name says
    seen: set[str] = set()
    for d in decisions:
        if d.mention.text not in seen or d.iri not in first_of:
            seen.add(d.mention.text)
            name = _norm(d.mention.text)
            by_name.setdefault(name, d)
            first_of.setdefault(d.iri, (d, name))
    out: list[_Found] = []
    for d, name in first_of.values():
        kinds = type_closure(d.types)
        if kinds.isdisjoint(_NAMED_KINDS):
            continue   # none of the rules below is about this kind of entity
        head = _ADMINISTRATION_HEADS.search(name) if name.endswith(_ADMINISTRATION_ENDS) else None
        if head and _is(d, ORGANISATION):
            target = by_name.get(name[:head.start()])
            if target is not None and _is(target, frozenset({"Zone", "Initiative", "Region", "PilotProgramme"})):
                out.append(_Found(d, "administers", target, d.mention.start, d.mention.end, "stated", 0.8,
                                  "name-administers", dated=False))
        if _is(d, frozenset({"CooperationMechanism"})) and " " in name:
            # "ILSTC Interprovincial Joint Meeting": the mechanism of the corridor it is named after
            owner = by_name.get(name.split()[0])
            if owner is not None and owner.iri != d.iri and _is(owner, _HAS_MECHANISM):
                out.append(_Found(owner, "hasMechanism", d, d.mention.start, d.mention.end, "stated", 0.7,
                                  "name-mechanism", dated=False))
        if _is(d, frozenset({"Zone", "Platform"})) and not _is(d, _WIDE) and " " in name:
            paren = _PARENTHESIS.search(name) if "(" in name else None
            first = paren.group(1) if paren else name.split()[0]
            target = by_name.get(first)
            if target is not None and _is(target, PLACE) and not _is(target, frozenset({"Zone"})) \
                    and target.iri != d.iri and (paren or _is(target, frozenset({"City", "Municipality",
                                                                                   "Province"}))):
                out.append(_Found(d, "locatedIn", target, d.mention.start, d.mention.end, "stated", 0.7,
                                  "name-located", dated=False))
    return out


_PART_CONTENT = THING - {"CooperationArea"}
_NUMBER_OF_ARTICLES = re.compile(r"\b(?:agreed\s+on|signed|contains?|includes?|has|have|with|consists?\s+of)\s+"
                                 r"(\d{1,3})\s+articles\b", re.I)
_ITEM_ADVERBS = re.compile(r"(?:jointly|further|actively|vigorously|fully|continuously)\s+", re.I)


def _agreement_parts(text: str, decisions: Sequence[LinkDecision], spans: list[tuple[int, int]],
                     cues: _Cues) -> list[_Found]:
    """The articles and areas of cooperation an agreement lists, what they are about, how many articles.

    The agreement is the one named in the sentence, or else the last one named in the two sentences
    before ("To be more specific, the two sides agreed on 21 articles of cooperation, including ...").
    """
    out: list[_Found] = []
    ordered = sorted(decisions, key=lambda d: d.mention.start)
    agreements, parts = [], []
    for d in ordered:
        kinds = type_closure(d.types)
        if "Agreement" in kinds:
            agreements.append(d)
        if "CooperationArea" in kinds:
            parts.append(d)
    if not agreements:
        return out
    starts = [s for s, _ in spans]

    def agreement_for(at: int) -> LinkDecision | None:
        index = bisect_right(starts, at) - 1
        earliest = spans[max(0, index - 2)][0] if index >= 0 else 0
        before = [a for a in agreements if earliest <= a.mention.start and a.mention.end <= at]
        same = [a for a in agreements if index >= 0 and spans[index][0] <= a.mention.start < spans[index][1]]
        candidates = same or before
        return candidates[-1] if candidates else None

    starts_of = [d.mention.start for d in ordered]
    for part in parts:
        agreement = agreement_for(part.mention.start)
        if agreement is None:
            continue
        predicate = "hasArticle" if _is(part, frozenset({"AgreementArticle"})) else "coversArea"
        out.append(_Found(agreement, predicate, part, part.mention.start, part.mention.end, "stated", 0.75,
                          f"agreement-{'article' if predicate == 'hasArticle' else 'area'}", dated=False))
        first = bisect_left(starts_of, part.mention.start)
        inside = [d for d in ordered[first:bisect_left(starts_of, part.mention.end)]
                  if d.mention.end <= part.mention.end and d is not part and _is(d, _PART_CONTENT)]
        for inner in inside:
            out.append(_Found(part, "concerns", inner, part.mention.start, part.mention.end, "stated", 0.7,
                              "area-concerns", dated=False))
        # "(to) jointly support the construction of X": what the agreement itself supports / promotes
        adverbs = _ITEM_ADVERBS.match(text, part.mention.start)
        verb_at = adverbs.end() if adverbs else part.mention.start
        # (an area, "cooperate in promoting X", is what the parties do together, not the agreement)
        for pattern, verb_predicate, kinds in _ACTIONS[:2] if predicate == "hasArticle" else ():
            verb = pattern.match(text, verb_at, part.mention.end)
            if verb is None:
                continue
            objects = _objects_after(text, inside, verb.end(), kinds, part.mention.end)
            for obj in objects:
                out.append(_Found(agreement, verb_predicate, obj, part.mention.start, obj.mention.end, "planned",
                                  0.7, f"agreement-{verb_predicate}"))
    for s_start, s_end in spans:
        if not cues.any(("articles",), s_start, s_end):
            continue
        for match in _NUMBER_OF_ARTICLES.finditer(text, s_start, s_end):
            agreement = agreement_for(match.start())
            if agreement is not None:
                out.append(_Found(agreement, "numberOfArticles", None, match.start(), match.end(), "stated", 0.7,
                                  "number-of-articles", value=match.group(1), dated=False))
    return out


def _held_by(text: str, decisions: Sequence[LinkDecision]) -> list[_Found]:
    """ "the fourth plenary session of the 19th CPC Central Committee": the body holding the session."""
    out: list[_Found] = []
    for meeting in decisions:
        if not _is(meeting, frozenset({"Meeting"})):
            continue
        for body in decisions:
            inside = meeting.mention.start < body.mention.start and body.mention.end <= meeting.mention.end
            if inside and _is(body, ORGANISATION) and re.search(
                    r"\s(?:of|by)\s+(?:the\s+)?(?:\d+(?:st|nd|rd|th)\s+)?$",
                    text[meeting.mention.start:body.mention.start]):
                out.append(_Found(meeting, "heldBy", body, meeting.mention.start, meeting.mention.end, "stated",
                                  0.8, "session-of", dated=False))
                break
    return out


def _visits(text: str, decisions: Sequence[LinkDecision]) -> list[_Found]:
    """ "President Xi Jinping's visit to Chongqing": who visits and where, inside the visit's name."""
    out: list[_Found] = []
    for visit in decisions:
        if not _is(visit, frozenset({"Visit"})):
            continue
        inside = [d for d in decisions if visit.mention.start <= d.mention.start and d.mention.end <= visit.mention.end
                  and d is not visit]
        to = re.search(r"\s(?:visit|trip|tour)\s+to\s+", text[visit.mention.start:visit.mention.end])
        for d in inside:
            if _is(d, frozenset({"Person"})) and (to is None or d.mention.start < visit.mention.start + to.start()):
                out.append(_Found(visit, "visitor", d, visit.mention.start, visit.mention.end, "stated", 0.8,
                                  "visit-visitor", dated=False))
            elif to is not None and _is(d, PLACE) and d.mention.start == visit.mention.start + to.end():
                out.append(_Found(visit, "place", d, visit.mention.start, visit.mention.end, "stated", 0.8,
                                  "visit-place", dated=False))
    return out
