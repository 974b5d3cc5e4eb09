"""A remote store: any SPARQL 1.1 endpoint (Oxigraph server, Fuseki, Virtuoso, QLever, GraphDB...).

Speaks the SPARQL 1.1 Protocol with httpx: queries are POSTed form-encoded (``query=``; the one form
every engine accepts, and no URL length limit), updates POSTed (``update=``) to the update URL.
Answers are turned into what ``OxigraphStore`` returns: SELECT rows of plain strings (IRI, blank
node id without ``_:``, literal lexical form), ``bool`` for ASK, N-Triples bytes for CONSTRUCT.

**Version.** A remote engine has no generation file, so the version is a triple we maintain::

    GRAPH <https://coopgraph.org/meta> { <https://coopgraph.org/meta#store> coop:version "..." }

Every ``update`` through this class rewrites it in the same request (``...; DELETE/INSERT``), and
``coopgraph load --store URL`` rewrites it once at the end. Reading it is one indexed lookup, cheap at any
size. When the triple is absent (data written by other tools), the version falls back to a hash of
``COUNT(*)`` over all quads, which changes on most writes but costs a scan (about 0.1 s per million
triples on Oxigraph): callers poll it at most once a second. Writes by other tools that keep the
count equal go unnoticed; call ``touch()`` after them.

Errors: HTTP 400 -> QuerySyntaxError (the engine's message), a client timeout -> QueryTimeoutError,
a refused connection or an engine error (5xx, unparseable answer) -> ``RemoteStoreError`` (a
StoreError answered with HTTP 502: the fault is the engine's, not ours).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

import httpx

from coopgraph.graph.errors import QuerySyntaxError, QueryTimeoutError, StoreError
from coopgraph.graph.store.base import Progress, Row, StoreStats

if TYPE_CHECKING:
    from coopgraph.graph.load import LoadResult

__all__ = ["META_GRAPH", "RemoteStore", "RemoteStoreError", "VERSION_PREDICATE", "VERSION_SUBJECT",
           "add_with_record_update", "ntriples_lines", "remove_with_record_update"]

META_GRAPH = "https://coopgraph.org/meta"
VERSION_SUBJECT = "https://coopgraph.org/meta#store"
VERSION_PREDICATE = "https://coopgraph.org/ontology#version"

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"

_VERSION_QUERY = (f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{VERSION_SUBJECT}> <{VERSION_PREDICATE}> ?v }} }}"
                  " LIMIT 1")
_COUNT_ALL = ("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")


class RemoteStoreError(StoreError):
    """The remote SPARQL engine is unreachable or answered with an error of its own (HTTP 502)."""

    http_status = 502
    title = "Bad gateway"


def _bump_version_update(value: str) -> str:
    """The update that replaces the version triple (appended to every update we send)."""
    return (f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{VERSION_SUBJECT}> <{VERSION_PREDICATE}> ?old }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{VERSION_SUBJECT}> <{VERSION_PREDICATE}> "
            f"\"{value}\" }} }}")


class RemoteStore:
    """A SPARQL 1.1 endpoint seen through the Store protocol.

    ``auth``: ``(user, password)`` for HTTP Basic, or a string sent as a Bearer token.
    ``timeout``: seconds for each request (connect, read and write).
    """

    in_process: ClassVar[bool] = False  # capabilities: see graph/store/base.py
    bulk_reads: ClassVar[bool] = False
    generations: ClassVar[bool] = False
    data_path = None  # no files here: the engine has them

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 auth: tuple[str, str] | str | None = None, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not query_url.startswith(("http://", "https://")):
            raise StoreError(f"a remote store needs an http(s) URL, not {query_url!r}")
        self.query_url = query_url
        self.update_url = update_url
        self.timeout = timeout
        headers = {"User-Agent": "coopgraph"}
        basic: httpx.Auth | tuple[str, str] | None = None
        if isinstance(auth, str):
            headers["Authorization"] = f"Bearer {auth}"
        else:
            basic = auth
        self._client = httpx.Client(auth=basic, headers=headers, timeout=timeout, transport=transport,
                                    follow_redirects=False)

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, update_url={self.update_url!r})"

    @property
    def location(self) -> str:
        return self.query_url

    # -- protocol -----------------------------------------------------------------------------------
    def _post(self, url: str, field: str, text: str, accept: str) -> httpx.Response:
        try:
            response = self._client.post(url, data={field: text}, headers={"Accept": accept})
        except httpx.TimeoutException as exc:
            raise QueryTimeoutError(f"the SPARQL endpoint did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"cannot reach the SPARQL endpoint {url}: {exc}") from exc
        if response.status_code == 400:
            raise QuerySyntaxError(response.text.strip()[:2000] or "the endpoint rejected the request")
        if response.status_code >= 300:
            raise RemoteStoreError(f"the SPARQL endpoint {url} answered {response.status_code}: "
                                   f"{response.text.strip()[:500]}")
        return response

    def _results(self, sparql: str) -> dict[str, Any]:
        response = self._post(self.query_url, "query", sparql, RESULTS_JSON)
        try:
            return response.json()  # type: ignore[no-any-return]  # SPARQL JSON results are an object
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RemoteStoreError(f"the endpoint sent no SPARQL JSON results "
                             f"({response.headers.get('content-type')})") from exc

    def raw(self, sparql: str, accept: str) -> bytes:
        """The endpoint's answer to a query, as sent, in the media type asked for."""
        return self._post(self.query_url, "query", sparql, accept).content

    # -- Store ------------------------------------------------------------------------------------
    def select(self, sparql: str) -> list[Row]:
        body = self._results(sparql)
        bindings = body.get("results", {}).get("bindings")
        if bindings is None:
            raise StoreError("the endpoint's answer has no results.bindings (was the query a SELECT?)")
        return [{name: _plain(term) for name, term in binding.items()} for binding in bindings]

    def ask(self, sparql: str) -> bool:
        body = self._results(sparql)
        if "boolean" not in body:
            raise StoreError("the endpoint's answer has no boolean (was the query an ASK?)")
        return bool(body["boolean"])

    def construct(self, sparql: str) -> bytes:
        response = self._post(self.query_url, "query", sparql, NTRIPLES)
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media not in (NTRIPLES, "text/plain", ""):
            raise StoreError(f"the endpoint sent {media} for a CONSTRUCT, not N-Triples")
        return response.content

    def update(self, sparql: str) -> None:
        if self.update_url is None:
            raise StoreError("this remote store has no update URL (pass update_url)")
        self._post(self.update_url, "update", sparql.rstrip().rstrip(";") + " ;\n"
                   + _bump_version_update(_new_version()), "*/*")

    def load(self, files: Sequence[Path], *, graph: str | None = None, replace: bool = False,
             progress: Progress | None = None) -> LoadResult:
        """Parse every file, then send them in batched INSERT DATA requests (``load_files_remote``)."""
        from coopgraph.graph.load import load_files_remote

        return load_files_remote(self, files, graph=graph, replace=replace, progress=progress)

    def replace_graph(self, graph: str, ntriples: bytes, *, what: str, batch: int = 50_000) -> None:
        """One SPARQL Update request: the old graph is dropped and the new one inserted together."""
        lines = ntriples_lines(ntriples)
        operations = [f"DROP SILENT GRAPH <{graph}>"]
        for start in range(0, len(lines), batch):
            chunk = "\n".join(lines[start : start + batch])
            operations.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk}\n}} }}")
        self.update(" ;\n".join(operations))

    def add_with_record(self, graph: str, ntriples: bytes, *, what: str) -> None:
        """One SPARQL Update request: the triples into the default graph and into ``graph``."""
        if ntriples_lines(ntriples):
            self.update(add_with_record_update(graph, ntriples))

    def remove_with_record(self, graph: str, *, keep: str, what: str) -> None:
        """One SPARQL Update request: the default graph's copies of the record's triples that
        ``keep`` does not match are deleted and the graph dropped, as the engine sees them then.
        There is no curated-triples record here (a build writes it beside an embedded store only),
        so ``keep`` has to say which triples other sources state."""
        self.update(remove_with_record_update(graph, keep=keep))

    def export(self, out: IO[bytes], media_type: str, *, prefixes: dict[str, str] | None = None) -> None:
        """The engine's own serialisation of ``CONSTRUCT { ?s ?p ?o }`` over its default graph."""
        out.write(self.raw("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", media_type))

    def current_writer(self) -> str | None:
        return None  # the engine does not say

    def exists(self) -> bool:
        return True  # the engine holds the data; whether it answers shows at the first request

    def touch(self) -> str:
        """Write a new version after changes made by other tools; returns it."""
        if self.update_url is None:
            raise StoreError("this remote store has no update URL (pass update_url)")
        value = _new_version()
        self._post(self.update_url, "update", _bump_version_update(value), "*/*")
        return value

    def version(self) -> str:
        rows = self.select(_VERSION_QUERY)
        if rows and "v" in rows[0]:
            return rows[0]["v"]
        count = self.select(_COUNT_ALL)
        return "count-" + hashlib.sha1((count[0].get("n", "0") if count else "0").encode()).hexdigest()[:12]

    def stats(self) -> StoreStats:
        default = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        quads = self.select(_COUNT_ALL)
        graphs = self.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return StoreStats(triples_default_graph=_int(default), quads=_int(quads), named_graphs=_int(graphs),
                          version=self.version())

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def ntriples_lines(ntriples: bytes) -> list[str]:
    """The non-blank lines of an N-Triples document. Split at ``\\n`` only: N-Triples escapes
    CR and LF inside literals but leaves U+2028, U+0085, form feeds... raw, and
    ``str.splitlines()`` would cut a literal in two at them."""
    return [line for line in ntriples.decode("utf-8").split("\n") if line.strip()]


