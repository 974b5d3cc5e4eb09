"""Centrality, communities, paths and bounded neighbourhoods on the projection (graph/network.py).

Every function takes the projection ``G`` (an ``nx.MultiDiGraph``) first and keyword-only bounds.
Measures are computed on the *undirected simple view* (``undirected(G)``): one edge per pair of
linked entities, whatever the number or direction of relations. Directions in the data often
encode wording ("A signatoryOf B" vs "B hasSignatory A"), not influence, so they would only add
noise to centrality. Paths are searched on that view too, but every hop is reported with its real
direction, predicate and evidence.

Results derived from the whole graph are cached per projection and version (``G.graph["version"]``),
so a server computes them once per store version, never per request. The same per-projection
entry holds callers' own tables (``per_projection``: graph/views.py's layouts and orderings), so a
projection's derived data has one home, gone with the projection.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar, cast

import networkx as nx

from coopgraph.graph.frozen import Record
from coopgraph.graph.ids import entity_iri, is_slug
from coopgraph.graph.network import iter_hop_edges, node_for
from coopgraph.graph.records import EntityRef, Evidence

__all__ = [
    "Budget",
    "EntityRef",
    "MeasureRow",
    "Evidence",
    "PathHop",
    "PathResult",
    "Community",
    "BridgeReport",
    "Neighbourhood",
    "EXACT_BETWEENNESS_BELOW",
    "cached_on",
    "forget_cached",
    "per_projection",
    "undirected",
    "degree_centrality",
    "pagerank",
    "betweenness",
    "sample_size",
    "communities",
    "core_numbers",
    "k_core",
    "bridges_and_articulation_points",
    "shortest_paths",
    "simple_paths",
    "neighbourhood",
    "summary_measures",
    "ranked",
    "entity_ref",
    "evidence_of",
]

# Exact betweenness is O(n m); above this many nodes it is estimated from ``k`` sampled sources.
EXACT_BETWEENNESS_BELOW = 2000
# Sampled betweenness: 500 sources, unless that would visit more than SAMPLE_WORK nodes and edges
# (about 15 s of breadth-first searches on integer arrays, graph.betweenness: 500 sources at 1M triples).
MAX_SAMPLES, MIN_SAMPLES, SAMPLE_WORK = 500, 50, 120_000_000
# Above this many nodes, shortest paths are searched from both ends (same paths, less of the graph).
BIDIRECTIONAL_ABOVE = 20_000
SEED = 42

T = TypeVar("T")
_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph[str], dict[str, Any]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()
_TABLES = "__tables__"  # callers' own tables in a projection's entry (see per_projection)


# -- bounds on one computation -----------------------------------------------------------------
class _Exhausted(Exception):
    """Raised inside a bounded search when its budget runs out; caught by the public function."""


@dataclass
class Budget:
    """A bound on the work of one computation: ``steps`` adjacency visits (each neighbour looked at
    counts one) and ``seconds`` of wall time from the budget's creation, whichever runs out first.

    The searches that take one (``shortest_paths``, ``simple_paths``, ``neighbourhood``) stop when
    it runs out and return what they found so far; ``exhausted`` then says the answer is partial.
    Steps make the bound the same on every machine; the clock is the backstop on a busy one.
    One budget may be shared by several calls: together they do at most that much work.

    >>> budget = Budget(steps=10)
    >>> G = nx.MultiDiGraph([(f"n{i}", f"n{i + 1}", "p") for i in range(50)])
    >>> simple_paths(G, "n0", "n50", cutoff=50, budget=budget), budget.exhausted
    ([], True)
    """

    steps: int
    seconds: float | None = None
    used: int = 0
    exhausted: bool = False
    _deadline: float | None = field(default=None, init=False, repr=False)
    _next_clock_check: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.seconds is not None:
            self._deadline = time.monotonic() + self.seconds

    def spend(self, steps: int) -> None:
        """Count ``steps``; raise _Exhausted once the steps or the time are used up."""
        self.used += steps
        if not self.exhausted:
            if self.used > self.steps:
                self.exhausted = True
            elif self._deadline is not None and self.used >= self._next_clock_check:
                self._next_clock_check = self.used + 4096  # the clock costs more than a step
                self.exhausted = time.monotonic() > self._deadline
        if self.exhausted:
            raise _Exhausted


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PathHop:
    """One step of a path: from ``source`` to ``target`` (path order) over one relation.

    ``subject``/``object`` give the relation's real direction (``forward`` is True when it points
    the way the path walks); ``also`` lists the other predicates linking the same two entities.
    """

    source: str
    target: str
    subject: str
    object: str
    predicate: str
    predicate_label: str
    evidence: tuple[Evidence, ...] = ()
    also: tuple[str, ...] = ()

    @property
    def forward(self) -> bool:
        return self.subject == self.source


@dataclass(frozen=True)
class PathResult:
    """A path between two entities: its nodes in order and one ``PathHop`` per step."""

    source: str
    target: str
    nodes: tuple[str, ...]
    hops: tuple[PathHop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)


@dataclass(frozen=True)
class Community:
    """A group of densely linked entities, named after its most central member."""

    id: int
    name: str
    central: str
    members: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class BridgeReport:
    """Links and entities whose removal would split the graph (cut edges, cut vertices)."""

    bridges: tuple[PathHop, ...]
    articulation_points: tuple[str, ...]


@dataclass(frozen=True)
class Neighbourhood:
    """A bounded view around ``focus``: ``nodes`` with their hop ``distances`` from it."""

    focus: str
    nodes: tuple[str, ...]
    distances: dict[str, int] = field(hash=False)
    depth: int
    total: int  # nodes within ``depth`` before the bound was applied
    truncated: bool
    graph: nx.MultiDiGraph[str] = field(hash=False, repr=False)


# -- the undirected view and caching ------------------------------------------------------------
def _cached(G: nx.MultiDiGraph[str], name: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per projection object and version; uncached when G has no version."""
    version = G.graph.get("version")
    if version is None:
        return compute()
    entry = _CACHE.get(G)
    if entry is None or entry.get("__version__") != version:
        entry = _CACHE[G] = {"__version__": version}
    if name not in entry:
        entry[name] = compute()
    return cast(T, entry[name])  # one name is always filled by the same ``compute``


