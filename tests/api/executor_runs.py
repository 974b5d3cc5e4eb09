"""Run a body of test code against a real QueryExecutor (worker processes) on a store root."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from coopgraph.api.executor import QueryExecutor
from coopgraph.graph.store.oxigraph import OxigraphStore


def run_executor(store_root: Path, body: Callable[[QueryExecutor], Awaitable[Any]], **options: Any) -> Any:
    """Start an executor on the store's current generation, await ``body(executor)``, close it."""
    async def main() -> Any:
        executor = QueryExecutor(OxigraphStore(store_root).data_path, **options)
        await executor.start()
        try:
            return await body(executor)
        finally:
            await executor.close()

    return asyncio.run(main())
