"""The one-write HTTP protocol (api/http_server.py).

Its transport wraps a real asyncio transport over a socket pair (a spy counts the writes that reach
it). The live server of the other HTTP tests runs on it (tests/conftest.py passes it to uvicorn as
``coopgraph serve`` does), so every HTTP test exercises it; the last tests here are the cases it
must not break: a body that comes after its headers, pipelined requests, a response too large to
hold.
"""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.parse
from typing import Any

from coopgraph.api.http_server import HOLD_MAX, CoalescingTransport
from tests.conftest import LiveServer


class Spy:
    """Counts what reaches a real transport; everything else is the transport's."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


async def _connected() -> tuple[CoalescingTransport, Spy, socket.socket]:
    ours, theirs = socket.socketpair()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    spy = Spy(transport)  # type: ignore[arg-type]  # a connected socket's transport is an asyncio.Transport
    spied: Any = spy
    return CoalescingTransport(spied, loop), spy, theirs


def _read_all(sock: socket.socket, size: int) -> bytes:
    sock.settimeout(5)
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, f"closed after {len(data)} of {size} bytes"
        data += chunk
    return data


def test_writes_of_one_turn_reach_the_transport_as_one() -> None:
    async def scenario() -> None:
        coalescing, spy, peer = await _connected()
        coalescing.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        coalescing.write(b"hello")
        assert spy.writes == [] and coalescing.get_write_buffer_size() == 43
        await asyncio.sleep(0)  # the turn ends
        assert spy.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"]
        assert _read_all(peer, 43).endswith(b"hello")
        coalescing.write(b"next")  # a later turn: its own write
        await asyncio.sleep(0)
        assert spy.writes[1:] == [b"next"]
        coalescing.close()
        peer.close()

    asyncio.run(scenario())


def test_a_large_write_goes_at_once_after_what_is_held() -> None:
    async def scenario() -> None:
        coalescing, spy, peer = await _connected()
        big = b"x" * (HOLD_MAX + 1)
        coalescing.write(b"head")
        coalescing.write(big)
        assert spy.writes == [b"head", big]  # in order, without waiting for the turn to end
        assert _read_all(peer, len(big) + 4) == b"head" + big
        await asyncio.sleep(0)
        assert len(spy.writes) == 2  # nothing left to flush
        coalescing.close()
        peer.close()

    asyncio.run(scenario())


def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    async def scenario() -> None:
        coalescing, spy, peer = await _connected()
        coalescing.write(b"last words")
        coalescing.close()
        assert spy.writes == [b"last words"]
        assert _read_all(peer, 10) == b"last words"
        peer.close()
        coalescing, spy, peer = await _connected()
        coalescing.write(b"never sent")
        coalescing.abort()
        await asyncio.sleep(0)
        assert spy.writes == [] and coalescing.get_write_buffer_size() == 0
        assert coalescing.is_closing()  # the rest is the transport's
        peer.close()

    asyncio.run(scenario())


def test_what_is_held_when_the_connection_goes_is_dropped() -> None:
    async def scenario() -> None:
        coalescing, spy, peer = await _connected()
        coalescing.write(b"too late")
        spy.transport.close()  # uvicorn's connection_lost, or the client gone, before the turn ends
        await asyncio.sleep(0)
        assert spy.writes == [] and coalescing.get_write_buffer_size() == 0
        peer.close()

    asyncio.run(scenario())


# -- the live server, which runs on it ---------------------------------------------------------------

def _raw(server: LiveServer, chunks: list[tuple[float, bytes]], responses: int = 1) -> bytes:
    """Send ``chunks`` (each after its delay) on one connection; read until ``responses`` complete
    responses (each with a Content-Length) are in."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for delay, chunk in chunks:
            time.sleep(delay)
            sock.sendall(chunk)
        data = b""
        while _complete(data) < responses:
            more = sock.recv(65536)
            assert more, f"connection closed after {data[:300]!r}"
            data += more
        return data


def _complete(data: bytes) -> int:
    count, at = 0, 0
    while (end := data.find(b"\r\n\r\n", at)) != -1:
        head = data[at:end].lower()
        length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
        if len(data) < end + 4 + length:
            break
        count, at = count + 1, end + 4 + length
    return count


def _query_post(query: str) -> tuple[bytes, bytes]:
    body = urllib.parse.urlencode({"query": query}).encode()
    head = (b"POST /sparql HTTP/1.1\r\nHost: test\r\nAccept: application/sparql-results+json\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    return head, body


def test_a_body_that_comes_after_its_headers_is_waited_for(live_server: LiveServer) -> None:
    head, body = _query_post("ASK { ?s ?p ?o }")
    for delay in (0.0, 0.001, 0.3):
        answer = _raw(live_server, [(0, head), (delay, body)])
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'"boolean":true}')


def test_pipelined_requests_get_their_responses_in_order(live_server: LiveServer) -> None:
    first, second = _query_post("ASK { ?s ?p ?o }"), _query_post("ASK { <urn:none> ?p ?o }")
    answer = _raw(live_server, [(0, b"".join(first + second))], responses=2)
    assert answer.count(b"HTTP/1.1 200") == 2
    assert answer.index(b'"boolean":true') < answer.index(b'"boolean":false')


def test_a_response_larger_than_what_is_held_arrives_whole(live_server: LiveServer) -> None:
    import httpx

    page = httpx.get(live_server.url + "/query")
    script = next(part.split('"')[0] for part in page.text.split('src="')[1:] if "/static/" in part)
    response = httpx.get(live_server.url + script)
    assert response.status_code == 200 and len(response.content) > HOLD_MAX
    assert len(response.content) == int(response.headers["content-length"])
