"""Large answers from the memory replica stream through the server (api.ipc.BodyStream).

An answer over ``STREAM_OVER`` is handed on as soon as its header is in; the exchange goes on
reading it off the replica's pipe at the replica's pace, so the slot comes back when the last byte is
read whatever the HTTP client does, and a client that keeps up never has the whole answer copied into
the server. Real processes and a real store throughout; the HTTP tests go through a real server.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from coopgraph.api.executor import QueryExecutor
from coopgraph.api.ipc import _HEADER, _REPLY_HEADER, STREAM_OVER, BodyStream, Worker, WorkerDied, exchange
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.api.executor_runs import run_executor
from tests.api.test_replica import replica, until_ready
from tests.conftest import start_server, stop_server

JSON = "application/sparql-results+json"
ROWS = 4000
LONG = "a long literal value that pads each row of the answer " * 4  # ~220 bytes a row
BIG = "SELECT ?s ?o { ?s <http://ex/p> ?o } ORDER BY ?s"


@pytest.fixture
def big_store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    data = " ".join(f'<http://ex/s{i:05d}> <http://ex/p> "{LONG}{i}" .' for i in range(ROWS))
    OxigraphStore.replace(root, lambda db: db.update(f"INSERT DATA {{ {data} }}"))
    return root


async def read_all(stream: BodyStream) -> bytes:
    return b"".join([bytes(chunk) async for chunk in stream])


def test_a_large_answer_streams_from_the_replica_and_equals_the_whole_answer(big_store: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        whole = await ex.query(BIG, media_type=JSON)
        streamed = await ex.query(BIG, media_type=JSON, stream=True)
        assert (whole.lane, streamed.lane) == ("memory", "memory")
        assert isinstance(whole.body, bytes) and len(whole.body) > STREAM_OVER
        assert isinstance(streamed.body, BodyStream) and streamed.body.size == len(whole.body)
        assert await read_all(streamed.body) == whole.body
        assert len(json.loads(whole.body)["results"]["bindings"]) == ROWS
        # a small answer asked the same way is whole, and not copied into bytes
        small = await ex.query("ASK { ?s ?p ?o }", media_type=JSON, stream=True)
        assert not isinstance(small.body, BodyStream) and json.loads(bytes(small.body)) == {"head": {}, "boolean": True}

    run_executor(big_store, body, workers=1, replica_max_triples=10 * ROWS)


def test_the_disk_lane_streams_too_and_its_worker_serves_the_next_query(big_store: Path) -> None:
    """No replica: one disk worker answers a large query three times, streamed, each read to the end
    while the next is asked; a small query then still finds the worker; a client that stops waiting
    before the answer comes costs that worker (killed, replaced), not the next answer."""

    async def body(ex: QueryExecutor) -> None:
        whole = await ex.query(BIG, media_type=JSON)
        assert whole.lane == "disk" and isinstance(whole.body, bytes) and len(whole.body) > STREAM_OVER
        for _ in range(3):
            streamed = await ex.query(BIG, media_type=JSON, stream=True)
            assert isinstance(streamed.body, BodyStream) and streamed.lane == "disk"
            assert await read_all(streamed.body) == whole.body
        small = await ex.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", media_type="text/csv", stream=True)
        assert bytes(small.body) == f"n\r\n{ROWS}\r\n".encode()  # type: ignore[arg-type]
        impatient = asyncio.create_task(ex.query(BIG, media_type=JSON, stream=True))
        await asyncio.sleep(0)
        impatient.cancel()
        with pytest.raises(asyncio.CancelledError):
            await impatient
        again = await ex.query(BIG, media_type=JSON, stream=True)
        assert isinstance(again.body, BodyStream) and await read_all(again.body) == whole.body

    run_executor(big_store, body, workers=1, replica_max_triples=0)


def test_a_reader_that_never_reads_does_not_keep_the_slot(big_store: Path) -> None:
    """One slot: the first answer is never read, yet the exchange reads all of it off the pipe and
    gives the slot back, so the next query is answered from the replica at once."""

    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        unread = await ex.query(BIG, media_type=JSON, stream=True)
        assert isinstance(unread.body, BodyStream)
        async with asyncio.timeout(10):
            nxt = await ex.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", media_type="text/csv")
        assert (nxt.lane, nxt.whole()) == ("memory", f"n\r\n{ROWS}\r\n".encode())
        assert unread.body.complete  # all of it arrived while nobody read
        assert replica(ex)["losses"] == 0

    run_executor(big_store, body, workers=1, replica_max_triples=10 * ROWS, replica_slots=1)


def test_a_worker_dying_half_way_through_an_answer_fails_the_stream_after_what_arrived() -> None:
    """The parent's end of a real socket pair: the other end announces a large answer, sends part of
    it and closes. The reader gets the bytes that came, then WorkerDied: never a hang, never a
    short answer passed off as whole."""

    async def main() -> None:
        parent, child = socket.socketpair()
        parent.setblocking(False)
        worker = Worker(process=None, conn=None, sock=parent)  # type: ignore[arg-type]
        handed: list[BodyStream] = []
        task = asyncio.ensure_future(exchange(worker, ("query", None), lambda _reply, s: handed.append(s)))
        await asyncio.sleep(0.05)
        assert child.recv(65536)  # the job went out
        header = pickle.dumps(("ok", {"rows": 1}))
        body = os.urandom(2 * STREAM_OVER)
        size = _REPLY_HEADER.size + len(header) + len(body)
        frame = _HEADER.pack(size) + _REPLY_HEADER.pack(len(header)) + header + body
        child.setblocking(False)  # sent on the loop, which reads the other end meanwhile
        await asyncio.get_running_loop().sock_sendall(child, frame[: len(frame) // 2])
        child.close()
        got = b""
        with pytest.raises(WorkerDied):
            await task
        assert len(handed) == 1 and handed[0].size == len(body)
        with pytest.raises(WorkerDied):
            async for chunk in handed[0]:
                got += bytes(chunk)
        assert got and body.startswith(got) and len(got) < len(body)
        parent.close()

    asyncio.run(main())


def test_the_replica_killed_while_an_answer_streams_fails_only_that_answer(big_store: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        assert ex._replica is not None
        pid = ex._replica.process.pid
        streamed = await ex.query(BIG + " LIMIT 100000", media_type="application/sparql-results+xml", stream=True)
        assert isinstance(streamed.body, BodyStream)
        os.kill(pid, signal.SIGKILL)
        got = 0
        try:
            async for chunk in streamed.body:
                got += len(chunk)
        except WorkerDied:
            assert got < streamed.body.size
        else:
            assert got == streamed.body.size  # it had all arrived before the kill: nothing lost
        after = await ex.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", media_type="text/csv")
        assert after.whole() == f"n\r\n{ROWS}\r\n".encode()

    run_executor(big_store, body, workers=1, replica_max_triples=10 * ROWS)


def test_the_endpoint_streams_a_large_answer_with_its_length(big_store: Path, tmp_path: Path) -> None:
    server = start_server(big_store, tmp_path, env={"COOPGRAPH_REPLICA_MAX_TRIPLES": str(10 * ROWS)})
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(100):  # until the replica answers
                probe = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": JSON})
                if probe.headers.get("x-coopgraph-lane") == "memory":
                    break
                time.sleep(0.1)
            else:
                pytest.fail(f"the replica never answered:\n{server.log()}")
            answer = client.get("/sparql", params={"query": BIG}, headers={"Accept": JSON})
            assert answer.status_code == 200, answer.text
            assert answer.headers["x-coopgraph-lane"] == "memory"
            assert int(answer.headers["content-length"]) == len(answer.content) > STREAM_OVER
            assert answer.headers["content-type"] == JSON
            rows = json.loads(answer.content)["results"]["bindings"]
            assert [r["s"]["value"] for r in rows] == [f"http://ex/s{i:05d}" for i in range(ROWS)]
            # a client that reads a few bytes and goes away costs nothing: the next answer is whole
            with client.stream("GET", "/sparql", params={"query": BIG}, headers={"Accept": JSON}) as partial:
                next(partial.iter_bytes(1024))
            again = client.get("/sparql", params={"query": BIG}, headers={"Accept": JSON})
            assert again.content == answer.content
            health = client.get("/healthz").json()
            assert "losses" not in json.dumps(health) or '"losses": 0' in json.dumps(health), health
    finally:
        stop_server(server)
    assert "Traceback" not in server.log(), server.log()
