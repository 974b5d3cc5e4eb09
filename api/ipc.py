"""The parent's end of a SPARQL worker process: starting it, holding it, and talking to it.

Both lanes of :mod:`api.executor` use it: the disk workers (:mod:`api.worker_pool`) and the
memory replica (:mod:`api.replica`); what runs at the other end is :mod:`api.sparql_worker`.

- **Start**: every worker is forked from a ``forkserver`` (see :func:`forkserver_context`).
- **Handle**: a :class:`Worker` is the process and the parent's end of its pipe; stopping asks
  politely, then SIGKILLs, and always reaps.
- **Framing on the event loop**: once a query worker is ready, the parent's end of its pipe is
  made non-blocking and a query is one ``sock_sendall`` and one framed read on the loop itself (no
  thread hop: that was half of a small query's ~0.7 ms). The worker answers with one message
  (:func:`send_reply`): a small pickled header and the result body as raw bytes (never pickled),
  in ``multiprocessing.Connection``'s framing; a small answer is read with one system call.
- **Large answers stream**: given a callback (both lanes give one for ``/sparql``), :func:`exchange`
  hands it the reply and a :class:`BodyStream` as soon as a successful reply's header has arrived,
  when its body is over ``STREAM_OVER``; the rest of the body is then read
  off the pipe at the worker's pace (the deadline and the slot are unaffected by how fast the HTTP
  client reads) and handed on chunk by chunk, so a client that keeps up never has the whole answer
  copied into this process.
- **Replies as exceptions**: a closed pipe is :class:`WorkerDied`; an ``("err", code, message)``
  reply becomes the matching :mod:`graph.errors` exception (:func:`raise_for`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

from coopgraph.graph.errors import QueryError, QuerySyntaxError

__all__ = [
    "STOP_GRACE_S",
    "STREAM_OVER",
    "BodyStream",
    "answer_early",
    "SparqlWorkerError",
    "TimedOut",
    "Worker",
    "WorkerDied",
    "exchange",
    "forget",
    "read_reply",
    "send_reply",
    "take",
    "forkserver_context",
    "raise_for",
    "start_forkserver_early",
]

# One log channel for the embedded engine, whichever of its modules writes.
log = logging.getLogger("coopgraph.api.executor")

STOP_GRACE_S = 3.0

_FORKSERVER_PRELOAD = ["__main__", "coopgraph.api.sparql_worker", "pyoxigraph"]
# The module the ``coopgraph`` console script imports (see :func:`_preload`).
_CONSOLE_SCRIPT_IMPORTS = {"coopgraph": "coopgraph.api.cli"}


def _preload() -> list[str]:
    """What the forkserver imports once, so that no worker imports it again.

    A worker started from the forkserver re-runs the parent's main *script* (not a ``-m`` module:
    multiprocessing skips those) before its target, and Python 3.11's forkserver never preloads
    ``"__main__"`` (the path is not passed on), so every worker and every replica re-imported the
    CLI behind the ``coopgraph`` script, with pydantic, rdflib, typer and rich: 0.6 s of CPU per
    process, more than starting the worker itself. With that module in the forkserver, the
    script's import is a lookup in ``sys.modules``, and its pages are shared by the workers.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(getattr(main, "__spec__", None), "name", None) is not None:
        return list(_FORKSERVER_PRELOAD)
    script = os.path.basename(getattr(main, "__file__", "") or "")
    extra = _CONSOLE_SCRIPT_IMPORTS.get(script)
    return [_FORKSERVER_PRELOAD[0], extra, *_FORKSERVER_PRELOAD[1:]] if extra else list(_FORKSERVER_PRELOAD)


def start_forkserver_early() -> None:
    """Boot the forkserver now, so that it imports its modules while the server imports the app
    (they overlap on two cores); the executor's first worker then starts from a ready forkserver."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(_preload())
    forkserver.ensure_running()


def forkserver_context() -> ForkServerContext:
    """The context every worker and replica process is started from."""
    # forkserver: each worker is forked from a clean, single-threaded server process that has
    # pyoxigraph imported already (~0.2 s to a ready worker instead of ~0.8 s with spawn), and
    # inherits nothing of this process (threads, sockets, the event loop). Preloading __main__
    # there stops every worker from re-importing the main module (uvicorn, pytest) itself.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_preload())
    return ctx


def forget(tasks: set[asyncio.Task[Any]]) -> Any:
    """A done-callback for the tasks that start, replace or talk to workers in the background: drop
    the task from ``tasks`` and mark its exception as seen."""

    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled():
            task.exception()

    return done


class SparqlWorkerError(RuntimeError):
    """An unexpected failure inside a worker (a bug or an engine fault): HTTP 500, logged."""


class WorkerDied(Exception):
    """The worker's pipe closed: it crashed, was killed, or exited after a MemoryError."""