def cached_on(G: nx.MultiDiGraph[str], name: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per projection and version, cached beside the measures (for callers' own tables)."""
    return _cached(G, name, compute)


def per_projection(G: nx.MultiDiGraph[str], name: str) -> dict[Any, Any]:
    """A table of the caller's own named ``name``, kept in G's entry as long as G lives (versioned
    or not): a projection is one version of the data, so what is derived from it is too.

    >>> G = nx.MultiDiGraph()
    >>> per_projection(G, "layouts") is per_projection(G, "layouts")
    True
    """
    with _CACHE_LOCK:
        entry = _CACHE.get(G)
        if entry is None:
            entry = _CACHE[G] = {"__version__": G.graph.get("version")}
        tables: dict[str, dict[Any, Any]] = entry.setdefault(_TABLES, {})
        return tables.setdefault(name, {})


def forget_cached(G: nx.MultiDiGraph[str], name: str) -> None:
    """Drop the cached value ``name`` of G (a table that what replaced it made useless); a later
    ``cached_on(G, name, ...)`` computes it again."""
    with _CACHE_LOCK:
        entry = _CACHE.get(G)
        if entry is not None:
            entry.pop(name, None)


def export_cached(G: nx.MultiDiGraph[str]) -> dict[str, Any]:
    """G's computed measures as plain, picklable data (without the undirected view, which any
    copy of the projection rebuilds in a moment, nor callers' own tables): what a child process
    hands back to a server."""
    entry = _CACHE.get(G, {})
    return {name: value for name, value in entry.items() if name not in ("undirected", _TABLES)}


def adopt_cached(G: nx.MultiDiGraph[str], exported: dict[str, Any]) -> bool:
    """Take measures computed on another copy of the same projection version (see export_cached).

    Returns False, adopting nothing, when the versions differ (the data changed in between)."""
    version = G.graph.get("version")
    if version is None or exported.get("__version__") != version:
        return False
    entry = _CACHE.get(G)
    if entry is None or entry.get("__version__") != version:
        entry = _CACHE[G] = {"__version__": version}
    for name, value in exported.items():
        entry.setdefault(name, value)
    return True


_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})


def undirected(G: nx.MultiDiGraph[str]) -> nx.Graph[str]:
    """The simple undirected view: one edge per linked pair, no self-loops, nodes in sorted order.

    Sorting makes every seeded algorithm (Louvain, sampled betweenness) reproducible.

    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "a", "q"), ("b", "c", "p"), ("c", "c", "p")])
    >>> U = undirected(G)
    >>> sorted(U.edges()), U.number_of_edges()
    ([('a', 'b'), ('b', 'c')], 2)
    """

    def compute() -> nx.Graph[str]:
        U: nx.Graph[str] = nx.Graph()
        U.add_nodes_from(sorted(G.nodes))
        U.add_edges_from(sorted({(u, v) if u < v else (v, u) for u, v in G.edges() if u != v}))
        # The view's edges carry no attributes, but networkx gives each its own empty dict (64
        # bytes; 12 MB at 1M triples, in the server and again in the child computing measures):
        # one read-only mapping stands for them all, and a write to it fails instead of reaching
        # every edge.
        adjacency: dict[str, dict[str, Any]] = U._adj  # type: ignore[attr-defined]  # the stubs omit it
        for neighbours in adjacency.values():
            for v in neighbours:
                neighbours[v] = _NO_ATTRIBUTES
        return U

    return _cached(G, "undirected", compute)


