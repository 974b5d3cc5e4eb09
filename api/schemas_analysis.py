"""Response models of the analysis API (api/routers/analytics.py), each with an OpenAPI example.

Naming grammar: ``NodeDetail`` (every attribute and measure), ``PathHop``/``PathResult`` (paths with
evidence), ``...Page`` (a bounded list). An entity is named as everywhere (``api.schemas.EntitySummary``,
whose ``id`` is the node key hops and edges use) and evidence is ``api.schemas.EvidenceQuote``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from coopgraph.api.negotiation import JSON
from coopgraph.api.schemas import EntitySummary, EvidenceQuote

__all__ = [
    "NodeDetail",
    "EdgeOut",
    "PathHopOut",
    "PathResultOut",
    "PathsPage",
    "CentralityItem",
    "CentralityPage",
    "CommunityOut",
    "CommunitiesPage",
    "BridgesPage",
    "KCorePage",
    "NeighbourhoodOut",
    "GraphView",
    "example_responses",
]

_BASE = "https://coopgraph.org/id/"


def _ref(slug: str, label: str, type_: str | None) -> dict[str, Any]:
    return {"slug": slug, "iri": _BASE + slug, "label": label, "label_zh": None, "type": type_,
            "url": f"/id/{slug}", "api_url": f"/api/entities/{slug}", "id": _BASE + slug}


_CQ = _ref("chongqing-customs", "Chongqing Customs", "CustomsDistrict")
_CD = _ref("chengdu-customs", "Chengdu Customs", "CustomsDistrict")
_MEMO = _ref(
    "cq-cd-customs-memorandum",
    "Memorandum of cooperation between Chongqing Customs and Chengdu Customs",
    "Memorandum",
)
_EVIDENCE = EvidenceQuote.EXAMPLE
_HOP = {
    "source": _CQ["id"],
    "target": _MEMO["id"],
    "subject": _CQ["id"],
    "object": _MEMO["id"],
    "predicate": "https://coopgraph.org/ontology#signatoryOf",
    "predicate_label": "signatory of",
    "direction": "forward",
    "evidence": [_EVIDENCE],
    "also": [],
}
_EDGE = {
    "source": _CQ["id"],
    "target": _MEMO["id"],
    "key": _HOP["predicate"],
    "predicate": _HOP["predicate"],
    "predicate_label": "signatory of",
    "evidence": [_EVIDENCE],
}
_HOP_BACK = {
    **_HOP,
    "source": _MEMO["id"],
    "target": _CD["id"],
    "subject": _CD["id"],
    "object": _MEMO["id"],
    "direction": "backward",
}
_DETAIL = {
    **_CQ,
    "label_zh": "重庆海关",
    "aliases": ["Chongqing Customs District P.R.CHINA"],
    "types": ["CustomsDistrict"],
    "date": None,
    "documents": ["chongqing-daily-2019-12-customs-memorandum"],
    "degree": 7,
    "pagerank": 0.041,
    "betweenness": 0.12,
    "community": 0,
    "core_number": 2,
    "distance": 0,
}


class NodeDetail(EntitySummary):
    """An entity with its names, classes, dates, documents and network measures."""

    aliases: list[str] = []
    types: list[str] = []
    date: str | None = None
    documents: list[str] = []
    degree: int = Field(0, description="Distinct entities linked to this one.")
    pagerank: float | None = Field(0.0, description="null while a large graph's measures are being computed "
                                   "(the same for betweenness, community and core_number).")
    betweenness: float | None = 0.0
    community: int | None = None
    core_number: int | None = 0
    distance: int | None = Field(None, description="Hops from the focus (neighbourhood views).")

    model_config = ConfigDict(json_schema_extra={"examples": [_DETAIL]})


class EdgeOut(BaseModel):
    """One relation between two entities, in its real direction, with its evidence."""

    source: str
    target: str
    key: str
    predicate: str
    predicate_label: str
    evidence: list[EvidenceQuote] = []

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EDGE
            ]
        }
    )


class PathHopOut(BaseModel):
    """One step of a path: ``source`` -> ``target`` in path order; ``subject``/``object`` give the
    relation's real direction (``direction`` = forward when they agree)."""

    source: str
    target: str
    subject: str
    object: str
    predicate: str
    predicate_label: str
    direction: Literal["forward", "backward"]
    evidence: list[EvidenceQuote]
    also: list[str] = Field(description="Other relations between the same two entities.")

    model_config = ConfigDict(json_schema_extra={"examples": [_HOP]})


