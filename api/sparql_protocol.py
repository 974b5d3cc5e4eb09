"""The SPARQL 1.1 Protocol at ``/sparql`` (and ``/sparql/``): query, update, service description.

- query: ``GET ?query=``, ``POST`` form (``query=``), ``POST application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` replace the query's own FROM / FROM NAMED.
- update: ``POST`` form (``update=``) or ``POST application/sparql-update``, with
  ``using-graph-uri`` / ``using-named-graph-uri``; only with ``Authorization: Bearer <token>``.
  The update text only in the body: ``update=`` in the URL is refused (400), as URLs are logged.
- ``GET /sparql`` without a query: the SPARQL Service Description (Turtle by default; a browser,
  asking for HTML first, gets a page about the endpoint with the description and a link to /query).
- the prefixes of :mod:`graph.prefixes` (``coop:``, ``id:``, ``rdfs:``...) are predefined for
  queries and updates; a text's own PREFIX wins.

The request is parsed here by hand, not by FastAPI parameters, because the protocol's errors are
about the raw request: repeated ``query`` parameters, bytes that are not UTF-8 (Starlette would
silently replace them), bodies over the size limit (checked on Content-Length *and* while reading).
Queries run in :mod:`api.executor`'s worker processes; this module only validates and negotiates.

Two doors, one handler: :func:`asgi_app` serves ``GET``/``POST /sparql`` as a plain ASGI app, ahead
of FastAPI's router (:class:`api.front.SparqlFastPath`), because FastAPI's routing, dependency
resolution (its sync dependencies each cost a thread-pool hop) and exception middleware were most
of a small query's time; :mod:`api.routers.sparql`'s FastAPI routes run the very same functions,
document the endpoint in OpenAPI and serve any request the fast path passes on. This module imports
Starlette only, never FastAPI: ``coopgraph serve`` answers ``/sparql`` with it while FastAPI is
still being imported (:mod:`api.boot`).
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from coopgraph.api import negotiation
from coopgraph.api.engine import QueryEngine
from coopgraph.api.errors import exception_response
from coopgraph.api.ipc import BodyStream
from coopgraph.api.negotiation import FORM, SPARQL_QUERY, SPARQL_UPDATE, accept_header
from coopgraph.api.result_cache import CacheKey
from coopgraph.api.settings import Settings
from coopgraph.api.update_token import check_update_token
from coopgraph.graph.errors import QueryRejectedError, QuerySyntaxError
from coopgraph.graph.prefixes import Prefixed, predefined_prefixes, with_predefined_prefixes
from coopgraph.graph.query_guard import QueryInfo, QueryLimits, add_using_clauses, inspect_query

__all__ = ["asgi_app", "handles", "get", "post", "FAST_PATHS", "TRUNCATED_HEADER", "CACHE_HEADER",
           "LANE_HEADER"]

log = logging.getLogger("coopgraph.api.executor")

TRUNCATED_HEADER = "X-Coopgraph-Truncated"
CACHE_HEADER = "X-Coopgraph-Cache"  # hit | miss, only when the result cache is on
LANE_HEADER = "X-Coopgraph-Lane"  # memory | disk: which copy of the store answered


def _executor(state: Any) -> QueryEngine:
    engine: QueryEngine | None = state.executor
    if engine is None:  # the lifespan sets it before the first request
        raise RuntimeError("the app's query engine is not running")
    return engine


@dataclass
class _Params:
    """Every protocol parameter, from the URL and (for form posts) the body, in order."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise QueryRejectedError(f"more than one {name!r} parameter")
        return values[0] if values else None


def _parse_form(raw: bytes) -> list[tuple[str, str]]:
    if not raw:  # a POST's URL, most of the time
        return []
    try:
        return parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise QueryRejectedError("parameters must be UTF-8 (percent-encoded)") from exc


