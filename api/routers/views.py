"""Graph views over HTTP: the explorer page, iframe embeds, the view JSON and its exports.

- ``/``                        the explorer (full page; state in the query string)
- ``/embed``                   the same view with minimal chrome, framable by any site
- ``/embed/sparql?query=``     a CONSTRUCT (or ``SELECT ?s ?p ?o``) drawn as a graph
- ``/api/view``                ``graph.views.view_data`` as JSON (what the pages draw)
- ``/api/export/view.{fmt}``   the same view as GraphML, GEXF, node CSV, edge CSV or Turtle + evidence
- ``/assets/graphview.js``     the drawing script shared with standalone files (graph/templates/)

Every route takes the same view parameters (``ViewSpec.from_params``), validated in one place.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import ProjectionDep, SettingsDep, StateDep, StoreDep, TemplatesDep
from graph.errors import CoopgraphError, QueryRejectedError
from graph.views import HARD_MAX_NODES, ViewSpec, view_data, view_subgraph

router = APIRouter(tags=["views"])

EXPORT_FORMATS = {
    "graphml": ("application/graphml+xml; charset=utf-8", "graphml"),
    "gexf": ("application/gexf+xml; charset=utf-8", "gexf"),
    "csv-nodes": ("text/csv; charset=utf-8", "nodes.csv"),
    "csv-edges": ("text/csv; charset=utf-8", "edges.csv"),
    "ttl": ("text/turtle; charset=utf-8", "ttl"),
}
# A CONSTRUCT drawn in an embed reads at most this many triples (its work stops there).
MAX_EMBED_TRIPLES = 20_000


def _q(description: str) -> Any:
    return Query(description=description)


def view_spec(
    request: Request, settings: SettingsDep,
    focus: Annotated[str | None, _q("Slug of the entity to centre on; omit for the whole graph "
                                    "(its most central entities).")] = None,
    depth: Annotated[str | None, _q("Hops from the focus, 0-4 [2].")] = None,
    types: Annotated[str | None, _q("Only these classes (local names, comma-separated), e.g. City,Province.")] = None,
    limit: Annotated[str | None, _q(f"Most nodes drawn, 1-{HARD_MAX_NODES}; beyond it the most central "
                                    "are kept [server setting, 300].")] = None,
    colour: Annotated[str | None, _q("Colour nodes by `type` or `community` [type].")] = None,
    size: Annotated[str | None, _q("Size nodes by `degree`, `pagerank`, `betweenness` or `none` [degree].")] = None,
    layout: Annotated[str | None, _q("`physics`, `hierarchical` or `static` (computed server-side) "
                                     "[physics].")] = None,
    height: Annotated[str | None, _q("Height in pixels of standalone views and embeds, 150-4000 [600].")] = None,
    theme: Annotated[str | None, _q("`light` or `dark` [light].")] = None,
    since: Annotated[str | None, _q("Hide dated entities (agreements, visits...) before YYYY[-MM[-DD]].")] = None,
    until: Annotated[str | None, _q("Hide dated entities after YYYY[-MM[-DD]].")] = None,
    title: Annotated[str | None, _q("Title shown on embeds and exports.")] = None,
) -> ViewSpec:
    """The view parameters of the request (declared for the API docs, parsed by ``ViewSpec``)."""
    return ViewSpec.from_params(dict(request.query_params), default_limit=settings.max_view_nodes)


SpecDep = Annotated[ViewSpec, Depends(view_spec)]


# -- pages --------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def explorer(request: Request, G: ProjectionDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    """The explorer; the first view is computed here and inlined so the graph draws without a round trip."""
    config: dict[str, Any] = {"default_limit": settings.max_view_nodes, "max_limit": HARD_MAX_NODES,
                              "data": None, "error": None}
    try:
        spec = ViewSpec.from_params(dict(request.query_params), default_limit=settings.max_view_nodes)
        config["data"] = view_data(G, spec)
    except CoopgraphError as exc:
        config["error"] = exc.message
    return templates.TemplateResponse(request, "explorer.html", {"nav": "explore", "config": config})


_EMBED_EXAMPLE = {200: {"content": {"text/html": {"example": "<!doctype html><html lang=\"en\">…"
                                                          "<div id=\"cg-graph\"></div>…</html>"}}}}


@router.get("/embed", response_class=HTMLResponse, summary="An iframe-friendly graph view",
            responses=_EMBED_EXAMPLE)
def embed(request: Request, G: ProjectionDep, spec: SpecDep, templates: TemplatesDep) -> Response:
    """The view drawn with minimal chrome; any site may frame it (``frame-ancestors *``)."""
    data = view_data(G, spec)
    explore = "/?" + request.url.query if request.url.query else "/"
    return templates.TemplateResponse(request, "embed.html", {"data": data, "explore_url": explore,
                                                              "spec": spec})


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
    kind = _check_query(query, settings)
    graph_form = kind in ("CONSTRUCT", "DESCRIBE")
    outcome = await state.executor.query(
        query, media_type="application/n-triples" if graph_form else "application/sparql-results+json")
    H, cut = _graph_from_triples(_triples_of(outcome.body, graph_form), G, max_nodes=spec.limit)
    data = view_data(H, spec.with_(focus=None))
    data["title"] = spec.title or "Query result"
    if cut:
        data["note"] = (f"The result has more entities than this view draws; the first {spec.limit} "
                        "are shown (add LIMIT or raise ?limit=).")
    return templates.TemplateResponse(request, "embed.html", {"data": data, "explore_url": None, "spec": spec,
                                                              "query": query})


def _check_query(query: str, settings: Any) -> str:
    """The shared query guard (size, nesting, SERVICE, LOAD...), then: only forms that make a graph."""
    from graph.query_guard import QueryLimits, inspect_query

    info = inspect_query(query, QueryLimits(max_bytes=settings.max_query_bytes,
                                            max_nesting_depth=settings.max_nesting_depth))
    if info.kind not in ("CONSTRUCT", "SELECT", "DESCRIBE"):
        raise QueryRejectedError(f"{info.kind} queries cannot be drawn; use CONSTRUCT, or SELECT ?s ?p ?o")
    if info.service_iris:
        raise QueryRejectedError("SERVICE is not allowed in a drawn query")
    return info.kind


# -- JSON and exports ---------------------------------------------------------------------------
@router.get("/api/view", summary="The JSON a graph view draws", responses={200: {"content": {"application/json": {
    "example": {"title": "Chongqing Customs: connections within 1 step", "focus": "chongqing-customs",
                "nodes": [{"id": "https://coopgraph.org/id/chongqing-customs", "label": "Chongqing Customs",
                           "group": "CustomsDistrict", "x": 0.0, "y": 0.0}],
                "edges": [{"from": "https://coopgraph.org/id/chongqing-customs",
                           "to": "https://coopgraph.org/id/chengdu-customs", "label": "cooperates with"}],
                "note": None}}}}})
def api_view(G: ProjectionDep, spec: SpecDep) -> JSONResponse:
    """Nodes (with colour, size, tooltip text), edges (with evidence ids), evidence quotes, legend and
    a ``note`` when the view was cut to ``limit``."""
    return JSONResponse(view_data(G, spec))


@router.get("/api/export/view.{fmt}", summary="Export the current view",
            responses={200: {"content": {
                **{v[0].split(";")[0]: {} for v in EXPORT_FORMATS.values()},
                "text/csv": {"example": "id,label,type,degree\nchongqing-customs,Chongqing Customs,CustomsDistrict,24"},
            }}})
def export_view(fmt: str, G: ProjectionDep, store: StoreDep, spec: SpecDep) -> Response:
    """The view as ``graphml``, ``gexf``, ``csv-nodes``, ``csv-edges`` or ``ttl`` (with its evidence)."""
    if fmt not in EXPORT_FORMATS:
        raise HTTPException(404, f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    H = view_subgraph(G, spec)
    media_type, suffix = EXPORT_FORMATS[fmt]
    body = _EXPORTERS[fmt](H, store)
    name = f"coopgraph-{spec.focus or 'graph'}.{suffix}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _graphml(H: Any, _store: Any) -> bytes:
    import networkx as nx

    return "\n".join(nx.generate_graphml(H, prettyprint=True)).encode("utf-8")


def _gexf(H: Any, _store: Any) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_gexf(H, buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas; quote them (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


_NODE_COLUMNS = ["slug", "label", "label_zh", "type", "types", "date", "aliases", "community", "degree",
                 "pagerank", "betweenness"]
_EDGE_COLUMNS = ["predicate", "label", "quote", "document", "evidence"]


def _csv_nodes(H: Any, _store: Any) -> bytes:
    rows = [["iri", *_NODE_COLUMNS]]
    rows += [[n, *(d.get(c, "") for c in _NODE_COLUMNS)] for n, d in H.nodes(data=True)]
    return _csv(rows)


def _csv_edges(H: Any, _store: Any) -> bytes:
    rows = [["id", "source", "target", *_EDGE_COLUMNS]]
    rows += [[k, H.nodes[u]["slug"], H.nodes[v]["slug"], *(d.get(c, "") for c in _EDGE_COLUMNS)]
             for u, v, k, d in H.edges(keys=True, data=True)]
    return _csv(rows)


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"


def _turtle(H: Any, store: Any) -> bytes:
    """The view's entities (types, names, literal facts), its relations, their evidence nodes and
    the documents those cite (without their full text), read from the store."""
    from rdflib import URIRef

    from graph.namespaces import new_graph

    out = new_graph(base=H.graph.get("base") or None)
    entities = [n for n in H.nodes if n.startswith(("http://", "https://"))]
    evidence = sorted({e for _u, _v, d in H.edges(data=True) for e in (d.get("evidence") or "").split() if e})

    def construct(template: str, values: list[str]) -> None:
        for start in range(0, len(values), 500):
            chunk = " ".join(f"<{v}>" for v in values[start:start + 500])
            ntriples = store.construct(template % chunk)
            if ntriples:
                out.parse(data=ntriples, format="nt")

    construct("CONSTRUCT { ?e ?p ?o } WHERE { VALUES ?e { %s } ?e ?p ?o FILTER(isLiteral(?o) || ?p = <"
              + _RDF_TYPE + ">) }", entities)
    for u, v, _k, d in H.edges(keys=True, data=True):
        out.add((URIRef(u), URIRef(d["predicate"]), URIRef(v)))
    construct("CONSTRUCT { ?ev ?p ?o } WHERE { VALUES ?ev { %s } ?ev ?p ?o }", evidence)
    documents = sorted({str(o) for o in out.objects(None, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))})
    construct("CONSTRUCT { ?d ?p ?o } WHERE { VALUES ?d { %s } ?d ?p ?o "
              "FILTER(?p NOT IN (<https://schema.org/text>, <https://schema.org/mentions>)) }", documents)
    return out.serialize(format="turtle", encoding="utf-8")


def _triples_of(body: bytes, graph_form: bool) -> Any:
    """(s, p, o) pyoxigraph terms of a CONSTRUCT's N-Triples, or of a SELECT binding ?s ?p ?o."""
    import pyoxigraph as ox

    if graph_form:
        return ((t.subject, t.predicate, t.object) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if hasattr(result, "variables"):
        names = {v.value for v in result.variables}
        if not {"s", "p", "o"} <= names:
            raise QueryRejectedError("a SELECT drawn as a graph must bind ?s ?p ?o")
        return ((row["s"], row["p"], row["o"]) for row in result if row["s"] is not None
                and row["p"] is not None and row["o"] is not None)
    if isinstance(result, bool):
        raise QueryRejectedError("an ASK query has no graph to draw; use CONSTRUCT")
    return ((t.subject, t.predicate, t.object) for t in result)


def _graph_from_triples(triples: Any, G: Any, *, max_nodes: int) -> tuple[Any, bool]:
    """A projection-shaped MultiDiGraph of query triples: entity terms become nodes (with the
    projection's labels, types and evidence where it knows them), literals become attributes."""
    import networkx as nx
    import pyoxigraph as ox

    H = nx.MultiDiGraph(base=G.graph.get("base"), evidence=G.graph.get("evidence", {}),
                        predicates=G.graph.get("predicates", {}), version=None)
    predicates = G.graph.get("predicates", {})
    cut = False

    def node(term: Any) -> str | None:
        nonlocal cut
        key = str(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"
        if key in H:
            return key
        if H.number_of_nodes() >= max_nodes:
            cut = True
            return None
        if key in G:
            H.add_node(key, **{k: (list(v) if isinstance(v, list) else v) for k, v in G.nodes[key].items()})
        else:
            local = re.split(r"[#/]", key.rstrip("/#"))[-1] or key
            H.add_node(key, slug=key, label=local, label_zh=None, aliases=[], types=[], type=None, date=None,
                       documents=[])
        return key

    for count, (s, p, o) in enumerate(triples):
        if count >= MAX_EMBED_TRIPLES:
            cut = True
            break
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            continue
        predicate = str(p.value)
        if isinstance(o, ox.Literal):
            u = node(s)
            if u is not None and predicate == _RDFS_LABEL and (u not in G):
                H.nodes[u]["label"] = str(o.value)
            continue
        if predicate == _RDF_TYPE:
            u = node(s)
            if u is not None and u not in G:
                local = re.split(r"[#/]", str(o.value))[-1]
                H.nodes[u]["types"] = sorted({*H.nodes[u]["types"], local})
                H.nodes[u]["type"] = H.nodes[u]["types"][0]
            continue
        u, v = node(s), node(o)
        if u is None or v is None or H.has_edge(u, v, key=predicate):
            continue
        known = G.get_edge_data(u, v, key=predicate) if u in G and v in G else None
        H.add_edge(u, v, key=predicate, predicate=predicate,
                   predicate_label=predicates.get(predicate) or re.split(r"[#/]", predicate)[-1],
                   evidence=list((known or {}).get("evidence") or []))
    return H, cut


_EXPORTERS = {"graphml": _graphml, "gexf": _gexf, "csv-nodes": _csv_nodes, "csv-edges": _csv_edges,
              "ttl": _turtle}


# -- the shared drawing script ------------------------------------------------------------------
@router.get("/assets/graphview.js", include_in_schema=False)
def graphview_js() -> Response:
    """``graph/templates/graphview.js``: one script for the explorer, embeds and standalone files."""
    from graph.resources import read_text, template_file

    return Response(read_text(template_file("graphview.js")), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})
