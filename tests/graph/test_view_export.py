"""graph/view_export.py without a server: CSV quoting, query triples drawn as a view, refusals.
The exports of real views (GraphML, GEXF, CSV, Turtle with evidence) are tests/api/test_views_api.py."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest

from coopgraph.graph import view_export
from coopgraph.graph.errors import QueryRejectedError

EX = "https://ex.org/id/"
NT = (f"<{EX}a> <https://ex.org/p> <{EX}b> .\n"
      f"<{EX}a> <http://www.w3.org/2000/01/rdf-schema#label> \"Alpha\" .\n"
      f"<{EX}b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://ex.org/ontology#City> .\n"
      f"<{EX}b> <https://ex.org/p> <{EX}c> .\n").encode()


def test_csv_cells_that_spreadsheets_would_run_are_quoted() -> None:
    H: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    H.add_node(EX + "a", slug="a", label="@cmd", label_zh="+1")
    H.add_node(EX + "b", slug="b", label="Plain")
    H.add_edge(EX + "a", EX + "b", key="p", predicate="https://ex.org/p", label="-x", evidence="")
    nodes = list(csv.reader(io.StringIO(view_export.export("csv-nodes", H, None).decode())))
    assert nodes[1][:4] == [EX + "a", "a", "'@cmd", "'+1"] and nodes[2][2] == "Plain"
    edges = list(csv.reader(io.StringIO(view_export.export("csv-edges", H, None).decode())))
    assert edges[1][:5] == ["p", "a", "b", "https://ex.org/p", "'-x"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        view_export.export("pdf", nx.MultiDiGraph(), None)


def test_construct_triples_become_nodes_edges_labels_and_types() -> None:
    H, cut = view_export.graph_from_triples(view_export.triples_of(NT, True), nx.MultiDiGraph(), max_nodes=10)
    assert not cut
    assert sorted(H.nodes) == [EX + "a", EX + "b", EX + "c"]
    assert H.nodes[EX + "a"]["label"] == "Alpha" and H.nodes[EX + "b"]["types"] == ["City"]
    assert H.has_edge(EX + "a", EX + "b", key="https://ex.org/p")


def test_a_view_of_query_triples_is_cut_at_max_nodes() -> None:
    H, cut = view_export.graph_from_triples(view_export.triples_of(NT, True), nx.MultiDiGraph(), max_nodes=2)
    assert cut and H.number_of_nodes() == 2


def test_select_results_must_bind_s_p_o() -> None:
    def results(variables: list[str]) -> bytes:
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": []}}).encode()

    assert list(view_export.triples_of(results(["s", "p", "o"]), False)) == []
    with pytest.raises(QueryRejectedError, match=r"must bind \?s \?p \?o"):
        view_export.triples_of(results(["x"]), False)
    with pytest.raises(QueryRejectedError, match="an ASK query has no graph"):
        view_export.triples_of(b'{"head": {}, "boolean": true}', False)
