"""Run user SPARQL in a pool of worker processes, with time and memory limits, from async code.

Why processes: pyoxigraph cannot be interrupted from Python, so the only way to stop a runaway
query is to kill what runs it, and the only way to bound its memory is a per-process rlimit.

- **Pool**: ``workers`` long-lived processes (``forkserver``, so no locks or threads are inherited
  from the server), each holding ``Store.read_only(path)`` (see :mod:`api.sparql_worker`). A fixed set of
  *slots* circulates through an ``asyncio.Queue``: a slot holds a live worker, or ``None`` when its
  worker could not be started (the next user of the slot tries again).
- **Limits**: the text passes :func:`graph.query_guard.inspect_query` first; the worker caps its
  own data segment (``RLIMIT_DATA``) and CPU (backstop); the parent waits ``timeout_s`` and then
  SIGKILLs the worker (the core really stops) and starts a replacement in the background. A worker
  that dies (allocation failure aborts it, a crash, an OOM kill) is replaced the same way.
- **Updates**: pyoxigraph says a read-only instance must not be open while another process writes,
  so :meth:`QueryExecutor.update` closes the gate, drains every slot (in-flight queries finish or
  time out), stops the workers, applies the update in a separate read-write process under the same
  limits, then starts fresh workers. :meth:`reopen` does the same dance without the update, for a
  new store generation.
- **Pipe I/O on the event loop**: once a query worker is ready, the parent's end of its pipe is
  made non-blocking and a query is one ``sock_sendall`` and two framed reads on the loop itself (no
  thread hop: that was half of a small query's ~0.7 ms). The worker answers with a small pickled
  header, then the result body as raw bytes (no pickling of the body). Process start, stop and the
  rare update's blocking exchange run on the executor's own small thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import socket
import struct
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from api.sparql_worker import QueryJob, UpdateJob, worker_main
from graph.errors import (
    QueryError,
    QueryRejectedError,
    QueryResourceError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
)
from graph.query_guard import QueryInfo, QueryLimits, inspect_query

__all__ = ["QueryExecutor", "QueryOutcome", "SparqlWorkerError"]

log = logging.getLogger(__name__)

_STOP_GRACE_S = 3.0


class SparqlWorkerError(RuntimeError):
    """An unexpected failure inside a worker (a bug or an engine fault): HTTP 500, logged."""


@dataclass(frozen=True)
class QueryOutcome:
    body: bytes
    media_type: str
    kind: str  # SELECT / ASK / CONSTRUCT / DESCRIBE
    truncated: bool
    rows: int | None


class _Died(Exception):
    """The worker's pipe closed: it crashed, was killed, or exited after a MemoryError."""