class TimedOut(Exception):
    pass


@dataclass(eq=False)  # one process handle is equal only to itself (and can go into a set)
class Worker:
    process: BaseProcess
    conn: Connection
    # A non-blocking duplicate of ``conn``'s descriptor, for the event loop (query workers only).
    sock: socket.socket | None = None

    def attach_to_loop(self) -> None:
        """From now on, queries go through ``sock`` on the event loop (see :func:`exchange`)."""
        self.sock = socket.socket(fileno=os.dup(self.conn.fileno()))
        self.sock.setblocking(False)  # shared file description: ``conn`` is non-blocking too now

    def stop(self) -> None:
        """Ask politely, then SIGKILL; always reaps the process."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(STOP_GRACE_S)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(STOP_GRACE_S)
        self.conn.close()
        if self.sock is not None:
            self.sock.close()


_HEADER = struct.Struct("!i")  # multiprocessing.Connection's framing: 4-byte big-endian length
_LONG_HEADER = struct.Struct("!Q")  # ... or -1 and an 8-byte length, for messages over 2 GiB
_REPLY_HEADER = struct.Struct("!I")  # inside a reply: the length of its pickled header
_FIRST_READ = 65536  # most answers arrive whole in one read of this size
STREAM_OVER = 256 * 1024  # a body larger than this streams when the caller asks (see exchange)
_CHUNK = 256 * 1024  # the most one read of a streamed body asks for


def send_reply(conn: Connection, reply: tuple[Any, ...], body: bytes | None = None) -> None:
    """The worker's side: ``reply`` (a small tuple) and the result ``body`` (raw bytes, never
    pickled) as one framed message, written with one ``writev`` (no copy of the body): the parent
    wakes once per answer, not once for the header and again for the body."""
    header = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    size = _REPLY_HEADER.size + len(header) + (len(body) if body else 0)
    frame = _HEADER.pack(size) if size <= 0x7FFFFFFF else _HEADER.pack(-1) + _LONG_HEADER.pack(size)
    parts = [memoryview(frame + _REPLY_HEADER.pack(len(header)) + header)]
    if body:
        parts.append(memoryview(body))
    fd = conn.fileno()
    while parts:
        written = os.writev(fd, parts)
        while written:  # a short write (a signal, a huge answer): go on after what went
            if written >= len(parts[0]):
                written -= len(parts.pop(0))
            else:
                parts[0], written = parts[0][written:], 0


def read_reply(data: bytes | bytearray | memoryview) -> tuple[Any, memoryview]:
    """The parent's side of :func:`send_reply`, for one message's bytes: (reply, body); the body is a
    view of ``data`` (empty when the reply had none), so a large answer is not copied again."""
    view = memoryview(data)
    (header_size,) = _REPLY_HEADER.unpack_from(view)
    end = _REPLY_HEADER.size + header_size
    return pickle.loads(view[_REPLY_HEADER.size:end]), view[end:]


async def _poll_read(sock: socket.socket, buf: bytearray, poll_ns: int, keep_polling: Callable[[], bool]) -> int:
    """Poll the non-blocking ``sock`` for up to ``poll_ns`` (while ``keep_polling()``) before the
    caller waits on the event loop: the bytes read into ``buf``, 0 if none came (WorkerDied at the
    end of the pipe).

    Why: a process asleep in ``epoll_wait`` while the other answers is woken by the kernel, and on
    a virtual machine waking an idle CPU costs tens of microseconds (bench/README.md: with both
    sides polling, an ``ASK {}`` over HTTP took 0.38-0.44 ms instead of 0.55-0.65). Between two
    polls the event loop takes one turn (``sleep(0)``: it checks its sockets without waiting), so
    other requests are served meanwhile; ``sched_yield`` lets a process that waits for this CPU
    (the replica itself, on a busy machine) go first."""
    until = time.perf_counter_ns() + poll_ns
    while True:
        try:
            n = sock.recv_into(buf)
        except BlockingIOError:
            if time.perf_counter_ns() >= until or not keep_polling():
                return 0
            os.sched_yield()
            await asyncio.sleep(0)
            continue
        if n == 0:
            raise WorkerDied("the worker closed its pipe")
        return n


def _frame_header_in(buf: bytearray, got: int) -> bool:
    """Whether the first ``got`` bytes of ``buf`` hold a whole frame header (4 bytes, or 12 when long)."""
    return got >= _HEADER.size + _LONG_HEADER.size or (got >= _HEADER.size and _HEADER.unpack_from(buf)[0] != -1)


async def _read_frame_start(loop: asyncio.AbstractEventLoop, sock: socket.socket, poll_ns: int = 0,
                            keep_polling: Callable[[], bool] = lambda: True) -> tuple[bytearray, int, int]:
    """The first read of a message framed by ``Connection.send_bytes`` (or :func:`send_reply`): up
    to 64 KiB (the whole of most answers, one system call), with where the message starts in it
    and its size. ``poll_ns``: poll that long first (see :func:`_poll_read`)."""
    first = bytearray(_FIRST_READ)
    got = await _poll_read(sock, first, poll_ns, keep_polling) if poll_ns > 0 else 0
    while not _frame_header_in(first, got):
        n = await loop.sock_recv_into(sock, memoryview(first)[got:])
        if n == 0:
            raise WorkerDied("the worker closed its pipe")
        got += n
    (size,) = _HEADER.unpack_from(first)
    start = _HEADER.size
    if size == -1:
        (size,) = _LONG_HEADER.unpack_from(first, _HEADER.size)
        start += _LONG_HEADER.size
    del first[got:]
    return first, start, size


async def _read_rest(loop: asyncio.AbstractEventLoop, sock: socket.socket, first: bytearray, start: int,
                     size: int) -> bytearray:
    """The whole message of which ``first`` is the first read, straight into a buffer of its size."""
    got = len(first)
    if got >= start + size:
        return first[start:start + size]
    buf = bytearray(size)
    view = memoryview(buf)
    view[: got - start] = memoryview(first)[start:got]
    filled = got - start
    while filled < size:
        n = await loop.sock_recv_into(sock, view[filled:])
        if n == 0:
            raise WorkerDied("the worker closed its pipe")
        filled += n
    return buf


class BodyStream:
    """A reply body still arriving from a worker: ``size`` bytes in all, read by ``async for``.

    The exchange pushes chunks as it reads them off the pipe; the reader (an HTTP response) takes
    them as they come. A reader that stops (its client went away) calls :meth:`abandon`: later
    chunks are dropped instead of kept. If the worker dies half-way the reader gets the error
    after the chunks that did arrive (the response is then cut short of its Content-Length).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._chunks: deque[bytes | memoryview] = deque()
        self._received = 0
        self._error: BaseException | None = None
        self._abandoned = False
        self._more = asyncio.Event()

    def push(self, chunk: bytes | memoryview) -> None:
        self._received += len(chunk)
        if not self._abandoned:
            self._chunks.append(chunk)
            self._more.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._more.set()

    def abandon(self) -> None:
        self._abandoned = True
        self._chunks.clear()

    @property
    def missing(self) -> int:
        """Bytes still to come from the worker."""
        return self.size - self._received

    @property
    def complete(self) -> bool:
        return self._received >= self.size

    async def __aiter__(self) -> AsyncIterator[bytes | memoryview]:
        try:
            while True:
                if self._chunks:
                    yield self._chunks.popleft()
                elif self.complete:
                    return
                elif self._error is not None:
                    raise self._error
                else:
                    self._more.clear()
                    await self._more.wait()
        finally:
            self.abandon()  # whether it ended, failed or was closed half-way: keep nothing more


