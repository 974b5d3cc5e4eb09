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
- **Memory replica** (when the store holds at most ``replica_max_triples``): one more process
  copies the store into an in-memory pyoxigraph store after start-up (in the background: the disk
  workers answer meanwhile) and runs queries on ``replica_slots`` threads over that one copy;
  pyoxigraph releases the GIL while evaluating, so the threads run in parallel. In memory, the
  engine is 2-8x faster than on RocksDB (a whole-graph GROUP BY over 1M triples: 1.1 s against
  4.3 s), which is what lets one machine beat a RocksDB-backed server. Forked per-worker copies
  were tried first: reading touches most pages, so copy-on-write did not share them.
  Safety is kept by falling back, never by trusting: a query that overruns the deadline kills the
  whole replica (504 for it; it is *quarantined*: it only ever runs on disk again); queries that
  were in flight in the killed replica are re-run on the disk workers, so only the culprit fails;
  an out-of-memory abort (the cap is per process) is handled the same way, and the culprit then
  meets the per-query bound of a disk worker. The replica reloads after a backoff (2 s, doubling
  per loss within 10 minutes, at most 5 min), so a hostile client can at worst push everyone
  back to the disk lane. A client that goes away does not kill the replica: its query finishes
  (or meets its deadline) in its slot. Any data change (update, new generation) drops the replica
  before the change and loads a fresh copy after it, so no answer is ever stale.
