"""``/docs``: the OpenAPI documentation, with Swagger UI served by us, and what the OpenAPI
description adds for it: one tag per operation, in a set order, and a working example for every
parameter, so "Try it out" is filled in with values that answer.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; both break
offline use and our CSP (``script-src 'self'``), so the app turns it off and serves this one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from coopgraph.api.deps import TemplatesDep
from coopgraph.api.negotiation import FORM, SPARQL_QUERY
from coopgraph.api.vendor import VendorAssetsMissing, swagger_ui

__all__ = ["OPENAPI_TAGS", "install_openapi_examples", "router"]

router = APIRouter(include_in_schema=False)

# The sections of /docs, in this order. Every operation carries exactly one of these tags: its
# router's (a route adding another would list the operation twice).
OPENAPI_TAGS: list[dict[str, str]] = [
    {"name": "sparql", "description": "The SPARQL 1.1 endpoint (query and, with a token, update)."},
    {"name": "search", "description": "Find entities by name, in English or Chinese."},
    {"name": "linked data", "description": "Entities: their pages (HTML or RDF) and JSON."},
    {"name": "documents", "description": "The source articles every fact is quoted from."},
    {"name": "analysis", "description": "Network measures and paths over the entity graph."},
    {"name": "views", "description": "Graph views: the explorer's data, embeds and exports."},
    {"name": "examples", "description": "The example queries of the query page, runnable by name."},
    {"name": "dataset", "description": "Statistics, VoID description and full dumps."},
    {"name": "ontology", "description": "The classes and properties, and the SHACL shapes."},
    {"name": "review", "description": "Reviewing ingested articles (only where updates are on)."},
    {"name": "meta", "description": "Health."},
]

_ENTITY = "chongqing-customs"
_DOCUMENT = "chongqing-daily-2019-12-customs-memorandum"
_CONSTRUCT = ("PREFIX coop: <https://coopgraph.org/ontology#>\n"
              "CONSTRUCT { ?agreement coop:hasSignatory ?party } WHERE { ?agreement coop:hasSignatory ?party }")
_SELECT = ("PREFIX coop: <https://coopgraph.org/ontology#>\n"
           "SELECT ?signatory ?date WHERE {\n"
           "  ?memo a coop:Memorandum ; coop:hasSignatory ?signatory ; coop:signedOn ?date }")

# Example values by parameter name; ``(path, name)`` where one name means different things.
# tests/api/test_pages_polish.py calls every GET operation with them and expects an answer.
_BY_NAME: dict[str, Any] = {
    "slug": _ENTITY, "name": _ENTITY, "focus": _ENTITY, "source": "chengdu-customs", "target": _ENTITY,
    "q": "Chongqing", "type": "CustomsDistrict", "types": "CustomsDistrict,Memorandum,City,Municipality",
    "format": "ttl", "fmt": "ttl", "k": 2, "depth": "2", "limit": "300", "colour": "type", "size": "degree",
    "layout": "physics", "height": "600", "theme": "light", "since": "2019", "until": "2020",
    "title": "Chongqing Customs and its partners", "query": _SELECT,
}
_BY_PATH: dict[tuple[str, str], Any] = {
    ("/api/examples/{name}", "name"): "agreements-signed-by",
    ("/documents/{name}", "name"): _DOCUMENT,
    ("/api/documents/{slug}", "slug"): _DOCUMENT,
    ("/api/review/{slug}", "slug"): "doc-3f1c2a9b0d4e5f67",
    ("/api/review/{slug}/decisions", "slug"): "doc-3f1c2a9b0d4e5f67",
    ("/api/review/{slug}/accept-all", "slug"): "doc-3f1c2a9b0d4e5f67",
    ("/api/review/{slug}/apply", "slug"): "doc-3f1c2a9b0d4e5f67",
    ("/api/export/view.{fmt}", "fmt"): "graphml",
    ("/embed/sparql", "query"): _CONSTRUCT,
    ("/api/neighbourhood/{slug}", "types"): ["CustomsDistrict", "Memorandum", "City", "Municipality"],
    ("/api/graph", "types"): ["CustomsDistrict", "Memorandum", "City", "Municipality"],
}
# POST /sparql reads its body itself (three protocol forms), so FastAPI cannot describe it.
_SPARQL_BODY = {"required": True, "content": {
    FORM: {
        "schema": {"type": "object", "properties": {"query": {"type": "string"}, "update": {"type": "string"}}},
        "example": {"query": _SELECT}},
    SPARQL_QUERY: {"schema": {"type": "string"}, "example": _SELECT},
}}


def install_openapi_examples(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the description it caches has an example for every parameter."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_examples(generate())  # FastAPI caches the dict it returns: filled in once, in place
        # set by generate() above; FastAPI types the attribute as optional
        return app.openapi_schema  # type: ignore[return-value]

    # FastAPI's documented way to extend the schema is to replace this method
    app.openapi = openapi  # type: ignore[method-assign]


def add_examples(spec: dict[str, Any]) -> None:
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                # Swagger UI fills in a schema default by itself
                if "example" in parameter or "examples" in parameter or "default" in parameter.get("schema", {}):
                    continue
                value = _BY_PATH.get((path, parameter["name"]), _BY_NAME.get(parameter["name"]))
                if value is not None:
                    parameter["example"] = value
            if (path, method) == ("/sparql", "post") and "requestBody" not in operation:
                operation["requestBody"] = _SPARQL_BODY


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request, templates: TemplatesDep) -> Response:
    missing: str | None = None
    try:
        assets = swagger_ui()
    except VendorAssetsMissing as exc:
        assets, missing = None, str(exc)
    return templates.TemplateResponse(request, "docs.html", {"nav": "api", "assets": assets,
                                                             "missing": missing})
