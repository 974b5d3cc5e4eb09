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
4. flush + optimize, then the ``current`` link is swapped atomically (``OxigraphStore.replace(..., extend=True)``).

A fresh store also receives the ontology in its named graph, so every feature of the app works
on users' data.
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph.errors import FactError
from graph.store.base import ONTOLOGY_GRAPH
from graph.store.oxigraph import OxigraphStore

__all__ = ["LoadResult", "RDF_SUFFIXES", "format_of", "load_files"]

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
) -> LoadResult:
    """Load ``files`` into the store at ``root`` as one new generation (all or nothing).

    ``graph``: put triples of triple formats (and the default graph of quad formats) into this named
    graph instead of the default graph. ``replace``: clear that target graph first.
    Raises FactError (file:line: message) for a malformed file; the store is unchanged then.
    """
    started = time.perf_counter()
    root = Path(root)
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise FactError("no such file", file=path)
        format_of(path)
    total = sum(p.stat().st_size for p in paths)
    current = OxigraphStore(root)
    fresh = not current.exists()
    quads_before = 0 if fresh else len(current.db)
    done = 0
    say = progress or (lambda _done, _total, _name: None)
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()

    def fill(db: ox.Store) -> None:
        if fresh:
            from graph.resources import ontology_file

            db.load(ontology_file().read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=ONTOLOGY_GRAPH,
                    to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
        elif replace:
            db.clear_graph(target)
        for path in paths:
            def advance(count: int, _name: str = path.name) -> None:
                nonlocal done
                done += count
                say(done, total, _name)

            say(done, total, path.name)
            _load_one(db, path, graph=graph, base_iri=base_iri, lenient=lenient, on_read=advance)

    current.close()  # the new generation is a checkpoint of the current one; no handle stays open
    OxigraphStore.replace(root, fill, extend=not fresh)
    after = OxigraphStore(root)
    try:
        quads_after, version = len(after.db), after.version()
    finally:
        after.close()
    return LoadResult(files=len(paths), bytes_read=done, quads_before=quads_before, quads_after=quads_after,
                      seconds=time.perf_counter() - started, version=version)


def _load_one(db: ox.Store, path: Path, *, graph: str | None, base_iri: str | None, lenient: bool,
              on_read: Callable[[int], None]) -> None:
    fmt = format_of(path)
    base = base_iri or path.resolve().as_uri()
    with open(path, "rb") as raw:
        counted = io.BufferedReader(_CountingReader(raw, on_read), buffer_size=1 << 20)
        stream: IO[bytes] = gzip.GzipFile(fileobj=counted, mode="rb") if path.suffix.lower() == ".gz" else counted
        try:
            db.bulk_load(stream, format=fmt, base_iri=base, lenient=lenient,
                         to_graph=ox.NamedNode(graph) if graph else None)
        except SyntaxError as exc:
            raise FactError(f"not valid {fmt.name}: {_syntax_message(exc)}", file=path,
                            line=exc.lineno) from None
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise FactError(f"cannot read the file: {exc}", file=path) from None


def _syntax_message(exc: SyntaxError) -> str:
    message = exc.msg or str(exc)
    # "Parser error at line 4 column 9: . is not a valid predicate" -> keep what follows the location
    head, sep, tail = message.partition(": ")
    if sep and head.startswith("Parser error"):
        column = f"column {exc.offset}: " if exc.offset else ""
        return column + tail
    return message
