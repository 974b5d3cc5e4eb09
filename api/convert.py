"""Library records -> JSON API answers (``api.schemas``, ``api.schemas_analysis``), with their links.

Shared by the routers that answer with entities (entities, documents, analytics); a router never
imports another router (``tests/test_layering.py``). The projection's nodes, edges and paths
(``graph.network``, ``graph.analysis``) become the analysis API's dicts, validated by FastAPI
against ``api.schemas_analysis``.
"""

from __future__ import annotations

from typing import Any, Literal

import networkx as nx

from coopgraph.api import urls
from coopgraph.api.negotiation import RDF_FORMATS
from coopgraph.api.schemas import Alias, EntityDetail, EntitySummary, EvidenceQuote, LiteralValue, Statement
from coopgraph.graph import analysis
from coopgraph.graph.entities import EntityRecord, StatementRecord, Value
from coopgraph.graph.records import EntityRef, Evidence
from coopgraph.graph.search import IndexedEntity
from coopgraph.graph.namespaces import curie

__all__ = ["detail_of", "edges_of", "evidence_of", "node_detail_of", "node_ref_of", "path_hop_of", "path_of",
           "statement_of", "summary_of", "value_of"]

_MODALITIES: dict[str, Literal["done", "planned", "stated"]] = {"done": "done", "planned": "planned",
                                                                 "stated": "stated"}
_IMPLIED: dict[str, Literal["text", "knowledge"]] = {"text": "text", "knowledge": "knowledge"}


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
                         extracted_at=ev.extracted_at, implied=_IMPLIED.get(ev.implied or ""))


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


# -- the projection (analysis API) ----------------------------------------------------------------
def node_ref_of(G: nx.MultiDiGraph[str], node: str) -> dict[str, Any]:
    """The entity as every answer names one (``EntitySummary``; ``id`` is the node key)."""
    return summary_of(analysis.entity_ref(G, node)).model_dump()


def node_detail_of(G: nx.MultiDiGraph[str], node: str, measures: dict[str, dict[str, Any]],
                   distance: int | None = None) -> dict[str, Any]:
    """A node with its names, types, documents and measures (``NodeDetail``)."""
    data = G.nodes[node]
    row = measures.get(node, {})
    return {
        **node_ref_of(G, node),
        "aliases": list(data.get("aliases") or []),
        "types": list(data.get("types") or []),
        "date": data.get("date"),
        "documents": list(data.get("documents") or []),
        "degree": row.get("degree", 0),
        # A degree-only row: the other measures are still being computed (large graph): null, not 0.
        **({"pagerank": None, "betweenness": None, "community": None, "core_number": None}
           if row and "pagerank" not in row else
           {"pagerank": row.get("pagerank", 0.0), "betweenness": row.get("betweenness", 0.0),
            "community": row.get("community"), "core_number": row.get("core_number", 0)}),
        "distance": distance,
    }


def edges_of(G: nx.MultiDiGraph[str], nodes: set[str]) -> list[dict[str, Any]]:
    """Every edge among ``nodes``, each with its evidence, in a stable order."""
    edges = []
    for u, v, key, data in G.subgraph(nodes).edges(keys=True, data=True):
        evidence = analysis.evidence_of(G, list(data.get("evidence") or []))
        edges.append(
            {
                "source": u,
                "target": v,
                "key": key,
                "predicate": data.get("predicate", key),
                "predicate_label": data.get("predicate_label") or key,
                "evidence": [evidence_of(ev) for ev in evidence],
            }
        )
    edges.sort(key=lambda e: (e["source"], e["target"], e["key"]))
    return edges


def path_hop_of(hop: analysis.PathHop) -> dict[str, Any]:
    """One hop of a path (or a bridge): its ends, the predicate, its direction and its evidence."""
    return {
        "source": hop.source,
        "target": hop.target,
        "subject": hop.subject,
        "object": hop.object,
        "predicate": hop.predicate,
        "predicate_label": hop.predicate_label,
        "direction": "forward" if hop.forward else "backward",
        "evidence": [evidence_of(e) for e in hop.evidence],
        "also": list(hop.also),
    }


def path_of(G: nx.MultiDiGraph[str], path: analysis.PathResult) -> dict[str, Any]:
    return {
        "length": path.length,
        "nodes": [node_ref_of(G, n) for n in path.nodes],
        "hops": [path_hop_of(h) for h in path.hops],
    }