- **Quarantine by shape**: the quarantine is keyed by :func:`graph.query_guard.query_shape`
  (comments, whitespace, variable names, literals and LIMIT numbers taken out; a few µs on top of
  the guard's scan), so rewriting a hostile query does not get it back onto the replica. After an
  out-of-memory loss the culprit is not known: every query that was in the replica re-runs on
  disk, and its shape stays off the replica until that re-run ends (a culprit then meets a disk
  worker's bound and is quarantined; an innocent one finishes in milliseconds).
- **Heavy share**: on disk, suspects (quarantined shapes, shapes that overran a disk worker, and
  re-runs that had run over a second in the lost replica) may hold all workers but one, so cheap
  queries keep a worker while a heavy one waits out its deadline.
- **One copy at a time**: a single loader task loads the replica; a data change kills a copy in
  progress (and waits until it is gone) before the writer starts, and the next copy starts after
  the changes pause (0.5 s), so a stream of updates never has more than one copy loading.
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
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from api.sparql_worker import QueryJob, UpdateJob, replica_main, worker_main
from graph.errors import (
    QueryError,
    QueryRejectedError,
    QueryResourceError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
)
from graph.query_guard import QueryInfo, QueryLimits, inspect_query, query_shape

__all__ = ["QueryExecutor", "QueryOutcome", "SparqlWorkerError", "start_forkserver_early"]

log = logging.getLogger(__name__)

_STOP_GRACE_S = 3.0
_QUARANTINE_SIZE = 1024  # query shapes remembered as unsafe for the replica, or as heavy on disk
# A query still running this long when the replica died under it is re-run as a suspect (in the
# disk lane's heavy share): cheap queries are long done by then.
_SUSPECT_AFTER_S = 1.0
_RELOAD_AFTER_CHANGE_S = 0.5  # a burst of updates gets one copy, after it, not one per update
_RELOAD_BACKOFF_S = 2.0  # first reload after a loss; doubles per loss within the window
_RELOAD_BACKOFF_MAX_S = 300.0
_LOSS_WINDOW_S = 600.0


_FORKSERVER_PRELOAD = ["__main__", "api.sparql_worker", "pyoxigraph"]


def start_forkserver_early() -> None:
    """Boot the forkserver now, so that it imports its modules while the server imports the app
    (they overlap on two cores); the executor's first worker then starts from a ready forkserver."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(_FORKSERVER_PRELOAD)
    forkserver.ensure_running()


def _forget(tasks: set[asyncio.Task[Any]]) -> Any:
    """A done-callback: drop the task from ``tasks`` and mark its exception as seen."""

    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled():
            task.exception()

    return done


class SparqlWorkerError(RuntimeError):
    """An unexpected failure inside a worker (a bug or an engine fault): HTTP 500, logged."""


@dataclass(frozen=True)
class QueryOutcome:
    body: bytes
    media_type: str
    kind: str  # SELECT / ASK / CONSTRUCT / DESCRIBE
    truncated: bool
    rows: int | None
    lane: str = ""  # "memory" or "disk" for the embedded store (X-Coopgraph-Lane); "" elsewhere


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


class _ReplicaLost(Exception):
    """The memory replica died under a query that may not have caused it: answer it from disk."""

    def __init__(self, ran_s: float = 0.0) -> None:
        super().__init__()
        self.ran_s = ran_s  # how long it had run in the replica: a long one is a suspect


@dataclass
class _Replica:
    """The memory replica process and its slots (one pipe and one thread each, one shared store)."""

    process: BaseProcess
    control: Connection
    slots: asyncio.Queue[_Worker | None]
    workers: list[_Worker]
    triples: int
    load_s: float
    alive: bool = True


@dataclass
class _ReplicaStatus:
    state: str = "off"  # off | loading | ready | too-large | failed
    triples: int | None = None
    load_s: float | None = None
    losses: list[float] = field(default_factory=list)  # monotonic times the replica was lost
    detail: str = ""


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
        replica_max_triples: int = 0,
        replica_slots: int = 8,
        replica_load_timeout_s: float = 600.0,
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
        self._ctx.set_forkserver_preload(_FORKSERVER_PRELOAD)
        self._threads = ThreadPoolExecutor(workers + 2, thread_name_prefix="sparql-pipe")
        self._slots: asyncio.Queue[_Worker | None] = asyncio.Queue()
        self._gate = asyncio.Event()  # set = queries may take slots
        self._swap_lock = asyncio.Lock()  # one update / reopen at a time
        self._background: set[asyncio.Task[Any]] = set()
        self._started = False
        # The memory replica (off when replica_max_triples is 0): see _load_replica.
        self.replica_max_triples = replica_max_triples
        self.replica_slots = replica_slots
        self.replica_load_timeout_s = replica_load_timeout_s
        self._replica: _Replica | None = None
        self._replica_loading: BaseProcess | None = None
        # Replica processes started and not yet ready (or reaped): the loader keeps it to one.
        self._loading: set[BaseProcess] = set()
        self._loader: asyncio.Task[None] | None = None  # the one task that loads a copy
        self._loader_sleeping = False  # it waits out a delay (cancellable) rather than loading
        self._reload_not_before = 0.0  # monotonic; the backoff after a loss survives data changes
        self._replica_status = _ReplicaStatus()
        self._epoch = 0  # bumped whenever the data may change: a replica of an older epoch is stale
        # Keyed by query *shape* (graph.query_guard.query_shape), so a new comment, new variable
        # names or a new LIMIT do not make a new query. Quarantined: never on the replica again.
        # Heavy: overran a disk worker. Both run on disk in the heavy share (see _run_on_disk).
        # On probation: re-running on disk after the replica died under them; until that ends,
        # their shape stays off the replica (a culprit must not kill the fresh copy too).
        self._quarantine: OrderedDict[bytes, None] = OrderedDict()
        self._heavy: OrderedDict[bytes, None] = OrderedDict()
        self._probation: dict[bytes, int] = {}
        # Suspected-heavy queries may hold all but one disk worker: the last one keeps serving
        # everything else while a heavy query waits out its deadline.
        self._heavy_share = asyncio.Semaphore(max(1, workers - 1))
        self._reaping: list[asyncio.Future[Any]] = []
        self._replacing: set[asyncio.Task[None]] = set()
        self._closing = False

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
            replica_max_triples=settings.replica_max_triples,
            replica_slots=settings.replica_slots,
        )

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        await self._fill_slots()
        self._started = True
        self._gate.set()
        self._load_replica_later(0.0)

    async def close(self) -> None:
        self._gate.clear()
        self._closing = True
        self._epoch += 1
        await self._stop_loader()
        for task in list(self._background):
            task.cancel()
        self._drop_replica("the executor closed")
        await asyncio.gather(*self._reaping, *self._replacing, return_exceptions=True)
        stopped = []
        while not self._slots.empty():
            worker = self._slots.get_nowait()
            if worker is not None:
                stopped.append(self._in_thread(worker.stop))
        await asyncio.gather(*stopped, return_exceptions=True)
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._started = False

    async def reopen(self, new_path: Path | str | None) -> None:
        """Point the pool at another store directory (a rebuild swapped generations; None: the same)."""
        async with self._exclusive():
            if new_path is not None:
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
        shape = info.shape or query_shape(text)
        header, body, lane = await self._run_in_pool(("query", job), shape)
        return QueryOutcome(
            body=bytes(body) if body is not None else b"",
            media_type=media_type,
            kind=info.kind,
            truncated=header["truncated"],
            rows=header["rows"],
            lane=lane,
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

    async def _run_in_pool(self, msg: tuple[str, Any], shape: bytes) -> tuple[dict[str, Any], bytes | None, str]:
        """Answer from the memory replica when there is one and the query's shape is not
        quarantined or on probation; from a disk worker otherwise, or when the replica dies under
        the query (then as a suspect if it had run long)."""
        suspect = shape in self._quarantine or shape in self._heavy
        replica = self._replica
        if (replica is not None and replica.alive and shape not in self._quarantine
                and shape not in self._probation):
            ran_long = False
            try:
                header, body = await self._run_on_replica(replica, msg, shape)
                return header, body, "memory"
            except _ReplicaLost as lost:
                ran_long = lost.ran_s >= _SUSPECT_AFTER_S
            self._probation[shape] = self._probation.get(shape, 0) + 1
            try:
                header, body = await self._run_on_disk(msg, shape, suspect=suspect or ran_long)
            except (QueryResourceError, QueryTimeoutError):
                if ran_long:  # a likely culprit that could not be cleared on disk: off the replica
                    self._remember(self._quarantine, shape)
                raise
            finally:
                left = self._probation.pop(shape) - 1
                if left:
                    self._probation[shape] = left
            return header, body, "disk"
        header, body = await self._run_on_disk(msg, shape, suspect=suspect)
        return header, body, "disk"

    async def _run_on_disk(self, msg: tuple[str, Any], shape: bytes, *, suspect: bool = False) -> Any:
        if not suspect:
            return await self._run_on_worker(msg, shape)
        try:
            await asyncio.wait_for(self._heavy_share.acquire(), self.queue_timeout_s)
        except TimeoutError:
            raise QueryResourceError(
                "queries like this one are running already; try again later or simplify the query"
            ) from None
        try:
            return await self._run_on_worker(msg, shape)
        finally:
            self._heavy_share.release()

    async def _run_on_worker(self, msg: tuple[str, Any], shape: bytes) -> Any:
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
            self._remember(self._heavy, shape)  # the next one like it gets the heavy share only
            raise QueryTimeoutError(
                f"the query ran past {self.timeout_s:g} s and was cancelled"
            ) from None
        except _Died:
            self._replace_later(worker)
            self._remember(self._quarantine, shape)  # it crashed a bounded worker: off the replica
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

    # -- the memory replica ------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """What /healthz reports about the lanes: disk workers and the memory replica."""
        st = self._replica_status
        return {
            "disk_workers": self.workers,
            "memory_replica": {
                "state": st.state,
                "triples": st.triples,
                "load_s": round(st.load_s, 2) if st.load_s is not None else None,
                "slots": self.replica_slots if st.state == "ready" else 0,
                "losses": len(st.losses),
                "detail": st.detail,
            },
        }

    @staticmethod
    def _remember(shapes: OrderedDict[bytes, None], shape: bytes) -> None:
        """Add a shape to a bounded set (quarantine or heavy), forgetting the oldest first."""
        shapes[shape] = None
        shapes.move_to_end(shape)
        while len(shapes) > _QUARANTINE_SIZE:
            shapes.popitem(last=False)

    async def _run_on_replica(self, replica: _Replica, msg: tuple[str, Any], shape: bytes) -> Any:
        try:
            await asyncio.wait_for(self._gate.wait(), self.queue_timeout_s)
            worker = await asyncio.wait_for(replica.slots.get(), self.queue_timeout_s)
        except TimeoutError:
            raise QueryResourceError(
                "all query slots stayed busy; try again later or simplify the query"
            ) from None
        if worker is None:  # the replica is gone; leave the marker for the next waiter
            replica.slots.put_nowait(None)
            raise _ReplicaLost
        # Shielded: a client that goes away does not stop the query (killing the replica would
        # cost every other query in it); the exchange finishes or meets its deadline, then the
        # slot goes back.
        task = asyncio.ensure_future(self._replica_exchange(replica, worker, msg, shape))
        self._background.add(task)
        task.add_done_callback(_forget(self._background))
        return await asyncio.shield(task)

    async def _replica_exchange(self, replica: _Replica, worker: _Worker, msg: tuple[str, Any],
                                shape: bytes) -> Any:
        started = time.monotonic()
        try:
            reply, body = await asyncio.wait_for(_exchange(worker, msg), self.timeout_s)
        except TimeoutError:
            self._remember(self._quarantine, shape)
            self._lose_replica(replica, "a query ran past the time limit")
            raise QueryTimeoutError(f"the query ran past {self.timeout_s:g} s and was cancelled") from None
        except _Died:
            self._lose_replica(replica, "its process died (out of memory or killed)")
            raise _ReplicaLost(time.monotonic() - started) from None
        except asyncio.CancelledError:  # the executor is closing
            self._drop_replica("the executor closed")
            raise
        if reply[0] == "err" and reply[1] == "memory":
            self._lose_replica(replica, "a query ran out of memory")
            raise _ReplicaLost(time.monotonic() - started)
        replica.slots.put_nowait(worker)
        if reply[0] == "ok":
            return reply[1], body
        return _raise_for(worker, reply)

    def _lose_replica(self, replica: _Replica, reason: str) -> None:
        """Kill a replica that failed; queries go to disk until a new copy is loaded (backoff)."""
        if not replica.alive:
            return
        now = time.monotonic()
        status = self._replica_status
        status.losses = [t for t in status.losses if now - t < _LOSS_WINDOW_S] + [now]
        self._drop_replica(reason)
        delay = min(_RELOAD_BACKOFF_S * 2 ** (len(status.losses) - 1), _RELOAD_BACKOFF_MAX_S)
        self._reload_not_before = now + delay
        log.warning("memory replica lost (%s); answering from disk, reloading in %.0f s", reason, delay)
        status.state, status.detail = "loading", f"lost: {reason}; reloading in {delay:.0f} s"
        self._load_replica_later(delay)

    def _drop_replica(self, reason: str) -> None:
        replica, self._replica = self._replica, None
        loading, self._replica_loading = self._replica_loading, None
        if loading is not None and loading.is_alive():
            loading.kill()
        if replica is None or not replica.alive:
            return
        replica.alive = False
        replica.process.kill()  # SIGKILL: every in-flight query in it stops now
        for _ in range(self.replica_slots):
            replica.slots.put_nowait(None)  # wakes waiters, who fall back to disk
        self._replica_status.state = "off"
        self._replica_status.detail = reason

        self._reaping = [f for f in self._reaping if not f.done()]
        self._reaping.append(self._in_thread(self._reap_replica, replica))

    @staticmethod
    def _reap_replica(replica: _Replica) -> None:
        """Kill (if still alive), wait for and close a replica that is no longer used (blocking)."""
        if replica.process.is_alive():
            replica.process.kill()
        replica.process.join(_STOP_GRACE_S)
        replica.control.close()
        for worker in replica.workers:
            worker.conn.close()
            if worker.sock is not None:
                worker.sock.close()

    def _load_replica_later(self, delay_s: float) -> None:
        """Load a fresh copy after ``delay_s`` (and not before a loss's backoff has passed).

        One loader at a time: a loader still waiting is replaced by this one; a loader already
        copying is left alone (it copies the data as it is now; a data change stops it first, see
        :meth:`_stop_loader`)."""
        if self.replica_max_triples <= 0 or not self._started or self._closing:
            return
        previous = self._loader
        if previous is not None and not previous.done():
            if not self._loader_sleeping:
                return
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._load_replica(delay_s))
        self._loader = task
        self._background.add(task)
        task.add_done_callback(_forget(self._background))

    async def _load_replica(self, delay_s: float) -> None:
        epoch = self._epoch
        self._loader_sleeping = True
        try:
            await asyncio.sleep(max(delay_s, self._reload_not_before - time.monotonic()))
        finally:
            self._loader_sleeping = False
        if epoch != self._epoch or self._replica is not None or self._closing:
            return
        self._replica_status.state = "loading"
        try:
            loaded = await asyncio.get_running_loop().run_in_executor(None, self._spawn_replica, epoch)
        except Exception as exc:  # noqa: BLE001 - the disk lane carries on; say why
            self._replica_status.state, self._replica_status.detail = "failed", str(exc)
            log.warning("no memory replica: %s", exc)
            return
        if loaded is None:
            return
        process, control, workers, triples, load_s = loaded
        if epoch != self._epoch:  # the data changed while it loaded: it is stale
            stale = _Replica(process, control, asyncio.Queue(), workers, triples, load_s, alive=False)
            await self._in_thread(self._reap_replica, stale)
            return
        for worker in workers:
            worker.attach_to_loop()
        slots: asyncio.Queue[_Worker | None] = asyncio.Queue()
        for worker in workers:
            slots.put_nowait(worker)
        replica = self._replica = _Replica(process, control, slots, workers, triples, load_s)
        st = self._replica_status
        st.state, st.triples, st.load_s, st.detail = "ready", replica.triples, replica.load_s, ""
        log.info("memory replica ready: %d triples copied in %.1f s", replica.triples, replica.load_s)

    async def _stop_loader(self) -> None:
        """Stop a copy in progress and wait until its process is gone; call after bumping the epoch.

        The loader's thread records its process and then checks the epoch, and this bumps the
        epoch before it looks for that process: whichever comes second sees the other, so a copy
        that was starting as the data changed is killed too, never left to load beside the next."""
        task = self._loader
        if task is None or task.done():
            return
        if self._loader_sleeping:
            task.cancel()
        else:
            loading = self._replica_loading
            if loading is not None and loading.is_alive():
                loading.kill()  # its thread sees the pipe close and returns
        await asyncio.wait([task])

    def _spawn_replica(self, epoch: int) -> tuple[BaseProcess, Connection, list[_Worker], int, float] | None:
        """Start the replica process and wait until its copy is loaded (blocking; in a thread).

        Returns None when the store is over ``replica_max_triples`` or the load was stopped
        because the data changed; raises StoreError when the copy failed."""
        control, control_child = self._ctx.Pipe()
        pairs = [self._ctx.Pipe() for _ in range(self.replica_slots)]
        process = self._ctx.Process(
            target=replica_main,
            args=(control_child, [child for _, child in pairs], str(self.store_path), self.memory_mb,
                  self.replica_max_triples),
            name="coopgraph-sparql-replica",
            daemon=True,
        )
        process.start()
        self._replica_loading = process
        self._loading.add(process)
        if epoch != self._epoch:  # the data changed while it started (see _stop_loader)
            process.kill()
        control_child.close()
        for _, child in pairs:
            child.close()
        workers = [_Worker(process, parent) for parent, _ in pairs]
        try:
            msg = control.recv() if control.poll(self.replica_load_timeout_s) else None
        except (EOFError, OSError):
            msg = ("err", "internal", "the replica process died while loading (out of memory?)")
        if msg is None or msg[0] != "ready" or epoch != self._epoch:
            process.kill()
            process.join(_STOP_GRACE_S)
            self._loading.discard(process)
            self._replica_loading = None
            control.close()
            for worker in workers:
                worker.conn.close()
            if epoch != self._epoch:
                return None  # stopped on purpose: the data changed
            if msg is None:
                raise StoreError(f"copying the store into memory took over {self.replica_load_timeout_s:g} s")
            if msg[0] == "too-large":
                self._replica_status.state = "too-large"
                self._replica_status.triples = msg[1]
                self._replica_status.detail = (
                    f"{msg[1]} triples > replica_max_triples {self.replica_max_triples}: queries run on disk")
                log.info("memory replica off: %s", self._replica_status.detail)
                return None
            raise StoreError(msg[2])
        self._loading.discard(process)
        self._replica_loading = None
        return process, control, workers, msg[2], msg[3]

    def _replace_later(self, dead: _Worker) -> None:
        async def replace() -> None:
            await self._in_thread(dead.kill)
            try:
                worker: _Worker | None = await self._in_thread(self._spawn, True)
            except Exception:
                log.exception("could not start a replacement SPARQL worker")
                worker = None
            self._slots.put_nowait(worker)

        # Not in _background: close() lets a replacement finish starting and then stops it, rather
        # than cancelling it halfway and leaking the process its thread is still starting.
        task = asyncio.get_running_loop().create_task(replace())
        self._replacing.add(task)
        task.add_done_callback(_forget(self._replacing))

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
            self._epoch += 1
            try:
                replica = self._replica
                if replica is not None:  # let its in-flight queries finish (or time out) first
                    for _ in range(self.replica_slots):
                        await replica.slots.get()
                self._drop_replica("the data is changing")
                await self._stop_loader()  # no copy may read while the writer writes
                drained = [await self._slots.get() for _ in range(self.workers)]
                await asyncio.gather(*(self._in_thread(w.stop) for w in drained if w is not None))
                try:
                    yield
                finally:
                    await self._fill_slots()
            finally:
                self._gate.set()
                self._load_replica_later(_RELOAD_AFTER_CHANGE_S)
