"""api.executor's memory replica: same answers as disk, and every failure falls back to disk.

The replica is one process holding the store in memory, with a thread per slot. These tests run
real processes on a real store: they kill the replica, overrun its time and memory bounds, update
the data under it, and check that every query still gets the right answer or the right error.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from coopgraph.api.executor import QueryExecutor
from coopgraph.graph.errors import QueryResourceError, QueryTimeoutError
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.api.costly_queries import BOMB, RUNAWAY, SLOW_COUNT
from tests.api.executor_runs import run_executor

DATA = """
<http://ex/a> <http://ex/p> "x" . <http://ex/b> <http://ex/p> "y"@en . <http://ex/c> <http://ex/p> 3 .
_:blank <http://ex/p> "from a blank node" .
GRAPH <http://ex/g1> { <http://ex/d> <http://ex/p> <http://ex/e> }
"""
CSV = "text/csv"
JSON = "application/sparql-results+json"


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    OxigraphStore.replace(root, lambda db: db.update(f"INSERT DATA {{ {DATA} }}"))
    return root


def run(store_root: Path, body: Callable[[QueryExecutor], Awaitable[Any]], **options: Any) -> Any:
    return run_executor(store_root, body, **{"workers": 1, "replica_max_triples": 1000, **options})


def replica(ex: QueryExecutor) -> dict[str, Any]:
    return ex.status()["memory_replica"]  # type: ignore[no-any-return]


async def until_ready(ex: QueryExecutor, *, losses: int = 0, within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while not (replica(ex)["state"] == "ready" and replica(ex)["losses"] == losses):
        assert time.monotonic() < deadline, f"the replica did not become ready: {replica(ex)}"
        await asyncio.sleep(0.05)


QUERIES = [
    "SELECT ?s ?o { ?s <http://ex/p> ?o } ORDER BY ?o",
    "SELECT ?s { GRAPH <http://ex/g1> { ?s ?p ?o } }",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?o { ?s <http://ex/p> ?o FILTER(isBlank(?s)) }",
]


def test_the_replica_answers_exactly_as_the_disk_store(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        first = [await ex.query(q, media_type=CSV) for q in QUERIES]  # before the copy is ready
        await until_ready(ex)
        second = [await ex.query(q, media_type=CSV) for q in QUERIES]
        assert [o.lane for o in second] == ["memory"] * len(QUERIES)
        assert [o.body for o in second] == [o.body for o in first]
        assert second[3].body == b"o\r\nfrom a blank node\r\n"
        assert replica(ex)["triples"] == 5  # four in the default graph, one named
        # the blank node keeps its label in the copy: the same bnode id comes back
        labels = [await ex.query("SELECT ?s { ?s ?p ?o FILTER(isBlank(?s)) }", media_type=CSV)
                  for _ in range(2)]
        assert labels[0].body == labels[1].body

    run(store_root, body)


def test_a_killed_replica_does_not_fail_the_queries_inside_it(store_root: Path) -> None:
    """Queries in flight when the replica dies (another query's fault) are answered from disk."""
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        pid = (await ex.query("ASK {}", media_type=JSON), ex._replica)[1].process.pid  # type: ignore[union-attr]
        victim = asyncio.create_task(ex.query(SLOW_COUNT, media_type=CSV))
        await asyncio.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        outcome = await victim
        assert (outcome.body, outcome.lane) == (b"n\r\n10000000\r\n", "disk")
        assert replica(ex)["losses"] == 1
        await until_ready(ex, losses=1)  # reloaded (the first reload waits 2 s)
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "memory"

    run(store_root, body)


def test_sockets_the_loop_still_reads_are_not_closed_under_it_when_the_replica_dies(store_root: Path) -> None:
    """The replica dies with three queries in it and is reaped before the loop reads their EOFs.

    Closed by the reaping thread, the sockets of those queries left stale entries in the loop's
    selector: the queries waited out the time limit instead of falling back to disk, and a socket of
    the next replica that got the same descriptor number was never watched, so its answers went
    unread until the time limit too (a cheap query failing under load, now and then)."""
    from coopgraph.api.replica import MemoryReplica

    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        copy = ex._replica
        assert copy is not None
        victims = [asyncio.create_task(ex.query(SLOW_COUNT, media_type=CSV)) for _ in range(3)]
        await asyncio.sleep(0.5)
        assert len(copy.busy) == 3
        os.kill(copy.process.pid, signal.SIGKILL)
        ex._memory.lose(copy, "killed by the test")
        # the reaping thread's work, done (here, or by that thread while this waits) before the loop runs again
        MemoryReplica._reap(copy)
        started = time.monotonic()
        outcomes = await asyncio.gather(*victims)
        # answered from disk; before, they waited out the time limit on sockets no one watched
        assert {(o.body, o.lane) for o in outcomes} == {(b"n\r\n10000000\r\n", "disk")}
        assert all(worker.sock is None for worker in copy.workers)  # closed once their queries ended
        await until_ready(ex, losses=1)
        for _ in range(20):  # the next replica's sockets may reuse those numbers: all are watched
            started = time.monotonic()
            assert (await ex.query("ASK {}", media_type=JSON)).lane == "memory"
            assert time.monotonic() - started < 2.0

    run(store_root, body, workers=3, timeout_s=10.0)


def test_a_replica_reaped_by_several_threads_at_once_closes_each_descriptor_once(store_root: Path) -> None:
    """The loss schedules a reaping thread; a second reaper (here, eight) must neither fail nor close
    a descriptor number twice: the second close could hit a number something else has reused."""
    from coopgraph.api.replica import MemoryReplica

    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        copy = ex._replica
        assert copy is not None
        ex._memory.lose(copy, "killed by the test")
        errors: list[BaseException] = []

        def reap() -> None:
            try:
                MemoryReplica._reap(copy)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=reap) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and copy.reaped and not copy.process.is_alive()
        assert all(worker.conn.closed for worker in copy.workers) and copy.control.closed
        await until_ready(ex, losses=1)
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "memory"

    run(store_root, body, workers=2)


