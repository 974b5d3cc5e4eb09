"""Network analysis over HTTP: neighbourhoods, paths with evidence, centrality, communities, cores.

Every answer is computed on the projection of the current store version (``ProjectionDep``, built
once per version) and bounded server-side: ``limit`` defaults to 300 items and never exceeds 2000.

Paths, neighbourhoods and graph views are searches whose cost depends on the graph, not on the
request, so each runs (1) in a worker thread, so the event loop keeps answering /sparql, (2) under a
work budget (``analysis_max_steps`` adjacency visits, ``analysis_time_s`` of wall time): when it runs
out the search returns what it found, flagged ``truncated`` with a ``note``, or 422 when it found
nothing to return, and (3) in one of ``analysis_slots`` slots: pure-Python search holds the GIL,
so a crowd of them would starve every other request of the process; a request that finds no slot
free within half a second gets 503 with ``Retry-After`` instead of queueing behind the crowd.

On a large store (api/derived.py) the projection and the whole-graph measures are built in the
background: until they are ready these routes answer 503 with ``Retry-After``, except the
neighbourhood and focused graph views, which report exact degrees and leave the other measures at
their defaults until then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, HTTPException, Query, Request

from coopgraph.api import deps
from coopgraph.api.convert import edges_of, node_detail_of, node_ref_of, path_hop_of, path_of
from coopgraph.api.deps import ProjectionDep
from coopgraph.api.schemas_analysis import (
    BridgesPage,
    CentralityPage,
    CommunitiesPage,
    GraphView,
    KCorePage,
    NeighbourhoodOut,
    PathsPage,
    example_responses,
)
from coopgraph.graph import analysis

router = APIRouter(prefix="/api", tags=["analysis"])

DEFAULT_LIMIT = 300
MAX_LIMIT = 2000
MAX_DEPTH = 4
MAX_PATH_LENGTH = 8
SLOT_WAIT_S = 0.5  # how long a search may wait for a free slot before 503
RETRY_AFTER_S = 1

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Most items returned (at most {MAX_LIMIT}).")]
Depth = Annotated[int, Query(ge=0, le=MAX_DEPTH, description="Hops from the focus entity.")]
Types = Annotated[
    list[str] | None,
    Query(
        description="Keep only entities of these classes (local names, e.g. "
        "Region; superclasses match). Repeat or separate with commas."
    ),
]


# -- parameters ---------------------------------------------------------------------------------
def _types(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return names or None


# -- bounds -------------------------------------------------------------------------------------
class SearchSlots:
    """At most ``size`` searches at once, each in a worker thread; a caller that finds no slot free
    within ``wait_s`` gets 503 with Retry-After rather than a place in an unbounded queue."""

    def __init__(self, size: int, *, wait_s: float = SLOT_WAIT_S) -> None:
        self.size = size
        self.wait_s = wait_s
        self._free = asyncio.Semaphore(size)

    async def run(self, work: Callable[[], T]) -> T:
        try:
            await asyncio.wait_for(self._free.acquire(), self.wait_s)
        except TimeoutError:
            # A slot frees within one search's bound (analysis_time_s), mostly far sooner.
            raise HTTPException(503, f"the server is already running {self.size} path or neighbourhood "
                                     f"search(es); try again in {RETRY_AFTER_S} s",
                                headers={"Retry-After": str(RETRY_AFTER_S)}) from None
        try:
            # Not cancellable: a client that hangs up frees the slot when the thread has finished.
            return await anyio.to_thread.run_sync(work)
        finally:
            self._free.release()


def _slots(request: Request) -> SearchSlots:
    """The app's search slots (made on first use, in the event loop that serves the app)."""
    app_state = request.app.state
    found = getattr(app_state, "coop_analysis_slots", None)
    if found is None:
        found = app_state.coop_analysis_slots = SearchSlots(app_state.coop.settings.analysis_slots)
    return found


async def _bounded(request: Request, search: Callable[[analysis.Budget], T]) -> T:
    """``search(budget)`` in a search slot, with this deployment's budget (whose clock starts in
    the slot: waiting for one does not count against it)."""
    settings = request.app.state.coop.settings
    return await _slots(request).run(
        lambda: search(analysis.Budget(steps=settings.analysis_max_steps, seconds=settings.analysis_time_s)))


def _bound_note(budget: analysis.Budget, what: str) -> str:
    limit = f"{budget.steps:,} steps" if budget.used > budget.steps else f"{budget.seconds:g} s"
    return f"The search stopped at its work bound ({limit}); {what}"


