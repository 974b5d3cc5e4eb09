"""Linked Data for entities: ``/id/{slug}`` by content negotiation, the entities table, the JSON API.

``/id/{slug}`` answers directly (no 303): HTML for browsers, Turtle / JSON-LD / N-Triples / RDF/XML
for machines, chosen from ``Accept`` or forced by ``?format=`` or a suffix (``/id/{slug}.ttl``).
The RDF is the entity's description: its triples out and in, the labels of what it links to, and
the evidence nodes of its statements. ``Vary: Accept`` and a ``Link`` header list the alternates.

Content negotiation here is a small local helper (``pick_format``) because ``api/negotiation.py``
was not written yet when this module was; it is pure and table-tested through HTTP.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from api import negotiation, urls
from api.deps import SettingsDep, StoreDep, TemplatesDep
from api.routers.search import label_index
from api.schemas import Alias, EntityDetail, EntitySummary, EvidenceQuote, LiteralValue, Page, Statement
from graph.entities import (EntityRecord, EntityRef, Evidence, IndexedEntity, StatementRecord, Value,
                            entity_detail, entity_rdf, resolve_class)
from graph.export import serialise
from graph.namespaces import PREFIXES, new_graph

__all__ = ["RDF_MEDIA_TYPES", "pick_format", "rdf_response", "router", "summary_of"]

router = APIRouter(tags=["linked data"])

# format name -> media type we answer with; the order is our preference when the client has none.
RDF_MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
MEDIA_TYPES: dict[str, str] = {"html": "text/html", **RDF_MEDIA_TYPES}
# media types clients send that mean one of our formats
_ACCEPTED_AS: dict[str, str] = {
    "text/html": "html", "application/xhtml+xml": "html",
    "text/turtle": "ttl", "application/x-turtle": "ttl", "application/turtle": "ttl",
    "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/n-triples": "nt", "text/plain": "nt",
    "application/rdf+xml": "rdf", "application/xml": "rdf", "text/xml": "rdf",
}
_SERIALISERS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}


def pick_format(accept: str | None, offered: tuple[str, ...], default: str) -> str | None:
    """The offered format the Accept header likes best; ``default`` for no header or ``*/*`` alone.

    Highest q wins; on equal q the more specific range (``text/turtle`` over ``text/*`` over
    ``*/*``), then the one the client listed first. None when nothing offered is acceptable (406).
    Parsing is :func:`api.negotiation.parse_accept`'s; the scoring differs from the SPARQL
    endpoint's because here the client's own order breaks ties (browsers list HTML first).
    """
    if not accept or not accept.strip():
        return default
    ranges = list(enumerate(negotiation.parse_accept(accept, synonyms={})))
    best: tuple[float, int, int, int] | None = None
    choice = None
    for preference, fmt in enumerate((default, *[f for f in offered if f != default])):
        match: tuple[int, float, int] | None = None     # (specificity, q, -position) of the closest range
        for name in (m for m, f in _ACCEPTED_AS.items() if f == fmt):
            for position, accepted in ranges:
                if accepted.matches(name):
                    candidate = (accepted.specificity, accepted.q, -position)
                    if match is None or candidate > match:
                        match = candidate
        if match is None or match[1] <= 0:
            continue
        score = (match[1], match[0], match[2], -preference)
        if best is None or score > best:
            best, choice = score, fmt
    return choice


def rdf_response(ntriples: bytes, fmt: str, *, headers: dict[str, str] | None = None, base: str | None = None,
                 extra_prefixes: dict[str, str] | None = None) -> Response:
    """N-Triples re-serialised as ``fmt`` (JSON-LD compacted with our prefixes by rdflib)."""
    prefixes = {**PREFIXES, **(extra_prefixes or {})}
    if base:
        prefixes["id"] = base + "id/"
    if fmt == "jsonld":
        graph = new_graph(base=base)
        for prefix, namespace in (extra_prefixes or {}).items():
            graph.bind(prefix, namespace)
        graph.parse(data=ntriples, format="nt")
        body = serialise(graph, "jsonld")
    else:
        triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
        body = ox.serialize(triples, format=_SERIALISERS[fmt], prefixes=prefixes) or b""
    media = RDF_MEDIA_TYPES[fmt] + ("; charset=utf-8" if fmt != "rdf" else "")
    return Response(body, media_type=media, headers=headers)


def negotiated(request: Request, name: str, format: str | None, *, default: str = "ttl",
               offered: tuple[str, ...] = tuple(MEDIA_TYPES)) -> tuple[str, str]:
    """``(slug, format)`` from a path segment (``x.ttl``), ``?format=`` or the Accept header."""
    slug, dot, suffix = name.partition(".")
    chosen = format.lower() if format else None
    if dot:
        if suffix not in offered or suffix == "html":
            raise HTTPException(404, f"unknown format suffix .{suffix}; use one of "
                                     + ", ".join(f".{f}" for f in offered if f != "html"))
        chosen = suffix
    if chosen is not None and chosen not in offered:
        raise HTTPException(400, f"unknown format {chosen!r}; use one of {', '.join(offered)}")
    if chosen is None:
        chosen = pick_format(request.headers.get("accept"), offered, default)
        if chosen is None:
            raise HTTPException(406, "none of the media types in Accept is available; offered: "
                                     + ", ".join(MEDIA_TYPES[f] for f in offered))
    return slug, chosen


def alternates(path_of: Any, slug: str, offered: tuple[str, ...] = tuple(MEDIA_TYPES)) -> str:
    """An RFC 8288 ``Link`` header value listing each serialisation."""
    return ", ".join(f'<{path_of(slug, format=None if f == "html" else f)}>; rel="alternate"; '
                     f'type="{MEDIA_TYPES[f]}"' for f in offered)


# -- conversions to API models ---------------------------------------------------------------------
def summary_of(ref: EntityRef | IndexedEntity) -> EntitySummary:
    slug = ref.slug
    return EntitySummary(slug=slug, iri=ref.iri, label=ref.label, label_zh=ref.label_zh, type=ref.type,
                         url=urls.entity(slug) if slug else ref.iri,
                         api_url=urls.api_entity(slug) if slug else None)


def evidence_of(ev: Evidence) -> EvidenceQuote:
    doc = ev.document
    return EvidenceQuote(quote=ev.quote, document=doc.slug if doc else None, document_title=doc.label if doc else None,
                         start=ev.start, end=ev.end, note=ev.note,
                         url=urls.document(doc.slug, (ev.start, ev.end)) if doc and doc.slug else None)


def value_of(value: Value | None) -> LiteralValue | None:
    return None if value is None else LiteralValue(lexical=value.lexical, datatype=value.datatype, lang=value.lang)


def statement_of(st: StatementRecord) -> Statement:
    return Statement(direction=st.direction, predicate=st.predicate, predicate_label=st.predicate_label,
                     entity=summary_of(st.other) if st.other else None, value=value_of(st.value),
                     evidence=[evidence_of(e) for e in st.evidence])


def _curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def detail_of(record: EntityRecord) -> EntityDetail:
    slug = record.ref.slug or ""
    return EntityDetail(
        **summary_of(record.ref).model_dump(), labels=record.labels,
        aliases=[Alias(text=t, lang=lang) for t, lang in record.aliases], types=[_curie(t) for t in record.types],
        comment=record.comment, statements=[statement_of(s) for s in record.statements],
        mentioned_in=[summary_of(r) for r in record.mentioned_in], truncated=record.truncated,
        formats={f: urls.entity(slug, f) for f in RDF_MEDIA_TYPES})


def _groups(record: EntityRecord) -> list[dict[str, Any]]:
    """Statements grouped by (direction, predicate) for the page, in the record's order."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for st in record.statements:
        group = groups.setdefault((st.direction, st.predicate), {
            "direction": st.direction, "predicate": st.predicate, "label": st.predicate_label,
            "curie": _curie(st.predicate), "statements": []})
        group["statements"].append(st)
    return list(groups.values())


