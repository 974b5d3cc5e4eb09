"""Linked Data for entities: ``/id/{slug}`` by content negotiation, the entities table, the JSON API.

``/id/{slug}`` answers directly (no 303): HTML for browsers, Turtle / JSON-LD / N-Triples / RDF/XML
for machines, chosen from ``Accept`` or forced by ``?format=`` or a suffix (``/id/{slug}.ttl``).
The RDF is the entity's description: its triples out and in, the labels of what it links to, and
the evidence nodes of its statements. ``Vary: Accept`` and a ``Link`` header list the alternates.
Negotiation is :func:`api.negotiation.pick_format`'s (through :func:`api.linked_data.negotiated`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from coopgraph.api import urls
from coopgraph.api.convert import detail_of, summary_of
from coopgraph.graph.namespaces import curie
from coopgraph.api.deps import SettingsDep, StoreDep, TemplatesDep, entity_slug, label_index
from coopgraph.api.linked_data import alternates, negotiated, rdf_response
from coopgraph.api.negotiation import HTML, JSON, RDF_FORMATS, TURTLE
from coopgraph.api.schemas import EntityDetail, EntitySummary, Page
from coopgraph.graph.entities import EntityRecord, entity_detail, entity_rdf
from coopgraph.graph.search import IndexedEntity, resolve_class

__all__ = ["router"]

router = APIRouter(tags=["linked data"])


def _groups(record: EntityRecord) -> list[dict[str, Any]]:
    """Statements grouped by (direction, predicate) for the page, in the record's order."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for st in record.statements:
        group = groups.setdefault((st.direction, st.predicate), {
            "direction": st.direction, "predicate": st.predicate, "label": st.predicate_label,
            "curie": curie(st.predicate), "statements": []})
        group["statements"].append(st)
    return list(groups.values())


# -- routes ----------------------------------------------------------------------------------------
_RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The entity as HTML or RDF, by content negotiation.",
          "content": {HTML: {}, **{m: {"example": "<https://coopgraph.org/id/chongqing-customs> a "
                                        "coop:CustomsDistrict ." if m == TURTLE else None}
                                   for m in RDF_FORMATS.values()}}},
    404: {"description": "No entity with that id.", "content": {JSON: {"example": {
        "ok": False, "status": 404, "title": "Not found", "error": "no entity 'nowhere'"}}}},
    406: {"description": "None of the accepted media types is available."},
}


@router.get("/id/{name}", summary="An entity (Linked Data: HTML, Turtle, JSON-LD, N-Triples, RDF/XML)",
            response_class=Response, responses=_RDF_RESPONSES)
def entity_page(name: str, request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep,
                format: Annotated[str | None, Query(description="html | ttl | jsonld | nt | rdf")] = None
                ) -> Response:
    """Dereference an entity IRI. ``/id/{slug}.ttl`` or ``?format=ttl`` force a format."""
    slug, fmt = negotiated(request, name, format)
    headers = {"Vary": "Accept", "Link": alternates(urls.entity, slug)}
    if fmt == "html":
        record = entity_detail(store, base=settings.base, slug=slug)
        describe = f"DESCRIBE <{record.ref.iri}>"
        context = {"nav": "entities", "e": record, "groups": _groups(record), "urls": urls,
                   "curie": curie, "describe_url": urls.query(describe),
                   "formats": {f: urls.entity(slug, f) for f in RDF_FORMATS}}
        return templates.TemplateResponse(request, "entity.html", context, headers=headers)
    body = entity_rdf(store, base=settings.base, slug=slug)
    return rdf_response(body, fmt, headers=headers, base=settings.base)


@router.get("/api/entities/{slug}", summary="One entity with every statement and its evidence",
            response_model=EntityDetail,
            responses={404: _RDF_RESPONSES[404]})
def api_entity(slug: str, request: Request, store: StoreDep, settings: SettingsDep) -> EntityDetail:
    """Labels (en/zh), aliases, types, comment, statements in and out, each with its evidence quotes.

    ``slug`` may also be the entity's IRI, ``id:`` CURIE or a name (label or alias, any case)."""
    return detail_of(entity_detail(store, base=settings.base, slug=entity_slug(request, slug, store)))


PER_PAGE_MAX = 200


def _entity_page(request: Request, store: Any, settings: Any, *, type: str | None, q: str | None, page: int,
                 per_page: int) -> tuple[Page[EntitySummary], list[IndexedEntity]]:
    index = label_index(request, store, settings.base)
    classes: list[str] = []
    if type:
        for name in type.split(","):
            iri = resolve_class(name.strip())
            if iri is None:
                raise HTTPException(400, f"unknown class {name.strip()!r}; see /ontology for the classes")
            classes.append(iri)
    offset = (page - 1) * per_page
    if q and q.strip():
        hits = index.search(q, types=classes, limit=1000)
        total, items = len(hits), [h.entity for h in hits[offset:offset + per_page]]
    else:
        total, items = index.list(types=classes, offset=offset, limit=per_page)
    pages = max(1, math.ceil(total / per_page))
    builder = urls.api_entities if request.url.path.startswith("/api/") else urls.entities
    result = Page[EntitySummary](
        items=[summary_of(e) for e in items], total=total, page=page, per_page=per_page, pages=pages,
        next=builder(type=type, q=q, page=page + 1, per_page=per_page) if page < pages else None,
        prev=builder(type=type, q=q, page=page - 1, per_page=per_page) if page > 1 else None)
    return result, items


@router.get("/api/entities", summary="List entities (paged; filter by type, match by name)",
            response_model=Page[EntitySummary])
def api_entities(request: Request, store: StoreDep, settings: SettingsDep,
                 type: Annotated[str | None, Query(description="Class local name(s), comma-separated, "
                                                   "e.g. Province or coop:CustomsDistrict")] = None,
                 q: Annotated[str | None, Query(max_length=200, description="Match labels and aliases")] = None,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                 per_page: Annotated[int, Query(ge=1, le=PER_PAGE_MAX)] = 50) -> Page[EntitySummary]:
    """Entities sorted by label (or by relevance when ``q`` is given), with totals and page links."""
    return _entity_page(request, store, settings, type=type, q=q, page=page, per_page=per_page)[0]


@router.get("/entities", summary="Browse entities (HTML table)", response_class=Response, include_in_schema=False)
def entities_page(request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep,
                  type: Annotated[str | None, Query()] = None,
                  q: Annotated[str | None, Query(max_length=200)] = None,
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                  per_page: Annotated[int, Query(ge=1, le=PER_PAGE_MAX)] = 50) -> Response:
    result, _ = _entity_page(request, store, settings, type=type, q=q, page=page, per_page=per_page)
    index = label_index(request, store, settings.base)
    type_counts = sorted(index.type_counts().items())
    return templates.TemplateResponse(request, "entities.html", {
        "nav": "entities", "page": result, "type": type or "", "q": q or "", "type_counts": type_counts,
        "urls": urls})
