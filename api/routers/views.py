"""Graph views over HTTP: the explorer page, iframe embeds, the view JSON and its exports.

- ``/``                        the explorer (full page; state in the query string)
- ``/embed``                   the same view with minimal chrome, framable by any site or local file
- ``/embed/sparql?query=``     a CONSTRUCT (or ``SELECT ?s ?p ?o``) drawn as a graph
- ``/api/view``                ``graph.views.view_data`` as JSON (what the pages draw)
- ``/api/export/view.{fmt}``   the same view as GraphML, GEXF, node CSV, edge CSV or Turtle + evidence
- ``/assets/graphview.js``     the drawing script shared with standalone files (graph/templates/)

Every route takes the same view parameters (``ViewSpec.from_params``), validated in one place.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from coopgraph.api import deps
from coopgraph.api.deps import DerivedDep, MeasuresDep, ProjectionDep, SettingsDep, StateDep, StoreDep, TemplatesDep, get_executor
from coopgraph.api.negotiation import CSV, GEXF, GRAPHML, HTML, JAVASCRIPT, JSON, N_TRIPLES, SPARQL_JSON, TURTLE, utf8
from coopgraph.graph import view_export
from coopgraph.graph.errors import CoopgraphError, QueryRejectedError
from coopgraph.graph.views import HARD_MAX_NODES, ViewSpec, view_data, view_subgraph

router = APIRouter(tags=["views"])

# The media type and file-name suffix of each of graph.view_export's formats.
EXPORT_FORMATS = {
    "graphml": (utf8(GRAPHML), "graphml"),
    "gexf": (utf8(GEXF), "gexf"),
    "csv-nodes": (utf8(CSV), "nodes.csv"),
    "csv-edges": (utf8(CSV), "edges.csv"),
    "ttl": (utf8(TURTLE), "ttl"),
}


def _q(description: str) -> Any:
    return Query(description=description)


# Defaults shown in the parameters' help, as ViewSpec states them (the explorer page receives the same).
_D = ViewSpec.default_params()


def view_spec(
    request: Request, settings: SettingsDep,
    focus: Annotated[str | None, _q("The entity to centre on: its slug, IRI, `id:` CURIE or name (label or "
                                    "alias); omit for the whole graph (its most central entities).")] = None,
    depth: Annotated[str | None, _q(f"Hops from the focus, 0-4 [{_D['depth']}].")] = None,
    types: Annotated[str | None, _q("Only these classes (local names, comma-separated), e.g. City,Province.")] = None,
    limit: Annotated[str | None, _q(f"Most nodes drawn, 1-{HARD_MAX_NODES}; beyond it the most central "
                                    f"are kept [server setting, {_D['limit']}].")] = None,
    colour: Annotated[str | None, _q(f"Colour nodes by `type` or `community` [{_D['colour']}].")] = None,
    size: Annotated[str | None, _q("Size nodes by `degree`, `pagerank`, `betweenness` or `none` "
                                   f"[{_D['size']}].")] = None,
    layout: Annotated[str | None, _q("`physics`, `hierarchical` or `static` (computed server-side) "
                                     f"[{_D['layout']}].")] = None,
    height: Annotated[str | None, _q(f"Height in pixels of standalone views and embeds, 150-4000 "
                                     f"[{_D['height']}].")] = None,
    theme: Annotated[str | None, _q(f"`light` or `dark` [{_D['theme']}].")] = None,
    since: Annotated[str | None, _q("Hide dated entities (agreements, visits...) before YYYY[-MM[-DD]].")] = None,
    until: Annotated[str | None, _q("Hide dated entities after YYYY[-MM[-DD]].")] = None,
    title: Annotated[str | None, _q("Title shown on embeds and exports.")] = None,
) -> ViewSpec:
    """The view parameters of the request (declared for the API docs, parsed by ``ViewSpec``)."""
    return ViewSpec.from_params(_spec_params(request, resolve=True), default_limit=settings.max_view_nodes)


SpecDep = Annotated[ViewSpec, Depends(view_spec)]
# Views of more nodes than this are fetched by the page (a cacheable, versioned /api/view URL)
# instead of inlined in it: the HTML arrives at once and the browser parses the JSON natively.
INLINE_MAX_NODES = 300
MEASURES_PENDING = ("Sized and ranked by degree: PageRank, betweenness and communities are still being "
                    "computed for this graph.")


def _view_data(request: Request, G: Any, spec: ViewSpec) -> dict[str, Any]:
    """``view_data`` with the measures available now (degree only while a large graph's are computed)."""
    measures, complete = deps.measures(request, G)
    return view_data(G, spec, measures, measures_note=None if complete else MEASURES_PENDING)


# -- pages --------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def explorer(request: Request, state: StateDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    """The explorer. A small first view is computed here and inlined (no round trip); a large one,
    or one whose graph is still being prepared, is fetched by the page from a versioned URL."""
    config: dict[str, Any] = {"default_limit": settings.max_view_nodes, "max_limit": HARD_MAX_NODES,
                              "defaults": {**ViewSpec.default_params(), "limit": str(settings.max_view_nodes)},
                              "data": None, "error": None, "version": state.version}
    try:
        spec = ViewSpec.from_params(_spec_params(request, resolve=True), default_limit=settings.max_view_nodes)
        if spec.limit <= INLINE_MAX_NODES and not deps.is_large(request):
            config["data"] = _view_data(request, deps.projection(request), spec)
        else:
            # The page preloads this URL (<link rel=preload>) while its scripts load, then draws it.
            config["view_url"] = _versioned_view_url(request, state.version)
    except CoopgraphError as exc:
        config["error"] = exc.message
    return templates.TemplateResponse(request, "explorer.html", {"nav": "explore", "config": config})


def _spec_params(request: Request, *, resolve: bool = False) -> dict[str, str]:
    """The view parameters of the query string (``v``, the data version of a cacheable URL, is not one);
    with ``resolve``, a focus given by IRI, CURIE or name is replaced by its slug."""
    params = {k: v for k, v in request.query_params.items() if k != "v"}
    if resolve and params.get("focus"):
        params["focus"] = deps.entity_slug(request, params["focus"])
    return params


_EMBED_EXAMPLE: dict[int | str, dict[str, Any]] = {200: {"content": {HTML: {
    "example": "<!doctype html><html lang=\"en\">…<div id=\"em-graph\" class=\"em-graph\"></div>…</html>"}}}}


@router.get("/embed", response_class=HTMLResponse, summary="An iframe-friendly graph view",
            responses=_EMBED_EXAMPLE)
def embed(request: Request, state: StateDep, spec: SpecDep, templates: TemplatesDep) -> Response:
    """The view drawn with minimal chrome; any site, or a page opened from disk, may frame it
    (``frame-ancestors * file:``, api/app.py ``EMBED_CSP``).

    Like the explorer, a view above ``INLINE_MAX_NODES`` (or of a graph still being prepared) is
    fetched by the page from ``/api/view?...&v=VERSION`` rather than inlined."""
    explore = "/?" + request.url.query if request.url.query else "/"
    context: dict[str, Any] = {"explore_url": explore, "spec": spec}
    if spec.limit <= INLINE_MAX_NODES and not deps.is_large(request):
        context["data"] = _view_data(request, deps.projection(request), spec)
    else:
        context["data"] = {"title": spec.title or "coopgraph view", "theme": spec.theme, "nodes": None,
                           "note": None, "fetch": _versioned_view_url(request, state.version)}
    return templates.TemplateResponse(request, "embed.html", context)


def _versioned_view_url(request: Request, version: str) -> str:
    params = _spec_params(request)
    params["v"] = version
    from urllib.parse import urlencode

    return "/api/view?" + urlencode(params)


@router.get("/embed/sparql", response_class=HTMLResponse, summary="Draw a CONSTRUCT query as a graph",
            responses=_EMBED_EXAMPLE)
async def embed_sparql(request: Request, state: StateDep, G: ProjectionDep, settings: SettingsDep,
                       templates: TemplatesDep, spec: SpecDep,
                       query: Annotated[str, Query(description="A SPARQL CONSTRUCT, or a SELECT binding "
                                                   "?s ?p ?o.")]
                       ) -> Response:
    """Run a CONSTRUCT (or ``SELECT ?s ?p ?o``) and draw its triples; labels and types come from the graph.

    The query is a user's: it runs in the executor's workers, under the same time and memory limits
    as ``/sparql``, never in this process.
    """
    from coopgraph.graph.errors import QuerySyntaxError
    from coopgraph.graph.prefixes import predefined_prefixes, with_predefined_prefixes

    kind = _check_query(query, settings)
    graph_form = kind in ("CONSTRUCT", "DESCRIBE")
    # coop:, id:... known as on /sparql
    prefixed = with_predefined_prefixes(query, predefined_prefixes(settings.base))
    try:
        outcome = await get_executor(request).query(prefixed.text,
                                                    media_type=N_TRIPLES if graph_form else SPARQL_JSON)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(prefixed.explain(exc.message)) from None
    H, cut = view_export.graph_from_triples(view_export.triples_of(outcome.whole(), graph_form), G,
                                            max_nodes=spec.limit)
    data = view_data(H, spec.with_(focus=None))
    data["title"] = spec.title or "Query result"
    if cut:
        data["note"] = (f"The result has more entities than this view draws; the first {spec.limit} "
                        "are shown (add LIMIT or raise ?limit=).")
    return templates.TemplateResponse(request, "embed.html", {"data": data, "explore_url": None, "spec": spec,
                                                              "query": query})


def _check_query(query: str, settings: Any) -> str:
    """The shared query guard (size, nesting, SERVICE, LOAD...), then: only forms that make a graph."""
    from coopgraph.graph.query_guard import QueryLimits, inspect_query

    info = inspect_query(query, QueryLimits(max_bytes=settings.max_query_bytes,
                                            max_nesting_depth=settings.max_nesting_depth))
    if info.kind not in ("CONSTRUCT", "SELECT", "DESCRIBE"):
        raise QueryRejectedError(f"{info.kind} queries cannot be drawn; use CONSTRUCT, or SELECT ?s ?p ?o")
    if info.service_iris:
        raise QueryRejectedError("SERVICE is not allowed in a drawn query")
    return info.kind


# -- JSON and exports ---------------------------------------------------------------------------
@router.get("/api/view", summary="The JSON a graph view draws", responses={200: {"content": {JSON: {
    "example": {"title": "Chongqing Customs: connections within 1 step", "focus": "chongqing-customs",
                "nodes": [{"id": "https://coopgraph.org/id/chongqing-customs", "label": "Chongqing Customs",
                           "group": "CustomsDistrict", "x": 0.0, "y": 0.0}],
                "edges": [{"from": "https://coopgraph.org/id/chongqing-customs",
                           "to": "https://coopgraph.org/id/chengdu-customs", "label": "cooperates with"}],
                "note": None}}}}})
def api_view(request: Request, state: StateDep, G: ProjectionDep, spec: SpecDep,
             found: MeasuresDep, derived: DerivedDep) -> Response:
    """Nodes (with colour, size, tooltip text), edges (with evidence ids), evidence quotes, legend and
    a ``note`` when the view was cut to ``limit``.

    With ``v`` equal to the current data version (the URL pages fetch), the answer may be cached by
    the browser: a new version of the data is a new URL. On a large graph whose measures are still
    being computed the view is ranked by degree and says so in ``note``; that answer is not cached."""
    measures, complete = found
    headers = {}
    if complete and request.query_params.get("v") == state.version:
        headers["Cache-Control"] = "public, max-age=86400, immutable"

    def build() -> bytes:
        data = view_data(G, spec, measures, measures_note=None if complete else MEASURES_PENDING)
        return bytes(JSONResponse(data).body)  # already bytes: bytes() returns the very object

    key = (complete, json.dumps(spec.to_params(), sort_keys=True, default=str))
    body = derived.recent("view JSON", state.version, key, build, kept=_VIEW_BODIES_KEPT)
    return Response(body, media_type=JSON, headers=headers)


# The JSON of recent views, per data version: a view is a pure function of the data and its
# parameters, and a shared link is opened by many readers (the 2,000-node view of a 1M graph
# costs half a second to assemble). Kept in the app's registry of derived data, keyed by the
# version, so a data change never serves a stale one.
_VIEW_BODIES_KEPT = 16  # at most ~40 MB: a 2,000-node view is 2.5 MB


@router.get("/api/export/view.{fmt}", summary="Export the current view",
            responses={200: {"content": {
                **{v[0].split(";")[0]: {} for v in EXPORT_FORMATS.values()},
                CSV: {"example": "id,label,type,degree\n"
                                 "chongqing-customs,Chongqing Customs,CustomsDistrict,24"},
            }}})
def export_view(request: Request, fmt: str, G: ProjectionDep, spec: SpecDep, store: StoreDep) -> Response:
    """The view as ``graphml``, ``gexf``, ``csv-nodes``, ``csv-edges`` or ``ttl`` (with its evidence)."""
    # ``spec`` comes before ``store``: resolving a focus name reads the store briefly, which must not
    # happen while this request already holds it (a waiting writer would block that second read).
    if fmt not in EXPORT_FORMATS:
        raise HTTPException(404, f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    H = view_subgraph(G, spec, deps.measures(request, G)[0])
    media_type, suffix = EXPORT_FORMATS[fmt]
    body = view_export.export(fmt, H, store)
    name = f"coopgraph-{spec.focus or 'graph'}.{suffix}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- the shared drawing script ------------------------------------------------------------------
@router.get("/assets/graphview.js", include_in_schema=False)
def graphview_js() -> Response:
    """``graph/templates/graphview.js``: one script for the explorer, embeds and standalone files."""
    from coopgraph.graph.resources import read_text, template_file

    return Response(read_text(template_file("graphview.js")), media_type=utf8(JAVASCRIPT),
                    headers={"Cache-Control": "public, max-age=300"})