# -- routes -------------------------------------------------------------------------------------
@router.get(
    "/neighbourhood/{slug}",
    response_model=NeighbourhoodOut,
    summary="Entities around one entity",
    responses=example_responses(NeighbourhoodOut),
)
async def get_neighbourhood(
    request: Request, G: ProjectionDep, slug: str, depth: Depth = 1, limit: Limit = DEFAULT_LIMIT, types: Types = None
) -> dict[str, Any]:
    """The entities within ``depth`` hops of ``slug`` (the most central kept when over ``limit``).

    ``slug`` may also be the entity's IRI, ``id:`` CURIE, or a name (label or alias, any case)."""

    def search(budget: analysis.Budget) -> dict[str, Any]:
        focus = deps.entity_node(request, G, slug)
        view = analysis.neighbourhood(G, focus, depth=depth, max_nodes=limit, types=_types(types), budget=budget)
        measures, _complete = deps.measures(request, G)  # degree only while a large graph's are computed
        body = _neighbourhood_body(G, view, measures, depth, budget)
        return {"focus": body["nodes"][0], **body}

    return await _bounded(request, search)


def _neighbourhood_body(G: Any, view: analysis.Neighbourhood, measures: Any, depth: int,
                        budget: analysis.Budget) -> dict[str, Any]:
    """What the neighbourhood and the focused graph view both answer: nodes, edges, bounds."""
    return {
        "depth": depth,
        "total": view.total,
        "truncated": view.truncated,
        "note": _walk_note(budget),
        "nodes": [node_detail_of(G, n, measures, view.distances[n]) for n in view.nodes],
        "edges": edges_of(G, set(view.nodes)),
    }


def _walk_note(budget: analysis.Budget) -> str | None:
    if not budget.exhausted:
        return None
    return _bound_note(budget, "the entities shown are within the depth asked, but others may be missing, "
                               "and total counts only those found.")


@router.get(
    "/paths",
    response_model=PathsPage,
    summary="How two entities are linked, with evidence",
    responses=example_responses(PathsPage),
)
async def get_paths(
    request: Request,
    G: ProjectionDep,
    source: Annotated[str, Query(description="The first entity: its slug, IRI, `id:` CURIE or name "
                                 "(label or alias), e.g. `chengdu-customs` or `Chengdu Customs`.")],
    target: Annotated[str, Query(description="The second entity, given as `source` is.")],
    max_length: Annotated[
        int, Query(ge=1, le=MAX_PATH_LENGTH, description="Longest simple path (hops).")
    ] = 4,
    limit: Annotated[int, Query(ge=1, le=100, description="Most paths of each kind.")] = 10,
) -> dict[str, Any]:
    """Shortest paths and other simple paths between two entities; every hop carries its quotes.

    A search that reaches its work bound returns the paths found so far (``truncated``, with a
    ``note``), or 422 if it found none: then nothing is known about whether a path exists."""

    def search(budget: analysis.Budget) -> dict[str, Any]:
        s, t = deps.entity_node(request, G, source), deps.entity_node(request, G, target)
        shortest = analysis.shortest_paths(G, s, t, max_paths=limit + 1, budget=budget)
        simple = analysis.simple_paths(G, s, t, cutoff=max_length, max_paths=limit + 1, budget=budget)
        note = None
        if budget.exhausted:
            if not shortest and not simple:
                raise HTTPException(422, _bound_note(budget, f"no path between {source} and {target} was found "
                                                             "before it: they may be far apart or not linked at all."))
            note = _bound_note(budget, "these are the shortest paths found before it; more may exist.")
        return {
            "source": node_ref_of(G, s),
            "target": node_ref_of(G, t),
            "max_length": max_length,
            "truncated": len(shortest) > limit or len(simple) > limit or budget.exhausted,
            "note": note,
            "shortest": [path_of(G, p) for p in shortest[:limit]],
            "simple": [path_of(G, p) for p in simple[:limit]],
        }

    return await _bounded(request, search)


@router.get(
    "/centrality",
    response_model=CentralityPage,
    summary="Entities ranked by centrality",
    responses=example_responses(CentralityPage),
)
def get_centrality(
    request: Request, G: ProjectionDep,
    measure: Literal["degree", "pagerank", "betweenness"] = "pagerank", limit: Limit = 20
) -> dict[str, Any]:
    """The ``limit`` most central entities by degree, PageRank or betweenness.

    On a large graph PageRank and betweenness are computed once per data version in the
    background; until then this answers 503 with Retry-After (degree is always available)."""
    if measure != "degree":
        deps.measures_or_503(request, G, measure.capitalize())
    scores = {
        "degree": analysis.degree_centrality,
        "pagerank": analysis.pagerank,
        "betweenness": analysis.betweenness,
    }[measure](G)
    top = analysis.ranked(G, scores, limit=limit)
    sampled = measure == "betweenness" and G.number_of_nodes() >= analysis.EXACT_BETWEENNESS_BELOW
    return {
        "measure": measure,
        "sampled": sampled,
        "total": len(scores),
        "items": [{"rank": i, "node": node_ref_of(G, n), "score": s} for i, (n, s) in enumerate(top, start=1)],
    }