class PathResultOut(BaseModel):
    length: int
    nodes: list[EntitySummary]
    hops: list[PathHopOut]

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"length": 2, "nodes": [_CQ, _MEMO, _CD], "hops": [_HOP, _HOP_BACK]}]}
    )


class PathsPage(BaseModel):
    """Shortest paths and other simple paths (up to ``max_length`` hops) between two entities."""

    source: EntitySummary
    target: EntitySummary
    max_length: int
    shortest: list[PathResultOut]
    simple: list[PathResultOut]
    truncated: bool = Field(description="More paths may exist than were returned.")
    note: str | None = Field(None, description="Set when the search stopped at its work bound: what that means "
                             "for this answer.")

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "source": _CQ,
        "target": _CD,
        "max_length": 4,
        "truncated": False,
        "shortest": [{"length": 2, "nodes": [_CQ, _MEMO, _CD], "hops": [_HOP, _HOP_BACK]}],
        "simple": [{"length": 2, "nodes": [_CQ, _MEMO, _CD], "hops": [_HOP, _HOP_BACK]}],
    }

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


class CentralityItem(BaseModel):
    rank: int
    node: EntitySummary
    score: float


class CentralityPage(BaseModel):
    """Entities ranked by one centrality measure."""

    measure: Literal["degree", "pagerank", "betweenness"]
    sampled: bool = Field(description="True when betweenness was estimated from sampled sources.")
    total: int
    items: list[CentralityItem]

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "measure": "pagerank",
        "sampled": False,
        "total": 120,
        "items": [
            {"rank": 1, "node": _ref("chongqing", "Chongqing", "Municipality"), "score": 0.083},
            {"rank": 2, "node": _CQ, "score": 0.041},
        ],
    }

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


class CommunityOut(BaseModel):
    id: int
    name: str = Field(description="Label of the most central member.")
    central: EntitySummary
    size: int
    members: list[EntitySummary]
    truncated: bool = Field(description="Only the first ``members`` members are listed.")


class CommunitiesPage(BaseModel):
    """Louvain communities (seeded, stable ids: largest first)."""

    count: int
    communities: list[CommunityOut]
    truncated: bool

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "count": 1,
        "truncated": False,
        "communities": [
            {
                "id": 0,
                "name": "Chongqing Customs",
                "central": _CQ,
                "size": 3,
                "members": [_CD, _CQ, _MEMO],
                "truncated": False,
            }
        ],
    }

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


class BridgesPage(BaseModel):
    """Cut edges (a link whose removal splits the graph) and cut vertices."""

    bridges: list[PathHopOut]
    articulation_points: list[EntitySummary]
    truncated: bool

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "bridges": [_HOP],
        "articulation_points": [_MEMO],
        "truncated": False,
    }

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


class KCorePage(BaseModel):
    """The entities of the k-core: each linked to at least k others in it."""

    k: int
    count: int
    nodes: list[EntitySummary]
    truncated: bool

    EXAMPLE: ClassVar[dict[str, Any]] = {"k": 2, "count": 3, "nodes": [_CD, _CQ, _MEMO], "truncated": False}

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


class NeighbourhoodOut(BaseModel):
    """A bounded neighbourhood: the focus, entities within ``depth`` hops and the relations among them."""

    focus: NodeDetail
    depth: int
    total: int = Field(description="Entities within depth before the limit was applied.")
    truncated: bool
    note: str | None = Field(None, description="Set when the walk stopped at its work bound (total is then "
                             "a lower bound).")
    nodes: list[NodeDetail]
    edges: list[EdgeOut]

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "focus": _DETAIL,
        "depth": 1,
        "total": 2,
        "truncated": False,
        "nodes": [_DETAIL, {**_DETAIL, **_MEMO, "distance": 1, "types": ["Memorandum"]}],
        "edges": [
            _EDGE
        ],
    }

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


class GraphView(BaseModel):
    """Node-link JSON of a bounded view (networkx ``node_link_data`` style, edges under ``edges``)."""

    directed: bool = True
    multigraph: bool = True
    focus: str | None
    depth: int | None
    total: int
    truncated: bool
    note: str | None = Field(None, description="Set when the walk around the focus stopped at its work bound.")
    nodes: list[NodeDetail]
    edges: list[EdgeOut]

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "directed": True,
        "multigraph": True,
        "focus": _CQ["id"],
        "depth": 1,
        "total": 2,
        "truncated": False,
        "nodes": NeighbourhoodOut.EXAMPLE["nodes"],
        "edges": NeighbourhoodOut.EXAMPLE["edges"],
    }

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})


def example_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the model's example under 200, so /docs shows it."""
    example = getattr(model, "EXAMPLE", None)
    return {200: {"content": {JSON: {"example": example}}}}
