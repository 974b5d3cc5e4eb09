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
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

from coopgraph.graph.errors import QueryError, QuerySyntaxError

__all__ = [
    "STOP_GRACE_S",
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


async def _read_message(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytearray:
    """One message as framed by ``Connection.send_bytes`` (or :func:`send_reply`): a first read of
    up to 64 KiB (the whole of most answers, one system call), then the rest straight into a
    buffer of the announced size. The worker sends one message per job, so nothing is read ahead."""
    first = bytearray(_FIRST_READ)
    got = 0
    while got < _HEADER.size + _LONG_HEADER.size:
        n = await loop.sock_recv_into(sock, memoryview(first)[got:])
        if n == 0:
            raise WorkerDied("the worker closed its pipe")
        got += n
        if got >= _HEADER.size and _HEADER.unpack_from(first)[0] != -1:
            break
    (size,) = _HEADER.unpack_from(first)
    start = _HEADER.size
    if size == -1:
        (size,) = _LONG_HEADER.unpack_from(first, _HEADER.size)
        start += _LONG_HEADER.size
    end = start + size
    if got >= end:
        return first[start:end]
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


async def exchange(worker: Worker, msg: tuple[str, Any]) -> tuple[Any, memoryview]:
    """Send a job over the event loop and read its reply: (reply tuple, body view)."""
    assert worker.sock is not None
    loop = asyncio.get_running_loop()
    payload = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    data = _HEADER.pack(len(payload)) + payload
    try:
        try:  # a job fits in the pipe's buffer: one plain send, no future, no writer callback
            sent = worker.sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            await loop.sock_sendall(worker.sock, data[sent:])
        return read_reply(await _read_message(loop, worker.sock))
    except (EOFError, OSError) as exc:
        raise WorkerDied from exc


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