async def exchange(worker: Worker, msg: tuple[str, Any],
                   on_stream: Callable[[Any, BodyStream], None] | None = None,
                   poll_ns: int = 0, keep_polling: Callable[[], bool] = lambda: True) -> tuple[Any, Any]:
    """Send a job over the event loop and read its reply: (reply tuple, body view).

    With ``on_stream``, a successful reply whose body is over ``STREAM_OVER`` is handed to it as
    (reply, :class:`BodyStream`) once its header is in, and this returns (reply, that stream) when
    the last byte has been read: the caller keeps the slot (and its deadline) until then.
    ``poll_ns``: poll for the reply that long, while ``keep_polling()``, before waiting on the loop
    (:func:`_poll_read`); worth it only for a caller with nothing else in flight."""
    assert worker.sock is not None
    loop = asyncio.get_running_loop()
    payload = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    data = _HEADER.pack(len(payload)) + payload
    stream: BodyStream | None = None
    try:
        try:  # a job fits in the pipe's buffer: one plain send, no future, no writer callback
            sent = worker.sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            await loop.sock_sendall(worker.sock, data[sent:])
        first, start, size = await _read_frame_start(loop, worker.sock, poll_ns, keep_polling)
        if on_stream is None:
            return read_reply(await _read_rest(loop, worker.sock, first, start, size))
        if start + size <= len(first):
            return read_reply(first[start:start + size])
        (header_size,) = _REPLY_HEADER.unpack_from(first, start)
        body_at = start + _REPLY_HEADER.size + header_size
        body_size = start + size - body_at
        if body_at > len(first) or body_size <= STREAM_OVER:
            return read_reply(await _read_rest(loop, worker.sock, first, start, size))
        reply = pickle.loads(memoryview(first)[start + _REPLY_HEADER.size:body_at])
        if reply[0] != "ok":
            return read_reply(await _read_rest(loop, worker.sock, first, start, size))
        stream = BodyStream(body_size)
        stream.push(bytes(memoryview(first)[body_at:]))
        on_stream(reply, stream)
        while not stream.complete:
            chunk = await loop.sock_recv(worker.sock, min(_CHUNK, stream.missing))
            if not chunk:
                raise WorkerDied("the worker closed its pipe")
            stream.push(chunk)
        return reply, stream
    except (EOFError, OSError) as exc:
        if stream is not None:
            stream.fail(WorkerDied("the worker died while sending the answer"))
        raise WorkerDied from exc
    except BaseException as exc:  # a deadline, a cancellation: the reader must not wait forever
        if stream is not None:
            stream.fail(exc if isinstance(exc, Exception) else WorkerDied("the exchange was cancelled"))
        raise


