"""A view as files other tools read (GraphML, GEXF, node and edge CSV, Turtle with its evidence), and
the triples of a query drawn as a view.

Pure functions over the view graph that ``graph.views.view_subgraph`` returns (a projection-shaped
``MultiDiGraph``: node attributes ``slug``, ``label``, ``types``...; edge attributes ``predicate``
and ``evidence``); only the Turtle export reads the store, through bounded CONSTRUCTs of its own.
The HTTP side (formats' media types, file names) is ``api.routers.views``.

    >>> import networkx as nx
    >>> H = nx.MultiDiGraph()
    >>> H.add_node("https://ex.org/id/a", slug="a", label="=SUM(1)")
    >>> print(export("csv-nodes", H, None).decode().splitlines()[1])
    https://ex.org/id/a,a,'=SUM(1),,,,,,,,,
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeAlias

from coopgraph.graph.errors import QueryRejectedError
from coopgraph.graph.read_queries import RDF_TYPE, RDFS_LABEL, Constructable

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

    ViewGraph: TypeAlias = nx.MultiDiGraph[str]
    Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

__all__ = ["FORMATS", "MAX_DRAWN_TRIPLES", "export", "graph_from_triples", "triples_of"]

# A query drawn as a graph reads at most this many triples (its work stops there).
MAX_DRAWN_TRIPLES = 20_000


def export(fmt: str, H: ViewGraph, store: Constructable | None) -> bytes:
    """The view ``H`` in ``fmt`` (one of ``FORMATS``); only ``ttl`` reads ``store``."""
    try:
        exporter = _EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return exporter(H, store)


def _graphml(H: ViewGraph, _store: Constructable | None) -> bytes:
    import networkx as nx

    return "\n".join(nx.generate_graphml(H, prettyprint=True)).encode("utf-8")


def _gexf(H: ViewGraph, _store: Constructable | None) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_gexf(H, buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ as formulas; quote them (CSV injection).

    >>> _cell("=HYPERLINK(1)"), _cell("Chongqing"), _cell(3)
    ("'=HYPERLINK(1)", 'Chongqing', 3)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


_NODE_COLUMNS = ["slug", "label", "label_zh", "type", "types", "date", "aliases", "community", "degree",
                 "pagerank", "betweenness"]
_EDGE_COLUMNS = ["predicate", "label", "quote", "document", "evidence"]


def _csv_nodes(H: ViewGraph, _store: Constructable | None) -> bytes:
    rows: list[list[object]] = [["iri", *_NODE_COLUMNS]]
    rows += [[n, *(d.get(c, "") for c in _NODE_COLUMNS)] for n, d in H.nodes(data=True)]
    return _csv(rows)


def _csv_edges(H: ViewGraph, _store: Constructable | None) -> bytes:
    rows: list[list[object]] = [["id", "source", "target", *_EDGE_COLUMNS]]
    rows += [[k, H.nodes[u]["slug"], H.nodes[v]["slug"], *(d.get(c, "") for c in _EDGE_COLUMNS)]
             for u, v, k, d in H.edges(keys=True, data=True)]
    return _csv(rows)


def _turtle(H: ViewGraph, store: Constructable | None) -> bytes:
    """The view's entities (types, names, literal facts), its relations, their evidence nodes and
    the documents those cite (without their full text), read from the store.

    Parsed and written with pyoxigraph: rdflib took half a second for a 300-node view at 1M."""
    import pyoxigraph as ox

    from coopgraph.graph.namespaces import PREFIXES

    if store is None:
        raise ValueError("the Turtle export reads the view's triples from a store; none was given")
    triples: set[ox.Triple] = set()
    entities = [n for n in H.nodes if n.startswith(("http://", "https://"))]
    evidence = sorted({e for _u, _v, d in H.edges(data=True) for e in (d.get("evidence") or "").split() if e})

    def construct(template: str, values: list[str]) -> None:
        for start in range(0, len(values), 500):
            chunk = " ".join(f"<{v}>" for v in values[start:start + 500])
            ntriples = store.construct(template % chunk)
            if ntriples:
                triples.update(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))

    construct("CONSTRUCT { ?e ?p ?o } WHERE { VALUES ?e { %s } ?e ?p ?o FILTER(isLiteral(?o) || ?p = <"
              + RDF_TYPE + ">) }", entities)
    for u, v, _k, d in H.edges(keys=True, data=True):
        triples.add(ox.Triple(ox.NamedNode(u), ox.NamedNode(d["predicate"]), ox.NamedNode(v)))
    construct("CONSTRUCT { ?ev ?p ?o } WHERE { VALUES ?ev { %s } ?ev ?p ?o }", evidence)
    derived_from = "http://www.w3.org/ns/prov#wasDerivedFrom"
    documents = sorted({t.object.value for t in triples
                        if t.predicate.value == derived_from and isinstance(t.object, ox.NamedNode)})
    construct("CONSTRUCT { ?d ?p ?o } WHERE { VALUES ?d { %s } ?d ?p ?o "
              "FILTER(?p NOT IN (<https://schema.org/text>, <https://schema.org/mentions>)) }", documents)
    prefixes = dict(PREFIXES)
    if H.graph.get("base"):
        prefixes["id"] = H.graph["base"] + "id/"
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


_EXPORTERS: dict[str, Callable[[ViewGraph, Constructable | None], bytes]] = {
    "graphml": _graphml, "gexf": _gexf, "csv-nodes": _csv_nodes, "csv-edges": _csv_edges, "ttl": _turtle}
FORMATS = tuple(_EXPORTERS)


# -- a query's triples as a view ------------------------------------------------------------------
def triples_of(body: bytes, graph_form: bool) -> Iterator[tuple[Term, Term, Term]]:
    """(s, p, o) pyoxigraph terms of a CONSTRUCT's N-Triples, or of a SELECT binding ?s ?p ?o
    (SPARQL JSON results); QueryRejectedError for an ASK answer or a SELECT without ?s ?p ?o."""
    import pyoxigraph as ox

    if graph_form:
        return ((t.subject, t.predicate, t.object) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(result, ox.QuerySolutions):  # the router refuses ASK before it runs
        raise QueryRejectedError("an ASK query has no graph to draw; use CONSTRUCT")
    names = {v.value for v in result.variables}
    if not {"s", "p", "o"} <= names:
        raise QueryRejectedError("a SELECT drawn as a graph must bind ?s ?p ?o")
    return ((row["s"], row["p"], row["o"]) for row in result if row["s"] is not None
            and row["p"] is not None and row["o"] is not None)


def graph_from_triples(triples: Iterable[tuple[Term, Term, Term]], G: ViewGraph, *, max_nodes: int
                       ) -> tuple[ViewGraph, bool]:
    """A projection-shaped MultiDiGraph of query triples: entity terms become nodes (with the
    projection's labels, types and evidence where it knows them), literals become attributes.
    The flag says the result was cut: more than ``max_nodes`` entities or ``MAX_DRAWN_TRIPLES`` triples."""
    import networkx as nx
    import pyoxigraph as ox

    H: nx.MultiDiGraph[str] = nx.MultiDiGraph(base=G.graph.get("base"), evidence=G.graph.get("evidence", {}),
                                              predicates=G.graph.get("predicates", {}), version=None)
    predicates = G.graph.get("predicates", {})
    cut = False

    def node(term: ox.NamedNode | ox.BlankNode) -> str | None:
        nonlocal cut
        key = str(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"
        if key in H:
            return key
        if H.number_of_nodes() >= max_nodes:
            cut = True
            return None
        if key in G:
            H.add_node(key, **{k: (list(v) if isinstance(v, list) else v) for k, v in G.nodes[key].items()})
        else:
            local = re.split(r"[#/]", key.rstrip("/#"))[-1] or key
            H.add_node(key, slug=key, label=local, label_zh=None, aliases=[], types=[], type=None, date=None,
                       documents=[])
        return key

    for count, (s, p, o) in enumerate(triples):
        if count >= MAX_DRAWN_TRIPLES:
            cut = True
            break
        # Quoted triples (RDF-star) have no node of their own to draw: they are left out.
        if isinstance(s, ox.Literal | ox.Triple) or isinstance(o, ox.Triple) or not isinstance(p, ox.NamedNode):
            continue
        predicate = str(p.value)
        if isinstance(o, ox.Literal):
            u = node(s)
            if u is not None and predicate == RDFS_LABEL and (u not in G):
                H.nodes[u]["label"] = str(o.value)
            continue
        if predicate == RDF_TYPE:
            u = node(s)
            if u is not None and u not in G:
                local = re.split(r"[#/]", str(o.value))[-1]
                H.nodes[u]["types"] = sorted({*H.nodes[u]["types"], local})
                H.nodes[u]["type"] = H.nodes[u]["types"][0]
            continue
        u, v = node(s), node(o)
        if u is None or v is None or H.has_edge(u, v, key=predicate):
            continue
        known = G.get_edge_data(u, v, key=predicate) if u in G and v in G else None
        H.add_edge(u, v, key=predicate, predicate=predicate,
                   predicate_label=predicates.get(predicate) or re.split(r"[#/]", predicate)[-1],
                   evidence=list((known or {}).get("evidence") or []))
    return H, cut
