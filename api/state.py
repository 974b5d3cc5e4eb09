"""What one running app holds: settings, the store, the query executor and the projection.

The data can change under a running server in two ways: ``coopgraph build`` swaps in a new store
generation, or an authorised SPARQL Update lands. Both change ``store.version()``; ``refresh()``
notices (at most once a second) and reopens what depends on the data.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from graph.store.oxigraph import OxigraphStore

if TYPE_CHECKING:
    from api.settings import Settings

__all__ = ["AppState"]

log = logging.getLogger(__name__)

REFRESH_EVERY_S = 1.0


class AppState:
    def __init__(self, settings: Settings, *, executor: Any = None) -> None:
        self.settings = settings
        self.store = OxigraphStore(settings.store)
        self.executor = executor
        self.version = self.store.version()
        self._checked_at = time.monotonic()
        self._projection: Any = None
        self._projection_version: str | None = None
        self._projection_lock = threading.Lock()
        self._write_lock = asyncio.Lock()

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
            self.store.close()
            if self.executor is not None:
                await self.executor.reopen(self.store.data_path)
            self.version = current

    async def update(self, sparql: str) -> None:
        """Apply a SPARQL Update: no reader may hold the database while it is written."""
        async with self._write_lock:
            self.store.close()
            await self.executor.update(sparql)
            self.version = self.store.version()

    # -- derived data ---------------------------------------------------------------------------
    def projection(self) -> Any:
        """The networkx projection of the current version, built once and reused."""
        from graph.network import project

        with self._projection_lock:
            if self._projection is None or self._projection_version != self.version:
                started = time.perf_counter()
                self._projection = project(self.store, base=self.settings.base)
                self._projection_version = self.version
                log.info("projection built in %.2f s", time.perf_counter() - started)
            return self._projection

    async def close(self) -> None:
        if self.executor is not None:
            await self.executor.close()
        self.store.close()
