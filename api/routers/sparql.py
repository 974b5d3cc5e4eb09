"""``/sparql`` in FastAPI's router: the OpenAPI description of the SPARQL 1.1 Protocol endpoint.

The protocol itself is :mod:`api.sparql_protocol`; most requests reach it through the fast path
ahead of FastAPI's router (:class:`api.front.SparqlFastPath`). These routes run the same functions
for the requests the fast path passes on, and describe the endpoint in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from coopgraph.api import negotiation
from coopgraph.api.deps import SettingsDep, StateDep
from coopgraph.api.sparql_protocol import get, post

__all__ = ["router"]

router = APIRouter(tags=["sparql"])

# The type FastAPI's ``responses=`` takes.
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results, in the negotiated format",
        "content": {
            **{m: {} for m in (*negotiation.RESULTS_MEDIA_TYPES, *negotiation.GRAPH_MEDIA_TYPES)},
            negotiation.SPARQL_JSON: {"example": {
                "head": {"vars": ["signatory", "date"]},
                "results": {"bindings": [{
                    "signatory": {"type": "uri", "value": "https://coopgraph.org/id/chongqing-customs"},
                    "date": {"type": "literal", "value": "2019-12-17",
                             "datatype": "http://www.w3.org/2001/XMLSchema#date"}}]}}},
            negotiation.TURTLE: {"example": "<https://coopgraph.org/id/cq-cd-customs-memorandum> "
                                            "<https://coopgraph.org/ontology#hasSignatory> "
                                            "<https://coopgraph.org/id/chongqing-customs> ."},
        },
    },
    400: {"description": "Malformed request or query (the parser's message)"},
    401: {"description": "Update without credentials"},
    403: {"description": "Update with a wrong token or disabled; SERVICE / LOAD refused"},
    406: {"description": "No acceptable result format"},
    413: {"description": "Request body or query too large"},
    415: {"description": "Unsupported request media type"},
    503: {"description": "Query exhausted its memory bound, or all workers busy"},
    504: {"description": "Query ran out of time and was cancelled"},
}


@router.get("/sparql", summary="SPARQL 1.1 query (GET), or the service description", responses=_RESPONSES,
            openapi_extra={"parameters": [{
                "name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "A SPARQL 1.1 query; without it, the service description.",
                "example": "PREFIX coop: <https://coopgraph.org/ontology#>\nSELECT ?signatory ?date WHERE {\n"
                           "  ?memo a coop:Memorandum ; coop:hasSignatory ?signatory ; coop:signedOn ?date }"}]})
@router.get("/sparql/", include_in_schema=False)  # reverse proxies and clients add the slash
async def sparql_get(request: Request, state: StateDep, settings: SettingsDep) -> Response:
    """``?query=`` runs a query; with no query, the SPARQL Service Description."""
    return await get(request, state, settings)


@router.post("/sparql", summary="SPARQL 1.1 query or update (POST)", responses=_RESPONSES)
@router.post("/sparql/", include_in_schema=False)
async def sparql_post(request: Request, state: StateDep, settings: SettingsDep) -> Response:
    """Form-encoded ``query=``/``update=``, or a direct ``application/sparql-query|update`` body."""
    return await post(request, state, settings)
