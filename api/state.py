"""What one running app holds: settings, the store, the query executor and the derived data.

The data can change under a running server in two ways: ``coopgraph build`` swaps in a new store
generation, or an authorised SPARQL Update lands. Both change ``store.version()``; ``refresh()``
(called before each request by api/data_changes.py) notices it at most once a second and reopens
what depends on the data. Data derived from the store is kept per version in ``derived``, the one
registry (api/derived.py says how and where each value is built).

pyoxigraph forbids reading a database from one process while another writes it, so every
in-process read holds ``reading()`` (a shared lock), and an update holds it exclusively while the
executor's writer process runs; the worker processes are drained by the executor itself.

**Remote store** (``settings.store`` is an http(s) URL): the engine serialises its own reads and
writes, so there is no lock and nothing to reopen. The version is polled in the background (a
request never waits for it). Derived data that would pull much of the graph over HTTP (the
projection for analysis and views, the label index for listings) is never built on a request path:
it is built in the background at start-up (``api.derived.warm_up``) and after each data change;
until the first one is ready those pages answer 503, later they are served from the last complete
one while the next is pulled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from coopgraph.api.derived import REMOTE_BACKGROUND, Derived
from coopgraph.api.engine import QueryEngine, open_engine
from coopgraph.api.result_cache import ResultCache
from coopgraph.graph.errors import CoopgraphError
from coopgraph.graph.store import Store

if TYPE_CHECKING:
    from coopgraph.api.settings import Settings

__all__ = ["AppState", "ReadWriteLock", "open_app_state"]

log = logging.getLogger(__name__)

REFRESH_EVERY_S = 1.0
# A remote store without coopgraph's version triple is versioned by COUNT(*), a scan: poll it rarely.
REMOTE_COUNT_POLL_S = 30.0


class ReadWriteLock:
    """Many readers or one writer; a waiting writer blocks new readers (no writer starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def acquire_exclusive(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True

    def release_exclusive(self) -> None:
        with self._cond:
            self._writing = False
            self._cond.notify_all()


async def open_app_state(settings: Settings, executor: QueryEngine | None = None) -> AppState:
    """What a running app serves from: the store open, its query engine started (``executor``, or
    the one the store calls for), background work begun. The caller closes it."""
    state = AppState(settings, executor=executor)
    try:
        if state.executor is None:
            state.executor = open_engine(settings, state.store)
        await state.executor.start()
        state.start_background()  # remote store: version polling
    except BaseException:
        state.store.close()  # the engine cleans up after its own failed start
        raise
    return state


class AppState:
    def __init__(self, settings: Settings, *, executor: QueryEngine | None = None) -> None:
        self.settings = settings
        self.store: Store = settings.open_store()
        self.executor = executor
        self.result_cache = ResultCache.from_megabytes(settings.result_cache_mb)  # None when off
        self.version = self.store.version() if self.store.in_process else self._remote_version()
        self._background: set[asyncio.Task[Any]] = set()
        self.derived = Derived()  # every value derived from the store, per name and version
        self.lock = ReadWriteLock()
        self._checked_at = time.monotonic()
        self._write_lock = asyncio.Lock()

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """The in-process store, safe from a concurrent writer for the duration of the block."""
        if not self.store.in_process:  # the engine isolates its own readers and writers
            yield self.store
            return
        with self.lock.shared():
            yield self.store

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.lock.acquire_exclusive()
        try:
            self.store.close()
            yield
        finally:
            self.lock.release_exclusive()

    # -- data changes ---------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Reopen the store and restart workers if the data changed since we last looked
        (looks at most once a second)."""
        if not self.store.in_process:  # polled by _poll_remote_version, never on a request path
            return
        moment = time.monotonic()
        if moment - self._checked_at < REFRESH_EVERY_S:
            return
        self._checked_at = moment
        current = self.store.version()
        if current == self.version:
            return
        log.info("store changed (%s -> %s); reopening", self.version, current)
        async with self._write_lock:
            await self._reopen(current)

    async def catch_up(self) -> None:
        """Notice a new store version now, without refresh()'s once-a-second limit: after a write
        this app committed itself as a new generation (the review's apply), so that the very next
        request sees it."""
        if not self.store.in_process:
            self._set_version(await asyncio.to_thread(self._remote_version))
            return
        async with self._write_lock:
            current = self.store.version()
            if current != self.version:
                log.info("store changed (%s -> %s); reopening", self.version, current)
                await self._reopen(current)
            self._checked_at = time.monotonic()

    async def _reopen(self, current: str) -> None:
        await asyncio.to_thread(self.lock.acquire_exclusive)
        try:
            self.store.close()
            if self.executor is not None:
                await self.executor.reopen(self.store.data_path)
            self.version = current
        finally:
            self.lock.release_exclusive()

    async def update(self, sparql: str) -> None:
        """Apply a SPARQL Update while no reader in this process holds the database.

        Embedded store: the update holds the store's writer lock (see graph/store/locks.py), so it
        never lands in a generation that a concurrent `coopgraph load` or `build` is about to
        replace: it waits up to ``settings.write_wait_s`` for such a write to finish (then 503 with
        Retry-After, nothing changed), and catches up with the data that write committed first.
        """
        engine = self.executor
        if engine is None:  # the lifespan starts one before the first request
            raise RuntimeError("the app's query engine is not running")
        if not self.store.in_process:  # the engine applies it and isolates its readers itself
            await engine.update(sparql)
            self._set_version(await asyncio.to_thread(self._remote_version))
            return
        from coopgraph.graph.store.locks import WriterLock

        async with self._write_lock:
            writer = WriterLock(self.settings.store_path, f"a SPARQL Update (server pid {os.getpid()})",
                                wait=self.settings.write_wait_s)
            await asyncio.to_thread(writer.acquire)
            try:
                current = self.store.version()
                if current != self.version:  # a load or build committed while we waited
                    log.info("store changed (%s -> %s); reopening before the update", self.version, current)
                    await self._reopen(current)
                await asyncio.to_thread(self.lock.acquire_exclusive)
                try:
                    self.store.close()
                    await engine.update(sparql)
                    # Only an in-process store counts in-place updates; the Store protocol has no such step.
                    self.store.mark_updated()  # type: ignore[attr-defined]
                    self.version = self.store.version()
                finally:
                    self.lock.release_exclusive()
            finally:
                writer.release()

    # -- derived data (kept in self.derived; api/derived.py builds it) -------------------------
    def search_index(self, query: str) -> Any:
        """For a remote store, a small label index of the candidates of ``query`` (bounded queries);
        None for the embedded store, whose routes use the full index (``label_index``)."""
        if self.store.bulk_reads:
            return None
        from coopgraph.graph.remote_search import bounded_index

        return bounded_index(self.store, base=self.settings.base, query=query)

    # -- remote store -----------------------------------------------------------------------------
    def _remote_version(self) -> str:
        """The remote store's version, or a marker when the engine cannot be reached (requests then
        get the engine's error; the poller retries)."""
        try:
            return self.store.version()
        except CoopgraphError as exc:
            log.warning("cannot read the remote store's version: %s", exc.message)
            return self.version if hasattr(self, "version") else "unreachable"

    def _set_version(self, current: str) -> None:
        if current != self.version:
            log.info("remote store changed (%s -> %s)", self.version, current)
            self.version = current
            self.derived.rebuild(REMOTE_BACKGROUND, current)  # what was in use, off the request path

    def start_background(self) -> None:
        """Remote store: poll its version (call from the loop; api.derived.warm_up starts pulling
        the projection)."""
        if not self.store.in_process:  # reading the version is a request: never on a request path
            self._spawn(self._poll_remote_version())

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _poll_remote_version(self) -> None:
        while True:
            counted = self.version.startswith("count-") or self.version == "unreachable"
            await asyncio.sleep(REMOTE_COUNT_POLL_S if counted else REFRESH_EVERY_S)
            self._set_version(await asyncio.to_thread(self._remote_version))

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self.executor is not None:
            await self.executor.close()
        self.store.close()
