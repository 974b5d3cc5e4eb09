"""The embedded store: Oxigraph (pyoxigraph) databases on disk, one generation at a time.

Layout of a store root::

    ROOT/
      state.json                  the commit point: {"generation", "updates", "previous", ...}
      gen-20261122T013000-4242/   a pyoxigraph (RocksDB) directory: the current generation
      gen-...                     the previous one, kept for readers still on it and to roll back to
      curated-<hash>.nt           what the last ``build`` wrote into the default graph (see pipeline)
      snapshot-<gen>-u<updates>/  a version's quads as files for the memory replica (graph/store/snapshot.py)
      .write.lock                 held by the one writer at a time (graph/store/locks.py)

``state.json`` is the only thing a reader trusts: a write makes a whole new generation aside, then
commits it by replacing ``state.json`` in one ``os.replace`` (generation *and* version together, so
no crash can leave one without the other). Every writer holds the writer lock from reading the
state to committing the next, so no write starts from a state another is about to replace.
Stores made by earlier versions (a ``current`` symlink and a ``version`` file) are read as they are
and converted at their next write.

pyoxigraph documents that a read-only instance must not be opened while another process writes
the same database, so writes never touch a generation that may be read: a rebuild or a load
writes a new generation; an in-place ``update`` is only for callers that hold the store
exclusively (the API's executor drains its read-only workers first).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace as with_changes
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar, Protocol

import pyoxigraph as ox

from coopgraph.graph.errors import QueryError, QuerySyntaxError, StoreError, disk_full
from coopgraph.graph.heap import return_freed_memory
from coopgraph.graph.store import snapshot as snapshots
from coopgraph.graph.store.base import Progress, Row, StoreStats
from coopgraph.graph.store.locks import WriterLock, current_writer, pin_generation, remove_if_unpinned

if TYPE_CHECKING:
    from coopgraph.graph.load import LoadResult

__all__ = ["OxigraphStore", "StoreState", "read_state", "term_value"]

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
LEGACY_CURRENT = "current"  # stores written before state.json: a symlink to the generation
LEGACY_VERSION = "version"  # ... and "<generation>:<updates>"
# A write waits this long for the writer lock before it gives up and says who holds it.
DEFAULT_WRITE_WAIT_S: float | None = None


class _Term(Protocol):
    """A pyoxigraph term (NamedNode, BlankNode, Literal): each has a ``value``."""

    @property
    def value(self) -> str: ...


def term_value(term: _Term) -> str:
    """A pyoxigraph term as a plain string: IRI, blank-node id or literal lexical form."""
    return str(term.value)


@dataclass(frozen=True)
class StoreState:
    """What ``state.json`` says: the current generation and what the data has been through.

    ``curated`` names the file that lists the triples the last ``build`` put into the default graph
    (so the next build can replace exactly those and keep everything else); ``inputs`` is the hash
    of what that build read (an unchanged data folder needs no rebuild).
    """

    generation: str
    updates: int = 0
    previous: str | None = None
    curated: str | None = None
    inputs: str | None = None

    @property
    def version(self) -> str:
        return f"{self.generation}:{self.updates}"


def read_state(root: Path) -> StoreState | None:
    """The committed state of the store at ``root``; None when there is no store."""
    try:
        raw = json.loads((root / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _read_legacy_state(root)
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {root / STATE_FILE}: {exc}") from exc
    known = {k: raw[k] for k in ("generation", "updates", "previous", "curated", "inputs") if k in raw}
    return StoreState(**known)


def _read_legacy_state(root: Path) -> StoreState | None:
    link = root / LEGACY_CURRENT
    if not link.is_dir():
        return None
    generation = link.resolve().name
    try:
        name, _, count = (root / LEGACY_VERSION).read_text(encoding="utf-8").strip().partition(":")
        updates = int(count or 0) if name == generation else 0
    except (FileNotFoundError, ValueError):
        updates = 0
    return StoreState(generation=generation, updates=updates)


def _commit_state(root: Path, state: StoreState) -> None:
    """Replace ``state.json`` atomically and durably (the file, then its directory entry)."""
    path = root / STATE_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({k: v for k, v in asdict(state).items() if v is not None}, handle)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(root)
    for legacy in (LEGACY_CURRENT, LEGACY_VERSION):  # converted: the old pointers must not mislead
        (root / legacy).unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OxigraphStore:
    """A store root on disk; opened lazily, read-only unless ``writable``.

    A writable store holds the writer lock (see :mod:`graph.store.locks`) from the moment its
    database is opened until ``close()``.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "store"
    >>> state = OxigraphStore.replace(root, lambda db: db.update('INSERT DATA { <urn:a> <urn:b> "c" }'))
    >>> state.updates, state.previous
    (0, None)
    >>> OxigraphStore(root).select("SELECT ?o { <urn:a> <urn:b> ?o }")
    [{'o': 'c'}]
    """

    in_process: ClassVar[bool] = True  # capabilities: see graph/store/base.py
    bulk_reads: ClassVar[bool] = True
    generations: ClassVar[bool] = True

    def __init__(self, root: Path | str, *, writable: bool = False) -> None:
        self.root = Path(root)
        self.writable = writable
        self._db: ox.Store | None = None
        self._pin: int | None = None
        self._writer: WriterLock | None = None

    # -- location -------------------------------------------------------------------------------
    def exists(self) -> bool:
        state = read_state(self.root)
        return state is not None and (self.root / state.generation).is_dir()

    def state(self) -> StoreState:
        state = read_state(self.root)
        if state is None or not (self.root / state.generation).is_dir():
            raise StoreError(f"no store at {self.root} (run `coopgraph build` first)")
        return state

    @property
    def data_path(self) -> Path:
        """The pyoxigraph directory of the current generation."""
        return self.root / self.state().generation

    @property
    def location(self) -> str:
        return str(self.root)

    def version(self) -> str:
        return self.state().version

    def current_writer(self) -> str | None:
        return current_writer(self.root)

    # -- access ---------------------------------------------------------------------------------
    @property
    def db(self) -> ox.Store:
        if self._db is None:
            if self.writable:
                self._writer = WriterLock(self.root, "a coopgraph process that opened the store for writing",
                                          wait=0).acquire()
            try:
                self._db = self._open()
            except BaseException:
                self._release()
                raise
        return self._db

    def _open(self) -> ox.Store:
        # A write may commit a new generation and prune this one between reading the state and
        # pinning it: then read the state again (a pinned generation is never pruned).
        for _ in range(5):
            path = self.data_path
            try:
                pin = pin_generation(path)
            except FileNotFoundError:
                continue
            if not path.is_dir():
                os.close(pin)
                continue
            try:
                db = ox.Store(str(path)) if self.writable else ox.Store.read_only(str(path))
            except OSError as exc:
                os.close(pin)
                raise StoreError(f"cannot open the store at {path}: {exc}") from exc
            self._pin = pin
            return db
        raise StoreError(f"the store at {self.root} keeps changing under this reader; try again")

    def close(self) -> None:
        if self._db is not None:
            if self.writable:
                self._db.flush()
            self._db = None
        self._release()

    def _release(self) -> None:
        if self._pin is not None:
            os.close(self._pin)
            self._pin = None
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sparql: str, **options: object) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """The raw pyoxigraph result (solutions, boolean or triples)."""
        try:
            # ``options`` are pyoxigraph's own keyword arguments (base_iri, default_graph, ...), passed on.
            return self.db.query(sparql, **options)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def _solutions(self, sparql: str) -> ox.QuerySolutions:
        solutions = self.query(sparql)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError(f"expected a SELECT query, got {sparql!r}")
        return solutions

    def select(self, sparql: str) -> list[Row]:
        solutions = self._solutions(sparql)
        variables = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in variables:
                term = solution[name]
                if term is not None:
                    row[name] = term_value(term)
            rows.append(row)
        return rows

    def ask(self, sparql: str) -> bool:
        return bool(self.query(sparql))

    def construct(self, sparql: str) -> bytes:
        triples = self.query(sparql)
        if not isinstance(triples, ox.QueryTriples):
            raise TypeError(f"expected a CONSTRUCT or DESCRIBE query, got {sparql!r}")
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""

    def update(self, sparql: str) -> None:
        if not self.writable:
            raise StoreError("this store was opened read-only")
        snapshots.discard(self.root, self.state().generation)  # before the data changes: none goes stale
        try:
            self.db.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        self.db.flush()
        self.mark_updated()

    def stats(self) -> StoreStats:
        default = next(iter(self._solutions("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))
        quads = len(self.db)
        named = sum(1 for _ in self.db.named_graphs())
        return StoreStats(triples_default_graph=int(default["n"].value), quads=quads, named_graphs=named,
                          version=self.version())

    def raw(self, sparql: str, accept: str) -> bytes:
        result = self.query(sparql)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            results_format = ox.QueryResultsFormat.from_media_type(accept)
            if results_format is None:
                raise QueryError(f"no SPARQL results format {accept!r}")
            return result.serialize(format=results_format) or b""
        rdf_format = ox.RdfFormat.from_media_type(accept)
        if rdf_format is None:
            raise QueryError(f"no RDF format {accept!r}")
        return ox.serialize(result, format=rdf_format) or b""

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> bytes:
        """Every quad of the store, serialised (N-Quads by default)."""
        return self.db.dump(format=format) or b""

    def export(self, out: IO[bytes], media_type: str, *, prefixes: dict[str, str] | None = None) -> None:
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        if rdf_format is None:
            raise StoreError(f"no RDF format {media_type!r}")
        triples = (quad.triple for quad in self.db.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        ox.serialize(triples, out, rdf_format, prefixes=prefixes)

    # -- writes (each a new generation; see graph/load.py) ----------------------------------------
    def load(self, files: Sequence[Path], *, graph: str | None = None, replace: bool = False,
             progress: Progress | None = None) -> LoadResult:
        from coopgraph.graph.load import load_files  # graph.load builds on this module

        try:
            return load_files(self.root, files, graph=graph, replace=replace, progress=progress)
        finally:  # a server that loads (serve --data, the API) would keep the parser's pages
            return_freed_memory()

    def replace_graph(self, graph: str, ntriples: bytes, *, what: str) -> None:
        node = ox.NamedNode(graph)

        def fill(db: ox.Store) -> None:
            if db.contains_named_graph(node):
                db.remove_graph(node)
            if ntriples:
                db.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=node)

        # A new generation: a running server keeps reading the old one meanwhile.
        OxigraphStore.replace(self.root, fill, extend=True, what=what)

    def add_with_record(self, graph: str, ntriples: bytes, *, what: str) -> None:
        """The triples into the default graph and the record graph ``graph``: one new generation.

        Raises StoreError for a blank node: a record must name every node, or the default graph's
        copy of the triple could not be found again when the record is removed.
        """
        node = ox.NamedNode(graph)
        triples = _parse_triples(ntriples, what=what)
        if any(isinstance(term, ox.BlankNode) for t in triples for term in (t.subject, t.object)):
            raise StoreError(f"{what}: a record graph cannot hold blank nodes (give every node an IRI)")

        def fill(db: ox.Store) -> None:
            db.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, g)
                            for g in (ox.DefaultGraph(), node) for t in triples])

        OxigraphStore.replace(self.root, fill, extend=True, what=what)
        self._reopen()

    def remove_with_record(self, graph: str, *, keep: str, what: str) -> None:
        """Drop the record graph and its triples from the default graph, except those ``keep`` matches
        and the curated triples of the last build (its ``curated-<hash>.nt``): one new generation."""
        node = ox.NamedNode(graph)
        unkept = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ {keep} }} }}"

        def fill(db: ox.Store) -> None:
            if not db.contains_named_graph(node):
                return
            # Read under the writer lock ``replace`` holds: the record of the state this copy is of.
            state = read_state(self.root)
            record = self.root / state.curated if state is not None and state.curated else None
            curated = ({q.triple for q in ox.parse(path=str(record), format=ox.RdfFormat.N_TRIPLES)}
                       if record is not None and record.is_file() else set())
            try:
                solutions = db.query(unkept)
            except SyntaxError as exc:
                raise QuerySyntaxError(f"{what}: the pattern of triples to keep: {exc}") from exc
            if not isinstance(solutions, ox.QuerySolutions):
                raise TypeError("a SELECT gave no solutions")
            gone = [ox.Triple(row["s"], row["p"], row["o"]) for row in solutions]
            for triple in gone:
                if triple not in curated:
                    db.remove(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
            db.remove_graph(node)

        OxigraphStore.replace(self.root, fill, extend=True, what=what)
        self._reopen()

    def _reopen(self) -> None:
        """After this instance committed a generation, read the new one: a read-only instance
        still has the old one open (and pinned), and would not see its own write."""
        if self._db is not None and not self.writable:
            self._db = None
            self._release()

    # -- generations ----------------------------------------------------------------------------
    @classmethod
    def replace(
        cls,
        root: Path | str,
        fill: Callable[[ox.Store], None],
        *,
        extend: bool = False,
        what: str = "a coopgraph write",
        wait: float | None = DEFAULT_WRITE_WAIT_S,
        record: Mapping[str, str | None] | None = None,
        writer: WriterLock | None = None,
        snapshot: bool = False,
    ) -> StoreState:
        """Write a new generation with ``fill(db)`` and commit it; on any error the old one stays.

        Holds the writer lock throughout (``what`` and ``wait``: see :class:`WriterLock`), or runs
        under ``writer``, a lock the caller holds already.
        ``extend``: the new generation starts as a copy of the current one (a RocksDB checkpoint,
        milliseconds even at a million triples) instead of empty, for writes that add to the data.
        ``record``: the ``curated`` / ``inputs`` fields of the new state (by default carried over
        from the current state when extending, dropped otherwise).
        ``snapshot``: also write the new generation's snapshot (:mod:`graph.store.snapshot`) before
        committing, so that a server's memory replica loads it in seconds; about ten seconds at a
        million triples, so the bulk writes (build, load) ask for it and the small ones leave it to
        the first replica that copies the generation. Returns the committed state.
        """
        root = Path(root)
        if writer is not None and not writer.held:
            raise StoreError("replace() was given a writer lock that is not held")
        with nullcontext() if writer is not None else WriterLock(root, what, wait=wait):
            old = read_state(root)
            if old is not None and not (root / old.generation).is_dir():
                raise StoreError(f"the store at {root} names generation {old.generation}, which is missing")
            name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
            target = root / name
            try:
                if extend and old is not None:
                    source = ox.Store.read_only(str(root / old.generation))
                    source.backup(str(target))
                    del source
                db = ox.Store(str(target))
                fill(db)
                db.flush()
                db.optimize()
                if snapshot:
                    _write_snapshot(root, name, db)
                del db  # closes RocksDB before readers open it
                _fsync_dir(root)
            except BaseException as exc:
                shutil.rmtree(target, ignore_errors=True)
                if isinstance(exc, OSError):
                    raise _write_failed(exc, root) from None
                raise
            carried = {"curated": old.curated, "inputs": old.inputs} if (extend and old is not None) else {}
            state = StoreState(generation=name, previous=old.generation if old else None,
                               # ``record`` and ``carried`` hold only the str fields (curated, inputs).
                               **{**carried, **(record or {})})  # type: ignore[arg-type]
            try:
                _commit_state(root, state)
            except OSError as exc:  # not committed: the old state.json is untouched
                shutil.rmtree(target, ignore_errors=True)
                raise _write_failed(exc, root) from None
            _prune(root, state)
        return state

    def mark_updated(self) -> None:
        """Record that the current generation changed in place; call it holding the writer lock."""
        state = self.state()
        _commit_state(self.root, with_changes(state, updates=state.updates + 1))


def _parse_triples(ntriples: bytes, *, what: str) -> list[ox.Triple]:
    """N-Triples parsed before anything is written (a malformed line changes nothing)."""
    try:
        return [quad.triple for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)] if ntriples else []
    except SyntaxError as exc:
        raise StoreError(f"{what}: not N-Triples: {exc}; nothing was written") from exc


def _write_failed(exc: OSError, root: Path) -> StoreError:
    """The one-line error for a write the disk refused (full, read-only, ...); the store is as it was."""
    return disk_full(exc, root) or StoreError(f"cannot write the store at {root}: {exc}; the store was left "
                                              "as it was")


def _prune(root: Path, state: StoreState) -> None:
    """Delete what no committed state needs: generations other than the current and the previous
    one (leftovers of killed writes included) unless a reader has them pinned, and curated records
    the current state does not name. Runs under the writer lock, so nothing here is being written."""
    keep = {state.generation, state.previous}
    for path in root.glob("gen-*"):
        if path.is_dir() and path.name not in keep and remove_if_unpinned(path):
            log.info("removed store generation %s", path.name)
    for record in root.glob("curated-*.nt"):
        if record.name != state.curated:
            record.unlink(missing_ok=True)
    for tmp in root.glob(f".{STATE_FILE}.*"):  # a state write killed before its rename
        tmp.unlink(missing_ok=True)
    snapshots.prune(root)


def _write_snapshot(root: Path, generation: str, db: ox.Store) -> None:
    """The new generation's snapshot; a failure costs only the replica's speed, never the write."""
    try:
        snapshots.write(root, generation, 0, db)
    except OSError as exc:
        log.warning("no snapshot of %s (the memory replica will copy it quad by quad): %s", generation, exc)
