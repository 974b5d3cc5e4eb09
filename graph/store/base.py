"""The Store interface: what every place that holds the graph can do.

Terms used here:

- *store*: where the triples live between runs. ``OxigraphStore`` is embedded (a directory on
  disk, opened in this process); a remote store talks to a SPARQL 1.1 endpoint over HTTP.
- *generation*: one complete, immutable-once-built copy of the embedded database. A rebuild
  writes a new generation aside and swaps it in atomically, so a failed build leaves the
  previous one serving.
- *version*: a string that changes whenever the data changes (a new generation or an update);
  caches and the networkx projection are keyed by it.
- *default graph*: the curated data and its evidence. The ontology lives in the named graph
  ``ONTOLOGY_GRAPH``; analysis results in ``ANALYSIS_GRAPH`` (under the entity base).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["ONTOLOGY_GRAPH", "Row", "Store", "StoreStats"]

ONTOLOGY_GRAPH = "https://coopgraph.org/ontology"

# One SELECT solution: variable name -> the IRI, blank node id or literal lexical form.
Row = dict[str, str]


@dataclass(frozen=True)
class StoreStats:
    triples_default_graph: int
    quads: int
    named_graphs: int
    version: str


@runtime_checkable
class Store(Protocol):
    """What coopgraph needs of a store; implementations: embedded Oxigraph, remote endpoint."""

    def select(self, sparql: str) -> list[Row]:
        """Run a SELECT; each row maps bound variables to plain strings."""

    def ask(self, sparql: str) -> bool:
        """Run an ASK."""

    def construct(self, sparql: str) -> bytes:
        """Run a CONSTRUCT or DESCRIBE; N-Triples bytes."""

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update."""

    def version(self) -> str:
        """Changes whenever the data changes."""

    def stats(self) -> StoreStats:
        """Counts for the summary and the statistics endpoint."""

    def close(self) -> None:
        """Release files and connections."""
