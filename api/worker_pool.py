"""The disk lane of :mod:`api.executor`: a pool of worker processes on the store's files, with deadlines.

- **Pool**: ``workers`` long-lived processes (``forkserver``, so no locks or threads are inherited
  from the server), each holding ``Store.read_only(path)`` (see :mod:`api.sparql_worker`). A fixed set of
  *slots* circulates through an ``asyncio.Queue``: a slot holds a live worker, or ``None`` when its
  worker could not be started (the next user of the slot tries again).
- **Deadlines**: the worker caps its own data segment (``RLIMIT_DATA``) and CPU (backstop); the
  parent waits ``timeout_s`` and then SIGKILLs the worker (the core really stops) and starts a
  replacement in the background. A worker that dies (allocation failure aborts it, a crash, an OOM
  kill) is replaced the same way. A query that overran is remembered as *heavy*, one that killed
  its worker as *quarantined* (:mod:`api.suspects`).
- **Heavy share**: suspects (quarantined shapes, shapes that overran a disk worker, and re-runs
  that had run over a second in the lost replica) may hold all workers but one, so cheap queries
  keep a worker while a heavy one waits out its deadline.
- **Writer**: an update runs in a separate read-write process under the same limits, while the
  executor holds every slot (:meth:`DiskPool.stop_all` ... :meth:`DiskPool.fill`).
- **Threads**: process start, stop and the rare update's blocking exchange run on the pool's own
  small thread pool (:meth:`DiskPool.in_thread`); queries go over the event loop (:mod:`api.ipc`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from coopgraph.api.ipc import (
    BodyStream,
    TimedOut,
    Worker,
    WorkerDied,
    answer_early,
    exchange,
    forget,
    forkserver_context,
    raise_for,
    read_reply,
    take,
)
from coopgraph.api.sparql_worker import UpdateJob, worker_main
from coopgraph.api.suspects import Suspects
from coopgraph.graph.errors import QueryResourceError, QueryTimeoutError, StoreError

__all__ = ["DiskPool"]

# One log channel for the embedded engine, whichever of its modules writes.
log = logging.getLogger("coopgraph.api.executor")


class DiskPool:
    """The disk workers: slots, replacements, deadlines and the heavy share."""

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int,
        timeout_s: float,
        memory_mb: int,
        queue_timeout_s: float,
        start_timeout_s: float,
        gate: asyncio.Event,
        suspects: Suspects,
    ) -> None:
        self.store_path = store_path
        self.workers = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.queue_timeout_s = queue_timeout_s
        self.start_timeout_s = start_timeout_s
        self._ctx = forkserver_context()
        self._threads = ThreadPoolExecutor(workers + 2, thread_name_prefix="sparql-pipe")
        self._slots: asyncio.Queue[Worker | None] = asyncio.Queue()
        self._gate = gate  # the executor's: set = queries may take slots
        self._suspects = suspects
        # Suspected-heavy queries may hold all but one disk worker: the last one keeps serving
        # everything else while a heavy query waits out its deadline.
        self._heavy_share = asyncio.Semaphore(max(1, workers - 1))
        self._replacing: set[asyncio.Task[None]] = set()
        self._streaming: set[asyncio.Task[Any]] = set()  # exchanges reading a streamed body

    def in_thread(self, fn: Any, *args: Any) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def _spawn(self, read_only: bool = True) -> Worker:
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
        worker = Worker(process, parent)
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

    def _roundtrip(self, worker: Worker, msg: tuple[str, Any]) -> Any:
        """Send a job and wait for its reply, killing the worker at the deadline (blocking)."""
        try:
            worker.conn.send(msg)
            if not worker.conn.poll(self.timeout_s):
                worker.kill()
                raise TimedOut
            reply, body = read_reply(worker.conn.recv_bytes())
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise WorkerDied from exc
        if reply[0] == "ok":
            return None if reply[1] is None else (reply[1], body)
        return raise_for(worker, reply)

    async def write(self, job: UpdateJob) -> None:
        """Apply an update in a read-write process under the same limits (the caller holds every
        slot: no reader may be open while it writes)."""
        writer = await self.in_thread(self._spawn, False)
        try:
            await self.in_thread(self._roundtrip, writer, ("update", job))
        except TimedOut:
            await self.in_thread(writer.kill)
            raise QueryTimeoutError(
                f"the update ran past {self.timeout_s:g} s and was cancelled; nothing was written"
            ) from None
        except WorkerDied:
            await self.in_thread(writer.kill)
            raise QueryResourceError("the update exhausted its memory or crashed") from None
        else:
            await self.in_thread(writer.stop)

    async def _exchange_with_deadline(self, worker: Worker, msg: tuple[str, Any],
                                      on_stream: Callable[[Any, BodyStream], None] | None = None) -> Any:
        """The event-loop version of :meth:`_roundtrip`, for query workers."""
        try:
            async with asyncio.timeout(self.timeout_s):  # no task of its own, unlike wait_for
                reply, body = await exchange(worker, msg, on_stream)
        except TimeoutError:
            worker.process.kill()
            raise TimedOut from None
        if reply[0] == "ok":
            return reply[1], body
        return raise_for(worker, reply)

    async def _take_slot(self) -> Worker:
        try:
            worker = await take(self._slots, self._gate, self.queue_timeout_s)
        except TimeoutError:
            raise QueryResourceError(
                "all query workers stayed busy; try again later or simplify the query"
            ) from None
        if worker is None:  # its last start failed: try again now
            try:
                worker = await self.in_thread(self._spawn, True)
            except StoreError:
                self._slots.put_nowait(None)
                raise
        return worker

    async def run(self, msg: tuple[str, Any], shape: bytes, *, suspect: bool = False, stream: bool = False) -> Any:
        """Answer on a disk worker; a suspect waits for the heavy share first. With ``stream``, a
        large body is a :class:`~api.ipc.BodyStream` returned once its header is in."""
        if stream:
            return await self._run_streaming(msg, shape, suspect)
        return await self._run_in_share(msg, shape, suspect)

    async def _run_streaming(self, msg: tuple[str, Any], shape: bytes, suspect: bool) -> Any:
        """:meth:`run` whose answer comes back as soon as a large body's header is in: the exchange
        goes on in a task of its own, reads the rest off the pipe and gives the worker back. A
        client that goes away before that cancels the exchange (the worker is killed, as without
        streaming); after it, the body is read to its end whatever the client does."""
        answer, task = answer_early(lambda on_stream: self._run_in_share(msg, shape, suspect, on_stream),
                                    self._streaming)
        try:
            return await answer
        except asyncio.CancelledError:
            if not task.done():
                task.cancel()  # no answer yet: stop the work (the worker is killed and replaced)
            raise

    async def _run_in_share(self, msg: tuple[str, Any], shape: bytes, suspect: bool,
                            on_stream: Callable[[Any, BodyStream], None] | None = None) -> Any:
        """On a worker; a suspect waits for the heavy share first."""
        if not suspect:
            return await self._run_on_worker(msg, shape, on_stream)
        try:
            await asyncio.wait_for(self._heavy_share.acquire(), self.queue_timeout_s)
        except TimeoutError:
            raise QueryResourceError(
                "queries like this one are running already; try again later or simplify the query"
            ) from None
        try:
            return await self._run_on_worker(msg, shape, on_stream)
        finally:
            self._heavy_share.release()

    async def _run_on_worker(self, msg: tuple[str, Any], shape: bytes,
                             on_stream: Callable[[Any, BodyStream], None] | None = None) -> Any:
        worker = await self._take_slot()
        started = time.monotonic()
        try:
            result = await self._exchange_with_deadline(worker, msg, on_stream)
        except asyncio.CancelledError:
            # The client went away mid-exchange: stop the work now; the pipe is mid-message, so
            # the worker cannot be reused.
            worker.process.kill()
            self._replace_later(worker)
            raise
        except TimedOut:
            self._replace_later(worker)
            # the next one like it gets the heavy share only
            self._suspects.remember(self._suspects.heavy, shape)
            raise QueryTimeoutError(
                f"the query ran past {self.timeout_s:g} s and was cancelled"
            ) from None
        except WorkerDied:
            self._replace_later(worker)
            # it crashed a bounded worker: off the replica
            self._suspects.remember(self._suspects.quarantine, shape)
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

    def _replace_later(self, dead: Worker) -> None:
        async def replace() -> None:
            await self.in_thread(dead.kill)
            try:
                worker: Worker | None = await self.in_thread(self._spawn, True)
            except Exception:
                log.exception("could not start a replacement SPARQL worker")
                worker = None
            self._slots.put_nowait(worker)

        # Not in the replica's background tasks: close() lets a replacement finish starting and
        # then stops it, rather than cancelling it halfway and leaking the process its thread is
        # still starting.
        task = asyncio.get_running_loop().create_task(replace())
        self._replacing.add(task)
        task.add_done_callback(forget(self._replacing))

    async def fill(self) -> None:
        """Start a worker in every slot (a slot whose worker fails to start holds ``None``)."""
        spawned = await asyncio.gather(
            *(self.in_thread(self._spawn, True) for _ in range(self.workers)),
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

    async def stop_all(self) -> None:
        """Take every slot back (in-flight queries finish or time out) and stop its worker."""
        drained = [await self._slots.get() for _ in range(self.workers)]
        await asyncio.gather(*(self.in_thread(w.stop) for w in drained if w is not None))

    async def close(self) -> None:
        """Let replacements finish starting, stop every worker, release the threads."""
        await asyncio.gather(*self._replacing, return_exceptions=True)
        stopped = []
        while not self._slots.empty():
            worker = self._slots.get_nowait()
            if worker is not None:
                stopped.append(self.in_thread(worker.stop))
        await asyncio.gather(*stopped, return_exceptions=True)
        self._threads.shutdown(wait=False, cancel_futures=True)
