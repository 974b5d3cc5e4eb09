"""Library records -> JSON API models (``api.schemas``), with the links each answer carries.

Shared by the routers that answer with entities (entities, documents); a router never imports
another router (``tests/test_layering.py``).
"""

from __future__ import annotations

from typing import Literal

from coopgraph.api import urls
from coopgraph.api.negotiation import RDF_FORMATS
from coopgraph.api.schemas import Alias, EntityDetail, EntitySummary, EvidenceQuote, LiteralValue, Statement
from coopgraph.graph.entities import EntityRecord, EntityRef, Evidence, IndexedEntity, StatementRecord, Value
from coopgraph.graph.namespaces import curie

__all__ = ["detail_of", "evidence_of", "statement_of", "summary_of", "value_of"]

_MODALITIES: dict[str, Literal["done", "planned", "stated"]] = {"done": "done", "planned": "planned",
                                                                 "stated": "stated"}


def summary_of(ref: EntityRef | IndexedEntity) -> EntitySummary:
    slug = ref.slug
    return EntitySummary(slug=slug, iri=ref.iri, label=ref.label, label_zh=ref.label_zh, type=ref.type,
                         url=urls.entity(slug) if slug else ref.iri,
                         api_url=urls.api_entity(slug) if slug else None)


def evidence_of(ev: Evidence) -> EvidenceQuote:
    """The one JSON shape of evidence (entities, documents, paths, neighbourhoods, graph views)."""
    doc = ev.document
    span = (ev.start, ev.end) if ev.start is not None and ev.end is not None else None
    modality = _MODALITIES.get(ev.modality or "")  # an unknown value in someone's store shows as unknown
    return EvidenceQuote(iri=ev.iri, quote=ev.quote, document=doc.slug if doc else None,
                         document_title=doc.label if doc else None, start=ev.start, end=ev.end, note=ev.note,
                         url=urls.document(doc.slug, span) if doc and doc.slug else None, origin=ev.origin,
                         modality=modality, confidence=ev.confidence, accepted_by=ev.accepted_by,
                         extracted_at=ev.extracted_at)


def value_of(value: Value | None) -> LiteralValue | None:
    if value is None:
        return None
    return LiteralValue(lexical=value.lexical, datatype=value.datatype, lang=value.lang)


def statement_of(st: StatementRecord) -> Statement:
    return Statement(direction=st.direction, predicate=st.predicate, predicate_label=st.predicate_label,
                     entity=summary_of(st.other) if st.other else None, value=value_of(st.value),
                     evidence=[evidence_of(e) for e in st.evidence])


def detail_of(record: EntityRecord) -> EntityDetail:
    slug = record.ref.slug or ""
    return EntityDetail(
        **summary_of(record.ref).model_dump(), labels=record.labels,
        aliases=[Alias(text=t, lang=lang) for t, lang in record.aliases],
        types=[curie(t) for t in record.types],
        comment=record.comment, statements=[statement_of(s) for s in record.statements],
        mentioned_in=[summary_of(r) for r in record.mentioned_in], truncated=record.truncated,
        formats={f: urls.entity(slug, f) for f in RDF_FORMATS})
