"""graph.betweenness against networkx: the same scores (to rounding) on graphs of every shape."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest

from coopgraph.graph.betweenness import Adjacency, betweenness_centrality


def assert_same(mine: dict, theirs: dict) -> None:
    assert mine.keys() == theirs.keys()
    for node, expected in theirs.items():
        if math.isnan(expected):
            assert math.isnan(mine[node]), node
        else:
            assert mine[node] == pytest.approx(expected, rel=1e-9, abs=1e-12), node
        assert type(mine[node]) is float  # plain floats: they go into JSON and doctests


def labelled(U: nx.Graph) -> nx.Graph:
    return nx.relabel_nodes(U, {i: f"n{i:03d}" for i in U})


@pytest.mark.parametrize("trial", range(40))
def test_every_source_gives_networkx_scores(trial: int) -> None:
    rng = random.Random(trial)
    n = rng.randint(0, 70)
    U = labelled(nx.gnm_random_graph(n, rng.randint(0, 3 * n), seed=trial))  # disconnected parts, isolated nodes
    assert_same(betweenness_centrality(U), nx.betweenness_centrality(U))


@pytest.mark.parametrize("trial", range(40))
def test_sampled_sources_are_networkx_sources_with_its_scaling(trial: int) -> None:
    rng = random.Random(100 + trial)
    n = rng.randint(3, 90)
    U = labelled(nx.gnm_random_graph(n, rng.randint(n, 4 * n), seed=trial))
    k = rng.choice([1, 2, rng.randint(1, n), n])  # k = 1: networkx says NaN for the source; k = n: every source
    assert_same(betweenness_centrality(U, k=k, seed=trial), nx.betweenness_centrality(U, k=k, seed=trial))


def test_shapes_with_many_equal_shortest_paths() -> None:
    for U in (nx.grid_2d_graph(7, 9), nx.complete_bipartite_graph(5, 8), nx.hypercube_graph(5), nx.star_graph(30),
              nx.path_graph(40), nx.barbell_graph(6, 3)):
        U = nx.convert_node_labels_to_integers(U, ordering="sorted")
        assert_same(betweenness_centrality(U), nx.betweenness_centrality(U))


def test_the_adjacency_is_reusable_and_keeps_node_order() -> None:
    U = nx.Graph([("c", "a"), ("a", "b")])
    U.add_node("z")
    adjacency = Adjacency(U)
    assert adjacency.nodes == ["c", "a", "b", "z"] and len(adjacency) == 4
    assert betweenness_centrality(U, adjacency=adjacency) == betweenness_centrality(U)
    # "a" is on the path c-b, counted from both ends: 2 of the (n - 1)(n - 2) = 6 ordered pairs
    assert betweenness_centrality(U)["a"] == 2 / 6
