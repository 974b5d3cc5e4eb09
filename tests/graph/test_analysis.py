"""Analysis on small graphs with known answers, and on the seed graph."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest

from coopgraph.graph import analysis, analysis_store
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.network import project

BASE = "https://coopgraph.org/"
ID = BASE + "id/"


def make(edges: list[tuple[str, str]], *, version: str | None = None) -> nx.MultiDiGraph:
    """A projection-shaped graph: every edge has a predicate, a label and one evidence record."""
    G = nx.MultiDiGraph(version=version, base=BASE, evidence={})
    for i, (u, v) in enumerate(edges):
        for node in (u, v):
            G.add_node(node, label=node.upper(), slug=node, types=["Thing"], classes=["Thing"])
        ev = f"ev{i}"
        G.graph["evidence"][ev] = {
            "quote": f"{u} to {v}",
            "document": "doc",
            "document_title": "Doc",
            "start": i,
            "end": i + 5,
        }
        G.add_edge(u, v, key="p", predicate="p", predicate_label="relates to", evidence=[ev])
    return G


PATH = [("a", "b"), ("b", "c"), ("c", "d")]
STAR = [("hub", leaf) for leaf in "vwxyz"]
# Two 4-cliques joined by the single edge a1-b1.
TWO_GROUPS = (
    [(f"a{i}", f"a{j}") for i in range(1, 5) for j in range(i + 1, 5)]
    + [(f"b{i}", f"b{j}") for i in range(1, 5) for j in range(i + 1, 5)]
    + [("a1", "b1")]
)


def test_path_graph() -> None:
    G = make(PATH)
    assert analysis.betweenness(G) == {"a": 0.0, "b": 2 / 3, "c": 2 / 3, "d": 0.0}
    [path] = analysis.shortest_paths(G, "a", "d")
    assert path.nodes == ("a", "b", "c", "d") and path.length == 3
    assert [h.evidence[0].quote for h in path.hops] == ["a to b", "b to c", "c to d"]
    assert len(analysis.bridges_and_articulation_points(G).bridges) == 3
    assert analysis.simple_paths(G, "a", "d", cutoff=2) == []


def test_direction_is_reported_when_walking_against_it() -> None:
    G = make(PATH)
    [path] = analysis.shortest_paths(G, "d", "a")
    hop = path.hops[0]
    assert (hop.source, hop.target, hop.subject, hop.object, hop.forward) == ("d", "c", "c", "d", False)
    assert hop.predicate_label == "relates to"
    assert (hop.evidence[0].document.slug, hop.evidence[0].start, hop.evidence[0].end) == ("doc", 2, 7)
    assert (hop.evidence[0].document.iri, hop.evidence[0].document.label) == (ID + "doc", "Doc")


def test_star() -> None:
    G = make(STAR)
    assert analysis.degree_centrality(G)["hub"] == 1.0
    assert analysis.ranked(G, analysis.pagerank(G), limit=1)[0][0] == "hub"
    assert analysis.betweenness(G)["hub"] == 1.0
    report = analysis.bridges_and_articulation_points(G)
    assert report.articulation_points == ("hub",)
    assert analysis.k_core(G) == sorted(G.nodes)  # a star is its own 1-core


def test_bridge_between_two_communities() -> None:
    G = make(TWO_GROUPS)
    report = analysis.bridges_and_articulation_points(G)
    assert [(h.subject, h.object) for h in report.bridges] == [("a1", "b1")]
    assert report.bridges[0].evidence[0].quote == "a1 to b1"
    assert report.articulation_points == ("a1", "b1")
    found = analysis.communities(G)
    assert [c.members for c in found] == [("a1", "a2", "a3", "a4"), ("b1", "b2", "b3", "b4")]
    assert [(c.id, c.name, c.central) for c in found] == [(0, "A1", "a1"), (1, "B1", "b1")]
    assert analysis.k_core(G) == sorted(G.nodes) and analysis.k_core(G, k=4) == []
    assert analysis.core_numbers(G)["a2"] == 3


def test_simple_paths_are_shortest_first_and_bounded() -> None:
    G = make(TWO_GROUPS)
    paths = analysis.simple_paths(G, "a2", "b2", cutoff=4, max_paths=5)
    assert [p.length for p in paths] == sorted(p.length for p in paths)
    assert paths[0].nodes == ("a2", "a1", "b1", "b2")
    assert len(paths) == 5
    assert all(p.length <= 4 for p in analysis.simple_paths(G, "a2", "b2", cutoff=4, max_paths=100))


def test_no_path_and_unknown_nodes() -> None:
    G = make(PATH)
    G.add_node("alone", label="Alone", slug="alone")
    assert analysis.shortest_paths(G, "a", "alone") == []
    assert analysis.simple_paths(G, "a", "alone") == []
    for call in (lambda: analysis.shortest_paths(G, "a", "zz"), lambda: analysis.neighbourhood(G, "zz")):
        with pytest.raises(EntityNotFoundError):
            call()


def test_neighbourhood_is_bounded_and_keeps_the_most_central() -> None:
    G = make(STAR + [("v", "v1"), ("v", "v2"), ("v1", "v3")])
    full = analysis.neighbourhood(G, "hub", depth=2, max_nodes=100)
    assert full.total == 8 and not full.truncated and full.distances["v1"] == 2
    small = analysis.neighbourhood(G, "hub", depth=2, max_nodes=3)
    assert small.truncated and small.total == 8
    assert small.nodes == ("hub", "v", "w")  # v has most neighbours; then by label
    assert set(small.graph.nodes) == {"hub", "v", "w"}


def test_neighbourhood_type_filter() -> None:
    G = make(STAR)
    G.nodes["v"]["classes"] = ["City", "Region"]
    view = analysis.neighbourhood(G, "hub", types=["Region"])
    assert view.nodes == ("hub", "v")


def test_summary_measures_cached_per_version() -> None:
    G = make(TWO_GROUPS, version="v1")
    first = analysis.summary_measures(G)
    assert analysis.summary_measures(G) is first
    assert set(first["a1"]) == {
        "degree",
        "degree_centrality",
        "pagerank",
        "betweenness",
        "community",
        "core_number",
    }
    assert first["a1"]["degree"] == 4 and first["a1"]["community"] == 0 and first["b3"]["community"] == 1
    G.graph["version"] = "v2"
    assert analysis.summary_measures(G) is not first


def test_doctests() -> None:
    for module in (analysis, analysis_store):
        assert doctest.testmod(module).failed == 0


# -- the seed graph -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed(seed_store) -> nx.MultiDiGraph:
    return project(seed_store, base=BASE)


def test_seed_path_chengdu_customs_to_singapore_has_evidence_on_every_hop(seed) -> None:
    paths = analysis.shortest_paths(seed, "chengdu-customs", "singapore")
    assert paths, "Chengdu Customs and Singapore should be linked"
    for path in paths + analysis.simple_paths(seed, "chengdu-customs", "singapore", cutoff=4):
        assert path.nodes[0] == ID + "chengdu-customs" and path.nodes[-1] == ID + "singapore"
        for hop in path.hops:
            assert hop.evidence, f"no evidence for {hop}"
            for quote in hop.evidence:
                assert quote.quote and quote.document and quote.document.slug and quote.end > quote.start


def test_path_evidence_is_the_record_entity_pages_give(seed, seed_store) -> None:  # type: ignore[no-untyped-def]
    """One shape for evidence: a quote on a path hop is the same ``Evidence`` as on the entity page."""
    from coopgraph.graph.entities import entity_detail

    hops = [hop for path in analysis.shortest_paths(seed, "chengdu-customs", "singapore") for hop in path.hops]
    compared = 0
    for hop in hops:
        record = entity_detail(seed_store, base=BASE, slug=seed.nodes[hop.subject]["slug"])
        on_page = {ev.iri: ev for st in record.statements if st.direction == "out" for ev in st.evidence}
        for ev in hop.evidence:
            assert ev == on_page[ev.iri]
            compared += 1
    assert compared >= len(hops)


def test_seed_measures(seed) -> None:
    table = analysis.summary_measures(seed)
    assert set(table) == set(seed.nodes)
    top = [n for n, _ in analysis.ranked(seed, analysis.pagerank(seed), limit=10)]
    assert ID + "chongqing-customs" in top
    found = analysis.communities(seed)
    assert sum(c.size for c in found) == seed.number_of_nodes()
    assert [c.size for c in found] == sorted((c.size for c in found), reverse=True)


def test_write_measures_db_into_a_store_being_filled(seed_build) -> None:
    import pyoxigraph as ox

    from coopgraph.graph.analysis_store import analysis_graph_iri, write_measures_db
    from coopgraph.graph.resources import ontology_file
    from coopgraph.graph.store.base import ONTOLOGY_GRAPH

    db = ox.Store()
    db.bulk_load(
        seed_build.outcome.result.graph.serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
    )
    db.bulk_load(
        ontology_file().read_bytes(),
        format=ox.RdfFormat.TURTLE,
        base_iri=ONTOLOGY_GRAPH,
        to_graph=ox.NamedNode(ONTOLOGY_GRAPH),
    )
    written = write_measures_db(db, base=BASE)
    assert written > 0 and written == write_measures_db(db, base=BASE)  # replaced, not appended
    graph_node = ox.NamedNode(analysis_graph_iri(BASE))
    assert len(list(db.quads_for_pattern(None, None, None, graph_node))) == written


def test_bidirectional_shortest_paths_are_every_shortest_path() -> None:
    """Large graphs search shortest paths from both ends: the same paths networkx finds."""
    from coopgraph.graph.analysis import _bidirectional_shortest_paths

    for seed in range(20):
        U = nx.relabel_nodes(nx.gnm_random_graph(300, 600, seed=seed), lambda n: f"n{n}")
        for a, b in (("n1", "n50"), ("n3", "n200"), ("n7", "n7")):
            try:
                expected = sorted(map(tuple, nx.all_shortest_paths(U, a, b)))
            except nx.NetworkXNoPath:
                expected = []
            assert sorted(map(tuple, _bidirectional_shortest_paths(U, a, b, 10**6))) == expected


def test_neighbourhood_without_exact_total_keeps_the_same_nodes() -> None:
    from coopgraph.graph.analysis import neighbourhood

    G = nx.MultiDiGraph([("hub", f"a{i}", "p") for i in range(30)] + [(f"a{i}", f"b{i}", "p") for i in range(30)])
    exact = neighbourhood(G, "hub", depth=2, max_nodes=10)
    quick = neighbourhood(G, "hub", depth=2, max_nodes=10, exact_total=False)
    assert quick.nodes == exact.nodes and quick.truncated
    assert (exact.total, quick.total) == (61, 31)  # the quick walk stopped after the first ring
