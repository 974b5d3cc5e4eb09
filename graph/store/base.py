"""The Store interface: what every place that holds the graph can do.

Terms used here:

- *store*: where the triples live between runs. ``OxigraphStore`` is embedded (a directory on
  disk, opened in this process); a remote store talks to a SPARQL 1.1 endpoint over HTTP.
- *generation*: one complete, immutable-once-built copy of the embedded database. A rebuild
  writes a new generation aside and swaps it in atomically, so a failed build leaves the
  previous one serving.
- *version*: a string that changes whenever the data changes (a new generation or an update);
  caches and the networkx projection are keyed by it.
- *default graph*: what every reader queries: the curated data and its evidence, data users
  loaded, and the accepted facts of ingested documents. The ontology lives in the named graph
  ``ONTOLOGY_GRAPH``; analysis results in ``ANALYSIS_GRAPH`` (under the entity base).
- *record graph*: a named graph holding exactly what one source added to the default graph (an
  ingested document's ``{base}graph/ingest/{slug}``), so that source can be taken out again
  (``add_with_record`` / ``remove_with_record``).

What a store can do is stated by flags on its class (as rdflib's ``Store`` has ``context_aware``,
``transaction_aware``...), so callers ask what they need, never which kind of store they hold:

- ``in_process``: the data are files opened in this process (``data_path``). Another process may
  write them, so in-process readers share a lock with writers and reopen after a new version;
  reading the version is a file read. False: an engine elsewhere isolates its own readers and
  writers, and every read, the version included, is a request.
- ``bulk_reads``: reading the whole graph costs local disk time, not a network transfer, so a
  request may do it (dumps, the projection, the label index). False: such reads are pulled in
  the background, or refused.
- ``generations``: every write (``load``, ``replace_graph``, ``add_with_record``...) makes a whole
  new copy and commits it atomically: all or nothing, and readers keep the old copy meanwhile.
  False: a load is sent in batches that each land on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from coopgraph.graph.load import LoadResult

__all__ = ["ONTOLOGY_GRAPH", "Row", "Store", "StoreStats"]

ONTOLOGY_GRAPH = "https://coopgraph.org/ontology"

# One SELECT solution: variable name -> the IRI, blank node id or literal lexical form.
Row = dict[str, str]
# A load's progress: (bytes done, bytes in all, the file being read).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class StoreStats:
    triples_default_graph: int
    quads: int
    named_graphs: int
    version: str


@runtime_checkable
class Store(Protocol):
    """What coopgraph needs of a store; implementations: embedded Oxigraph, remote endpoint."""

    in_process: ClassVar[bool]
    bulk_reads: ClassVar[bool]
    generations: ClassVar[bool]

    @property
    def data_path(self) -> Path | None:
        """The files of the current data when ``in_process``, else None."""

    @property
    def location(self) -> str:
        """Where the store is, for messages: its root folder or its query URL (never credentials)."""

    def select(self, sparql: str) -> list[Row]:
        """Run a SELECT; each row maps bound variables to plain strings."""

    def ask(self, sparql: str) -> bool:
        """Run an ASK."""

    def construct(self, sparql: str) -> bytes:
        """Run a CONSTRUCT or DESCRIBE; N-Triples bytes."""

    def raw(self, sparql: str, accept: str) -> bytes:
        """Run any query; its answer serialised in the media type ``accept`` (SPARQL results or RDF)."""

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update."""

    def exists(self) -> bool:
        """Whether there is data to serve (False: an embedded store not built yet)."""

    def version(self) -> str:
        """Changes whenever the data changes."""

    def stats(self) -> StoreStats:
        """Counts for the summary and the statistics endpoint."""

    def load(self, files: Sequence[Path], *, graph: str | None = None, replace: bool = False,
             progress: Progress | None = None) -> LoadResult:
        """Load RDF files into the default graph or ``graph`` (cleared first when ``replace``); every
        file is parsed before anything is written, so a malformed one changes nothing."""

    def replace_graph(self, graph: str, ntriples: bytes, *, what: str) -> None:
        """Make the named graph ``graph`` hold exactly these N-Triples, in one write (``what``
        names the writer to anyone who has to wait for it)."""

    def add_with_record(self, graph: str, ntriples: bytes, *, what: str) -> None:
        """Add these N-Triples to the default graph and to the record graph ``graph``, in one
        write: both or neither (``what`` as for ``replace_graph``)."""

    def remove_with_record(self, graph: str, *, keep: str, what: str) -> None:
        """Take out what the record graph ``graph`` added, in one write: drop the graph, and delete
        each of its triples from the default graph unless another source states it too.

        ``keep`` is a SPARQL group graph pattern over ``?s ?p ?o``: the triples it matches stay in
        the default graph (e.g. those another record graph holds). An embedded store also keeps the
        triples its last build recorded as curated; a remote one has no such record, so ``keep``
        is all it knows."""

    def export(self, out: IO[bytes], media_type: str, *, prefixes: dict[str, str] | None = None) -> None:
        """Write the default graph (data and evidence) to ``out`` as ``media_type`` (an RDF syntax)."""

    def current_writer(self) -> str | None:
        """Who is writing the store now, when the store can tell (a write that started elsewhere
        and that the next one will wait for); None otherwise."""

    def close(self) -> None:
        """Release files and connections."""

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
