"""The memory replica's slots poll for their next job instead of sleeping, within bounds.

``sparql_worker.IdlePolling`` lets the slot thread that answered last poll every slot's pipe for a
while, when nothing runs, so a client sending one query after another finds a thread already
awake. These tests run the real ``serve`` loop on real pipes and check the bounds that make it
safe: one thread polls, it stops after its window (CPU is not burnt for ever), it stops for a job
that came to another slot, and a closed pipe still ends its thread.
"""

from __future__ import annotations

import os
import threading
import time
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.api.executor import QueryExecutor
from coopgraph.api.ipc import read_reply
from coopgraph.api.replica import _usable_cpus
from coopgraph.api.sparql_worker import IdlePolling, QueryJob, serve
from tests.api.executor_runs import run_executor

ASK = QueryJob(text="ASK { ?s ?p ?o }", media_type="application/sparql-results+json", default_graph_uris=None,
               named_graph_uris=None, max_rows=10, base_iri=None)


class Slots:
    """``count`` slot threads running ``serve`` over one in-memory store, as the replica does."""

    def __init__(self, count: int, poll_ns: int) -> None:
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("x")))
        pairs = [Pipe() for _ in range(count)]
        self.parents: list[Connection] = [parent for parent, _ in pairs]
        children = [child for _, child in pairs]
        self.idle = IdlePolling([c.fileno() for c in children], poll_ns)
        self.threads = [threading.Thread(target=serve, args=(child, store, 0.0, self.idle), daemon=True)
                        for child in children]
        for thread in self.threads:
            thread.start()

    def ask(self, slot: int) -> bool:
        self.parents[slot].send(("query", ASK))
        reply, body = read_reply(self.parents[slot].recv_bytes())
        assert reply[0] == "ok", reply
        return b"true" in bytes(body)

    def stop(self) -> None:
        for parent in self.parents:
            parent.send(None)
        for thread in self.threads:
            thread.join(5)
        assert not any(thread.is_alive() for thread in self.threads)


def cpu_over(seconds: float) -> float:
    """CPU seconds this process uses in the next ``seconds`` (the slot threads are its threads)."""
    before = time.process_time()
    time.sleep(seconds)
    return time.process_time() - before


def test_the_thread_that_answered_polls_for_its_window_and_then_sleeps() -> None:
    slots = Slots(3, poll_ns=300_000_000)  # 0.3 s, long enough to see
    try:
        assert slots.ask(0) and slots.ask(0)
        polling = cpu_over(0.15)  # inside the window: a thread is busy polling
        time.sleep(0.2)  # the window is over
        asleep = cpu_over(0.3)
        assert polling > 0.05, f"no thread polled after the answer ({polling:.3f} s of CPU in 0.15 s)"
        assert asleep < 0.05, f"a thread kept polling past its window ({asleep:.3f} s of CPU in 0.3 s)"
        assert slots.ask(1) and slots.ask(2)  # and every slot still answers
    finally:
        slots.stop()


def test_without_a_window_no_thread_polls() -> None:
    slots = Slots(2, poll_ns=0)
    try:
        assert slots.ask(0) and slots.ask(1)
        assert cpu_over(0.3) < 0.05
    finally:
        slots.stop()


def test_a_job_for_another_slot_is_answered_at_once_while_one_thread_polls() -> None:
    """The poller holds the GIL between polls: it must step aside for the thread whose pipe got a
    job, not make it wait out the window (here ten seconds)."""
    slots = Slots(3, poll_ns=10_000_000_000)
    try:
        assert slots.ask(0)  # slot 0's thread now polls
        for slot in (1, 2, 1):
            started = time.monotonic()
            assert slots.ask(slot)
            assert time.monotonic() - started < 1.0
    finally:
        slots.stop()


def test_a_closed_pipe_ends_a_polling_thread() -> None:
    slots = Slots(2, poll_ns=10_000_000_000)
    assert slots.ask(1)  # slot 1's thread polls
    for parent in slots.parents:
        parent.close()  # the parent went away
    for thread in slots.threads:
        thread.join(5)
    assert not any(thread.is_alive() for thread in slots.threads)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.skipif(_usable_cpus() < 2, reason="polling is off on one CPU")
def test_an_idle_replica_process_uses_no_cpu_once_its_window_is_over(tmp_path: Path) -> None:
    """The whole process, as served: after a burst of queries the replica polls for at most its
    window (here 1 ms) and then sleeps."""
    from coopgraph.graph.store.oxigraph import OxigraphStore

    root = tmp_path / "store"
    OxigraphStore.replace(root, lambda db: db.update("INSERT DATA { <http://ex/a> <http://ex/p> 1 }"))

    async def body(ex: QueryExecutor) -> None:
        import asyncio

        deadline = time.monotonic() + 30
        while ex.status()["memory_replica"]["state"] != "ready":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        for _ in range(200):
            assert (await ex.query("ASK {}", media_type="application/sparql-results+json")).lane == "memory"
        replica = ex._replica
        assert replica is not None and replica.process.pid is not None
        await asyncio.sleep(0.1)
        before = _cpu_seconds(replica.process.pid)
        await asyncio.sleep(1.0)
        assert _cpu_seconds(replica.process.pid) - before < 0.1  # clock ticks of 10 ms: a busy loop is 1 s

    run_executor(root, body, workers=1, replica_max_triples=1000, replica_poll_us=1000)


def test_the_parent_polls_for_an_answer_only_within_its_window_and_while_told_to() -> None:
    """The server's side (api/ipc._poll_read): bytes as soon as they come, 0 once the window is
    over or ``keep_polling`` turns false (the caller then waits on the event loop), the end of the
    pipe as a dead worker; the event loop runs other work between polls."""
    import asyncio
    import socket

    from coopgraph.api.ipc import WorkerDied, _poll_read

    async def scenario() -> None:
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        buf = bytearray(64)
        turns = 0

        async def other_work() -> None:
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)

        beside = asyncio.create_task(other_work())
        started = time.monotonic()
        assert await _poll_read(ours, buf, 50_000_000, lambda: True) == 0
        assert 0.05 <= time.monotonic() - started < 1.0
        assert turns > 10  # the loop kept serving while it polled
        started = time.monotonic()
        assert await _poll_read(ours, buf, 10_000_000_000, lambda: time.monotonic() - started < 0.05) == 0
        assert time.monotonic() - started < 1.0  # stopped when told, not after ten seconds
        theirs.send(b"reply")
        assert await _poll_read(ours, buf, 50_000_000, lambda: True) == 5 and buf[:5] == b"reply"
        theirs.close()
        with pytest.raises(WorkerDied):
            await _poll_read(ours, buf, 50_000_000, lambda: True)
        ours.close()
        beside.cancel()

    asyncio.run(scenario())
