"""Path and neighbourhood searches are bounded: by a work budget, and by how many run at once.

A search's cost depends on the graph, not on the request: 16 concurrent ``/api/paths?max_length=8
&limit=100`` on a 1M-triple store each took 11-19 s and stalled cheap SPARQL queries for seconds.
Now each search stops at its budget (the paths found so far, flagged, or 422 when it found none)
and a crowd of them waits at most half a second for a slot, then gets 503 with Retry-After.

The library tests check the bounded searches on real graphs (and that Yen's enumeration still
gives networkx's answers); the HTTP tests run the real app with a budget of a few dozen steps: in
a subprocess on a 150 x 150 grid (22,500 entities: above the size where shortest paths are
searched from both ends) for paths and the crowd of them, in process on the seed graph for
neighbourhoods.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import networkx as nx
import pytest
from fastapi import HTTPException

from coopgraph.api.routers.analytics import SearchSlots
from coopgraph.graph import analysis
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.conftest import LiveServer, SeedBuild, app_settings, in_process_app, start_server, stop_server

SIDE = 150
ID = "https://coopgraph.org/id/"
LINK = "https://coopgraph.org/ontology#partnerOf"
STEPS = 60  # the server's work budget in these tests: a few dozen adjacency visits


def _grid(side: int) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for x in range(side):
        for y in range(side):
            G.add_node(f"g-{x}-{y}", label=f"g-{x}-{y}")
            if x + 1 < side:
                G.add_edge(f"g-{x}-{y}", f"g-{x + 1}-{y}", key="p", evidence=[])
            if y + 1 < side:
                G.add_edge(f"g-{x}-{y}", f"g-{x}-{y + 1}", key="p", evidence=[])
    return G


# -- the library ---------------------------------------------------------------------------------
def test_simple_paths_are_networkx_paths_in_networkx_order() -> None:
    """The bounded Yen enumeration returns what ``nx.shortest_simple_paths`` did, path for path."""
    for seed in range(150):
        rnd = random.Random(seed)
        U0 = nx.gnp_random_graph(rnd.randint(2, 25), rnd.random() * 0.35, seed=seed)
        G = nx.MultiDiGraph([(f"n{u:02d}", f"n{v:02d}", "p") for u, v in U0.edges()])
        G.add_nodes_from(f"n{u:02d}" for u in U0)
        source, target = rnd.sample(sorted(G), 2)
        cutoff, most = rnd.randint(1, 8), rnd.randint(1, 30)
        expected: list[tuple[str, ...]] = []
        try:
            for nodes in nx.shortest_simple_paths(analysis.undirected(G), source, target):
                if len(nodes) - 1 > cutoff or len(expected) >= most:
                    break
                expected.append(tuple(nodes))
        except nx.NetworkXNoPath:
            pass
        found = [p.nodes for p in analysis.simple_paths(G, source, target, cutoff=cutoff, max_paths=most)]
        assert found == expected, (seed, source, target, cutoff, most)


def test_a_budget_stops_the_path_enumeration_with_the_shortest_found_first() -> None:
    G = _grid(12)
    full = analysis.simple_paths(G, "g-2-2", "g-5-6", cutoff=9, max_paths=60)
    budget = analysis.Budget(steps=3_000)
    part = analysis.simple_paths(G, "g-2-2", "g-5-6", cutoff=9, max_paths=60, budget=budget)
    assert budget.exhausted and 0 < len(part) < len(full)
    assert [p.nodes for p in part] == [p.nodes for p in full[:len(part)]]  # a prefix: nothing shorter skipped
    assert budget.used <= budget.steps + 4  # overshoot: at most one node's neighbours


def test_a_budget_stops_the_shortest_path_search_on_a_large_graph() -> None:
    G = _grid(SIDE)
    budget = analysis.Budget(steps=5_000)
    assert analysis.shortest_paths(G, "g-0-0", f"g-{SIDE - 1}-{SIDE - 1}", budget=budget) == []
    assert budget.exhausted  # "not found within the bound", which the caller must not read as "no path"
    enough = analysis.Budget(steps=1_000_000)
    found = analysis.shortest_paths(G, "g-0-0", f"g-{SIDE - 1}-{SIDE - 1}", max_paths=3, budget=enough)
    assert len(found) == 3 and found[0].length == 2 * (SIDE - 1) and not enough.exhausted


def test_a_budget_stops_the_neighbourhood_walk_with_true_distances() -> None:
    G = _grid(30)
    full = analysis.neighbourhood(G, "g-15-15", depth=4, max_nodes=1000)
    budget = analysis.Budget(steps=60)
    part = analysis.neighbourhood(G, "g-15-15", depth=4, max_nodes=1000, budget=budget)
    assert budget.exhausted and part.truncated and not full.truncated
    assert 1 < part.total < full.total == 41
    assert all(full.distances[n] == d for n, d in part.distances.items())


def test_the_clock_also_stops_a_search() -> None:
    budget = analysis.Budget(steps=10**12, seconds=0.0)
    time.sleep(0.01)  # past the deadline before the search starts
    assert analysis.simple_paths(_grid(12), "g-0-0", "g-11-11", cutoff=30, budget=budget) == []
    assert budget.exhausted and budget.used < 1000


def test_search_slots_refuse_the_excess_at_once_with_retry_after() -> None:
    async def scenario() -> None:
        slots = SearchSlots(1, wait_s=0.05)
        started, release = threading.Event(), threading.Event()

        def hold() -> str:
            started.set()
            release.wait(30)
            return "held"

        holder = asyncio.create_task(slots.run(hold))
        for _ in range(3000):
            if started.is_set():
                break
            await asyncio.sleep(0.01)
        with pytest.raises(HTTPException) as refused:
            await slots.run(lambda: "second")
        assert refused.value.status_code == 503 and refused.value.headers == {"Retry-After": "1"}
        assert "try again" in refused.value.detail
        release.set()
        assert await holder == "held"
        assert await slots.run(lambda: "third") == "third"  # the slot came back

    asyncio.run(scenario())


# -- over HTTP -----------------------------------------------------------------------------------
def _fill(db: object) -> None:
    import pyoxigraph as ox

    def node(x: int, y: int) -> ox.NamedNode:
        return ox.NamedNode(f"{ID}g-{x}-{y}")

    link, kind = ox.NamedNode(LINK), ox.NamedNode("https://coopgraph.org/ontology#Organization")
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    quads = []
    for x in range(SIDE):
        for y in range(SIDE):
            quads.append(ox.Quad(node(x, y), a, kind))
            if x + 1 < SIDE:
                quads.append(ox.Quad(node(x, y), link, node(x + 1, y)))
            if y + 1 < SIDE:
                quads.append(ox.Quad(node(x, y), link, node(x, y + 1)))
    db.extend(quads)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def grid_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("analysis-bounds")
    OxigraphStore.replace(tmp / "store", _fill)
    server = start_server(tmp / "store", tmp, env={"COOPGRAPH_ANALYSIS_MAX_STEPS": str(STEPS),
                                                   "COOPGRAPH_RATE_LIMIT_EXEMPT": '["127.0.0.1"]'})
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def client(grid_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=grid_server.url, timeout=60) as http:
        yield http


def test_paths_over_the_budget_are_the_shortest_found_flagged_with_a_note(client: httpx.Client) -> None:
    r = client.get("/api/paths", params={"source": "g-10-10", "target": "g-11-12", "max_length": 8, "limit": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["shortest"] and body["shortest"][0]["length"] == 3
    assert body["truncated"] is True
    assert body["note"].startswith(f"The search stopped at its work bound ({STEPS} steps)"), body["note"]
    assert len(body["simple"]) < 100


def test_paths_not_found_within_the_budget_are_422_not_an_empty_answer(client: httpx.Client) -> None:
    r = client.get("/api/paths", params={"source": "g-0-0", "target": f"g-{SIDE - 1}-{SIDE - 1}"})
    assert r.status_code == 422, r.text
    message = r.json()["error"]
    assert f"work bound ({STEPS} steps)" in message and "no path between g-0-0 and" in message


@pytest.fixture(scope="module")
def seed_client(seed_build: SeedBuild) -> Iterator[httpx.Client]:
    """The seed graph (118 entities: its measures are computed on the request) with the small budget."""
    with in_process_app(app_settings(seed_build.store_root, analysis_max_steps=STEPS)) as http:
        yield http


def test_neighbourhoods_over_the_budget_say_so(seed_client: httpx.Client) -> None:
    small = seed_client.get("/api/neighbourhood/chongqing-customs", params={"depth": 1}).json()
    assert small["note"] is None and small["nodes"][0]["pagerank"] is not None
    for path, params in (("/api/neighbourhood/chongqing-customs", {"depth": 4}),
                         ("/api/graph", {"focus": "chongqing-customs", "depth": 4})):
        r = seed_client.get(path, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["truncated"] is True and "total counts only those found" in body["note"], body
        assert body["total"] > small["total"] and all(n["distance"] <= 4 for n in body["nodes"])


def test_a_crowd_of_searches_is_answered_or_told_when_to_retry(client: httpx.Client, grid_server: LiveServer) -> None:
    """16 at once: each is answered (within its budget) or refused with 503 + Retry-After, and the
    SPARQL endpoint answers meanwhile."""
    results: list[httpx.Response] = []

    def search(i: int) -> None:
        with httpx.Client(base_url=grid_server.url, timeout=60) as http:
            results.append(http.get("/api/paths", params={"source": f"g-{i}-0", "target": f"g-{i + 2}-3",
                                                          "max_length": 8, "limit": 100}))

    threads = [threading.Thread(target=search, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    ask = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"accept": "application/sparql-results+json"})
    for t in threads:
        t.join(60)
    assert ask.status_code == 200 and ask.json()["boolean"] is True
    assert len(results) == 16
    for r in results:
        assert r.status_code in (200, 503), r.text
        if r.status_code == 503:
            assert r.headers["retry-after"] == "1" and "try again in 1 s" in r.json()["error"]
        else:
            assert r.json()["shortest"] and r.json()["note"]