def test_an_overrun_kills_the_replica_once_then_the_query_only_runs_on_disk(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError):
            await ex.query(RUNAWAY, media_type=JSON)
        assert time.monotonic() - started < 3
        assert replica(ex)["losses"] == 1
        await until_ready(ex, losses=1)
        with pytest.raises(QueryTimeoutError):  # quarantined: it overruns a disk worker instead
            await ex.query(RUNAWAY, media_type=JSON)
        assert replica(ex)["state"] == "ready" and replica(ex)["losses"] == 1
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "memory"

    run(store_root, body, timeout_s=1.5)


def test_a_memory_hog_is_answered_by_the_disk_bound_and_the_replica_comes_back(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        with pytest.raises(QueryResourceError):
            await ex.query(BOMB, media_type=JSON)
        assert replica(ex)["losses"] == 1  # it blew the replica's bound, then a disk worker's
        await until_ready(ex, losses=1)
        with pytest.raises(QueryResourceError):  # now only on disk: the replica survives
            await ex.query(BOMB, media_type=JSON)
        assert replica(ex)["losses"] == 1
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "memory"

    run(store_root, body, memory_mb=96, timeout_s=30)


def test_an_update_reloads_the_replica_and_no_answer_is_stale(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        await ex.update('INSERT DATA { <http://ex/new> <http://ex/p> "n" }')
        ask = "SELECT ?o { <http://ex/new> ?p ?o }"
        right_away = await ex.query(ask, media_type=CSV)
        assert (right_away.body, right_away.lane) == (b"o\r\nn\r\n", "disk")  # the old copy is gone
        await until_ready(ex)
        later = await ex.query(ask, media_type=CSV)
        assert (later.body, later.lane) == (b"o\r\nn\r\n", "memory")
        assert replica(ex)["triples"] == 6

    run(store_root, body, workers=2)


def test_a_client_going_away_does_not_cost_the_replica(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        task = asyncio.create_task(ex.query(SLOW_COUNT, media_type=CSV))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the abandoned count finishes in its slot; the other slots answer meanwhile
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "memory"
        await asyncio.sleep(4)
        answers = await asyncio.gather(*(ex.query("ASK {}", media_type=JSON) for _ in range(2)))
        assert [a.lane for a in answers] == ["memory", "memory"]
        assert replica(ex)["losses"] == 0

    run(store_root, body, replica_slots=2)


def test_a_store_over_the_limit_stays_on_disk(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        deadline = time.monotonic() + 30
        while replica(ex)["state"] != "too-large":
            assert time.monotonic() < deadline, replica(ex)
            await asyncio.sleep(0.05)
        assert replica(ex)["triples"] == 5 and "replica_max_triples" in replica(ex)["detail"]
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "disk"

    run(store_root, body, replica_max_triples=4)


def test_off_by_default_in_the_executor(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await asyncio.sleep(0.3)
        assert replica(ex)["state"] == "off"
        assert (await ex.query("ASK {}", media_type=JSON)).lane == "disk"

    run(store_root, body, replica_max_triples=0)


def _descendants_named(name: str) -> list[int]:
    """Live processes below this one (the forkserver's children included) whose name is ``name``."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing bracket
        head, _, rest = stat.rpartition(")")
        fields = rest.split()
        if fields[0] == "Z":  # exited, not yet reaped: it holds no copy
            continue
        pid = int(entry)
        names[pid], parents[pid] = head.partition("(")[2], int(fields[1])
    me, found = os.getpid(), []
    for pid, comm in names.items():
        if comm != name:
            continue
        up = parents.get(pid, 0)
        while up not in (0, 1, me):
            up = parents.get(up, 0)
        if up == me:
            found.append(pid)
    return found


@pytest.mark.slow
def test_a_stream_of_updates_keeps_at_most_one_copy_loading(tmp_path: Path) -> None:
    """Each update used to start a full copy of the store; copies started before the previous one
    was recorded were never killed. Now one copy loads at a time and a data change stops it."""
    root = tmp_path / "store"
    quads = [ox.Quad(ox.NamedNode(f"http://ex/s{i}"), ox.NamedNode(f"http://ex/p{i % 5}"), ox.Literal(f"v{i}"))
             for i in range(60_000)]  # a copy takes a noticeable fraction of a second
    OxigraphStore.replace(root, lambda db: db.extend(quads))
    updates = 16
    pauses = random.Random(7)
    most = {"proc": 0, "books": 0}
    stop = threading.Event()

    def sample(ex: QueryExecutor) -> None:
        while not stop.is_set():
            most["proc"] = max(most["proc"], len(_descendants_named("coopgraph-copy")))
            most["books"] = max(most["books"], len(getattr(ex, "_loading", ())))
            time.sleep(0.005)

    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex, within_s=60)
        sampler = threading.Thread(target=sample, args=(ex,))
        sampler.start()
        try:
            for i in range(updates):  # back to back, as a client sending one update after another
                await ex.update(f'DELETE WHERE {{ <http://ex/last> ?p ?o }} ; '
                                f'INSERT DATA {{ <http://ex/last> <http://ex/p> "u{i}" }}')
                await asyncio.sleep(pauses.uniform(0.0, 0.02))  # its next request's round trip
            await until_ready(ex, within_s=60)
        finally:
            stop.set()
            sampler.join()
        answer = await ex.query("SELECT ?o { <http://ex/last> ?p ?o }", media_type=CSV)
        assert (answer.body, answer.lane) == (f"o\r\nu{updates - 1}\r\n".encode(), "memory")
        assert replica(ex)["triples"] == 60_001
        assert most["proc"] <= 1 and most["books"] <= 1, most

    run(root, body, replica_max_triples=100_000, workers=2)
