"""What ``coopgraph serve`` gives uvicorn besides the app: an event loop that polls briefly before it
sleeps, and an HTTP protocol that sends each response in one write.

Both are about wake-ups. On a virtual machine, waking a process that sleeps in the kernel costs
tens of microseconds each time (the waker pays for it), and a cheap query over HTTP used to meet
several: the client sends the request line and headers, then the body, in two writes (http.client
and httpx both do), and the server, having read the headers, went to sleep until the body came;
uvicorn then sent the response head and the body in two writes, and a client that had read the
head slept until the body came. Oxigraph server meets one wake-up each way.

- :class:`PollingSelector`: when the loop has nothing to do while it serves exactly one request,
  it polls its sockets for up to ``loop_poll_us`` before it sleeps, so that request's body or its
  answer from the memory replica finds it awake. With no request, it sleeps at once: polling for
  a client's next request was measured no faster with httpx, whose own CPU between two requests
  (about 0.5 ms) it took a share of; with several requests, that CPU belongs to the queries.
- :class:`OneWriteProtocol`: uvicorn's httptools protocol with its transport wrapped in
  :class:`CoalescingTransport`, which sends what a turn of the loop wrote (a response's head and
  body) as one write.

Each is a documented uvicorn extension point (``loop=`` an import string, ``http=`` a class).
"""

from __future__ import annotations

import asyncio
import os
import selectors
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["PollingSelector", "new_event_loop", "InFlight", "CoalescingTransport", "OneWriteProtocol",
           "configure", "HOLD_MAX", "UVICORN_LOOP", "UVICORN_HTTP"]

# uvicorn's ``loop=`` and ``http=`` for them, as import strings (uvicorn imports them where it serves).
UVICORN_LOOP = f"{__name__}:new_event_loop"
UVICORN_HTTP = f"{__name__}:OneWriteProtocol"

# A response larger than this is not held back: its head goes alone, as uvicorn sends it.
HOLD_MAX = 64 * 1024


class InFlight:
    """The HTTP requests being handled in this process (one server per process, so one count):
    :class:`api.boot.ServerApp` counts them, :class:`PollingSelector` reads the count."""

    count = 0


class PollingSelector(selectors.DefaultSelector):
    """A selector that, asked to wait while exactly one request is in flight (:class:`InFlight`),
    first polls for up to ``poll_ns``, yielding the CPU between polls to any process that waits for
    it (the client, the replica). The wait is never longer than asked: a timer due sooner bounds it."""

    poll_ns = 0  # set by configure(); 0 = a plain selector

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        poll_ns = self.poll_ns
        if poll_ns and (timeout is None or timeout > 0) and InFlight.count == 1:
            if timeout is not None:
                poll_ns = min(poll_ns, int(timeout * 1e9))
            until = time.perf_counter_ns() + poll_ns
            while True:
                ready = super().select(0)
                if ready or time.perf_counter_ns() >= until:
                    return ready if ready else super().select(_left(timeout, poll_ns))
                os.sched_yield()
        return super().select(timeout)


def _left(timeout: float | None, polled_ns: int) -> float | None:
    return None if timeout is None else max(0.0, timeout - polled_ns / 1e9)


def configure(poll_us: int) -> None:
    """Set the polling window (microseconds); never on one CPU, where polling only delays whoever
    it waits for."""
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    PollingSelector.poll_ns = poll_us * 1000 if cpus > 1 else 0


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvicorn's ``loop=`` factory: asyncio's selector loop on a :class:`PollingSelector`."""
    return asyncio.SelectorEventLoop(PollingSelector())


class CoalescingTransport:
    """A transport whose writes within one turn of the event loop go out as one ``send``: held
    until the turn ends (``call_soon``), or until the connection is closed. A write that would make
    the held bytes larger than :data:`HOLD_MAX` sends what is held, then itself, at once. Everything
    else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held_size + len(data) > HOLD_MAX:
            self.flush()
            self._transport.write(data)
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))
        self._held_size += len(data)

    def flush(self) -> None:
        if self._held:
            held, self._held, self._held_size = self._held, [], 0
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held, self._held_size = [], 0
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_size

    def __getattr__(self, name: str) -> Any:  # pause_reading, get_extra_info, is_closing...
        return getattr(self._transport, name)


class OneWriteProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn types it
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
