"""Load users' RDF files into the embedded store: all or nothing, streaming, with progress.

Formats are told by the file name (``.ttl .nt .nq .trig .jsonld .json .rdf .owl .xml``, each
optionally ``.gz``). Every load writes a **new store generation** and swaps it in, so a malformed
file (reported with its line and column) leaves the store exactly as it was and readers never see
half a load:

1. the new generation starts as a checkpoint of the current one (``pyoxigraph.Store.backup``:
   hard links to RocksDB's immutable files, milliseconds at any size; copying 1M quads through
   ``bulk_extend`` took 43 s on the 2-core bench machine, which is why we do not);
2. with ``replace``, the target graph is cleared in the new generation;
3. each file is bulk-loaded (``Store.bulk_load``, streaming from a reader that counts bytes for the
   progress bar; gzip is decompressed on the fly);
4. superclass types are materialised in the graphs the load wrote (``x a coop:Province`` adds
   ``x a coop:Region``, in the same graph), as the build does for curated data, so queries find
   loaded data without reasoning; ``--replace`` clears them with the rest of the graph;
5. flush + optimize, then the new generation is committed atomically (``OxigraphStore.replace(...,
   extend=True)``). The store's writer lock is held from step 1 to here, so no other write (a build,
   another load, the server's SPARQL Updates) can land in between and be lost.

A fresh store also receives the ontology in its named graph, so every feature of the app works
on users' data.

A remote store (a SPARQL 1.1 engine) is loaded by ``load_files_remote``: every file parsed in full
first (a malformed file sends nothing), then batched ``INSERT DATA`` requests; see its docstring
for what is and is not atomic there; each type it sends goes with its superclass types, in the same
request.
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from coopgraph.graph.errors import CoopgraphError, FactError, StoreError, disk_full
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.rdf_limits import ByteReader, LimitExceeded, LoadLimits, guarded
from coopgraph.graph.store.base import ONTOLOGY_GRAPH
from coopgraph.graph.store.oxigraph import OxigraphStore

if TYPE_CHECKING:  # httpx is imported only by remote loads
    from coopgraph.graph.store.remote import RemoteStore

__all__ = ["LoadResult", "RDF_SUFFIXES", "format_of", "load_files", "load_files_remote", "materialise_superclasses"]

RDF_SUFFIXES: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}

# (bytes read so far of all files, total bytes of all files, file being read)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class LoadResult:
    files: int
    bytes_read: int
    quads_before: int
    quads_after: int
    seconds: float
    version: str
    inferred: int = 0  # superclass types added (counted in quads_after too)

    @property
    def quads_added(self) -> int:
        return self.quads_after - self.quads_before


def format_of(path: Path) -> ox.RdfFormat:
    """The RDF format a file name announces (``data.ttl.gz`` -> Turtle); FactError if none."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in RDF_SUFFIXES:
        return RDF_SUFFIXES[suffixes[-1]]
    known = ", ".join(sorted(RDF_SUFFIXES))
    raise FactError(f"cannot tell the RDF format from the file name (known: {known}, optionally .gz)",
                    file=path)


