"""A hostile query fails alone: rewriting it does not get it past the quarantine, and cheap
queries keep being answered while it is being killed.

Real processes on a real store: a memory replica and two disk workers under small bounds, a
stream of variants of a costly query (new comment, variable names, whitespace and LIMIT each
time, as a client dodging a quarantine keyed by text would send them) and cheap lookups running
beside it the whole time.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from coopgraph.api.executor import QueryExecutor
from coopgraph.graph.errors import QueryResourceError, QueryTimeoutError
from coopgraph.graph.query_guard import QueryLimits, inspect_query, query_shape
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.api.executor_runs import run_executor

JSON = "application/sparql-results+json"
TRIPLES = 1000
# COUNT(DISTINCT *) over the cross product of the store with itself keeps every row: 10^6 rows
# of six terms, which blows a 64 MB bound in well under a second (on disk or in the replica).
MEMORY_HOG = "SELECT (COUNT(DISTINCT *) AS ?{0}) {{ ?{1} ?{2} ?{3} .{ws}?{4} ?{5} ?{6} }} LIMIT {limit} # {note}"
# COUNT(*) over a three-way cross product streams 10^9 rows in constant memory: a pure time overrun.
TIME_HOG = "SELECT (COUNT(*) AS ?{0}) {{ ?{1} ?{2} ?{3} .{ws}?{4} ?{5} ?{6} . ?{7} ?{8} ?{9} }} LIMIT {limit} # {note}"
CHEAP = [
    "SELECT ?o { <http://ex/s5> ?p ?o }",
    "ASK { <http://ex/s7> <http://ex/p0> ?o }",
    'SELECT ?s { ?s <http://ex/p3> "v10" }',
]


def variant(template: str, rng: random.Random) -> str:
    """The same query, written differently: what a client dodging a text-keyed quarantine sends."""
    names = rng.sample([f"v{rng.randrange(10**6)}" for _ in range(40)], 10)
    return template.format(*names, ws=rng.choice([" ", "\n  ", "\t"]), limit=rng.randrange(1, 1000),
                           note=rng.getrandbits(64))


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    data = " ".join(f'<http://ex/s{i}> <http://ex/p{i % 7}> "v{i}" .' for i in range(TRIPLES))
    OxigraphStore.replace(root, lambda db: db.update(f"INSERT DATA {{ {data} }}"))
    return root


def run(store_root: Path, body: Callable[[QueryExecutor], Awaitable[Any]], **options: Any) -> Any:
    return run_executor(store_root, body, **{"workers": 2, "replica_max_triples": 10 * TRIPLES, "replica_slots": 4, "memory_mb": 64, **options})


def replica(ex: QueryExecutor) -> dict[str, Any]:
    return ex.status()["memory_replica"]  # type: ignore[no-any-return]


async def ready_or_waited(ex: QueryExecutor, within_s: float) -> None:
    """Wait (bounded) until the replica is ready: a variant then has the replica to aim at."""
    deadline = time.monotonic() + within_s
    while replica(ex)["state"] != "ready" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


class CheapClients:
    """A few clients sending cheap lookups back to back until stopped; every outcome is kept."""

    def __init__(self, ex: QueryExecutor, clients: int = 3) -> None:
        self.ex = ex
        self.failures: list[BaseException] = []
        self.answered = 0
        self._stop = asyncio.Event()
        self._tasks = [asyncio.create_task(self._client(i)) for i in range(clients)]

    async def _client(self, index: int) -> None:
        i = index
        while not self._stop.is_set():
            try:
                await self.ex.query(CHEAP[i % len(CHEAP)], media_type=JSON)
                self.answered += 1
            except Exception as exc:  # noqa: BLE001 - every failure of an innocent query is the finding
                self.failures.append(exc)
            i += 1
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)


def test_rewritten_text_has_the_same_shape() -> None:
    rng = random.Random(1)
    shapes = {query_shape(variant(MEMORY_HOG, rng)) for _ in range(20)}
    assert len(shapes) == 1
    assert shapes == {inspect_query(variant(MEMORY_HOG, rng), QueryLimits()).shape}
    # a prologue, an escape and keyword case change nothing either
    assert query_shape("PREFIX ex: <http://ex/> select ?x { ?x ex:p 1 }") == query_shape(
        "\\u0053ELECT $y { $y <http://ex/q> 2 }")
    # what the query does still tells queries apart
    assert query_shape(variant(TIME_HOG, rng)) not in shapes
    assert query_shape("SELECT ?x { ?x ?p ?o }") != query_shape("SELECT ?x { ?x ?p ?x }")
    assert query_shape("SELECT * { ?s ?p ?o } ORDER BY ?s") != query_shape("SELECT * { ?s ?p ?o }")


@pytest.mark.slow
def test_memory_hog_variants_lose_the_replica_once_and_cheap_queries_never_fail(store_root: Path) -> None:
    rng = random.Random(4)

    async def body(ex: QueryExecutor) -> None:
        await ready_or_waited(ex, 30)
        assert replica(ex)["state"] == "ready"
        cheap = CheapClients(ex)
        hostile: list[Any] = []
        for _ in range(4):
            await ready_or_waited(ex, 10)  # a variant aims at the replica whenever there is one
            hostile += await asyncio.gather(*(ex.query(variant(MEMORY_HOG, rng), media_type=JSON)
                                              for _ in range(2)), return_exceptions=True)
        await cheap.stop()
        assert cheap.failures == [] and cheap.answered > 0
        assert all(isinstance(h, QueryResourceError | QueryTimeoutError) for h in hostile), hostile
        assert replica(ex)["losses"] <= 1
        await ready_or_waited(ex, 30)
        assert (await ex.query(CHEAP[0], media_type=JSON)).lane == "memory"

    run(store_root, body, timeout_s=5.0)


@pytest.mark.slow
def test_time_hog_variants_hold_one_disk_worker_and_cheap_queries_keep_theirs(store_root: Path) -> None:
    """While overrunning variants wait out their deadline on disk, the other disk worker serves.

    The queue wait (1.5 s) is shorter than the deadline (3 s): a cheap query that had to wait for
    a worker held by a hostile one would fail with 503."""
    rng = random.Random(5)

    async def body(ex: QueryExecutor) -> None:
        await ready_or_waited(ex, 30)
        with pytest.raises(QueryTimeoutError):  # the first one overruns in the replica
            await ex.query(variant(TIME_HOG, rng), media_type=JSON)
        assert replica(ex)["losses"] == 1
        cheap = CheapClients(ex)  # the replica reloads after 2 s: meanwhile these run on disk
        hostile: list[Any] = []
        for _ in range(3):
            hostile += await asyncio.gather(*(ex.query(variant(TIME_HOG, rng), media_type=JSON)
                                              for _ in range(3)), return_exceptions=True)
        await cheap.stop()
        assert cheap.failures == [] and cheap.answered > 0
        assert all(isinstance(h, QueryResourceError | QueryTimeoutError) for h in hostile), hostile
        assert replica(ex)["losses"] == 1

    run(store_root, body, timeout_s=3.0, queue_timeout_s=1.5)