class _TimedOut(Exception):
    pass


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    # A non-blocking duplicate of ``conn``'s descriptor, for the event loop (query workers only).
    sock: socket.socket | None = None

    def attach_to_loop(self) -> None:
        """From now on, queries go through ``sock`` on the event loop (see :func:`_exchange`)."""
        self.sock = socket.socket(fileno=os.dup(self.conn.fileno()))
        self.sock.setblocking(False)  # shared file description: ``conn`` is non-blocking too now

    def stop(self) -> None:
        """Ask politely, then SIGKILL; always reaps the process."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(_STOP_GRACE_S)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(_STOP_GRACE_S)
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
            raise _Died("the worker closed its pipe")
        got += n
    return bytes(buf) if size < 4096 else buf  # type: ignore[return-value]  # bytearray is fine for big bodies


async def _read_message(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes:
    """One message as framed by ``Connection.send_bytes`` on the worker side."""
    (size,) = _HEADER.unpack(await _read_exactly(loop, sock, _HEADER.size))
    if size == -1:
        (size,) = _LONG_HEADER.unpack(await _read_exactly(loop, sock, _LONG_HEADER.size))
    return await _read_exactly(loop, sock, size)


async def _exchange(worker: _Worker, msg: tuple[str, Any]) -> tuple[Any, bytes | None]:
    """Send a job over the event loop and read the reply header (and body, if it is a result)."""
    assert worker.sock is not None
    loop = asyncio.get_running_loop()
    payload = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        await loop.sock_sendall(worker.sock, _HEADER.pack(len(payload)) + payload)
        reply = pickle.loads(await _read_message(loop, worker.sock))
        body = await _read_message(loop, worker.sock) if reply[0] == "ok" else None
    except (EOFError, OSError) as exc:
        raise _Died from exc
    return reply, body


def _raise_for(worker: _Worker, reply: tuple[Any, ...]) -> Any:
    """Turn an ``("err", code, message)`` reply into the matching exception."""
    _, code, message = reply
    if code == "syntax":
        raise QuerySyntaxError(message)
    if code == "query":
        raise QueryError(message)
    if code == "memory":
        raise _Died(message)
    log.error("internal error in SPARQL worker pid %s:\n%s", worker.process.pid, message)
    raise SparqlWorkerError(message.strip().splitlines()[-1])


class QueryExecutor:
    """Async facade over the worker pool; one per app (``app.state.coop.executor``)."""

    def __init__(
        self,
        store_path: Path | str,
        *,
        workers: int = 2,
        timeout_s: float = 30.0,
        memory_mb: int = 1024,
        max_rows: int = 100_000,
        limits: QueryLimits | None = None,
        queue_timeout_s: float | None = None,
        start_timeout_s: float = 60.0,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.store_path = Path(store_path)
        self.workers = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_rows = max_rows
        self.limits = limits or QueryLimits()
        self.queue_timeout_s = queue_timeout_s if queue_timeout_s is not None else timeout_s
        self.start_timeout_s = start_timeout_s
        # forkserver: each worker is forked from a clean, single-threaded server process that has
        # pyoxigraph imported already (~0.2 s to a ready worker instead of ~0.8 s with spawn), and
        # inherits nothing of this process (threads, sockets, the event loop). Preloading __main__
        # there stops every worker from re-importing the main module (uvicorn, pytest) itself.
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["__main__", "api.sparql_worker", "pyoxigraph"])
        self._threads = ThreadPoolExecutor(workers + 2, thread_name_prefix="sparql-pipe")
        self._slots: asyncio.Queue[_Worker | None] = asyncio.Queue()
        self._gate = asyncio.Event()  # set = queries may take slots
        self._swap_lock = asyncio.Lock()  # one update / reopen at a time
        self._background: set[asyncio.Task[None]] = set()
        self._started = False

    @classmethod
    def from_settings(cls, settings: Any, store_path: Path | str) -> QueryExecutor:
        limits = QueryLimits(
            max_bytes=settings.max_query_bytes,
            max_nesting_depth=settings.max_nesting_depth,
            service_allowlist=frozenset(settings.service_allowlist),
        )
        return cls(
            store_path,
            workers=settings.sparql_workers,
            timeout_s=settings.query_timeout_s,
            memory_mb=settings.query_memory_mb,
            max_rows=settings.max_result_rows,
            limits=limits,
        )

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        await self._fill_slots()
        self._started = True
        self._gate.set()

    async def close(self) -> None:
        self._gate.clear()
        for task in list(self._background):
            task.cancel()
        stopped = []
        while not self._slots.empty():
            worker = self._slots.get_nowait()
            if worker is not None:
                stopped.append(self._in_thread(worker.stop))
        await asyncio.gather(*stopped, return_exceptions=True)
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._started = False

    async def reopen(self, new_path: Path | str) -> None:
        """Point the pool at another store directory (a rebuild swapped generations)."""
        async with self._exclusive():
            self.store_path = Path(new_path)

    # -- queries --------------------------------------------------------------------------------
    async def query(
        self,
        text: str,
        *,
        media_type: str,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        base_iri: str | None = None,
        info: QueryInfo | None = None,
    ) -> QueryOutcome:
        """Run a query in a worker. ``info``: ``inspect_query(text, self.limits)`` if the caller has
        run it already (the endpoint needs the query form to negotiate); otherwise it is run here."""
        if info is None:
            info = inspect_query(text, self.limits)
        if info.is_update:
            raise QueryRejectedError("this is a SPARQL Update (or empty), not a query")
        job = QueryJob(
            text=text,
            media_type=media_type,
            default_graph_uris=tuple(default_graph_uris) if default_graph_uris is not None else None,
            named_graph_uris=tuple(named_graph_uris) if named_graph_uris is not None else None,
            max_rows=self.max_rows,
            base_iri=base_iri,
        )
        header, body = await self._run_in_pool(("query", job))
        return QueryOutcome(
            body=bytes(body) if body is not None else b"",
            media_type=media_type,
            kind=info.kind,
            truncated=header["truncated"],
            rows=header["rows"],
        )

    async def update(self, text: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update with the readers stopped (see the module docstring)."""
        info = inspect_query(text, self.limits)
        if not info.is_update:
            raise QueryRejectedError(f"this is a {info.kind} query, not an update")
        async with self._exclusive():
            writer = await self._in_thread(self._spawn, False)
            try:
                await self._in_thread(self._roundtrip, writer, ("update", UpdateJob(text, base_iri)))
            except _TimedOut:
                await self._in_thread(writer.kill)
                raise QueryTimeoutError(
                    f"the update ran past {self.timeout_s:g} s and was cancelled; nothing was written"
                ) from None
            except _Died:
                await self._in_thread(writer.kill)
                raise QueryResourceError("the update exhausted its memory or crashed") from None
            else:
                await self._in_thread(writer.stop)

    # -- internals ------------------------------------------------------------------------------
    def _in_thread(self, fn: Any, *args: Any) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def _spawn(self, read_only: bool = True) -> _Worker:
        """Start one worker and wait until its store is open (blocking; run in a thread)."""
        parent, child = self._ctx.Pipe()
        cpu_backstop = max(self.timeout_s * 2, 5.0)
        process = self._ctx.Process(
            target=worker_main,
            args=(child, str(self.store_path), self.memory_mb, cpu_backstop, read_only),
            name="coopgraph-sparql-worker" if read_only else "coopgraph-sparql-update",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        try:
            if not parent.poll(self.start_timeout_s):
                raise StoreError(f"query worker did not open {self.store_path} in time")
            msg = parent.recv()
        except (EOFError, OSError) as exc:
            worker.kill()
            raise StoreError(f"query worker died opening {self.store_path}") from exc
        except StoreError:
            worker.kill()
            raise
        if msg[0] != "ready":
            worker.kill()
            raise StoreError(msg[2])
        if read_only:
            worker.attach_to_loop()
        return worker

    def _roundtrip(self, worker: _Worker, msg: tuple[str, Any]) -> Any:
        """Send a job and wait for its reply, killing the worker at the deadline (blocking)."""
        try:
            worker.conn.send(msg)
            if not worker.conn.poll(self.timeout_s):
                worker.kill()
                raise _TimedOut
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise _Died from exc
        if reply[0] == "ok":
            if reply[1] is not None:  # a query result: the body follows as raw bytes
                return reply[1], worker.conn.recv_bytes()
            return None
        return _raise_for(worker, reply)


    async def _exchange_with_deadline(self, worker: _Worker, msg: tuple[str, Any]) -> Any:
        """The event-loop version of :meth:`_roundtrip`, for query workers."""
        try:
            reply, body = await asyncio.wait_for(_exchange(worker, msg), self.timeout_s)
        except TimeoutError:
            worker.process.kill()
            raise _TimedOut from None
        if reply[0] == "ok":
            return reply[1], body
        return _raise_for(worker, reply)

    async def _take_slot(self) -> _Worker:
        try:
            await asyncio.wait_for(self._gate.wait(), self.queue_timeout_s)
            worker = await asyncio.wait_for(self._slots.get(), self.queue_timeout_s)
        except TimeoutError:
            raise QueryResourceError(
                "all query workers stayed busy; try again later or simplify the query"
            ) from None
        if worker is None:  # its last start failed: try again now
            try:
                worker = await self._in_thread(self._spawn, True)
            except StoreError:
                self._slots.put_nowait(None)
                raise
        return worker

    async def _run_in_pool(self, msg: tuple[str, Any]) -> Any:
        worker = await self._take_slot()
        started = time.monotonic()
        try:
            result = await self._exchange_with_deadline(worker, msg)
        except asyncio.CancelledError:
            # The client went away mid-exchange: stop the work now; the pipe is mid-message, so
            # the worker cannot be reused.
            worker.process.kill()
            self._replace_later(worker)
            raise
        except _TimedOut:
            self._replace_later(worker)
            raise QueryTimeoutError(
                f"the query ran past {self.timeout_s:g} s and was cancelled"
            ) from None
        except _Died:
            self._replace_later(worker)
            log.warning(
                "SPARQL worker pid %s died after %.1f s (exit code %s); replacing it",
                worker.process.pid, time.monotonic() - started, worker.process.exitcode,
            )
            raise QueryResourceError(
                "the query exhausted its memory bound or crashed its worker"
            ) from None
        except BaseException:
            self._slots.put_nowait(worker)
            raise
        self._slots.put_nowait(worker)
        return result

    def _replace_later(self, dead: _Worker) -> None:
        async def replace() -> None:
            await self._in_thread(dead.kill)
            try:
                worker: _Worker | None = await self._in_thread(self._spawn, True)
            except Exception:
                log.exception("could not start a replacement SPARQL worker")
                worker = None
            self._slots.put_nowait(worker)

        task = asyncio.get_running_loop().create_task(replace())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _fill_slots(self) -> None:
        spawned = await asyncio.gather(
            *(self._in_thread(self._spawn, True) for _ in range(self.workers)),
            return_exceptions=True,
        )
        errors = [w for w in spawned if isinstance(w, BaseException)]
        for worker in spawned:
            if not isinstance(worker, BaseException):
                self._slots.put_nowait(worker)
        if len(errors) == self.workers:
            for _ in range(self.workers):
                self._slots.put_nowait(None)
            raise errors[0]
        for _ in errors:
            self._slots.put_nowait(None)

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """Close the gate, take every slot back, stop the workers; restart them afterwards."""
        async with self._swap_lock:
            self._gate.clear()
            try:
                drained = [await self._slots.get() for _ in range(self.workers)]
                await asyncio.gather(*(self._in_thread(w.stop) for w in drained if w is not None))
                try:
                    yield
                finally:
                    await self._fill_slots()
            finally:
                self._gate.set()