class _CountingReader(io.RawIOBase):
    """A read-only byte stream that reports how many bytes of the file on disk were consumed."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    # io.RawIOBase takes any writable buffer; the BufferedReader in front of this one passes a memoryview.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        if count:
            self._on_read(count)
        return count


def load_files(
    root: Path | str,
    files: Sequence[Path],
    *,
    graph: str | None = None,
    replace: bool = False,
    base_iri: str | None = None,
    progress: Progress | None = None,
    lenient: bool = False,
    wait: float | None = None,
    limits: LoadLimits | None = None,
) -> LoadResult:
    """Load ``files`` into the store at ``root`` as one new generation (all or nothing).

    ``graph``: put triples of triple formats (and the default graph of quad formats) into this named
    graph instead of the default graph. ``replace``: clear that target graph first.
    Raises FactError (file:line: message) for a malformed file; the store is unchanged then.
    ``limits``: what one file may cost (graph.rdf_limits.LoadLimits; its defaults when None).
    Holds the store's writer lock for the whole load; ``wait``: seconds to wait for another write
    to finish first (None: as long as it takes), then StoreBusyError naming it.
    """
    started = time.perf_counter()
    root = Path(root)
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise FactError("no such file", file=path)
        format_of(path)
    total = sum(p.stat().st_size for p in paths)
    done = 0
    counts: dict[str, int] = {}
    say = progress or (lambda _done, _total, _name: None)
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)

    def fill(db: ox.Store) -> None:
        # Runs under the writer lock, on a checkpoint of the store as it is now (empty if none).
        counts["before"] = len(db)
        if not db.contains_named_graph(ontology):  # a new store: every page of the app needs it
            from coopgraph.graph.resources import ontology_file

            db.load(ontology_file().read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=ONTOLOGY_GRAPH,
                    to_graph=ontology)
        if replace:
            db.clear_graph(target)
        # Only the types this load writes are closed: the store's other data (curated evidence, an
        # earlier load) stays exactly as it was, or the next build would count it as the user's.
        typed_before = _closable_types(db)
        for path in paths:
            def advance(count: int, _name: str = path.name) -> None:
                nonlocal done
                done += count
                say(done, total, _name)

            say(done, total, path.name)
            _load_one(db, path, graph=graph, base_iri=base_iri, lenient=lenient, on_read=advance, limits=limits,
                      store_root=root)
        # Quad formats write into the named graphs they name: those are closed too.
        written: list[ox.NamedNode | ox.DefaultGraph] = [target]
        if any(format_of(p).supports_datasets for p in paths):
            written += [g for g in db.named_graphs() if isinstance(g, ox.NamedNode) and g != ontology and g != target]
        counts["inferred"] = materialise_superclasses(db, written, skip=typed_before)
        counts["after"] = len(db)

    # snapshot: a server's memory replica of the new generation loads it in seconds (graph/store/snapshot.py)
    state = OxigraphStore.replace(root, fill, extend=True, what="coopgraph load", wait=wait, snapshot=True)
    return LoadResult(files=len(paths), bytes_read=done, quads_before=counts["before"],
                      quads_after=counts["after"], seconds=time.perf_counter() - started,
                      version=state.version, inferred=counts["inferred"])


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _superclass_parents() -> dict[str, list[str]]:
    """Each class of the packaged ontology that has superclasses -> those superclasses."""
    return {cls: sorted(supers - {cls}) for cls, supers in load_ontology().superclasses.items() if len(supers) > 1}


def _closable_types(db: ox.Store) -> set[ox.Quad]:
    """The ``x a C`` quads (C a class with superclasses) the store holds now, in any graph."""
    return {quad for cls in _superclass_parents()
            for quad in db.quads_for_pattern(None, _RDF_TYPE, ox.NamedNode(cls), None)}


def materialise_superclasses(db: ox.Store, graphs: Iterable[ox.NamedNode | ox.DefaultGraph],
                             skip: set[ox.Quad] | frozenset[ox.Quad] = frozenset()) -> int:
    """Add ``x a S`` for every ``x a C`` in each of ``graphs`` (except the quads in ``skip``) where S
    is a superclass of C in the packaged ontology (coop.ttl), into the same graph; returns how many
    types were new.

    The same closure the build writes for curated entities (graph/build.py), so ``?x a coop:Region``
    finds a loaded province as it finds a curated one. Each inferred type sits in the graph of the
    type it follows from, so clearing that graph (``load --replace``) leaves none behind.
    """
    parents = _superclass_parents()
    added = 0
    for graph in graphs:
        if not any(quad.graph_name == graph for quad in skip):
            added += _close_in_engine(db, graph, parents)
            continue
        new: set[ox.Quad] = set()
        for cls, supers in parents.items():
            for quad in db.quads_for_pattern(None, _RDF_TYPE, ox.NamedNode(cls), graph):
                if quad in skip:
                    continue
                for parent in supers:
                    candidate = ox.Quad(quad.subject, _RDF_TYPE, ox.NamedNode(parent), graph)
                    if candidate not in db:
                        new.add(candidate)
        if new:
            db.bulk_extend(new)
            added += len(new)
    return added


def _close_in_engine(db: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, parents: dict[str, list[str]]) -> int:
    """materialise_superclasses for a graph with nothing to skip, as one SPARQL update: the engine
    joins and inserts, where building and looking up each quad in Python took about 11 s of a 1M
    load (the load: 27.9 s against 35.0). Returns how many types were new."""
    if not parents:
        return 0
    pairs = " ".join(f"(<{cls}> <{parent}>)" for cls, supers in parents.items() for parent in supers)
    where = "?x a ?class" if isinstance(graph, ox.DefaultGraph) else f"GRAPH <{graph.value}> {{ ?x a ?class }}"
    into = "?x a ?parent" if isinstance(graph, ox.DefaultGraph) else f"GRAPH <{graph.value}> {{ ?x a ?parent }}"
    before = len(db)
    db.update(f"INSERT {{ {into} }} WHERE {{ VALUES (?class ?parent) {{ {pairs} }} {where} }}")
    return len(db) - before


def _with_superclasses(quad: ox.Quad, parents: dict[str, list[str]]) -> list[ox.Quad]:
    """``quad`` and, when it types its subject with a class that has superclasses, those types too."""
    if quad.predicate != _RDF_TYPE or not isinstance(quad.object, ox.NamedNode):
        return [quad]
    return [quad, *(ox.Quad(quad.subject, _RDF_TYPE, ox.NamedNode(parent), quad.graph_name)
                    for parent in parents.get(quad.object.value, ()))]


def _load_one(db: ox.Store, path: Path, *, graph: str | None, base_iri: str | None, lenient: bool,
              on_read: Callable[[int], None], limits: LoadLimits | None = None,
              store_root: Path | None = None) -> None:
    fmt = format_of(path)
    base = base_iri or path.resolve().as_uri()
    with open(path, "rb") as raw:
        stream = _open_guarded(raw, path, fmt, limits or LoadLimits(), on_read)
        try:
            db.bulk_load(stream.for_parser(), format=fmt, base_iri=base, lenient=lenient,
                         to_graph=ox.NamedNode(graph) if graph else None)
        except Exception as exc:
            raise _load_error(exc, path, fmt, stream, store_root) from None
        if stream.failure is not None:  # the parser may stop quietly at a refused chunk
            raise _load_error(stream.failure, path, fmt, stream, store_root) from None


def _open_guarded(raw: IO[bytes], path: Path, fmt: ox.RdfFormat, limits: LoadLimits,
                  on_read: Callable[[int], None]) -> Any:
    """The file as the parser reads it: counted (progress), gunzipped, then bounded (rdf_limits)."""
    counted = io.BufferedReader(_CountingReader(raw, on_read), buffer_size=1 << 20)
    stream: ByteReader = gzip.GzipFile(fileobj=counted, mode="rb") if path.suffix.lower() == ".gz" else counted
    return guarded(stream, fmt, limits)


def _load_error(exc: Exception, path: Path, fmt: ox.RdfFormat, stream: Any, store_root: Path | None) -> Exception:
    """One clear error for whatever stopped the parse of ``path`` (a bound first: it explains the rest)."""
    failure = stream.failure
    if failure is not None:
        return FactError(f"{failure.message} (see README: Bounds on a load)",
                         file=path, line=failure.line)
    if isinstance(exc, LimitExceeded):
        return FactError(exc.message, file=path, line=exc.line)
    if isinstance(exc, SyntaxError):
        return FactError(f"not valid {fmt.name}: {_syntax_message(exc)}", file=path, line=exc.lineno)
    if isinstance(exc, MemoryError):
        # the text formats refuse a term (literal or IRI) over 16 MiB with "Reached the buffer
        # maximal size"; anything else is the machine running out of memory on this file
        if "buffer maximal size" in str(exc):
            return FactError("a literal or IRI is longer than 16 MiB, which the parser does not accept",
                             file=path, line=stream.line)
        return FactError(f"ran out of memory while loading this file ({exc or 'MemoryError'})", file=path,
                         line=stream.line)
    full = disk_full(exc, store_root) if store_root is not None else None
    if full is not None:
        return full
    if isinstance(exc, OSError | EOFError | gzip.BadGzipFile):
        return FactError(f"cannot read the file: {exc}", file=path)
    return exc


def _syntax_message(exc: SyntaxError) -> str:
    message = exc.msg or str(exc)
    # "Parser error at line 4 column 9: . is not a valid predicate" -> keep what follows the location
    head, sep, tail = message.partition(": ")
    if sep and head.startswith("Parser error"):
        column = f"column {exc.offset}: " if exc.offset else ""
        return column + tail
    return message


# -- remote stores ---------------------------------------------------------------------------------
# Quads per INSERT DATA request: about 1-2 MB of SPARQL, well under any engine's request limit.
REMOTE_BATCH_QUADS = 10_000


def load_files_remote(
    store: RemoteStore,
    files: Sequence[Path],
    *,
    graph: str | None = None,
    replace: bool = False,
    base_iri: str | None = None,
    progress: Progress | None = None,
    batch_quads: int = REMOTE_BATCH_QUADS,
) -> LoadResult:
    """Load ``files`` into a remote store with batched ``INSERT DATA`` requests.

    Guarantee: every file is parsed completely first (pass 1); a malformed file raises FactError
    (file:line) and **nothing is sent**. Then the files are parsed again and sent in batches of about
    ``batch_quads`` quads (pass 2). A batch is only cut where no blank node of it occurs again later,
    so a blank node never splits into two (INSERT DATA makes fresh blank nodes per request). The
    engine applies each batch atomically, but the load as a whole is not: if the engine fails or
    becomes unreachable part-way, the batches already sent stay, and the error says how many quads
    were sent. The store's version is bumped once at the end (and on failure), so servers notice.
    """
    started = time.perf_counter()
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise FactError("no such file", file=path)
        format_of(path)
    if store.update_url is None:
        raise StoreError("loading into a remote store needs its update URL (--update-url or COOPGRAPH_UPDATE_URL)")
    total = sum(p.stat().st_size for p in paths) * 2  # two passes
    say = progress or (lambda _done, _total, _name: None)
    done = 0

    def counter(name: str) -> Callable[[int], None]:
        def advance(count: int) -> None:
            nonlocal done
            done += count
            say(done, total, name)
        return advance

    # Pass 1: parse everything; note the stretches of each file a blank node spans (by position:
    # the parser names anonymous blank nodes afresh on each pass, but the order of quads is fixed).
    spans: list[list[tuple[int, int]]] = []
    for path in paths:
        first_last: dict[str, list[int]] = {}
        for i, quad in enumerate(_parse(path, base_iri=base_iri, on_read=counter(path.name))):
            for term in (quad.subject, quad.object, quad.graph_name):
                if isinstance(term, ox.BlankNode):
                    first_last.setdefault(term.value, [i, i])[1] = i
        spans.append(_merge(first_last.values()))
    quads_before = _remote_count(store)
    sent = inferred = 0
    # Superclass types travel in the batch of the type they follow from (a blank node keeps its
    # identity only within one request), so only the types this load writes are closed.
    parents = _superclass_parents()
    try:
        if replace:
            store._post(store.update_url, "update", f"CLEAR SILENT GRAPH <{graph}>" if graph else "CLEAR DEFAULT",
                        "*/*")
        # Pass 2: send, cutting a batch only before a quad that no blank-node span crosses.
        for path, blocked in zip(paths, spans, strict=True):
            batch: list[ox.Quad] = []
            pending = iter(blocked)
            span = next(pending, None)
            for i, quad in enumerate(_parse(path, base_iri=base_iri, on_read=counter(path.name))):
                while span is not None and span[1] < i:
                    span = next(pending, None)
                if len(batch) >= batch_quads and not (span is not None and span[0] < i <= span[1]):
                    _send(store, batch, graph)
                    sent += len(batch)
                    batch = []
                closed = _with_superclasses(quad, parents)
                inferred += len(closed) - 1
                batch += closed
            if batch:
                _send(store, batch, graph)
                sent += len(batch)
    except CoopgraphError as exc:
        raise StoreError(f"{exc.message} (after {sent:,} quads were sent; the remote load is not atomic, "
                         "those stay in the store)") from exc
    finally:
        try:
            version = store.touch()
        except CoopgraphError:
            version = "unknown"
    quads_after = _remote_count(store)
    return LoadResult(files=len(paths), bytes_read=done // 2, quads_before=quads_before, quads_after=quads_after,
                      seconds=time.perf_counter() - started, version=version, inferred=inferred)


def _merge(spans: Iterable[list[int]]) -> list[tuple[int, int]]:
    """Overlapping (first, last) positions merged into sorted, disjoint stretches."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted((a, b) for a, b in spans if b > a):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _parse(path: Path, *, base_iri: str | None, on_read: Callable[[int], None],
           limits: LoadLimits | None = None) -> Iterator[ox.Quad]:
    """Stream the quads of one file; FactError (file:line) when it is malformed or past a bound."""
    fmt = format_of(path)
    base = base_iri or path.resolve().as_uri()
    with open(path, "rb") as raw:
        stream = _open_guarded(raw, path, fmt, limits or LoadLimits(), on_read)
        try:
            yield from ox.parse(stream.for_parser(), format=fmt, base_iri=base)
        except Exception as exc:
            raise _load_error(exc, path, fmt, stream, None) from None
        if stream.failure is not None:
            raise _load_error(stream.failure, path, fmt, stream, None) from None


def _send(store: RemoteStore, batch: list[ox.Quad], graph: str | None) -> None:
    """One INSERT DATA; triples of the default graph go to ``graph`` when given."""
    default: list[str] = []
    named: dict[str, list[str]] = {}
    for quad in batch:
        triple = f"{quad.subject} {quad.predicate} {quad.object} ."
        if isinstance(quad.graph_name, ox.DefaultGraph):
            (named.setdefault(graph, []) if graph else default).append(triple)
        else:
            named.setdefault(quad.graph_name.value, []).append(triple)
    parts = ["\n".join(default)] + [f"GRAPH <{g}> {{\n" + "\n".join(t) + "\n}" for g, t in named.items()]
    # load_files_remote refused a store without an update URL before sending anything.
    store._post(store.update_url, "update", "INSERT DATA {\n" + "\n".join(parts) + "\n}", "*/*")  # type: ignore[arg-type]


def _remote_count(store: RemoteStore) -> int:
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    return int(rows[0]["n"]) if rows and "n" in rows[0] else 0
