"""What ``coopgraph serve`` gives uvicorn besides the app: an HTTP protocol that sends each
response in one write.

uvicorn writes a response's head and its body in two writes. A client that has read the head
then waits for the body, and on a virtual machine waking a process that sleeps in the kernel costs
tens of microseconds (the waker pays for it), on every cheap query. :class:`OneWriteProtocol` is
uvicorn's httptools protocol with its transport wrapped in :class:`CoalescingTransport`, which
sends what one turn of the event loop wrote (a response's head and body) as one write. ``http=``
(an import string) is uvicorn's documented way to choose the protocol.

Tried and not kept: an event loop whose selector polls for a while before it sleeps, so that a
request's body (clients send it after the headers) would find the server awake. It needs asyncio's
own loop instead of uvloop, and side by side it was no faster (bench/README.md, *Targets*).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingTransport", "OneWriteProtocol", "HOLD_MAX", "UVICORN_HTTP"]

# uvicorn's ``http=`` for it, as an import string (uvicorn imports it where it serves).
UVICORN_HTTP = f"{__name__}:OneWriteProtocol"
# A write that would hold more than this is not held back: what is held goes, then it.
HOLD_MAX = 64 * 1024


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
            if self._transport.is_closing():  # the client went away meanwhile (uvloop raises once closed)
                return
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
