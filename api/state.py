"""What one running app holds: settings, the store, the query executor and the projection.

The data can change under a running server in two ways: ``coopgraph build`` swaps in a new store
generation, or an authorised SPARQL Update lands. Both change ``store.version()``; ``refresh()``
notices (at most once a second) and reopens what depends on the data.

pyoxigraph forbids reading a database from one process while another writes it, so every
in-process read holds ``reading()`` (a shared lock), and an update holds it exclusively while the
executor's writer process runs; the worker processes are drained by the executor itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from api.result_cache import ResultCache
from graph.store.oxigraph import OxigraphStore

if TYPE_CHECKING:
    from api.settings import Settings

__all__ = ["AppState", "ReadWriteLock"]

log = logging.getLogger(__name__)

REFRESH_EVERY_S = 1.0
T = TypeVar("T")


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


class AppState:
    def __init__(self, settings: Settings, *, executor: Any = None) -> None:
        self.settings = settings
        self.store = OxigraphStore(settings.store)
        self.executor = executor
        self.result_cache = ResultCache.from_megabytes(settings.result_cache_mb)  # None when off
        self.version = self.store.version()
        self.lock = ReadWriteLock()
        self._checked_at = time.monotonic()
        self._cache: dict[str, tuple[str, Any]] = {}
        self._cache_locks: dict[str, threading.Lock] = {}
        self._cache_guard = threading.Lock()
        self._write_lock = asyncio.Lock()

    @contextmanager
    def reading(self) -> Iterator[OxigraphStore]:
        """The in-process store, safe from a concurrent writer for the duration of the block."""
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
        """Reopen the store and restart workers if the data changed since we last looked."""
        now = time.monotonic()
        if now - self._checked_at < REFRESH_EVERY_S:
            return
        self._checked_at = now
        current = self.store.version()
        if current == self.version:
            return
        log.info("store changed (%s -> %s); reopening", self.version, current)
        async with self._write_lock:
            await asyncio.to_thread(self.lock.acquire_exclusive)
            try:
                self.store.close()
                if self.executor is not None:
                    await self.executor.reopen(self.store.data_path)
                self.version = current
            finally:
                self.lock.release_exclusive()

    async def update(self, sparql: str) -> None:
        """Apply a SPARQL Update while no reader in this process holds the database."""
        async with self._write_lock:
            await asyncio.to_thread(self.lock.acquire_exclusive)
            try:
                self.store.close()
                await self.executor.update(sparql)
                self.store.mark_updated()
                self.version = self.store.version()
            finally:
                self.lock.release_exclusive()

    # -- derived data ---------------------------------------------------------------------------
    def cached(self, name: str, build: Callable[[], T]) -> T:
        """``build()`` once per data version; concurrent callers of the same name wait for one build.

        Each name has its own lock, so one cached value may be built from another (the statistics
        from the label index) without deadlock; a build must not ask for its own name.
        """
        version = self.version
        entry = self._cache.get(name)
        if entry is not None and entry[0] == version:
            return entry[1]  # type: ignore[no-any-return]
        with self._cache_guard:
            lock = self._cache_locks.setdefault(name, threading.Lock())
        with lock:
            entry = self._cache.get(name)
            if entry is None or entry[0] != version:
                started = time.perf_counter()
                entry = (version, build())
                self._cache[name] = entry
                log.info("built %s for version %s in %.2f s", name, version, time.perf_counter() - started)
        return entry[1]  # type: ignore[no-any-return]

    def projection(self) -> Any:
        """The networkx projection of the current version, built once and reused."""
        from graph.network import project

        def build() -> Any:
            with self.reading() as store:
                return project(store, base=self.settings.base)

        return self.cached("projection", build)

    async def close(self) -> None:
        if self.executor is not None:
            await self.executor.close()
        self.store.close()
