"""graph/layout.py: positions for every node, deterministic, spread out, and fast at view sizes."""

from __future__ import annotations

import math
import time

import pytest

from coopgraph.graph.layout import force_layout
from coopgraph.graph.views import ViewSpec, select_subgraph
from tests.graph.test_views import synthetic_projection


def _view(n: int) -> tuple[list[str], list[tuple[str, str]]]:
    nodes, edges, _ = select_subgraph(synthetic_projection(n), ViewSpec(limit=n))
    return nodes, [(u, v) for u, v, _ in edges]


def test_every_node_is_placed_deterministically() -> None:
    nodes, edges = _view(120)
    pos = force_layout(nodes, edges)
    assert set(pos) == set(nodes)
    assert all(math.isfinite(v) for p in pos.values() for v in p)
    assert force_layout(nodes, edges) == pos


def test_edge_cases() -> None:
    assert force_layout([], []) == {}
    assert force_layout(["a"], [("a", "a"), ("a", "zz")]) == {"a": (0.0, 0.0)}
    # Separate parts and isolated nodes are kept near each other, not stacked on one point.
    pos = force_layout(["a", "b", "c", "d"], [("a", "b")])
    assert len(set(pos.values())) == 4
    assert max(abs(v) for p in pos.values() for v in p) < 2000


def test_nodes_do_not_pile_up_and_links_stay_short() -> None:
    nodes, edges = _view(300)
    pos = force_layout(nodes, edges)
    points = list(pos.values())
    close = sum(1 for i, (x, y) in enumerate(points) for (u, w) in points[i + 1:] if math.hypot(x - u, y - w) < 15)
    assert close <= len(points) // 50, f"{close} pairs of nodes almost on top of each other"
    lengths = sorted(math.hypot(pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]) for u, v in edges)
    assert lengths[len(lengths) // 2] < 400, "a typical relation is drawn short"


@pytest.mark.parametrize("n, limit_s", [(300, 1.0), (2000, 2.0)])
def test_fast_enough(n: int, limit_s: float) -> None:
    nodes, edges = _view(n)
    started = time.perf_counter()
    force_layout(nodes, edges)
    assert time.perf_counter() - started < limit_s  # ~0.3 s and ~0.6 s on the 2-core dev machine
