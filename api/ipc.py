"""The parent's end of a SPARQL worker process: starting it, holding it, and talking to it.

Both lanes of :mod:`api.executor` use it: the disk workers (:mod:`api.worker_pool`) and the
memory replica (:mod:`api.replica`); what runs at the other end is :mod:`api.sparql_worker`.

- **Start**: every worker is forked from a ``forkserver`` (see :func:`forkserver_context`).
- **Handle**: a :class:`Worker` is the process and the parent's end of its pipe; stopping asks
  politely, then SIGKILLs, and always reaps.
- **Framing on the event loop**: once a query worker is ready, the parent's end of its pipe is
  made non-blocking and a query is one ``sock_sendall`` and two framed reads on the loop itself (no
  thread hop: that was half of a small query's ~0.7 ms). The worker answers with a small pickled
  header, then the result body as raw bytes (no pickling of the body); the framing is
  ``multiprocessing.Connection``'s, so the worker side just calls ``send_bytes``.
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


@dataclass
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


async def _read_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise WorkerDied("the worker closed its pipe")
        got += n
    return bytes(buf) if size < 4096 else buf  # type: ignore[return-value]  # bytearray is fine for big bodies


async def _read_message(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes:
    """One message as framed by ``Connection.send_bytes`` on the worker side."""
    (size,) = _HEADER.unpack(await _read_exactly(loop, sock, _HEADER.size))
    if size == -1:
        (size,) = _LONG_HEADER.unpack(await _read_exactly(loop, sock, _LONG_HEADER.size))
    return await _read_exactly(loop, sock, size)


async def exchange(worker: Worker, msg: tuple[str, Any]) -> tuple[Any, bytes | None]:
    """Send a job over the event loop and read the reply header (and body, if it is a result)."""
    assert worker.sock is not None
    loop = asyncio.get_running_loop()
    payload = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        await loop.sock_sendall(worker.sock, _HEADER.pack(len(payload)) + payload)
        reply = pickle.loads(await _read_message(loop, worker.sock))
        body = await _read_message(loop, worker.sock) if reply[0] == "ok" else None
    except (EOFError, OSError) as exc:
        raise WorkerDied from exc
    return reply, body


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
