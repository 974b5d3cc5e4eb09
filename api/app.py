"""The FastAPI application, built by a factory from Settings.

``uvicorn --factory api.app:create_app``. The store, the query executor and the networkx projection
are opened in the lifespan and kept on ``app.state.coop`` (:meth:`CoopgraphApp.adopt`).
``coopgraph serve`` builds this app in a thread behind :mod:`api.boot`, which opens them itself and
answers ``/sparql`` meanwhile.

**Listening first.** ``/sparql`` and ``/healthz`` are routed from the start; the other routers
(pages, analysis, views: networkx, the templates' helpers, about half a second of imports) are
imported and included by :class:`LateRoutes` in a thread that the lifespan starts last, so the
server listens and answers SPARQL without waiting for them. A request for any other path, and
``/healthz`` (readiness: the whole app), waits until they are in (:class:`UntilRoutes`); nothing
answers 404 early.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from coopgraph import __version__
from coopgraph.api import derived
from coopgraph.api.engine import QueryEngine
from coopgraph.api.errors import install_error_handlers
from coopgraph.api.front import CSP, EMBED_CSP, SparqlFastPath, front
from coopgraph.api.routers import docs
from coopgraph.api.settings import Settings
from coopgraph.api.state import AppState, open_app_state
from coopgraph.api.update_token import updates_enabled

__all__ = ["create_app", "CoopgraphApp", "CSP", "EMBED_CSP", "LateRoutes"]

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, executor: QueryEngine | None = None) -> FastAPI:
    """Build the app. ``executor``: the query engine to use instead of the one the store calls for."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: CoopgraphApp) -> AsyncIterator[None]:
        state = await open_app_state(settings, executor)
        app.adopt(state)
        try:
            yield
        finally:
            await state.close()

    app = CoopgraphApp(
        title="coopgraph",
        version=__version__,
        description="A knowledge graph of regional cooperation, with the evidence for every link. "
                    "SPARQL 1.1 endpoint at /sparql; Linked Data at /id/{slug}.",
        lifespan=lifespan,
        docs_url=None,  # api/routers/docs.py serves /docs with Swagger UI from our own files
        redoc_url=None,
        openapi_tags=docs.OPENAPI_TAGS,
    )
    docs.install_openapi_examples(app)
    app.state.templates = _templates()
    # The nav links to the review only where it exists (api/routers/review.py answers 404 elsewhere).
    app.state.templates.env.globals["review_on"] = updates_enabled(settings) and settings.store_url is None
    install_error_handlers(app)
    late = app.late = LateRoutes(app)
    app.add_middleware(UntilRoutes, routes=late)  # first added = innermost: inside the /sparql fast path
    _install_middleware(app)
    app.front = front(app.behind_front, settings)
    app.mount("/static/lib", StaticFiles(packages=[("pyvis", "templates/lib")]), name="pyvis-lib")
    app.mount("/static", StaticFiles(packages=[("coopgraph.api", "static")]), name="static")
    for router in _routers("early"):
        app.include_router(router)
    documented = app.openapi

    def openapi() -> dict[str, Any]:
        late.include()  # the description lists every route, served or not yet
        return documented()

    # FastAPI's documented way to extend the schema is to replace this method
    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _templates() -> Jinja2Templates:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("coopgraph.api", "templates"), autoescape=select_autoescape(default=True))
    env.globals["version"] = __version__
    from coopgraph.graph.ontology import class_label

    env.filters["class_label"] = class_label  # "CustomsDistrict" reads "Customs district" on every page
    return Jinja2Templates(env=env)


def _routers(part: str = "all") -> list[Any]:
    """One router per resource; the order matters only where paths could overlap (none do now).
    ``part``: ``"early"``, the ones routed from the start (see the module docstring); ``"late"``,
    all the others; ``"all"``."""
    from coopgraph.api.routers import docs, health, sparql

    early = [health.router, sparql.router, docs.router]
    if part == "early":
        return early
    from coopgraph.api.routers import (
        analytics,
        dataset,
        documents,
        entities,
        ontology,
        query_page,
        review,
        search,
        views,
    )

    late = [m.router for m in (query_page, entities, search, documents, ontology, dataset, analytics, views, review)]
    return late if part == "late" else early + late