def add_with_record_update(graph: str, ntriples: bytes, *, batch: int = 50_000) -> str:
    """The SPARQL Update that adds N-Triples to the default graph and to the record graph ``graph``
    (``Store.add_with_record``), in batches of ``batch`` triples, all in one request."""
    lines = ntriples_lines(ntriples)
    operations = []
    for start in range(0, len(lines), batch):
        chunk = "\n".join(lines[start : start + batch])
        operations.append(f"INSERT DATA {{\n{chunk}\nGRAPH <{graph}> {{\n{chunk}\n}} }}")
    return " ;\n".join(operations)


def remove_with_record_update(graph: str, *, keep: str) -> str:
    """The SPARQL Update that takes out what the record graph ``graph`` added
    (``Store.remove_with_record``): its triples from the default graph unless ``keep`` matches
    them, then the graph itself."""
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }}\n"
            f"  FILTER NOT EXISTS {{ {keep} }} }} ;\nDROP SILENT GRAPH <{graph}>")


def _plain(term: dict[str, Any]) -> str:
    """A JSON result term as the plain string OxigraphStore gives; booleans canonical ("true", not
    Virtuoso's "1"), so that callers comparing with "true" work on every engine."""
    value = str(term["value"])
    if term.get("datatype") == _BOOLEAN:
        return {"1": "true", "0": "false"}.get(value, value)
    return value


def _new_version() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"


def _int(rows: list[Row]) -> int:
    try:
        return int(rows[0]["n"])
    except (IndexError, KeyError, ValueError):
        return 0
