"""Data-change detection: before each HTTP request, let the app notice a new store version.

``coopgraph build`` (a new store generation) or an update by another process changes
``store.version()`` under a running server; ``AppState.refresh`` looks at most once a second and
reopens what depends on the data. A pure ASGI middleware (not ``@app.middleware``): the
BaseHTTPMiddleware machinery costs about a millisecond a request, most of a small query's time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coopgraph.api.state import AppState

__all__ = ["DataChanges"]


class DataChanges:
    """Pure ASGI middleware: ``await state.refresh()`` before every HTTP request is handled."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "app" in scope:
            state: AppState | None = getattr(scope["app"].state, "coop", None)
            if state is not None:  # None before the lifespan has opened the store
                await state.refresh()
        await self.app(scope, receive, send)
