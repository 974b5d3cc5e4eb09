"""The dataset as a whole: statistics, its VoID description, and full dumps streamed from the store.

Dumps are written by pyoxigraph's serialiser in a helper thread into a bounded queue, so a
million-triple export leaves the server in chunks without being held in memory; a client that
hangs up stops the serialiser at its next write.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from coopgraph.api import urls
from coopgraph.api.deps import SettingsDep, StateDep, StoreDep, label_index, per_version
from coopgraph.api.linked_data import rdf_response
from coopgraph.api.negotiation import JSON_LD, N_TRIPLES, RDF_FORMATS, RDF_XML, TURTLE, pick_format, utf8, accept_header
from coopgraph.api.schemas import DatasetStats
from coopgraph.graph.read_queries import PREFIXES as SPARQL_PREFIXES
from coopgraph.graph.stats import dataset_stats
from coopgraph.graph.namespaces import COOP_NS, PREFIXES, new_graph
from coopgraph.graph.store import Store

__all__ = ["EXPORTS", "router"]

router = APIRouter(tags=["dataset"])

VOID = Namespace("http://rdfs.org/ns/void#")
EXPORTS: dict[str, tuple[ox.RdfFormat, str]] = {
    "ttl": (ox.RdfFormat.TURTLE, utf8(TURTLE)),
    "nt": (ox.RdfFormat.N_TRIPLES, utf8(N_TRIPLES)),
    "jsonld": (ox.RdfFormat.JSON_LD, JSON_LD),
}
CHUNK_BYTES = 64 * 1024


def _stats(request: Request, store: Any, base: str) -> DatasetStats:
    def build() -> DatasetStats:
        stats = dataset_stats(store, index=label_index(request, store, base),
                              triples=store.stats().triples_default_graph, version=request.app.state.coop.version)
        return DatasetStats(**stats.__dict__)
    return per_version(request, "dataset_stats", build)


@router.get("/api/stats", summary="Dataset statistics", response_model=DatasetStats)
def api_stats(request: Request, store: StoreDep, settings: SettingsDep) -> DatasetStats:
    """Triples, entities by type, relations by predicate, documents and evidence quotes."""
    return _stats(request, store, settings.base)


def _partitions(store: Any) -> tuple[dict[str, int], dict[str, int]]:
    classes = {r["t"]: int(r["n"]) for r in store.select(
        "SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY ?t LIMIT 10000")}
    properties = {r["p"]: int(r["n"]) for r in store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p LIMIT 10000")}
    return classes, properties


def _void_ntriples(request: Request, store: Any, settings: Any) -> bytes:
    root = settings.public_url or str(request.base_url)
    stats = _stats(request, store, settings.base)
    classes, properties = per_version(request, "void_partitions", lambda: _partitions(store))
    documents = [r["d"] for r in store.select(SPARQL_PREFIXES + "SELECT ?d WHERE { ?d a coop:SourceDocument } "
                                                                "ORDER BY ?d LIMIT 1000")]
    g = new_graph(base=settings.base)
    g.bind("void", VOID)
    ds = URIRef(urls.absolute(root, urls.void()) + "#dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("coopgraph", lang="en")))
    g.add((ds, DCTERMS.description, Literal("A knowledge graph of regional cooperation in western China, "
                                            "each relation with the quote of its source document.", lang="en")))
    g.add((ds, FOAF.homepage, URIRef(urls.absolute(root, "/"))))
    g.add((ds, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    g.add((ds, VOID.entities, Literal(stats.entities, datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, Literal(settings.base + "id/")))
    g.add((ds, VOID.vocabulary, URIRef(COOP_NS)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(urls.absolute(root, urls.sparql()))))
    for fmt in EXPORTS:
        g.add((ds, VOID.dataDump, URIRef(urls.absolute(root, urls.export(fmt)))))
    g.add((ds, VOID.exampleResource, URIRef(settings.base + "id/chongqing-customs")))
    for doc in documents:
        g.add((ds, DCTERMS.source, URIRef(doc)))
    for cls, count in classes.items():
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for prop, count in properties.items():
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))
    return g.serialize(format="nt", encoding="utf-8")


_VOID_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"description": "VoID description of the dataset.",
    "content": {TURTLE: {"example": "<#dataset> a void:Dataset ; void:triples 2517 ; "
                                    "void:sparqlEndpoint </sparql> ."},
                JSON_LD: {}, N_TRIPLES: {}, RDF_XML: {}}}}


@router.get("/.well-known/void", summary="VoID description (Turtle / JSON-LD by content negotiation)",
            response_class=Response, responses=_VOID_RESPONSES)
def void_wellknown(request: Request, store: StoreDep, settings: SettingsDep,
                   format: Annotated[str | None, Query(description="ttl | jsonld | nt | rdf | html")] = None
                   ) -> Response:
    """Counts, class and property partitions, the SPARQL endpoint, dump links and sources.

    A browser (asking for HTML first) gets a page showing the Turtle, not a file to download."""
    offered = ("html", *RDF_FORMATS)
    fmt = format or pick_format(accept_header(request.headers), offered, "ttl")
    if fmt not in offered:
        raise HTTPException(400 if format else 406, "VoID is served as " + ", ".join(RDF_FORMATS.values())
                                                    + " (or format=html for the page)")
    turtle = fmt == "html"
    response = rdf_response(_void_ntriples(request, store, settings), "ttl" if turtle else fmt,
                            headers={"Vary": "Accept"}, base=settings.base, extra_prefixes={"void": str(VOID)})
    if not turtle:
        return response
    stats = _stats(request, store, settings.base)
    context = {"turtle": bytes(response.body).decode("utf-8"), "triples": stats.triples,
               "entities": stats.entities, "path": request.url.path, "formats": RDF_FORMATS}
    page: Response = request.app.state.templates.TemplateResponse(request, "void.html", context,
                                                                  headers={"Vary": "Accept"})
    return page


@router.get("/void", summary="VoID description (same as /.well-known/void)", response_class=Response,
            responses=_VOID_RESPONSES)
def void(request: Request, store: StoreDep, settings: SettingsDep,
         format: Annotated[str | None, Query(description="ttl | jsonld | nt | rdf | html")] = None) -> Response:
    return void_wellknown(request, store, settings, format)


class _QueueWriter:
    """A binary file object whose writes become chunks on a bounded queue."""

    def __init__(self, chunks: queue.Queue[bytes | BaseException | None], cancelled: threading.Event) -> None:
        self.chunks, self.cancelled = chunks, cancelled
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self._put(bytes(self.buffer))
            self.buffer.clear()

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.cancelled.is_set():
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise OSError("client went away")


def stream_dump(store: Store, fmt: str) -> Iterator[bytes]:
    """The default graph serialised as ``fmt``, in chunks of about CHUNK_BYTES."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)
    cancelled = threading.Event()
    writer = _QueueWriter(chunks, cancelled)

    def run() -> None:
        try:
            # _QueueWriter has what the serializer calls (write, flush), not the whole of typing.IO.
            store.export(writer, EXPORTS[fmt][1], prefixes=PREFIXES)  # type: ignore[arg-type]
            writer.flush()
            writer._put(None)
        except BaseException as exc:  # handed to the response iterator, which re-raises it
            if not cancelled.is_set():
                writer._put(exc)

    thread = threading.Thread(target=run, name=f"dump-{fmt}", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancelled.set()


@router.get("/api/exports/coopgraph.{fmt}", summary="Full dump of the data (Turtle, N-Triples or JSON-LD)",
            response_class=StreamingResponse,
            responses={200: {"content": {
                TURTLE: {"example": "@prefix coop: <https://coopgraph.org/ontology#> ."},
                N_TRIPLES: {}, JSON_LD: {}}}})
def export_dump(fmt: str, state: StateDep) -> StreamingResponse:
    """Every triple of the default graph (data and evidence; the ontology is at /ontology.ttl), streamed."""
    if fmt not in EXPORTS:
        raise HTTPException(404, f"no export format {fmt!r}; use one of {', '.join(EXPORTS)}")
    if not state.store.bulk_reads:  # a whole-graph download belongs to the engine, not to a request through us
        raise HTTPException(501, "full dumps are not served for a remote store; use the SPARQL engine's own "
                                 "dump, or CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } against it")
    return StreamingResponse(stream_dump(state.store, fmt), media_type=EXPORTS[fmt][1], headers={
        "Content-Disposition": f'attachment; filename="coopgraph.{fmt}"',
        "X-Coopgraph-Version": state.version})
