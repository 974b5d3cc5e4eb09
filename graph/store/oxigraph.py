"""The embedded store: Oxigraph (pyoxigraph) databases on disk, one generation at a time.

Layout of a store root::

    ROOT/
      current -> gen-20261122T013000-4242     symlink, swapped atomically by os.replace
      gen-20261122T013000-4242/               a pyoxigraph (RocksDB) directory
      gen-...                                 the previous generation, kept for readers still on it
      version                                 "<generation>:<updates>", changes with the data

pyoxigraph documents that a read-only instance must not be opened while another process writes
the same database, so writes never touch the ``current`` generation while it may be read: a
rebuild writes a new generation; an in-place ``update`` is only for callers that hold the store
exclusively (the API's executor drains its read-only workers first).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from graph.errors import QuerySyntaxError, StoreError
from graph.store.base import Row, StoreStats

__all__ = ["OxigraphStore", "term_value"]

log = logging.getLogger(__name__)

CURRENT = "current"
VERSION_FILE = "version"
KEEP_GENERATIONS = 2


def term_value(term: object) -> str:
    """A pyoxigraph term as a plain string: IRI, blank-node id or literal lexical form."""
    return str(term.value)  # type: ignore[attr-defined]


class OxigraphStore:
    """A store root on disk; opened lazily, read-only unless ``writable``.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "store"
    >>> OxigraphStore.replace(root, lambda db: db.update('INSERT DATA { <urn:a> <urn:b> "c" }'))
    >>> OxigraphStore(root).select("SELECT ?o { <urn:a> <urn:b> ?o }")
    [{'o': 'c'}]
    """

    def __init__(self, root: Path | str, *, writable: bool = False) -> None:
        self.root = Path(root)
        self.writable = writable
        self._db: ox.Store | None = None

    # -- location -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.root / CURRENT).is_dir()

    @property
    def data_path(self) -> Path:
        """The pyoxigraph directory of the current generation."""
        link = self.root / CURRENT
        if not link.is_dir():
            raise StoreError(f"no store at {self.root} (run `coopgraph build` first)")
        return link.resolve()

    def version(self) -> str:
        try:
            return (self.root / VERSION_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return self.data_path.name + ":0"

    # -- access ---------------------------------------------------------------------------------
    @property
    def db(self) -> ox.Store:
        if self._db is None:
            path = str(self.data_path)
            try:
                self._db = ox.Store(path) if self.writable else ox.Store.read_only(path)
            except OSError as exc:
                raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        return self._db

    def close(self) -> None:
        if self._db is not None:
            if self.writable:
                self._db.flush()
            self._db = None

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sparql: str, **options: object) -> object:
        """The raw pyoxigraph result (solutions, boolean or triples)."""
        try:
            return self.db.query(sparql, **options)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def select(self, sparql: str) -> list[Row]:
        solutions = self.query(sparql)
        variables = [v.value for v in solutions.variables]  # type: ignore[attr-defined]
        rows = []
        for solution in solutions:  # type: ignore[attr-defined]
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
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""  # type: ignore[arg-type]

    def update(self, sparql: str) -> None:
        if not self.writable:
            raise StoreError("this store was opened read-only")
        try:
            self.db.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        self.db.flush()
        self.mark_updated()

    def stats(self) -> StoreStats:
        default = next(iter(self.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))  # type: ignore[call-overload]
        quads = len(self.db)
        named = sum(1 for _ in self.db.named_graphs())
        return StoreStats(triples_default_graph=int(default["n"].value), quads=quads, named_graphs=named,
                          version=self.version())

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> bytes:
        return self.db.dump(format=format) or b""

    # -- generations ----------------------------------------------------------------------------
    @classmethod
    def replace(cls, root: Path | str, fill: Callable[[ox.Store], None], *, extend: bool = False) -> None:
        """Write a new generation with ``fill(db)`` and swap it in; on any error the old one stays.

        ``extend``: the new generation starts as a copy of the current one (a RocksDB checkpoint,
        milliseconds even at a million triples) instead of empty, for loads that add data.
        """
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        target = root / name
        try:
            if extend:
                source = ox.Store.read_only(str(cls(root).data_path))
                source.backup(str(target))
                del source
            db = ox.Store(str(target))
            fill(db)
            db.flush()
            db.optimize()
            del db  # closes RocksDB before readers open it
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        with _swap_lock(root):
            tmp_link = root / f".{CURRENT}.{os.getpid()}"
            tmp_link.unlink(missing_ok=True)
            tmp_link.symlink_to(name)
            os.replace(tmp_link, root / CURRENT)
            _write_atomic(root / VERSION_FILE, f"{name}:0\n")
        _prune(root, keep=name)

    def mark_updated(self) -> None:
        """Record that the current generation changed in place (by us or a writer process)."""
        generation, _, count = self.version().partition(":")
        _write_atomic(self.root / VERSION_FILE, f"{generation}:{int(count or 0) + 1}\n")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def _swap_lock(root: Path) -> Iterator[None]:
    import fcntl

    with open(root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(root: Path, *, keep: str) -> None:
    """Delete all but the newest KEEP_GENERATIONS generations (readers may still be on the previous)."""
    generations = sorted((p for p in root.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in generations[:-KEEP_GENERATIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
            log.info("removed old store generation %s", old.name)
