"""A force-directed layout computed on the server, so the browser draws a view at once.

vis-network's own physics needs hundreds of iterations (≈0.6 s for 120 nodes, many seconds for
2,000) before its first frame; positions sent with the view let it draw immediately and at most
polish. This is pure Python (numpy is not a dependency) and bounded in work, so it stays fast:

1. a radial start: every connected part is a breadth-first tree of rings around its most central
   node, each subtree given an angle in proportion to its size, rings widened so a ring's nodes do
   not overlap; parts are set around the largest one;
2. Fruchterman-Reingold steps (springs along relations, repulsion between nodes), the repulsion
   cut off at twice the ideal distance and found through a grid, so a step costs about O(n + m)
   rather than O(n^2); a weak pull to the centre keeps separate parts together.

The number of steps shrinks as the graph grows (a fixed work budget): large views keep the radial
skeleton with local untangling, small ones converge. Deterministic for the same input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = ["force_layout"]

SPACING = 120.0
# Repulsive pair checks allowed over the whole run (about 0.3 s of pure Python on one core).
WORK_BUDGET = 1_200_000
MIN_STEPS, MAX_STEPS = 12, 120


def force_layout(nodes: Sequence[str], edges: Iterable[tuple[str, str]], *, spacing: float = SPACING,
                 budget: int = WORK_BUDGET) -> dict[str, tuple[float, float]]:
    """``{node: (x, y)}`` for ``nodes`` (most central first) linked by ``edges`` (pairs of nodes).

    ``spacing`` is the ideal distance between linked nodes, in the drawing's pixels at zoom 1.

    >>> pos = force_layout(["a", "b", "c"], [("a", "b"), ("b", "c")])
    >>> sorted(pos) == ["a", "b", "c"] and all(isinstance(v, float) for p in pos.values() for v in p)
    True
    """
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    links: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for u, v in edges:
        a, b = index.get(u), index.get(v)
        if a is None or b is None or a == b:
            continue
        pair = (a, b) if a < b else (b, a)
        if pair not in seen:
            seen.add(pair)
            links.append(pair)
    xs, ys = _radial_start(n, links, spacing)
    _relax(xs, ys, links, spacing, budget)
    return {node: (round(xs[i], 1), round(ys[i], 1)) for i, node in enumerate(nodes)}


def _radial_start(n: int, links: list[tuple[int, int]], k: float) -> tuple[list[float], list[float]]:
    """Rings of breadth-first trees: a start that already has the global shape, in O(n + m)."""
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in links:
        neighbours[a].append(b)
        neighbours[b].append(a)
    xs, ys = [0.0] * n, [0.0] * n
    done = [False] * n
    parts: list[tuple[list[int], list[float], list[float], float]] = []
    for root in range(n):  # index order is centrality order: each part grows around its hub
        if done[root]:
            continue
        done[root] = True
        order, parent, depth = [root], {root: -1}, {root: 0}
        for node in order:
            for other in neighbours[node]:
                if not done[other]:
                    done[other] = True
                    parent[other], depth[other] = node, depth[node] + 1
                    order.append(other)
        children: dict[int, list[int]] = {node: [] for node in order}
        for node in order[1:]:
            children[parent[node]].append(node)
        weight: dict[int, float] = {}
        for node in reversed(order):
            weight[node] = 1.0 + sum(weight[c] for c in children[node])
        per_ring: dict[int, int] = {}
        for node in order:
            per_ring[depth[node]] = per_ring.get(depth[node], 0) + 1
        radius = {0: 0.0}
        for d in range(1, max(per_ring) + 1):
            radius[d] = max(radius[d - 1] + k, per_ring[d] * k * 0.8 / (2 * math.pi))
        span = {root: (0.0, 2 * math.pi)}
        px, py = [0.0], [0.0]
        for node in order:
            start, end = span[node]
            total = weight[node] - 1.0
            for child in children[node]:
                share = (end - start) * weight[child] / total
                span[child] = (start, start + share)
                angle = start + share / 2
                start += share
                r = radius[depth[child]]
                px.append(r * math.cos(angle))
                py.append(r * math.sin(angle))
        parts.append((order, px, py, radius[max(per_ring)] + k))
    # The largest part at the centre, the others on a widening spiral around it.
    parts.sort(key=lambda p: -len(p[0]))
    reach = parts[0][3]
    angle = 0.0
    for number, (order, px, py, extent) in enumerate(parts):
        if number == 0:
            cx = cy = 0.0
        else:
            distance = reach + extent
            cx, cy = distance * math.cos(angle), distance * math.sin(angle)
            angle += 2 * extent / distance + 0.3
            if angle > 2 * math.pi:
                angle -= 2 * math.pi
                reach = distance + extent
        for i, node in enumerate(order):
            xs[node], ys[node] = cx + px[i], cy + py[i]
    return xs, ys


def _relax(xs: list[float], ys: list[float], links: list[tuple[int, int]], k: float, budget: int) -> None:
    """Fruchterman-Reingold with grid-limited repulsion and a cooling step size, in place."""
    n = len(xs)
    if n < 2:
        return
    k2 = k * k
    cell = 2 * k
    cutoff2 = cell * cell
    gravity = 0.02
    dx, dy = [0.0] * n, [0.0] * n
    work = 0
    for step in range(MAX_STEPS):
        # Cool with the work done, not the step count: the step size falls from k to k / 15 as the
        # budget is spent, however dense the layout gets on the way.
        temperature = k * (1 / 15) ** min(1.0, work / budget)
        if work >= budget and step >= MIN_STEPS:
            break
        for i in range(n):
            dx[i] = dy[i] = 0.0
        grid: dict[tuple[int, int], list[int]] = {}
        for i in range(n):
            grid.setdefault((int(xs[i] // cell), int(ys[i] // cell)), []).append(i)
        for (gx, gy), members in grid.items():
            near = [j for ox in (-1, 0, 1) for oy in (-1, 0, 1) for j in grid.get((gx + ox, gy + oy), ())]
            work += len(near) * len(members)
            for i in members:
                xi, yi = xs[i], ys[i]
                fx = fy = 0.0
                for j in near:
                    if j == i:
                        continue
                    ddx, ddy = xi - xs[j], yi - ys[j]
                    d2 = ddx * ddx + ddy * ddy
                    if d2 >= cutoff2:
                        continue
                    if d2 < 0.01:  # the same point: push apart along a fixed, index-based direction
                        ddx, ddy, d2 = (i - j) * 0.1, 0.1, 0.01 + (i - j) * (i - j) * 0.01
                    f = k2 / d2
                    fx += ddx * f
                    fy += ddy * f
                dx[i] += fx
                dy[i] += fy
        for a, b in links:
            ddx, ddy = xs[a] - xs[b], ys[a] - ys[b]
            d = math.sqrt(ddx * ddx + ddy * ddy) or 0.01
            f = d / k  # |F| = d^2 / k, along the unit vector
            dx[a] -= ddx * f
            dy[a] -= ddy * f
            dx[b] += ddx * f
            dy[b] += ddy * f
        cx, cy = sum(xs) / n, sum(ys) / n
        for i in range(n):
            fx = dx[i] - gravity * (xs[i] - cx)
            fy = dy[i] - gravity * (ys[i] - cy)
            length = math.sqrt(fx * fx + fy * fy)
            if length > temperature:
                fx, fy = fx * temperature / length, fy * temperature / length
            xs[i] += fx
            ys[i] += fy
