"""Response models of the JSON API, one suffix per role.

    EntitySummary / EntityDetail    an entity wherever an answer names one / on its own (with statements)
    Statement / EvidenceQuote       one triple seen from an entity / the quote that states it (every
                                    answer that carries evidence: entities, paths, neighbourhoods, views)
    SearchHit                       a ranked search result
    DocumentSummary / DocumentDetail / DocumentQuote   source documents and their quoted spans
    DatasetStats                    counts for /api/stats
    Page[T]                         a page of items with totals and links

Each model carries an OpenAPI example, so /docs shows what a response looks like.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, computed_field
from pydantic.config import JsonDict

__all__ = [
    "Alias", "DatasetStats", "DocumentDetail", "DocumentQuote", "DocumentSummary", "EntityDetail",
    "EntitySummary", "EvidenceQuote", "LiteralValue", "Page", "SearchHit", "Statement",
]

T = TypeVar("T")

_ENTITY: JsonDict = {"slug": "chongqing-customs", "iri": "https://coopgraph.org/id/chongqing-customs",
           "label": "Chongqing Customs", "label_zh": "重庆海关", "type": "CustomsDistrict",
           "url": "/id/chongqing-customs", "api_url": "/api/entities/chongqing-customs"}
_EVIDENCE: JsonDict = {"iri": "https://coopgraph.org/evidence/4f1c2a9e0b7d6c35",
             "quote": "Chongqing Customs and Chengdu Customs officially signed a memorandum of cooperation",
             "document": "chongqing-daily-2019-12-customs-memorandum",
             "document_title": "Chongqing Customs and Chengdu Customs signed a memorandum of cooperation",
             "start": 117, "end": 201, "note": None,
             "url": "/documents/chongqing-daily-2019-12-customs-memorandum#q-117-201",
             "origin": "curated", "modality": "done", "confidence": None, "accepted_by": None,
             "extracted_at": None}
_MEMO: JsonDict = {"slug": "cq-cd-customs-memorandum", "iri": "https://coopgraph.org/id/cq-cd-customs-memorandum",
         "label": "Memorandum of cooperation between Chongqing Customs and Chengdu Customs", "label_zh": None,
         "type": "Memorandum", "url": "/id/cq-cd-customs-memorandum",
         "api_url": "/api/entities/cq-cd-customs-memorandum"}
_STATEMENT: JsonDict = {"direction": "in", "predicate": "https://coopgraph.org/ontology#hasSignatory",
              "predicate_label": "has signatory", "entity": _MEMO, "value": None, "evidence": [_EVIDENCE]}
_DOCUMENT: JsonDict = {"slug": "chongqing-daily-2019-12-customs-memorandum",
             "iri": "https://coopgraph.org/id/chongqing-daily-2019-12-customs-memorandum",
             "title": "Chongqing Customs and Chengdu Customs signed a memorandum of cooperation",
             "publisher": {**_ENTITY, "slug": "chongqing-daily", "iri": "https://coopgraph.org/id/chongqing-daily",
                           "label": "Chongqing Daily", "label_zh": "重庆日报", "type": "MediaOrganisation",
                           "url": "/id/chongqing-daily", "api_url": "/api/entities/chongqing-daily"},
             "date": "2019-12", "language": "en", "creator": None,
             "attribution": "Text by Chongqing Daily, as republished on the Chongqing investment-promotion portal.",
             "source_site": "Chongqing investment-promotion news portal", "evidence_count": 67,
             "url": "/documents/chongqing-daily-2019-12-customs-memorandum",
             "api_url": "/api/documents/chongqing-daily-2019-12-customs-memorandum"}


def _example(example: JsonDict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class EntitySummary(BaseModel):
    """An entity wherever an answer names one (lists, statements, documents, paths, graphs)."""

    model_config = _example({**_ENTITY, "id": _ENTITY["iri"]})
    slug: str | None = Field(description="Local id; None for an IRI outside this dataset.")
    iri: str
    label: str = Field(description="English rdfs:label (or the best label there is).")
    label_zh: str | None = Field(None, description="Chinese rdfs:label, where known.")
    type: str | None = Field(None, description="Local name of its most specific class.")
    url: str = Field(description="The entity's Linked Data page (HTML / RDF by content negotiation).")
    api_url: str | None = None

    # mypy allows no decorator over @property; pydantic documents this ignore for computed_field.
    @computed_field(description="The entity IRI again: the key of its node in graph answers "  # type: ignore[prop-decorator]
                    "(path hops, edges).")
    @property
    def id(self) -> str:
        return self.iri


class LiteralValue(BaseModel):
    """A literal object: lexical form with its datatype or language."""

    model_config = _example({"lexical": "2019-12-17", "datatype": "http://www.w3.org/2001/XMLSchema#date",
                             "lang": None})
    lexical: str
    datatype: str | None = None
    lang: str | None = None


class EvidenceQuote(BaseModel):
    """The exact sentence of a source document that states a statement (``graph.records.Evidence``)."""

    EXAMPLE: ClassVar[dict[str, Any]] = _EVIDENCE
    model_config = _example(_EVIDENCE)
    iri: str = Field(description="The evidence node.")
    quote: str | None = Field(description="The exact words (null only where a store lacks them).")
    document: str | None = Field(description="Slug of the source document.")
    document_title: str | None = None
    start: int | None = Field(description="Character offset of the quote in the document text.")
    end: int | None = Field(description="Offset just past the quote's last character.")
    note: str | None = Field(None, description="Curator's remark, e.g. how a date's year was inferred.")
    url: str | None = Field(None, description="The quote highlighted in its document.")
    origin: Literal["curated", "extracted"] = Field(
        "curated", description="\"curated\": from a fact file reviewed like code; \"extracted\": found by "
        "`coopgraph ingest` and accepted by a person or pipeline (coop:ExtractedEvidence).")
    modality: Literal["done", "planned", "stated"] | None = Field(
        None, description="How the quote states the fact: it happened, it is a plan or intention, or a "
        "description or claim (null only where a store lacks it).")
    confidence: float | None = Field(
        None, description="Extracted evidence: how sure the extraction was, 0 to 1.")
    accepted_by: str | None = Field(None, description="Extracted evidence: who accepted it into the graph.")
    extracted_at: str | None = Field(
        None, description="Extracted evidence: when it was accepted (ISO date-time).")
    implied: Literal["text", "knowledge"] | None = Field(
        None, description="Set when the quote does not state the fact itself: \"text\" (the article only "
        "implies it) or \"knowledge\" (general knowledge, not in the text); `note` says what the text says. "
        "Null when the quote states the fact (coop:implied).")


class Statement(BaseModel):
    """One triple seen from an entity: ``out`` when it is the subject, ``in`` when it is the object."""

    model_config = _example(_STATEMENT)
    direction: Literal["out", "in"]
    predicate: str
    predicate_label: str
    entity: EntitySummary | None = Field(None, description="The entity at the other end.")
    value: LiteralValue | None = Field(None, description="The literal object, for data statements.")
    evidence: list[EvidenceQuote] = []


class Alias(BaseModel):
    text: str
    lang: str | None = None


class EntityDetail(EntitySummary):
    """Everything known about one entity, each statement with its evidence."""

    model_config = _example({**_ENTITY, "labels": {"en": "Chongqing Customs", "zh": "重庆海关"},
                             "aliases": [{"text": "Chongqing Customs District", "lang": "en"}],
                             "types": ["coop:CustomsDistrict"], "comment": "The customs district of Chongqing.",
                             "statements": [_STATEMENT], "mentioned_in": [], "truncated": False,
                             "formats": {"ttl": "/id/chongqing-customs.ttl"}})
    labels: dict[str, str] = Field(description="Language tag -> rdfs:label.")
    aliases: list[Alias] = []
    types: list[str] = Field(description="Most specific classes (CURIEs).")
    comment: str | None = None
    statements: list[Statement] = []
    mentioned_in: list[EntitySummary] = Field([], description="Source documents that mention it.")
    truncated: bool = Field(False, description="True when a hub has more statements than one response shows.")
    formats: dict[str, str] = Field({}, description="RDF serialisations of this entity.")


class SearchHit(EntitySummary):
    """A ranked match of a name (label, Chinese label or alias): the entity and how it matched."""

    model_config = _example({**_ENTITY, "id": _ENTITY["iri"], "matched": "Chongqing Customs District",
                             "match": "prefix", "score": 0.83})
    slug: str
    matched: str = Field(description="The name that matched (may be an alias or the Chinese label).")
    match: Literal["exact", "prefix", "token", "substring", "fuzzy"]
    score: float = Field(ge=0, le=1)


class DocumentSummary(BaseModel):
    """A source document: where facts come from, with attribution."""

    model_config = _example(_DOCUMENT)
    slug: str
    iri: str
    title: str
    publisher: EntitySummary | None = None
    date: str | None = None
    language: str | None = None
    creator: str | None = None
    attribution: str | None = None
    source_site: str | None = None
    evidence_count: int = Field(description="Evidence quotes taken from this document.")
    url: str
    api_url: str


class DocumentQuote(EvidenceQuote):
    """A quoted span of a document (the evidence, as everywhere) and the statement it supports."""

    model_config = _example({**_EVIDENCE, "subject": _ENTITY,
                             "predicate": "https://coopgraph.org/ontology#signatoryOf",
                             "predicate_label": "signatory of", "entity": _MEMO, "value": None})
    subject: EntitySummary
    predicate: str
    predicate_label: str
    entity: EntitySummary | None = None
    value: LiteralValue | None = None


class DocumentDetail(DocumentSummary):
    """A source document with its full text and every quoted span."""

    model_config = _example({**_DOCUMENT, "text": "CHONGQING, Dec. 17 ...", "date_note": None,
                             "sha256": "594b73e5...", "quotes": []})
    text: str
    date_note: str | None = None
    sha256: str | None = None
    quotes: list[DocumentQuote] = []


class DatasetStats(BaseModel):
    """Counts over the whole dataset (cached per store version)."""

    model_config = _example({"triples": 2517, "entities": 120, "entities_by_type": {"Province": 5},
                             "relations": 176, "relations_by_predicate": {"coop:hasMember": 20},
                             "documents": 2, "evidence": 184, "version": "gen-20261122T014211-1:0"})
    triples: int = Field(description="Triples in the default graph (data + evidence).")
    entities: int = Field(description="Labelled resources under /id/.")
    entities_by_type: dict[str, int] = Field(description="Entities by most specific class.")
    relations: int = Field(description="Distinct entity-to-entity statements with evidence.")
    relations_by_predicate: dict[str, int]
    documents: int
    evidence: int = Field(description="Evidence nodes (one per quote of a statement).")
    version: str = Field(description="Store version these counts describe.")


class Page(BaseModel, Generic[T]):
    """One page of a list, with totals and links to its neighbours."""

    model_config = _example({"items": [_ENTITY], "total": 120, "page": 1, "per_page": 50, "pages": 3,
                             "next": "/api/entities?page=2&per_page=50", "prev": None})
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int
    next: str | None = None
    prev: str | None = None