def _media_type(request: Request) -> tuple[str, str | None]:
    """(media type, charset) of the request body."""
    header = request.headers.get("content-type", "")
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for p in parts[1:]:
        name, _, value = p.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise QueryRejectedError(f"request body over {limit} bytes", http_status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a lying or absent Content-Length
            raise QueryRejectedError(f"request body over {limit} bytes", http_status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_utf8(raw: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise QueryRejectedError(f"the body must be UTF-8, not {charset}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryRejectedError("the body is not valid UTF-8") from exc


def _limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_bytes=settings.max_query_bytes,
        max_nesting_depth=settings.max_nesting_depth,
        service_allowlist=frozenset(settings.service_allowlist),
    )


_ENDPOINTS: dict[tuple[Any, ...], str] = {}  # (scheme, Host, root path, server) -> this endpoint's URL


def _endpoint(request: Request, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/sparql"
    scope = request.scope
    key = (scope.get("scheme"), request.headers.get("host"), scope.get("root_path"), scope.get("server"))
    url = _ENDPOINTS.get(key)
    if url is None:  # building Starlette's base_url costs more than a cheap query's whole scan
        if len(_ENDPOINTS) > 256:  # Host is whatever the client wrote: bound the table
            _ENDPOINTS.clear()
        url = _ENDPOINTS[key] = str(request.base_url).rstrip("/") + "/sparql"
    return url


class _Prepared:
    """What the endpoint learns from a query text before running it, kept for texts seen again.

    The scan of :func:`graph.query_guard.inspect_query` and the prefix pass depend only on the
    text, the limits and the predefined prefixes, and clients send the same texts over and over
    (a dashboard, an embed, a notebook in a loop, every user of a shared link), so their results
    are kept in an LRU bounded by the bytes of the texts it holds. Only texts that passed are kept:
    a refused text is scanned, and refused, every time. The query itself always runs.
    """

    def __init__(self, max_bytes: int = 4 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries: OrderedDict[tuple[str, QueryLimits, str], tuple[QueryInfo, Prefixed]] = OrderedDict()

    def get(self, query: str, limits: QueryLimits, settings: Settings) -> tuple[QueryInfo, Prefixed]:
        key = (query, limits, settings.base)
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            return found
        predefined = predefined_prefixes(settings.base)
        info = inspect_query(query, limits, predefined)  # the bounds apply to the text as sent
        prepared = info, with_predefined_prefixes(query, predefined, info.prefix_use)
        if len(query) <= self.max_bytes // 16:
            self.entries[key] = prepared
            self.bytes += len(query)
            while self.bytes > self.max_bytes:
                (old, *_), _ = self.entries.popitem(last=False)
                self.bytes -= len(old)
        return prepared


_prepared = _Prepared()
# Pure, and clients send a handful of distinct Accept headers (bounded: the header is theirs).
_choose_media_type = functools.lru_cache(maxsize=256)(negotiation.choose_media_type)


async def get(request: Request, state: Any, settings: Settings) -> Response:
    params = _Params(_parse_form(request.scope.get("query_string", b"")))
    if params.all("update"):
        raise HTTPException(405, "SPARQL Update needs POST", headers={"Allow": "POST"})
    query = params.one("query")
    if query is None:
        return _service_description(request, settings, params.one("format"))
    return await _run_query(request, state, settings, query, params)


async def post(request: Request, state: Any, settings: Settings) -> Response:
    params = _Params(_parse_form(request.scope.get("query_string", b"")))
    if params.all("update"):
        # The protocol puts update text in the body; in the URL it would land in access logs
        # (ours, a proxy's) with whatever data it inserts. Refused before anything is read or run.
        raise QueryRejectedError("send the update text in the request body (form field 'update=' or an "
                                 f"{SPARQL_UPDATE} body), not in the URL")
    media, charset = _media_type(request)
    if media not in (FORM, SPARQL_QUERY, SPARQL_UPDATE):
        what = f"Content-Type {media!r}" if media else "no Content-Type"
        raise HTTPException(415, f"{what}: send {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")
    body = await _read_body(request, settings.max_request_bytes)
    if media == FORM:
        if charset not in (None, "utf-8", "utf8"):
            raise QueryRejectedError(f"form parameters must be UTF-8, not {charset}")
        params.items += _parse_form(body)
        query, update = params.one("query"), params.one("update")
        if query is not None and update is not None:
            raise QueryRejectedError("send either 'query' or 'update', not both")
        if query is None and update is None:
            raise QueryRejectedError("missing 'query' or 'update' parameter")
    elif media == SPARQL_QUERY:
        query, update = _decode_utf8(body, charset), None
    else:
        query, update = None, _decode_utf8(body, charset)
    if query is not None:
        return await _run_query(request, state, settings, query, params)
    return await _run_update(request, state, settings, update or "", params)


async def _run_query(
    request: Request, state: Any, settings: Settings, query: str, params: _Params
) -> Response:
    if not query.strip():
        raise QueryRejectedError("the query is empty")
    # The executor's own limits (built from the same settings), so it can reuse this inspection.
    limits = getattr(state.executor, "limits", None) or _limits(settings)
    info, prefixed = _prepared.get(query, limits, settings)
    if info.is_update:
        raise QueryRejectedError("this is a SPARQL Update: POST it as 'update' (with a token)")
    media_type = _choose_media_type(info.kind, accept_header(request.headers), params.one("format"))
    if media_type is None:
        offered = ", ".join(negotiation.media_types_for(info.kind))
        if params.one("format"):
            family = "graph" if info.kind in ("CONSTRUCT", "DESCRIBE") else "results"
            names = [n for n, m in negotiation.FORMAT_ALIASES[family].items()
                     if m in negotiation.media_types_for(info.kind)]
            raise HTTPException(406, f"format={params.one('format')} does not fit {info.a_query}; use "
                                     f"format= {', '.join(names)} (or Accept: {offered})")
        raise HTTPException(406, f"no acceptable format for {info.a_query}; this endpoint offers {offered}")
    default_graphs = params.all("default-graph-uri")
    named_graphs = params.all("named-graph-uri")
    protocol_dataset = bool(default_graphs or named_graphs)  # if given, it replaces FROM / FROM NAMED
    base_iri = _endpoint(request, settings)
    cache = state.result_cache
    outcome = None
    if cache is not None:
        # The base IRI is part of the key: relative IRIs in the query resolve against it.
        key = CacheKey.of(state.version, query + "\x00" + base_iri, media_type, default_graphs, named_graphs)
        outcome = cache.get(key)
    cache_status = "hit" if outcome is not None else "miss"
    if outcome is None:
        try:
            outcome = await _executor(state).query(
                prefixed.text,
                media_type=media_type,
                default_graph_uris=default_graphs if protocol_dataset else None,
                named_graph_uris=named_graphs if protocol_dataset else None,
                base_iri=base_iri,
                info=info,
                stream=True,
            )
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(prefixed.explain(exc.message)) from None
        if cache is not None and not isinstance(outcome.body, BodyStream):  # a stream is large and read once
            cache.put(key, outcome)
    headers = {"Vary": "Accept"}
    if cache is not None:
        headers[CACHE_HEADER] = cache_status
    if cache_status == "miss" and outcome.lane:
        headers[LANE_HEADER] = outcome.lane
    if outcome.truncated:
        headers[TRUNCATED_HEADER] = "true"
    if isinstance(outcome.body, BodyStream):
        return StreamedAnswer(outcome.body, media_type=media_type, headers=headers)
    return Response(outcome.body, media_type=media_type, headers=headers)


class StreamedAnswer(Response):
    """A large answer sent on chunk by chunk as it comes from the process that ran the query, with its
    Content-Length (known from the start): a client sees a cut answer as incomplete."""

    def __init__(self, body: BodyStream, *, media_type: str, headers: dict[str, str]) -> None:
        self.stream = body
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers({**headers, "Content-Length": str(body.size)})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for chunk in self.stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception:
            log.warning("an answer was cut short: the process that ran the query ended while sending it")
            raise  # the server then closes the connection, short of the Content-Length
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _run_update(
    request: Request, state: Any, settings: Settings, update: str, params: _Params
) -> Response:
    check_update_token(request, settings)  # the same check as every other write (api/update_token.py)
    predefined = predefined_prefixes(settings.base)
    info = inspect_query(update, _limits(settings), predefined)
    if not info.is_update:
        raise QueryRejectedError(f"this is {info.a_query}: send it as 'query'")
    using, using_named = params.all("using-graph-uri"), params.all("using-named-graph-uri")
    if (using or using_named) and info.has_dataset_clause:
        raise QueryRejectedError("using-graph-uri / using-named-graph-uri conflict with USING / WITH in the update")
    prefixed = with_predefined_prefixes(add_using_clauses(update, using, using_named), predefined)
    # The protocol lets the service define the base IRI; ours is the endpoint. A BASE the update
    # declares itself comes later in the prologue and wins. On the first line, as the prefixes.
    base = f"BASE <{_endpoint(request, settings)}> "
    try:
        await state.update(base + prefixed.text)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(prefixed.explain(exc.message, len(base))) from None
    return Response(status_code=204)


def _service_description(request: Request, settings: Settings, format: str | None) -> Response:
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF

    accept = accept_header(request.headers)
    # A browser (text/html first) gets a page saying what this is; RDF clients and */* get Turtle.
    page = format == "html" if format else negotiation.pick_format(accept, ("html", "ttl"), "ttl") == "html"
    media_type = negotiation.TURTLE if page else negotiation.choose_media_type("DESCRIBE", accept, format)
    if media_type is None:
        raise HTTPException(406, "the service description is RDF: " + ", ".join(negotiation.GRAPH_MEDIA_TYPES)
                                 + " (or format=html for the page)")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    fmt = Namespace("http://www.w3.org/ns/formats/")
    g = Graph(bind_namespaces="core")
    g.bind("sd", sd)
    g.bind("formats", fmt)
    service = URIRef(_endpoint(request, settings))
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, service))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    if settings.allow_updates:
        g.add((service, sd.supportedLanguage, sd.SPARQL11Update))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((service, sd.resultFormat, fmt[name]))
    g.add((service, sd.feature, sd.BasicFederatedQuery))  # only to allow-listed endpoints
    dataset = BNode()
    default_graph = BNode()
    g.add((service, sd.defaultDataset, dataset))
    g.add((dataset, RDF.type, sd.Dataset))
    g.add((dataset, sd.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, sd.Graph))
    g.add((service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
           Literal(f"coopgraph SPARQL endpoint; queries time out after {settings.query_timeout_s:g} s "
                   f"and return at most {settings.max_result_rows} rows; the prefixes "
                   + ", ".join(f"{p}:" for p in predefined_prefixes(settings.base))
                   + " are predefined (a query's own PREFIX wins).")))
    rdflib_format = {negotiation.TURTLE: "turtle", negotiation.N_TRIPLES: "nt",
                     negotiation.JSON_LD: "json-ld", negotiation.RDF_XML: "xml"}[media_type]
    body = g.serialize(format=rdflib_format, encoding="utf-8")
    if page:
        return _endpoint_page(request, settings, str(service), body.decode("utf-8"))
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _endpoint_page(request: Request, settings: Settings, endpoint: str, description: str) -> Response:
    """``GET /sparql`` from a browser: what the endpoint is, how to call it, the service description."""
    templates = request.app.state.templates
    context = {"nav": "query", "endpoint": endpoint, "description": description,
               "prefixes": predefined_prefixes(settings.base), "allow_updates": settings.allow_updates,
               "timeout_s": settings.query_timeout_s, "max_rows": settings.max_result_rows}
    response: Response = templates.TemplateResponse(request, "sparql.html", context, headers={"Vary": "Accept"})
    return response


# --- the fast path --------------------------------------------------------------------------------

FAST_PATHS = frozenset({"/sparql", "/sparql/"})
_HANDLERS = {"GET": get, "POST": post}


def handles(scope: dict[str, Any]) -> bool:
    """Whether :func:`asgi_app` serves this request (everything else goes to FastAPI's router)."""
    return scope["type"] == "http" and scope["path"] in FAST_PATHS and scope["method"] in _HANDLERS


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``GET``/``POST /sparql`` without FastAPI's routing; errors get the canonical body of
    :mod:`api.errors` (the same mapping as its exception handlers)."""
    request = Request(scope, receive)
    state = scope["app"].state.coop
    try:
        response = await _HANDLERS[scope["method"]](request, state, state.settings)
    except Exception as exc:  # noqa: BLE001 - every error gets the app's one mapping
        response = exception_response(request, exc)
    await response(scope, receive, send)