@router.get(
    "/communities",
    response_model=CommunitiesPage,
    summary="Communities of densely linked entities",
    responses=example_responses(CommunitiesPage),
)
def get_communities(
    request: Request, G: ProjectionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most communities.")] = 50,
    members: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Most members listed per community.")
    ] = 100,
) -> dict[str, Any]:
    """Louvain communities (seed 42), largest first, each named after its most central member
    (503 + Retry-After while a large graph's are computed in the background)."""
    deps.measures_or_503(request, G, "Community detection")
    found = analysis.communities(G)
    return {
        "count": len(found),
        "truncated": len(found) > limit,
        "communities": [
            {
                "id": c.id,
                "name": c.name,
                "central": node_ref_of(G, c.central),
                "size": c.size,
                "members": [node_ref_of(G, n) for n in c.members[:members]],
                "truncated": c.size > members,
            }
            for c in found[:limit]
        ],
    }


@router.get(
    "/bridges",
    response_model=BridgesPage,
    summary="Links and entities that hold the graph together",
    responses=example_responses(BridgesPage),
)
def get_bridges(request: Request, G: ProjectionDep, limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
    """Bridges (cut edges) with their evidence, and articulation points (cut vertices)."""
    deps.measures_or_503(request, G, "The bridge analysis")
    report = analysis.bridges_and_articulation_points(G)
    return {
        "bridges": [path_hop_of(h) for h in report.bridges[:limit]],
        "articulation_points": [node_ref_of(G, n) for n in report.articulation_points[:limit]],
        "truncated": len(report.bridges) > limit or len(report.articulation_points) > limit,
    }


@router.get(
    "/kcore",
    response_model=KCorePage,
    summary="The k-core of the graph",
    responses=example_responses(KCorePage),
)
def get_kcore(
    request: Request, G: ProjectionDep,
    k: Annotated[int | None, Query(ge=0, description="Core order; omit for the main core.")] = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Entities each linked to at least ``k`` others of the same core (default: the main core)."""
    deps.measures_or_503(request, G, "The k-core decomposition")
    cores = analysis.core_numbers(G)
    order = k if k is not None else max(cores.values(), default=0)
    nodes = analysis.k_core(G, k=order)
    nodes.sort(key=lambda n: (str(G.nodes[n].get("label") or n), n))
    return {
        "k": order,
        "count": len(nodes),
        "truncated": len(nodes) > limit,
        "nodes": [node_ref_of(G, n) for n in nodes[:limit]],
    }


@router.get(
    "/graph",
    response_model=GraphView,
    summary="Nodes and edges of a bounded view (node-link JSON)",
    responses=example_responses(GraphView),
)
async def get_graph(
    request: Request, G: ProjectionDep,
    focus: Annotated[
        str | None, Query(description="The focus entity (slug, IRI, `id:` CURIE or name); omit for the most "
                                      "central entities.")
    ] = None,
    depth: Depth = 1,
    types: Types = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """A bounded node-link view for the explorer: around ``focus``, or the top entities by PageRank."""
    return await _bounded(request, lambda budget: _graph_view(request, G, focus, depth, _types(types), limit, budget))


def _graph_view(request: Request, G: Any, focus: str | None, depth: int, wanted: list[str] | None, limit: int,
                budget: analysis.Budget) -> dict[str, Any]:
    measures, _complete = deps.measures(request, G)
    if focus is None:
        # The top of the whole graph is ranked by PageRank: wait for it rather than guess.
        measures = deps.measures_or_503(request, G, "PageRank")
    if focus is not None:
        view = analysis.neighbourhood(G, deps.entity_node(request, G, focus), depth=depth, max_nodes=limit,
                                      types=wanted, budget=budget)
        return {"directed": True, "multigraph": True, "focus": view.focus,
                **_neighbourhood_body(G, view, measures, depth, budget)}
    candidates = list(G) if wanted is None else [
        n for n in G if set(wanted) & set(G.nodes[n].get("classes") or G.nodes[n].get("types") or ())
    ]
    if wanted is not None and not candidates:
        raise HTTPException(400, f"no entity has any of the types {', '.join(wanted)}")
    if wanted is None and len(analysis.pagerank(G)) == len(candidates):
        rank = analysis.pagerank(G)  # the same scores, without a copy of 70,000 of them per request
    else:
        rank = {n: measures.get(n, {}).get("pagerank", 0.0) for n in candidates}
    chosen = [n for n, _score in analysis.ranked(G, rank, limit=limit)]
    return {
        "directed": True,
        "multigraph": True,
        "focus": None,
        "depth": None,
        "total": len(candidates),
        "truncated": len(candidates) > limit,
        "nodes": [node_detail_of(G, n, measures) for n in chosen],
        "edges": edges_of(G, set(chosen)),
    }
