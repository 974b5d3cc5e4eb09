"""What ``coopgraph serve`` runs: ``/sparql`` answered as soon as the query workers are up, while the
rest of the app is built beside it.

Importing FastAPI and building the app (its routers, OpenAPI models, templates) takes about 0.4 s
of the start-up, and a SPARQL client needs none of it. So uvicorn serves :class:`ServerApp`, which
imports only Starlette and the SPARQL protocol (:mod:`api.sparql_protocol`, :mod:`api.front`):

- its lifespan opens the store and starts the query engine (:func:`api.state.open_app_state`), then
  builds the FastAPI app (:func:`api.app.create_app`) in a thread and tells uvicorn it has started;
- until that app is built, a ``/sparql`` query (``POST``, or ``GET`` with ``query=``) goes through
  the same front door the app has (:func:`api.front.front`: rate limit, security headers,
  data-change detection, the fast path); anything else (pages, ``/healthz``, a cross-origin
  query, which needs CORS) waits for the app;
- once it is built, the app takes ``state`` over (:meth:`api.app.CoopgraphApp.adopt`) and serves
  every request itself, exactly as when it is run on its own (``uvicorn --factory
  coopgraph.api.app:create_app``, the tests' TestClient).

The lifespan closes ``state`` at shutdown: the app never runs a lifespan of its own here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

from coopgraph.api import sparql_protocol
from coopgraph.api.front import front
from coopgraph.api.settings import Settings
from coopgraph.api.state import AppState, open_app_state

if TYPE_CHECKING:
    from coopgraph.api.app import CoopgraphApp

__all__ = ["ServerApp", "create_server_app"]

log = logging.getLogger(__name__)


def create_server_app() -> ServerApp:
    """The factory ``coopgraph serve`` hands uvicorn (settings from the environment, as create_app)."""
    return ServerApp(Settings())


class _State:
    """What the front door and the SPARQL protocol read on ``scope["app"].state`` (as on the app)."""

    coop: AppState | None = None


class ServerApp:
    """The ASGI app uvicorn serves for ``coopgraph serve`` (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = _State()
        self.app: CoopgraphApp | None = None   # the whole app, once built
        self._built: asyncio.Event | None = None   # set on the serving loop when built (or failed)
        self._error: BaseException | None = None
        self._stopping = False   # shutdown began: an app built now is not handed the closed state
        # Its own rate-limit counters until the app's take over: a client's first half second.
        self._front = front(self._behind_front, settings)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http" and _is_query(scope):
            scope["app"] = self
            await self._front(scope, receive, send)
        else:
            await (await self._whole_app())(scope, receive, send)

    async def _behind_front(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """What the front door passes on (a query with ``Origin``): the app's own stack, once built."""
        await (await self._whole_app()).behind_front(scope, receive, send)

    async def _whole_app(self) -> CoopgraphApp:
        if self.app is None:
            if self._built is None:
                raise RuntimeError("the server has not started (no lifespan)")
            await self._built.wait()
        if self._error is not None:
            raise self._error
        assert self.app is not None
        return self.app

    # -- start and stop ---------------------------------------------------------------------------
    async def _lifespan(self, receive: Any, send: Any) -> None:
        await receive()  # lifespan.startup
        try:
            state = await open_app_state(self.settings)
        except BaseException as exc:
            log.exception("the server could not start")
            await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
            return
        self.state.coop = state
        self._built = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._build, args=(loop, state), name="coopgraph-app", daemon=True).start()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        self._stopping = True
        try:
            await state.close()
        finally:
            await send({"type": "lifespan.shutdown.complete"})

    def _build(self, loop: asyncio.AbstractEventLoop, state: AppState) -> None:
        """In a thread: import and build the app, then hand it ``state`` on the serving loop."""
        try:
            from coopgraph.api.app import create_app

            app = create_app(self.settings)
        except BaseException as exc:  # noqa: BLE001 - every waiting request raises it; said once here
            log.exception("the app could not be built")
            self._call_soon(loop, self._failed, exc)
            return
        self._call_soon(loop, self._adopt, app, state)

    @staticmethod
    def _call_soon(loop: asyncio.AbstractEventLoop, callback: Any, *args: Any) -> None:
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed meanwhile (a stop during the start): nobody waits
            pass

    def _adopt(self, app: CoopgraphApp, state: AppState) -> None:
        if self._stopping:
            self._failed(RuntimeError("the server is stopping"))
            return
        try:
            app.adopt(state)
        except BaseException as exc:  # noqa: BLE001 - as in _build
            log.exception("the app could not take over")
            self._failed(exc)
            return
        self.app = app
        assert self._built is not None
        self._built.set()

    def _failed(self, exc: BaseException) -> None:
        self._error = exc
        assert self._built is not None
        self._built.set()


def _is_query(scope: dict[str, Any]) -> bool:
    """A request the SPARQL protocol answers without the app: ``POST /sparql`` (a query or an
    update in the body) or ``GET /sparql?query=``. A ``GET`` without a query is the service
    description, whose page for browsers is the app's template."""
    if not sparql_protocol.handles(scope):
        return False
    query_string: bytes = scope["query_string"]
    return scope["method"] == "POST" or query_string.startswith(b"query=") or b"&query=" in query_string