# -- routes ----------------------------------------------------------------------------------------
_RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The entity as HTML or RDF, by content negotiation.",
          "content": {"text/html": {}, **{m: {"example": "<https://coopgraph.org/id/chongqing-customs> a "
                                               "coop:CustomsDistrict ." if m == "text/turtle" else None}
                                          for m in RDF_MEDIA_TYPES.values()}}},
    404: {"description": "No entity with that id.", "content": {"application/json": {"example": {
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
                   "curie": _curie, "describe_url": urls.query(describe),
                   "formats": {f: urls.entity(slug, f) for f in RDF_MEDIA_TYPES}}
        return templates.TemplateResponse(request, "entity.html", context, headers=headers)
    body = entity_rdf(store, base=settings.base, slug=slug)
    return rdf_response(body, fmt, headers=headers, base=settings.base)


@router.get("/api/entities/{slug}", summary="One entity with every statement and its evidence",
            response_model=EntityDetail, tags=["json api"],
            responses={404: _RDF_RESPONSES[404]})
def api_entity(slug: str, store: StoreDep, settings: SettingsDep) -> EntityDetail:
    """Labels (en/zh), aliases, types, comment, statements in and out, each with its evidence quotes."""
    return detail_of(entity_detail(store, base=settings.base, slug=slug))


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
            response_model=Page[EntitySummary], tags=["json api"])
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
