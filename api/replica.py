"""The memory lane of :mod:`api.executor`: one in-memory copy of the store, loaded, lost and reloaded.

- **Memory replica** (when the store holds at most ``max_triples``): one more process loads the
  store into an in-memory pyoxigraph store after start-up (in the background: the disk workers
  answer meanwhile), from the generation's snapshot when it has one (seconds at a million
  triples: :mod:`graph.store.snapshot`), else quad by quad from RocksDB (then it writes the
  snapshot for the next start) and runs queries on ``slot_count`` threads over that one copy; pyoxigraph
  releases the GIL while evaluating, so the threads run in parallel. In memory, the engine is 2-8x
  faster than on RocksDB (a whole-graph GROUP BY over 1M triples: 1.1 s against 4.3 s), which is
  what lets one machine beat a RocksDB-backed server. Forked per-worker copies were tried first:
  reading touches most pages, so copy-on-write did not share them.
- **Losing it**: safety is kept by falling back, never by trusting: a query that overruns the
  deadline kills the whole replica (504 for it; it is *quarantined*: it only ever runs on disk
  again, see :mod:`api.suspects`); queries that were in flight in the killed replica get
  :class:`ReplicaLost` and the executor re-runs them on the disk workers, so only the culprit
  fails; an out-of-memory abort (the cap is per process) is handled the same way, and the culprit
  then meets the per-query bound of a disk worker. A client that goes away does not kill the
  replica: its query finishes (or meets its deadline) in its slot.
- **Backoff**: the replica reloads after a loss after 2 s, doubling per loss within 10 minutes, at
  most 5 min, so a hostile client can at worst push everyone back to the disk lane.
- **One copy at a time**: a single loader task loads the replica; a data change kills a copy in
  progress (and waits until it is gone) before the writer starts (:meth:`MemoryReplica.stop_for_change`),
  and the next copy starts after the changes pause, so a stream of updates never has more than one
  copy loading, and no answer is ever stale.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from coopgraph.api.ipc import (
    STOP_GRACE_S,
    BodyStream,
    Worker,
    WorkerDied,
    answer_early,
    exchange,
    forget,
    forkserver_context,
    raise_for,
    take,
)
from coopgraph.api.sparql_worker import replica_main
from coopgraph.api.suspects import Suspects
from coopgraph.graph.errors import QueryResourceError, QueryTimeoutError, StoreError

__all__ = ["MemoryReplica", "ReplicaCopy", "ReplicaLost"]

# One log channel for the embedded engine, whichever of its modules writes.
log = logging.getLogger("coopgraph.api.executor")

_RELOAD_BACKOFF_S = 2.0  # first reload after a loss; doubles per loss within the window
_RELOAD_BACKOFF_MAX_S = 300.0
_LOSS_WINDOW_S = 600.0
# How long the event loop polls for the answer of a query that is alone in the replica before it
# sleeps (api/ipc._poll_read): most cheap queries answer within it (ASK {}: 60-70 us from the send,
# p99 115 us at 1M); the replica's slots poll for their next job likewise (sparql_worker.IdlePolling).
PARENT_POLL_MAX_NS = 200_000


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity on Linux, every CPU elsewhere)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _close_socket(worker: Worker) -> None:
    """Close a slot's event-loop socket (on the loop's thread, with no exchange waiting on it)."""
    if worker.sock is not None:
        worker.sock.close()
        worker.sock = None


class ReplicaLost(Exception):
    """The memory replica died under a query that may not have caused it: answer it from disk."""

    def __init__(self, ran_s: float = 0.0) -> None:
        super().__init__()
        self.ran_s = ran_s  # how long it had run in the replica: a long one is a suspect


@dataclass
class ReplicaCopy:
    """The memory replica process and its slots (one pipe and one thread each, one shared store)."""

    process: BaseProcess
    control: Connection
    slots: asyncio.Queue[Worker | None]
    workers: list[Worker]
    triples: int
    load_s: float
    alive: bool = True
    busy: set[Worker] = field(default_factory=set)  # slots with an exchange in flight
    # Reaping closes descriptor numbers: done twice at once, the second close could hit a number
    # the first had already freed and something else had reused. Once, under this lock.
    reap_lock: threading.Lock = field(default_factory=threading.Lock)
    reaped: bool = False


@dataclass
class _ReplicaStatus:
    state: str = "off"  # off | loading | ready | too-large | failed
    triples: int | None = None
    load_s: float | None = None
    losses: list[float] = field(default_factory=list)  # monotonic times the replica was lost
    source: str = ""  # how the ready copy was made: "snapshot" (graph/store/snapshot.py) or "copy"
    detail: str = ""


class MemoryReplica:
    """The replica's lifecycle: load (one copy at a time), run, lose (backoff), drop on data changes."""

    def __init__(
        self,
        store_path: Path,
        *,
        max_triples: int,
        slot_count: int,
        load_timeout_s: float,
        memory_mb: int,
        timeout_s: float,
        queue_timeout_s: float,
        gate: asyncio.Event,
        suspects: Suspects,
        in_thread: Callable[..., asyncio.Future[Any]],
        poll_us: int,
    ) -> None:
        self.store_path = store_path
        # Polling instead of sleeping (see PARENT_POLL_MAX_NS); never on one CPU, where it would
        # only hold back the process it waits for.
        self.poll_ns = poll_us * 1000 if _usable_cpus() > 1 else 0
        self.max_triples = max_triples  # 0: no replica
        self.slot_count = slot_count
        self.load_timeout_s = load_timeout_s
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.queue_timeout_s = queue_timeout_s
        self._ctx = forkserver_context()
        self._gate = gate  # the executor's: set = queries may take slots
        self._suspects = suspects
        self._in_thread = in_thread  # the disk pool's threads, for blocking process work
        self.copy: ReplicaCopy | None = None
        self._loading_process: BaseProcess | None = None
        # Replica processes started and not yet ready (or reaped): the loader keeps it to one.
        self._loading: set[BaseProcess] = set()
        self._loader: asyncio.Task[None] | None = None  # the one task that loads a copy
        self._loader_sleeping = False  # it waits out a delay (cancellable) rather than loading
        self._reload_not_before = 0.0  # monotonic; the backoff after a loss survives data changes
        self._status = _ReplicaStatus()
        self._epoch = 0  # bumped whenever the data may change: a replica of an older epoch is stale
        self._background: set[asyncio.Task[Any]] = set()
        self._reaping: list[asyncio.Future[Any]] = []
        self._started = False
        self._closing = False

    def status(self) -> dict[str, Any]:
        """What /healthz reports about the memory replica."""
        st = self._status
        return {
            "state": st.state,
            "triples": st.triples,
            "load_s": round(st.load_s, 2) if st.load_s is not None else None,
            "loaded_from": st.source if st.state == "ready" else "",
            "slots": self.slot_count if st.state == "ready" else 0,
            "losses": len(st.losses),
            "detail": st.detail,
        }

    # -- lifecycle, as the executor drives it -----------------------------------------------------
    def start(self) -> None:
        """Load the first copy in the background (queries wait for the executor's gate)."""
        self._started = True
        self.load_later(0.0)

    async def stop_for_change(self) -> None:
        """The data is about to change (the gate is closed): let the queries in the replica finish
        (or time out), drop it, and stop a copy in progress; no copy may read while the writer writes."""
        self._epoch += 1
        replica = self.copy
        if replica is not None:  # let its in-flight queries finish (or time out) first
            for _ in range(self.slot_count):
                await replica.slots.get()
        self.drop("the data is changing")
        await self.stop_loader()
        # Reaped, not only sent SIGKILL: a replica that was writing its snapshot is gone before
        # the writer removes the generation's snapshots (graph/store/snapshot.py).
        await asyncio.gather(*self._reaping, return_exceptions=True)

    async def close(self) -> None:
        self._closing = True
        self._epoch += 1
        await self.stop_loader()
        cancelled = list(self._background)
        for task in cancelled:
            task.cancel()
        replica = self.copy
        self.drop("the executor closed")
        await asyncio.gather(*cancelled, *self._reaping, return_exceptions=True)
        for worker in replica.workers if replica is not None else ():
            _close_socket(worker)  # an exchange cancelled before it began never reached its own close
        self._started = False

    # -- queries ----------------------------------------------------------------------------------
    async def run(self, replica: ReplicaCopy, msg: tuple[str, Any], shape: bytes, *, stream: bool = False) -> Any:
        """(header, body) of the query in ``msg``; with ``stream``, a large body is a
        :class:`~api.ipc.BodyStream` returned as soon as its header is in (see :func:`api.ipc.exchange`)."""
        try:
            worker = await take(replica.slots, self._gate, self.queue_timeout_s)
        except TimeoutError:
            raise QueryResourceError(
                "all query slots stayed busy; try again later or simplify the query"
            ) from None
        if worker is None:  # the replica is gone; leave the marker for the next waiter
            replica.slots.put_nowait(None)
            raise ReplicaLost
        replica.busy.add(worker)  # from now on its socket is this query's to close (see drop)
        # In a task of its own: a client that goes away cancels only its wait for ``answer``, never
        # the query (killing the replica would cost every other query in it); the exchange finishes
        # or meets its deadline, then the slot goes back. With ``stream``, a large body comes back
        # as soon as its header is in, and the exchange goes on reading it.
        answer, _ = answer_early(
            lambda on_stream: self._exchange(replica, worker, msg, shape, on_stream if stream else None),
            self._background)
        return await answer

    async def _exchange(self, replica: ReplicaCopy, worker: Worker, msg: tuple[str, Any],
                        shape: bytes, on_stream: Callable[[Any, BodyStream], None] | None = None) -> Any:
        started = time.monotonic()
        try:
            if not replica.alive:  # dropped between taking the slot and starting
                replica.slots.put_nowait(None)
                raise ReplicaLost
            try:
                # Alone in the replica: poll for the answer rather than sleep (see PARENT_POLL_MAX_NS),
                # until another query comes in.
                poll_ns = min(self.poll_ns, PARENT_POLL_MAX_NS) if len(replica.busy) == 1 else 0
                async with asyncio.timeout(self.timeout_s):  # no task of its own, unlike wait_for
                    reply, body = await exchange(worker, msg, on_stream, poll_ns, lambda: len(replica.busy) == 1)
            except TimeoutError:
                self._suspects.remember(self._suspects.quarantine, shape)
                self.lose(replica, "a query ran past the time limit")
                raise QueryTimeoutError(f"the query ran past {self.timeout_s:g} s and was cancelled") from None
            except WorkerDied:
                self.lose(replica, "its process died (out of memory or killed)")
                raise ReplicaLost(time.monotonic() - started) from None
            except asyncio.CancelledError:  # the executor is closing
                self.drop("the executor closed")
                raise
        finally:
            replica.busy.discard(worker)
            if not replica.alive:  # dropped meanwhile: this exchange was the last user of its socket
                _close_socket(worker)
        if reply[0] == "err" and reply[1] == "memory":
            self.lose(replica, "a query ran out of memory")
            raise ReplicaLost(time.monotonic() - started)
        # A dropped replica's queue holds its "gone" markers; a slot put back after them would be
        # taken by a later query and used with its socket closed.
        replica.slots.put_nowait(worker if replica.alive else None)
        if reply[0] == "ok":
            return reply[1], body
        return raise_for(worker, reply)

    # -- losing and dropping ----------------------------------------------------------------------
    def lose(self, replica: ReplicaCopy, reason: str) -> None:
        """Kill a replica that failed; queries go to disk until a new copy is loaded (backoff)."""
        if not replica.alive:
            return
        now = time.monotonic()
        status = self._status
        status.losses = [t for t in status.losses if now - t < _LOSS_WINDOW_S] + [now]
        self.drop(reason)
        delay = min(_RELOAD_BACKOFF_S * 2 ** (len(status.losses) - 1), _RELOAD_BACKOFF_MAX_S)
        self._reload_not_before = now + delay
        log.warning("memory replica lost (%s); answering from disk, reloading in %.0f s", reason, delay)
        status.state, status.detail = "loading", f"lost: {reason}; reloading in {delay:.0f} s"
        self.load_later(delay)

    def drop(self, reason: str) -> None:
        replica, self.copy = self.copy, None
        loading, self._loading_process = self._loading_process, None
        if loading is not None and loading.is_alive():
            loading.kill()
        if replica is None or not replica.alive:
            return
        replica.alive = False
        replica.process.kill()  # SIGKILL: every in-flight query in it stops now
        for _ in range(self.slot_count):
            replica.slots.put_nowait(None)  # wakes waiters, who fall back to disk
        # The sockets are closed here, on the event loop, and only once no exchange waits on them
        # (the busy ones by their exchange, which sees the process gone). Closed in the reaping
        # thread, a socket the loop still watched left a stale entry in the loop's selector; when a
        # new socket (the next replica's slot) got the same descriptor number, the loop took it for
        # the one already watched and never told epoll: its answers went unread until the time limit.
        for worker in replica.workers:
            if worker not in replica.busy:
                _close_socket(worker)
        self._status.state = "off"
        self._status.detail = reason

        self._reaping = [f for f in self._reaping if not f.done()]
        self._reaping.append(self._in_thread(self._reap, replica))

    @staticmethod
    def _reap(replica: ReplicaCopy) -> None:
        """Kill (if still alive), wait for and close a replica that is no longer used (blocking).

        Safe to call from several threads: the first does the work, the others wait for it."""
        with replica.reap_lock:
            if replica.reaped:
                return
            if replica.process.is_alive():
                replica.process.kill()
            replica.process.join(STOP_GRACE_S)
            replica.control.close()
            for worker in replica.workers:
                worker.conn.close()  # not ``worker.sock``: that one is the loop's to close (see drop)
            replica.reaped = True

    # -- loading ----------------------------------------------------------------------------------
    def load_later(self, delay_s: float) -> None:
        """Load a fresh copy after ``delay_s`` (and not before a loss's backoff has passed).

        One loader at a time: a loader still waiting is replaced by this one; a loader already
        copying is left alone (it copies the data as it is now; a data change stops it first, see
        :meth:`stop_loader`)."""
        if self.max_triples <= 0 or not self._started or self._closing:
            return
        previous = self._loader
        if previous is not None and not previous.done():
            if not self._loader_sleeping:
                return
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._load(delay_s))
        self._loader = task
        self._background.add(task)
        task.add_done_callback(forget(self._background))

    async def _load(self, delay_s: float) -> None:
        epoch = self._epoch
        self._loader_sleeping = True
        try:
            await asyncio.sleep(max(delay_s, self._reload_not_before - time.monotonic()))
        finally:
            self._loader_sleeping = False
        if epoch != self._epoch or self.copy is not None or self._closing:
            return
        self._status.state = "loading"
        try:
            loaded = await asyncio.get_running_loop().run_in_executor(None, self._spawn, epoch)
        except Exception as exc:  # noqa: BLE001 - the disk lane carries on; say why
            self._status.state, self._status.detail = "failed", str(exc)
            log.warning("no memory replica: %s", exc)
            return
        if loaded is None:
            return
        process, control, workers, triples, load_s, source = loaded
        if epoch != self._epoch:  # the data changed while it loaded: it is stale
            stale = ReplicaCopy(process, control, asyncio.Queue(), workers, triples, load_s, alive=False)
            await self._in_thread(self._reap, stale)
            return
        for worker in workers:
            worker.attach_to_loop()
        # Last in, first out: the next query goes to the slot whose thread answered last, which
        # polls for it (sparql_worker.IdlePolling); any free slot would do otherwise.
        slots: asyncio.Queue[Worker | None] = asyncio.LifoQueue()
        for worker in workers:
            slots.put_nowait(worker)
        replica = self.copy = ReplicaCopy(process, control, slots, workers, triples, load_s)
        st = self._status
        st.state, st.triples, st.load_s, st.detail = "ready", replica.triples, replica.load_s, ""
        st.source = source
        log.info("memory replica ready: %d triples %s in %.1f s", replica.triples,
                 "loaded from the snapshot" if source == "snapshot" else "copied", replica.load_s)

    async def stop_loader(self) -> None:
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
            loading = self._loading_process
            if loading is not None and loading.is_alive():
                loading.kill()  # its thread sees the pipe close and returns
        await asyncio.wait([task])

    def _spawn(self, epoch: int) -> tuple[BaseProcess, Connection, list[Worker], int, float, str] | None:
        """Start the replica process and wait until its copy is loaded (blocking; in a thread).

        Returns None when the store is over ``max_triples`` or the load was stopped because the
        data changed; raises StoreError when the copy failed."""
        control, control_child = self._ctx.Pipe()
        pairs = [self._ctx.Pipe() for _ in range(self.slot_count)]
        process = self._ctx.Process(
            target=replica_main,
            args=(control_child, [child for _, child in pairs], str(self.store_path), self.memory_mb,
                  self.max_triples, self.poll_ns),
            name="coopgraph-sparql-replica",
            daemon=True,
        )
        process.start()
        self._loading_process = process
        self._loading.add(process)
        if epoch != self._epoch:  # the data changed while it started (see stop_loader)
            process.kill()
        control_child.close()
        for _, child in pairs:
            child.close()
        workers = [Worker(process, parent) for parent, _ in pairs]
        try:
            msg = control.recv() if control.poll(self.load_timeout_s) else None
        except (EOFError, OSError):
            msg = ("err", "internal", "the replica process died while loading (out of memory?)")
        if msg is None or msg[0] != "ready" or epoch != self._epoch:
            process.kill()
            process.join(STOP_GRACE_S)
            self._loading.discard(process)
            self._loading_process = None
            control.close()
            for worker in workers:
                worker.conn.close()
            if epoch != self._epoch:
                return None  # stopped on purpose: the data changed
            if msg is None:
                raise StoreError(f"copying the store into memory took over {self.load_timeout_s:g} s")
            if msg[0] == "too-large":
                self._status.state = "too-large"
                self._status.triples = msg[1]
                self._status.detail = (
                    f"{msg[1]} triples > replica_max_triples {self.max_triples}: queries run on disk")
                log.info("memory replica off: %s", self._status.detail)
                return None
            raise StoreError(msg[2])
        self._loading.discard(process)
        self._loading_process = None
        return process, control, workers, msg[2], msg[3], msg[4]