class LateRoutes:
    """The routers other than /sparql's and /healthz's, included once, from a thread or on demand."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._done = False
        self.error: BaseException | None = None
        self.ready = asyncio.Event()  # set on the serving loop once they are in (or failed)
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Include them in a thread; ``ready`` is set on ``loop`` when done."""
        self._loop = loop
        threading.Thread(target=self._in_thread, name="coopgraph-routes", daemon=True).start()

    def _in_thread(self) -> None:
        try:
            self.include()
        except BaseException:  # noqa: BLE001 - each waiting request raises it; say it once here
            log.exception("the app's pages could not be set up")

    def include(self) -> None:
        """Import and include them now unless done (blocking; safe from any thread)."""
        with self._lock:
            try:
                if not self._done:
                    try:
                        for router in _routers("late"):
                            self.app.include_router(router)
                    except BaseException as exc:
                        self.error = exc
                        raise
                    finally:
                        self._done = True
                elif self.error is not None:
                    raise self.error
            finally:
                if self._loop is not None and self._done:
                    try:
                        self._loop.call_soon_threadsafe(self.ready.set)
                    except RuntimeError:  # the loop closed meanwhile: nobody waits
                        pass

    async def wait(self) -> None:
        """Until they are in; raises what stopped them."""
        if self._loop is None:  # no lifespan started them (the app called without one): now
            await asyncio.to_thread(self.include)
            self.ready.set()  # on this loop: later requests go straight through
        else:
            await self.ready.wait()
        if self.error is not None:
            raise self.error


class UntilRoutes:
    """Pure ASGI: a request for a path no route serves yet waits until :class:`LateRoutes` are in;
    so does ``/healthz``, so that whoever waits for it to answer (a load balancer, the tests'
    live servers) gets the whole app; ``/sparql`` is answered before this (:class:`SparqlFastPath`)."""

    READINESS = frozenset({"/healthz"})

    def __init__(self, app: Any, routes: LateRoutes) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self.routes.ready.is_set() and (
                scope["path"] in self.READINESS or not self._served(scope)):
            await self.routes.wait()
        await self.app(scope, receive, send)

    def _served(self, scope: dict[str, Any]) -> bool:
        from starlette.routing import Match

        return any(route.matches(scope)[0] != Match.NONE for route in list(self.routes.app.router.routes))


class CoopgraphApp(FastAPI):
    """FastAPI behind a front door of pure ASGI layers (:func:`api.front.front`), which every HTTP request
    passes first: the rate limit, the security headers, data-change detection, then either the
    ``/sparql`` fast path or FastAPI's own stack.

    Why in front of FastAPI rather than in its middleware list: whatever sits in that list runs
    inside FastAPI's and Starlette's own layers (server errors, telemetry, the body limit, CORS),
    and those layers cost a cheap query as much as its evaluation does (a profile of ``ASK {}``
    sequentially: about 0.2 ms of 1.5 ms). ``lifespan`` and anything else that is not HTTP goes
    to FastAPI unchanged.
    """

    front: Any = None  # set by create_app
    late: LateRoutes  # set by create_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.front is not None:
            scope["app"] = self  # what Starlette sets, and what the layers in front read
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def behind_front(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own stack: the innermost part of the front door."""
        await super().__call__(scope, receive, send)

    def adopt(self, state: AppState) -> None:
        """Serve from ``state``, opened by the lifespan (or by :mod:`api.boot` while this app was
        being built). On the serving loop."""
        self.state.coop = state
        derived.warm_up(self)  # remote: the projection; large embedded: projection, measures, index
        # Once the rest is up: in the same process, its imports would slow the start-up they
        # wait beside (the GIL), and the workers are ready within a tenth of a second now.
        self.late.start(asyncio.get_running_loop())


def _install_middleware(app: FastAPI) -> None:
    app.add_middleware(SparqlFastPath)  # first added = innermost
    # Any origin may query the endpoint and read the JSON API (they are public, read-only data).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "Authorization"],
        expose_headers=["X-Coopgraph-Truncated", "X-Coopgraph-Cache", "X-Coopgraph-Lane", "Content-Type"],
    )
    # DataChanges and SecurityHeaders are in front of all this (see api.front.front): even a preflight
    # notices a new store version, and even preflights and errors carry the headers.