def _label(G: nx.MultiDiGraph[str], node: str) -> str:
    return str(G.nodes[node].get("label") or node)


# -- centrality ---------------------------------------------------------------------------------
def degree_centrality(G: nx.MultiDiGraph[str]) -> dict[str, float]:
    """Share of the other entities each entity is directly linked to.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.

    Returns
    -------
    dict
        node -> distinct neighbours / (n - 1).

    Examples
    --------
    >>> G = nx.MultiDiGraph([("hub", "a", "p"), ("hub", "b", "p"), ("c", "hub", "p"), ("hub", "a", "q")])
    >>> degree_centrality(G)["hub"], degree_centrality(G)["a"]
    (1.0, 0.3333333333333333)
    """
    return _cached(G, "degree_centrality", lambda: nx.degree_centrality(undirected(G)))


def pagerank(
    G: nx.MultiDiGraph[str], *, alpha: float = 0.85, max_iter: int = 100, tol: float = 1.0e-6
) -> dict[str, float]:
    """PageRank on the undirected view, by power iteration (pure Python: no numpy/scipy needed).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.
    alpha : float
        Damping factor.
    max_iter, tol : int, float
        Stop after ``max_iter`` rounds or once the L1 change is below ``n * tol``.

    Returns
    -------
    dict
        node -> score; the scores sum to 1.

    Examples
    --------
    >>> G = nx.MultiDiGraph([("hub", leaf, "p") for leaf in "abcd"])
    >>> scores = pagerank(G)
    >>> max(scores, key=scores.get), round(sum(scores.values()), 6)
    ('hub', 1.0)
    """

    def compute() -> dict[str, float]:
        U = undirected(G)
        nodes = list(U)
        n = len(nodes)
        if n == 0:
            return {}
        index = {node: i for i, node in enumerate(nodes)}
        neighbours = [[index[m] for m in U[node]] for node in nodes]
        degree = [len(ns) for ns in neighbours]
        x = [1.0 / n] * n
        for _ in range(max_iter):
            dangling = sum(x[i] for i in range(n) if degree[i] == 0)
            new = [(1.0 - alpha + alpha * dangling) / n] * n
            for i, ns in enumerate(neighbours):
                if ns:
                    share = alpha * x[i] / degree[i]
                    for j in ns:
                        new[j] += share
            change = sum(abs(a - b) for a, b in zip(new, x, strict=True))
            x = new
            if change < n * tol:
                break
        return {node: x[i] for i, node in enumerate(nodes)}

    if (alpha, max_iter, tol) != (0.85, 100, 1.0e-6):
        return compute()
    return _cached(G, "pagerank", compute)


