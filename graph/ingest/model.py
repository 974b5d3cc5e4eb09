"""The records an ingest passes between its stages, and the report it writes.

    IngestDocument ──> Mention (known: found by label) ─┐
                  └──> Mention (candidate: NER/rules) ──┴─> LinkDecision ─> Relation ─> Extraction
                                                                                          │
                                    review (file, web page, --accept) ──> accepted facts ─┘─> store

Offsets are character offsets into ``IngestDocument.text`` (``text[start:end] == quote``), the text as
stored in the document's node (``schema:text``), so a quote can always be checked against its source.
Every record is plain data (frozen dataclasses of str/int/float/None/tuples): the report, the review
file and the review page are all made from them, and nothing in them refers to a store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["IngestDocument", "Mention", "Candidate", "LinkDecision", "Relation", "Extraction",
           "Modality", "REASONS", "report_json"]

# How a statement is stated: done (it happened), planned (intended, to be done, will), stated (a
# claim or description without a time: "X is located in Y").
Modality = Literal["done", "planned", "stated"]

# Every reason a link decision can give (``LinkDecision.reason``); "fuzzy:<score>" carries its score.
REASONS = {
    "exact-alias": "the mention is a label or alias of exactly one compatible entity",
    "acronym-defined-here": "the article defines this acronym for a name that links",
    "fuzzy": "close to an entity's multi-word name (fuzzy:<score>, strict scorer); goes to review",
    "ambiguous": "the label belongs to more than one compatible entity; goes to review",
    "vetoed:type": "the closest entity has an incompatible type",
    "vetoed:date": "an agreement or meeting with a different date",
    "vetoed:number": "a name that differs in a number (e.g. 'Second' / 'Third' meeting)",
    "vetoed:parties": "an agreement or meeting between different parties",
    "vetoed:suffix": "a different administrative suffix (Province / City / Customs ...)",
    "vetoed:confusable": "a confusable pair (Shanxi / Shaanxi, Guangxi / Guangdong)",
    "new": "no entity of the graph matches: proposed as a new entity",
}


@dataclass(frozen=True)
class IngestDocument:
    """One article as coopgraph stores it: its clean text and what is known about it."""

    text: str                     # main text, boilerplate removed, normalised newlines
    sha256: str                   # of ``text`` (UTF-8): the identity of the document; same hash = same document
    path: str                     # where it came from ("-" for stdin)
    title: str | None = None
    date: str | None = None       # YYYY, YYYY-MM or YYYY-MM-DD
    url: str | None = None
    publisher: str | None = None
    language: str = "en"
    format: str = "text"          # "text", "markdown" or "html"

    @property
    def slug(self) -> str:
        """The document's id: ``doc-<first 16 hex of sha256>`` (its IRI is ``{base}id/{slug}``)."""
        return f"doc-{self.sha256[:16]}"


@dataclass(frozen=True)
class Mention:
    """A span of the text that names an entity, known or not."""

    text: str                     # == document.text[start:end]
    start: int
    end: int
    sentence: tuple[int, int]     # offsets of the sentence holding it
    source: str                   # "label" (the graph's labels/aliases), "ner", "rule:<name>", "acronym"
    types: tuple[str, ...] = ()   # guessed coop classes (local names), most specific first; () = unknown
    label: str | None = None      # the matched label or alias (normalised form) for source="label"


@dataclass(frozen=True)
class Candidate:
    """An entity of the graph a mention could be, with how well it matches."""

    iri: str
    label: str
    types: tuple[str, ...]
    score: float                  # 0..100
    reason: str                   # a key of REASONS ("fuzzy:96" for fuzzy)


@dataclass(frozen=True)
class LinkDecision:
    """What one mention is taken to be: an existing entity (auto-linked or for review) or a new one."""

    mention: Mention
    iri: str                      # the existing entity's IRI, or the IRI the new entity would get
    label: str
    types: tuple[str, ...]
    new: bool                     # True: the graph does not have this entity yet
    score: float                  # 0..100
    reason: str                   # a key of REASONS, "fuzzy:<score>" for fuzzy
    auto: bool                    # True only for one compatible candidate from an exact or acronym alias
    candidates: tuple[Candidate, ...] = ()   # the top alternatives shown in review
    aliases: tuple[str, ...] = ()            # for a new entity: acronyms and other forms found in the text


@dataclass(frozen=True)
class Relation:
    """A statement one sentence of the document makes about two entities (or an entity and a value)."""

    subject: LinkDecision
    predicate: str                # a coop property local name ("signatoryOf") or a CURIE ("org:memberOf")
    object: LinkDecision | None   # None when the statement has a literal ``value``
    quote: str                    # == document.text[start:end]; a whole sentence or a clause of it
    start: int
    end: int
    modality: Modality
    confidence: float             # 0..1
    value: str | None = None      # a literal (e.g. the date of signature "2019-12-17")
    date: str | None = None       # when it happened / is planned: YYYY, YYYY-MM or YYYY-MM-DD
    date_inferred: bool = False   # the year (or more) came from the article's date, not the sentence
    rule: str = ""                # which extraction rule or pattern produced it (for review and tuning)


@dataclass
class Extraction:
    """Everything one document yields, before review."""

    document: IngestDocument
    iri: str                      # the document's IRI
    mentions: list[LinkDecision] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _entity_json(d: LinkDecision) -> dict[str, Any]:
    return {"iri": d.iri, "label": d.label, "types": list(d.types), "new": d.new, "score": d.score,
            "reason": d.reason, "auto": d.auto,
            "candidates": [asdict(c) | {"types": list(c.types)} for c in d.candidates]}


def report_json(extractions: list[Extraction]) -> dict[str, Any]:
    """The ``--report`` file: the shape issue 11 item 8 fixes (extra fields are allowed)."""
    documents = []
    for x in extractions:
        doc = x.document
        documents.append({
            "path": doc.path, "iri": x.iri, "sha256": doc.sha256, "title": doc.title, "date": doc.date,
            "url": doc.url, "publisher": doc.publisher,
            "mentions": [{"text": d.mention.text, "start": d.mention.start, "end": d.mention.end,
                          "sentence": list(d.mention.sentence), "source": d.mention.source,
                          "entity": _entity_json(d)} for d in x.mentions],
            "relations": [{"subject": {"iri": r.subject.iri, "label": r.subject.label, "new": r.subject.new},
                           "predicate": r.predicate,
                           "object": ({"iri": r.object.iri, "label": r.object.label, "new": r.object.new}
                                      if r.object is not None else None),
                           "value": r.value, "quote": r.quote, "start": r.start, "end": r.end,
                           "modality": r.modality, "date": r.date, "date_inferred": r.date_inferred,
                           "confidence": r.confidence, "rule": r.rule} for r in x.relations],
            "warnings": list(x.warnings),
        })
    return {"documents": documents}
