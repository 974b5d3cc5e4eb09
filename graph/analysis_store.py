"""Write the analysis measures back as triples, so SPARQL can sort and filter by centrality.

They go to their own named graph ``{base}graph/analysis``, replaced as a whole each time (the
curated default graph is never touched)::

    GRAPH <{base}graph/analysis> {
      <{base}id/chongqing> coop:degree 12 ; coop:pagerank 0.061 ; coop:betweenness 0.23 ;
                           coop:coreNumber 3 ; coop:community <{base}id/community-0> .
      <{base}id/community-0> rdfs:label "Community 0: Chongqing"@en .
    }

Query them with ``GRAPH <{base}graph/analysis> { ?e coop:pagerank ?rank }``.
Two ways in: ``write_measures(store, G)`` through SPARQL Update on a store opened writable (the
caller must hold it exclusively), or ``write_measures_db(db, base=...)`` into a pyoxigraph Store
being filled (the build's new generation).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

from coopgraph.graph.analysis import communities, summary_measures
from coopgraph.graph.ids import normalise_base
from coopgraph.graph.namespaces import COOP_NS

__all__ = [
    "analysis_graph_iri",
    "community_iri",
    "measure_triples",
    "write_measures",
    "write_measures_db",
    "MEASURE_PROPERTIES",
]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

# table column -> (property IRI, datatype or None for an IRI object)
MEASURE_PROPERTIES: dict[str, tuple[str, str | None]] = {
    "degree": (COOP_NS + "degree", _XSD + "integer"),
    "pagerank": (COOP_NS + "pagerank", _XSD + "double"),
    "betweenness": (COOP_NS + "betweenness", _XSD + "double"),
    "core_number": (COOP_NS + "coreNumber", _XSD + "integer"),
    "community": (COOP_NS + "community", None),
}


def analysis_graph_iri(base: str) -> str:
    """``https://coopgraph.org/`` -> ``https://coopgraph.org/graph/analysis``."""
    return normalise_base(base) + "graph/analysis"


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_COMMUNITY_CLASS = "https://coopgraph.org/ontology#Community"


def community_iri(base: str, community_id: int) -> str:
    return f"{normalise_base(base)}id/community-{community_id}"


def _literal(value: Any, datatype: str) -> str:
    text = repr(float(value)) if datatype.endswith("double") else str(int(value))
    return f'"{text}"^^<{datatype}>'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def measure_triples(G: nx.MultiDiGraph[str], *, base: str | None = None) -> Iterator[tuple[str, str, str]]:
    """The measures as (subject, predicate, object) in N-Triples term syntax.

    >>> G = nx.MultiDiGraph([("https://ex.org/id/a", "https://ex.org/id/b", "p")], base="https://ex.org/")
    >>> for s, p, o in measure_triples(G):
    ...     if s == "<https://ex.org/id/a>":
    ...         print(p.split("#")[-1], o)
    degree> "1"^^<http://www.w3.org/2001/XMLSchema#integer>
    pagerank> "0.5"^^<http://www.w3.org/2001/XMLSchema#double>
    betweenness> "0.0"^^<http://www.w3.org/2001/XMLSchema#double>
    coreNumber> "1"^^<http://www.w3.org/2001/XMLSchema#integer>
    community> <https://ex.org/id/community-0>
    """
    base = normalise_base(base or G.graph["base"])
    table = summary_measures(G)
    for node, row in table.items():
        for column, (prop, datatype) in MEASURE_PROPERTIES.items():
            value = row.get(column)
            if value is None:
                continue
            obj = f"<{community_iri(base, value)}>" if datatype is None else _literal(value, datatype)
            yield f"<{node}>", f"<{prop}>", obj
    for community in communities(G):
        label = _escape(f"Community {community.id}: {community.name}")
        yield f"<{community_iri(base, community.id)}>", f"<{_RDF_TYPE}>", f"<{_COMMUNITY_CLASS}>"
        yield f"<{community_iri(base, community.id)}>", f"<{_RDFS_LABEL}>", f'"{label}"@en'


def write_measures(store: Any, G: nx.MultiDiGraph[str], *, base: str | None = None,
                   what: str = "coopgraph analyse --write") -> int:
    """Replace the analysis graph of ``store`` with G's measures in one write (``Store.replace_graph``:
    a new generation of an embedded store, one SPARQL Update of a remote one); triples written."""
    base = normalise_base(base or G.graph["base"])
    text = "\n".join(" ".join(t) + " ." for t in measure_triples(G, base=base)).encode("utf-8")
    store.replace_graph(analysis_graph_iri(base), text, what=what)
    return text.count(b"\n") + 1 if text else 0


def write_measures_db(db: Any, G: nx.MultiDiGraph[str] | None = None, *, base: str) -> int:
    """Analyse ``G`` (default: the projection of the pyoxigraph Store ``db``) and replace the
    analysis graph of ``db`` with the measures; triples written.

    For writes that fill a new store generation before committing it (build, ``analyse --write``).
    """
    import pyoxigraph as ox

    from coopgraph.graph.network import project

    base = normalise_base(base)
    if G is None:
        G = project(db, base=base)
    graph = ox.NamedNode(analysis_graph_iri(base))
    if db.contains_named_graph(graph):
        db.remove_graph(graph)
    text = "\n".join(" ".join(t) + " ." for t in measure_triples(G, base=base)).encode("utf-8")
    db.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    return text.count(b"\n") + 1 if text else 0