def sample_size(n: int, m: int) -> int:
    """Sources sampled for betweenness: 500, fewer on graphs so large that 500 breadth-first
    searches would take minutes (``SAMPLE_WORK`` node+edge visits in all).

    >>> sample_size(5_000, 20_000), sample_size(70_000, 195_000), sample_size(700_000, 1_950_000)
    (500, 452, 50)
    """
    return max(MIN_SAMPLES, min(MAX_SAMPLES, SAMPLE_WORK // max(1, n + m)))


def betweenness(
    G: nx.MultiDiGraph[str], *, k: int | None = None, exact_below: int = EXACT_BETWEENNESS_BELOW, seed: int = SEED
) -> dict[str, float]:
    """Normalised betweenness: how often an entity lies on shortest paths between others.

    Exact for graphs under ``exact_below`` nodes; above, estimated from ``k`` source nodes sampled
    with a fixed ``seed`` so the same graph always gets the same scores (``k`` defaults to
    ``sample_size(n, m)``: 500, fewer on very large graphs).

    Examples
    --------
    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p")])
    >>> betweenness(G)
    {'a': 0.0, 'b': 1.0, 'c': 0.0}
    """

    def compute() -> dict[str, float]:
        U = undirected(G)
        n = U.number_of_nodes()
        sources = k if k is not None else sample_size(n, U.number_of_edges())
        from coopgraph.graph.betweenness import betweenness_centrality

        # networkx's algorithm and sampling on integer arrays: 30 ms a source at 1M triples, not 1.3 s
        if n < exact_below or sources >= n:
            return betweenness_centrality(U)
        return betweenness_centrality(U, k=sources, seed=seed)

    if (k, exact_below, seed) != (None, EXACT_BETWEENNESS_BELOW, SEED):
        return compute()
    return _cached(G, "betweenness", compute)


def ranked(G: nx.MultiDiGraph[str], scores: dict[str, float], *, limit: int = 10) -> list[tuple[str, float]]:
    """The ``limit`` best-scored nodes, ties broken by label then node.

    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p")])
    >>> ranked(G, betweenness(G), limit=2)
    [('b', 1.0), ('a', 0.0)]
    """
    if limit <= 0:
        return []
    items: Iterable[tuple[str, float]] = scores.items()
    if len(scores) > limit:
        # Only scores at or above the limit-th best can make the cut (ties at the edge included):
        # sorting those, not every node, keeps a top-20 of 200,000 nodes in milliseconds.
        edge = heapq.nlargest(limit, scores.values())[-1]
        items = [(n, s) for n, s in scores.items() if s >= edge]
    order = sorted(items, key=lambda kv: (-kv[1], _label(G, kv[0]), kv[0]))
    return order[:limit]


# -- structure ----------------------------------------------------------------------------------
def communities(G: nx.MultiDiGraph[str], *, resolution: float = 1.0, seed: int = SEED) -> list[Community]:
    """Louvain communities of the undirected view, with stable ids.

    Ids count from 0 by decreasing size, ties broken by the lowest member label; each community is
    named after its most central member (most distinct neighbours, then label).

    Examples
    --------
    Two triangles joined by one edge:

    >>> edges = [("a1", "a2"), ("a2", "a3"), ("a1", "a3"), ("b1", "b2"), ("b2", "b3"), ("b1", "b3"),
    ...          ("a1", "b1")]
    >>> G = nx.MultiDiGraph([(u, v, "p") for u, v in edges])
    >>> [(c.id, c.name, c.members) for c in communities(G)]
    [(0, 'a1', ('a1', 'a2', 'a3')), (1, 'b1', ('b1', 'b2', 'b3'))]
    """

    def compute() -> list[Community]:
        U = undirected(G)
        if U.number_of_nodes() == 0:
            return []
        groups = nx.community.louvain_communities(U, resolution=resolution, seed=seed)
        labelled = [sorted(group, key=lambda n: (_label(G, n), n)) for group in groups]
        labelled.sort(key=lambda members: (-len(members), _label(G, members[0]), members[0]))
        result = []
        for i, members in enumerate(labelled):
            central = min(members, key=lambda n: (-U.degree(n), _label(G, n), n))
            result.append(Community(id=i, name=_label(G, central), central=central, members=tuple(members)))
        return result

    if (resolution, seed) != (1.0, SEED):
        return compute()
    return _cached(G, "communities", compute)


def core_numbers(G: nx.MultiDiGraph[str]) -> dict[str, int]:
    """The core number of each entity: the largest k of a k-core it belongs to.

    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p"), ("a", "c", "p"), ("c", "d", "p")])
    >>> core_numbers(G)
    {'a': 2, 'b': 2, 'c': 2, 'd': 1}
    """
    return _cached(G, "core_numbers", lambda: dict(nx.core_number(undirected(G))))


def k_core(G: nx.MultiDiGraph[str], *, k: int | None = None) -> list[str]:
    """The entities of the ``k``-core (every one linked to at least ``k`` others of it), sorted.

    ``k=None`` gives the main core (the largest k with a non-empty core).

    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p"), ("a", "c", "p"), ("c", "d", "p")])
    >>> k_core(G), k_core(G, k=1), k_core(G, k=3)
    (['a', 'b', 'c'], ['a', 'b', 'c', 'd'], [])
    """
    cores = core_numbers(G)
    if not cores:
        return []
    threshold = max(cores.values()) if k is None else k
    return sorted(node for node, core in cores.items() if core >= threshold)


def bridges_and_articulation_points(G: nx.MultiDiGraph[str]) -> BridgeReport:
    """Cut edges and cut vertices of the undirected view.

    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p"), ("a", "c", "p"), ("c", "d", "p")])
    >>> report = bridges_and_articulation_points(G)
    >>> [(h.source, h.target) for h in report.bridges], report.articulation_points
    ([('c', 'd')], ('c',))
    """

    def compute() -> BridgeReport:
        U = undirected(G)
        # types-networkx says bridges() yields nodes; it yields (u, v) edges.
        cut_edges = cast("Iterator[tuple[str, str]]", nx.bridges(U))
        pairs = sorted((u, v) if u < v else (v, u) for u, v in cut_edges)
        return BridgeReport(
            bridges=tuple(_hop(G, u, v) for u, v in pairs),
            articulation_points=tuple(sorted(nx.articulation_points(U))),
        )

    return _cached(G, "bridges", compute)


# -- records of the projection's nodes and evidence ---------------------------------------------
def entity_ref(G: nx.MultiDiGraph[str], node: str) -> EntityRef:
    """The reference to a node, the same record entity pages give for a linked entity.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("https://ex.org/id/a", slug="a", label="A", type="City")
    >>> entity_ref(G, "https://ex.org/id/a")
    EntityRef(iri='https://ex.org/id/a', slug='a', label='A', label_zh=None, type='City')
    """
    data = G.nodes[node]
    return EntityRef(iri=node, slug=data.get("slug") or node, label=data.get("label") or node,
                     label_zh=data.get("label_zh"), type=data.get("type"))


def evidence_of(G: nx.MultiDiGraph[str], iris: Iterable[str]) -> tuple[Evidence, ...]:
    """The evidence records of evidence IRIs (an edge's ``evidence``), from ``G.graph["evidence"]``.

    >>> G = nx.MultiDiGraph(base="https://ex.org/", evidence={"https://ex.org/evidence/1": {
    ...     "quote": "A met B", "document": "doc", "document_title": "Doc", "start": 0, "end": 7}})
    >>> ev, = evidence_of(G, ["https://ex.org/evidence/1"])
    >>> ev.quote, ev.start, ev.end, ev.document.iri, ev.document.label
    ('A met B', 0, 7, 'https://ex.org/id/doc', 'Doc')
    >>> ev.origin, ev.modality
    ('curated', None)
    """
    known = G.graph.get("evidence", {})
    base = G.graph.get("base")
    records = []
    for iri in iris:
        data = known.get(iri, {})
        extracted = data.get("origin") == "extracted"
        records.append(Evidence(iri=iri, quote=data.get("quote"), start=data.get("start"), end=data.get("end"),
                                document=_document_ref(data.get("document"), data.get("document_title"), base),
                                note=data.get("note"), origin="extracted" if extracted else "curated",
                                modality=data.get("modality"),
                                confidence=data.get("confidence") if extracted else None,
                                accepted_by=data.get("accepted_by") if extracted else None,
                                extracted_at=data.get("extracted_at") if extracted else None,
                                implied=data.get("implied")))
    return tuple(records)


def _document_ref(document: str | None, title: str | None, base: str | None) -> EntityRef | None:
    # The projection keeps a document as its slug (its IRI when outside ``{base}id/``) and its title.
    if not document:
        return None
    local = is_slug(document)
    return EntityRef(iri=entity_iri(base, document) if local and base else document,
                     slug=document if local else None, label=title or document, type="SourceDocument")


# -- paths --------------------------------------------------------------------------------------


def _hop(G: nx.MultiDiGraph[str], source: str, target: str) -> PathHop:
    """The best-documented relation between two linked entities, as a hop from source to target."""
    edges = list(iter_hop_edges(G, source, target))
    if not edges:
        raise ValueError(f"no edge between {source!r} and {target!r}")
    edges.sort(key=lambda e: (not e[3].get("evidence"), e[0] != source, e[2]))
    subject, obj, key, data = edges[0]
    also = tuple(sorted({d.get("predicate_label") or k for _s, _o, k, d in edges[1:]}))
    return PathHop(
        source=source,
        target=target,
        subject=subject,
        object=obj,
        predicate=data.get("predicate", key),
        predicate_label=data.get("predicate_label") or key,
        evidence=evidence_of(G, data.get("evidence", ())),
        also=also,
    )


def _path(G: nx.MultiDiGraph[str], nodes: list[str]) -> PathResult:
    hops = tuple(_hop(G, u, v) for u, v in itertools.pairwise(nodes))
    return PathResult(source=nodes[0], target=nodes[-1], nodes=tuple(nodes), hops=hops)


def shortest_paths(
    G: nx.MultiDiGraph[str], source: str, target: str, *, max_paths: int = 10, budget: Budget | None = None
) -> list[PathResult]:
    """Every shortest path between two entities (at most ``max_paths``), hops with evidence.

    ``source``/``target`` are node keys or slugs; unknown ones raise EntityNotFoundError. No path
    gives an empty list. With a ``budget``, the search on a large graph (above
    ``BIDIRECTIONAL_ABOVE`` nodes) stops when it runs out: an empty list and ``budget.exhausted``
    then mean "not found within the bound", not "no path" (a small graph is searched whole).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="p", predicate="p", predicate_label="p", evidence=[])
    'p'
    >>> G.add_edge("c", "b", key="q", predicate="q", predicate_label="q", evidence=[])
    'q'
    >>> [(h.subject, h.predicate, h.object, h.forward) for h in shortest_paths(G, "a", "c")[0].hops]
    [('a', 'p', 'b', True), ('c', 'q', 'b', False)]
    """
    source, target = node_for(G, source), node_for(G, target)
    U = undirected(G)
    if U.number_of_nodes() > BIDIRECTIONAL_ABOVE:
        try:
            found = _bidirectional_shortest_paths(U, source, target, max(0, max_paths), budget)
        except _Exhausted:
            return []
        return [_path(G, nodes) for nodes in sorted(found, key=lambda p: [_label(G, n) for n in p])]
    try:
        found = list(itertools.islice(nx.all_shortest_paths(U, source, target), max(0, max_paths)))
    except nx.NetworkXNoPath:
        return []
    return [_path(G, nodes) for nodes in sorted(found, key=lambda p: [_label(G, n) for n in p])]


def _bidirectional_shortest_paths(
    U: nx.Graph[str], source: str, target: str, limit: int, budget: Budget | None = None
) -> list[list[str]]:
    """Up to ``limit`` shortest paths, by a breadth-first search from both ends that stops where
    they meet (always expanding the smaller frontier).

    ``nx.all_shortest_paths`` first walks the whole graph from the source: a second on a graph of
    70,000 entities; this touches only the balls around both ends.
    """
    if source == target:
        return [[source]]
    parents_s: dict[str, list[str]] = {source: []}
    parents_t: dict[str, list[str]] = {target: []}
    frontier_s, frontier_t = [source], [target]
    meeting: list[str] = []
    while frontier_s and frontier_t and not meeting:
        forward = len(frontier_s) <= len(frontier_t)
        parents, other = (parents_s, parents_t) if forward else (parents_t, parents_s)
        layer: dict[str, list[str]] = {}
        for node in frontier_s if forward else frontier_t:
            if budget is not None:
                budget.spend(len(U[node]))
            for nxt in U[node]:
                if nxt not in parents:
                    layer.setdefault(nxt, []).append(node)
        parents.update(layer)
        meeting = sorted(n for n in layer if n in other)
        if forward:
            frontier_s = list(layer)
        else:
            frontier_t = list(layer)
    if not meeting:
        return []

    def walks(node: str, parents: dict[str, list[str]]) -> Iterator[list[str]]:
        if not parents[node]:
            yield [node]
            return
        for parent in sorted(parents[node]):
            for walk in walks(parent, parents):
                yield walk + [node]

    found: list[list[str]] = []
    for middle in meeting:
        for head in walks(middle, parents_s):
            for tail in walks(middle, parents_t):
                found.append(head + tail[::-1][1:])
                if len(found) >= limit:
                    return found
    return found


def simple_paths(
    G: nx.MultiDiGraph[str],
    source: str,
    target: str,
    *,
    cutoff: int = 4,
    max_paths: int = 20,
    budget: Budget | None = None,
) -> list[PathResult]:
    """Paths without repeated entities, shortest first, of at most ``cutoff`` hops.

    Enumerated lazily in order of length (Yen's algorithm, as ``nx.shortest_simple_paths`` on the
    undirected view, with the same paths in the same order), so a bound of ``max_paths`` costs
    ``max_paths`` rounds of searches, not an enumeration of every path; each search looks no
    farther than ``cutoff`` allows. With a ``budget`` the enumeration stops when it runs out and
    returns the paths found so far (``budget.exhausted`` then says more may exist).

    Examples
    --------
    A square a-b-c-d-a has two paths from a to c:

    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p"), ("c", "d", "p"), ("d", "a", "p")])
    >>> [p.nodes for p in simple_paths(G, "a", "c", cutoff=2)]
    [('a', 'b', 'c'), ('a', 'd', 'c')]
    """
    source, target = node_for(G, source), node_for(G, target)
    if source == target:
        return [_path(G, [source])]
    U = undirected(G)
    found: list[list[str]] = []
    if max_paths <= 0:
        return []
    try:
        for nodes in _yen(U, source, target, cutoff=cutoff, budget=budget):
            found.append(nodes)
            if len(found) >= max_paths:
                break  # before the next round of searches, which would be wasted
    except _Exhausted:
        pass
    return [_path(G, nodes) for nodes in found]


def _yen(U: nx.Graph[str], source: str, target: str, *, cutoff: int, budget: Budget | None) -> Iterator[list[str]]:
    """Simple paths of at most ``cutoff`` hops, shortest first (Yen's algorithm).

    The rounds and tie-breaks are those of ``nx.shortest_simple_paths`` (candidates by length,
    then by discovery), so the answers are the same; the differences are the bounds: the budget is
    charged for every search, and a spur search gives up as soon as it cannot stay within
    ``cutoff``, where networkx would search on for a path it will never return.
    """
    first = _spur(U, source, target, set(), set(), cutoff, budget)
    if first is None:
        return
    candidates: list[tuple[int, int, list[str]]] = [(len(first), 0, first)]
    queued = {tuple(first)}
    counter = itertools.count(1)
    accepted: list[list[str]] = []
    while candidates:
        _length, _n, path = heapq.heappop(candidates)
        queued.discard(tuple(path))
        yield path
        accepted.append(path)
        ignore_nodes: set[str] = set()
        for i in range(1, len(path)):
            root = path[:i]
            room = cutoff - (i - 1)  # hops left for the spur from root[-1]
            if room >= 1:
                ignore_edges = {(p[i - 1], p[i]) for p in accepted if p[:i] == root}
                spur = _spur(U, root[-1], target, ignore_nodes, ignore_edges, room, budget)
                if spur is not None:
                    candidate = root[:-1] + spur
                    if tuple(candidate) not in queued:
                        queued.add(tuple(candidate))
                        heapq.heappush(candidates, (len(candidate), next(counter), candidate))
            ignore_nodes.add(root[-1])


def _spur(
    U: nx.Graph[str],
    source: str,
    target: str,
    ignore_nodes: set[str],
    ignore_edges: set[tuple[str, str]],
    max_hops: int,
    budget: Budget | None,
) -> list[str] | None:
    """A shortest path avoiding ``ignore_nodes`` and ``ignore_edges`` (either direction) of at
    most ``max_hops`` hops, or None: a breadth-first search from both ends, always expanding the
    smaller frontier a whole level at a time (networkx's order, so ties resolve the same way).

    The first meeting gives a path of exactly ``depth_s + depth_t + 1`` hops (every shorter one
    would have met earlier), so once that sum passes ``max_hops`` no path within it exists.
    """
    if source in ignore_nodes or target in ignore_nodes:
        return None

    def allowed(v: str, w: str) -> bool:
        return w not in ignore_nodes and (v, w) not in ignore_edges and (w, v) not in ignore_edges

    pred: dict[str, str | None] = {source: None}
    succ: dict[str, str | None] = {target: None}
    forward_fringe, reverse_fringe = [source], [target]
    depth_s = depth_t = 0
    meeting = None
    while forward_fringe and reverse_fringe and meeting is None:
        if depth_s + depth_t + 1 > max_hops:
            return None
        forward = len(forward_fringe) <= len(reverse_fringe)
        mine, other = (pred, succ) if forward else (succ, pred)
        level, fringe = (forward_fringe, []) if forward else (reverse_fringe, [])
        for v in level:
            neighbours = U[v]
            if budget is not None:
                budget.spend(len(neighbours))
            for w in neighbours:
                if not allowed(v, w):
                    continue
                if w not in mine:
                    fringe.append(w)
                    mine[w] = v
                if w in other:
                    meeting = w
                    break
            if meeting is not None:
                break
        if forward:
            forward_fringe, depth_s = fringe, depth_s + 1
        else:
            reverse_fringe, depth_t = fringe, depth_t + 1
    if meeting is None:
        return None
    path: list[str] = []
    node: str | None = meeting
    while node is not None:
        path.append(node)
        node = pred[node]
    path.reverse()
    node = succ[meeting]
    while node is not None:
        path.append(node)
        node = succ[node]
    return path


# -- neighbourhoods -----------------------------------------------------------------------------
def neighbourhood(
    G: nx.MultiDiGraph[str],
    focus: str,
    *,
    depth: int = 1,
    max_nodes: int = 300,
    types: Iterable[str] | None = None,
    exact_total: bool = True,
    budget: Budget | None = None,
) -> Neighbourhood:
    """The entities within ``depth`` hops of ``focus``, at most ``max_nodes`` of them.

    Nodes are taken ring by ring (all of distance 1, then 2, ...); in the ring that overflows the
    bound, the most central (most distinct neighbours) are kept, so the view stays connected and
    ``truncated`` says something was left out. ``types`` (class local names such as ``Region``;
    superclasses match) restricts the walk to entities of those types; the focus always stays.
    With ``exact_total=False`` the walk stops at the first ring that fills the bound (the kept
    nodes are the same; ``total`` then counts only the rings walked). With a ``budget`` the walk
    stops where it runs out (``budget.exhausted``): the nodes found so far, each at its true
    distance, are kept as above, ``truncated`` is True and ``total`` is a lower bound.

    Examples
    --------
    >>> G = nx.MultiDiGraph([("hub", leaf, "p") for leaf in "abcd"] + [("a", "x", "p"), ("a", "y", "p")])
    >>> view = neighbourhood(G, "hub", depth=1, max_nodes=3)
    >>> view.nodes, view.truncated, view.total
    (('hub', 'a', 'b'), True, 5)
    """
    focus = node_for(G, focus)
    if depth < 0:
        raise ValueError("depth must be >= 0")
    if max_nodes < 1:
        raise ValueError("max_nodes must be >= 1")
    wanted = set(types) if types else None
    U = undirected(G)

    def allowed(node: str) -> bool:
        if wanted is None:
            return True
        data = G.nodes[node]
        return bool(wanted & set(data.get("classes") or data.get("types") or ()))

    distances = {focus: 0}
    ring = [focus]
    try:
        for d in range(1, depth + 1):
            nxt = []
            for node in ring:
                if budget is not None:
                    budget.spend(len(U[node]))
                for other in U[node]:
                    if other not in distances and allowed(other):
                        distances[other] = d
                        nxt.append(other)
            if not nxt:
                break
            ring = nxt
            if not exact_total and len(distances) >= max_nodes:
                # The rings so far already fill the bound, so farther ones cannot change what is kept;
                # only ``total`` would grow (it is then a lower bound). Around a hub this skips most
                # of the graph.
                break
    except _Exhausted:
        pass  # a ring cut short: every node in ``distances`` still has its true distance
    total = len(distances)
    degree = _cached(G, "degrees", lambda: dict(U.degree()))
    kept: list[str] = []
    for d in range(0, depth + 1):
        layer = [n for n, dist in distances.items() if dist == d]
        room = max_nodes - len(kept)
        # The same order as sorting the whole ring, but only the part that fits is ordered fully.
        kept.extend(heapq.nsmallest(max(room, 0), layer, key=lambda n: (-degree[n], _label(G, n), n)))
        if room <= len(layer):
            break
    kept_distances = {n: distances[n] for n in kept}
    return Neighbourhood(
        focus=focus,
        nodes=tuple(kept),
        distances=kept_distances,
        depth=depth,
        total=total,
        truncated=len(kept) < total or (budget is not None and budget.exhausted),
        graph=G.subgraph(kept),
    )


# -- the table of every measure -----------------------------------------------------------------
class MeasureRow(Record):
    """One entity's row of ``summary_measures``: a read-only mapping (80 bytes against a dict's 272;
    one per entity, 69,000 at 1M triples, held by the server and pickled to it from a child)."""

    __slots__ = ("degree", "degree_centrality", "pagerank", "betweenness", "community", "core_number")


def summary_measures(G: nx.MultiDiGraph[str]) -> dict[str, MeasureRow]:
    """Every measure of every entity in one table, computed once per projection version.

    Returns
    -------
    dict
        node -> ``{"degree": int, "degree_centrality", "pagerank", "betweenness": float,
        "community": int, "core_number": int}``.

    Examples
    --------
    >>> G = nx.MultiDiGraph([("a", "b", "p"), ("b", "c", "p")])
    >>> row = summary_measures(G)["b"]
    >>> row["degree"], row["betweenness"], row["core_number"], round(row["pagerank"], 3)
    (2, 1.0, 1, 0.486)
    """

    def compute() -> dict[str, MeasureRow]:
        U = undirected(G)
        degree = degree_centrality(G)
        rank = pagerank(G)
        between = betweenness(G)
        cores = core_numbers(G)
        member_of = {node: c.id for c in communities(G) for node in c.members}
        return {
            node: MeasureRow(
                degree=U.degree(node),
                degree_centrality=degree.get(node, 0.0),
                pagerank=rank.get(node, 0.0),
                betweenness=between.get(node, 0.0),
                community=member_of.get(node),
                core_number=cores.get(node, 0),
            )
            for node in U
        }

    return _cached(G, "summary", compute)