def answer_early(work: Callable[[Callable[[Any, BodyStream], None]], Awaitable[Any]],
                 tasks: set[asyncio.Task[Any]]) -> tuple[asyncio.Future[Any], asyncio.Task[Any]]:
    """Run ``work(on_stream)`` (an exchange given :func:`exchange`'s callback) in a task of its own,
    kept in ``tasks`` until it ends. The future returned gets (header, :class:`BodyStream`) as soon
    as a large body's header is in, and otherwise the task's own outcome (result, error or
    cancellation); the task goes on reading the body and gives its slot back when it is done.

    Cancelling the future (its awaiter went away) does not cancel the task: the caller decides
    that. The task settles the future itself as its last step, rather than from a done-callback:
    each callback hop is one more turn of the event loop before a cheap query's answer is sent."""
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def streaming(reply: Any, body: BodyStream) -> None:
        if not answer.done():
            answer.set_result((reply[1], body))

    async def settled() -> Any:
        try:
            result = await work(streaming)
        except asyncio.CancelledError:
            if not answer.done():
                answer.cancel()
            raise
        except BaseException as error:
            if not answer.done():
                answer.set_exception(error)
            raise
        if not answer.done():
            answer.set_result(result)
        return result

    task = asyncio.ensure_future(settled())
    tasks.add(task)
    task.add_done_callback(forget(tasks))
    return answer, task


async def take(slots: asyncio.Queue[Any], gate: asyncio.Event, timeout_s: float) -> Any:
    """A slot from ``slots`` once ``gate`` is open, each wait bounded by ``timeout_s``
    (TimeoutError). An open gate and a free slot, the usual case, cost no wait at all:
    ``asyncio.wait_for`` makes a task per call, and a cheap query used to pay for two."""
    if not gate.is_set():
        await asyncio.wait_for(gate.wait(), timeout_s)
    try:
        return slots.get_nowait()
    except asyncio.QueueEmpty:
        return await asyncio.wait_for(slots.get(), timeout_s)


def raise_for(worker: Worker, reply: tuple[Any, ...]) -> Any:
    """Turn an ``("err", code, message)`` reply into the matching exception."""
    _, code, message = reply
    if code == "syntax":
        raise QuerySyntaxError(message)
    if code == "query":
        raise QueryError(message)
    if code == "memory":
        raise WorkerDied(message)
    log.error("internal error in SPARQL worker pid %s:\n%s", worker.process.pid, message)
    raise SparqlWorkerError(message.strip().splitlines()[-1])
