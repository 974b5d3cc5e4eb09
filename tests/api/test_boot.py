"""``coopgraph serve``'s app (api/boot.py): ``/sparql`` answers before FastAPI is imported, the rest of
the app waits until it is built, then serves everything itself."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from coopgraph.api.boot import ServerApp
from tests.conftest import REPO, app_settings

ASK = {"query": "ASK { ?s ?p ?o }"}
JSON = {"Accept": "application/sparql-results+json"}


def test_importing_the_server_app_leaves_fastapi_and_the_analysis_out() -> None:
    code = ("import sys, coopgraph.api.boot; print(','.join(m for m in ('fastapi', 'networkx', 'pyvis', "
            "'rdflib.plugins.sparql', 'jinja2') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""


class HeldServerApp(ServerApp):
    """The server app whose FastAPI app is built only once the test lets it (``release``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()

    def _build(self, loop: asyncio.AbstractEventLoop, state: Any) -> None:
        self.release.wait(60)
        super()._build(loop, state)


class Lifespan:
    """The lifespan protocol, as uvicorn speaks it."""

    def __init__(self, app: ServerApp) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                            self.inbox.get, self.outbox.put))

    async def say(self, event: str) -> str:
        await self.inbox.put({"type": f"lifespan.{event}"})
        reply = await asyncio.wait_for(self.outbox.get(), 60)
        return str(reply["type"])


@asynccontextmanager
async def serving(server: ServerApp) -> AsyncIterator[httpx.AsyncClient]:
    """``server`` started (its lifespan), a client on it, and the server stopped cleanly after."""
    lifespan = Lifespan(server)
    assert await lifespan.say("startup") == "lifespan.startup.complete"
    transport = httpx.ASGITransport(app=server, client=("127.0.0.1", 123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    assert await lifespan.say("shutdown") == "lifespan.shutdown.complete"
    await lifespan.task


def test_queries_are_answered_while_the_app_is_built_and_everything_after(seed_build) -> None:  # type: ignore[no-untyped-def]
    server = HeldServerApp(app_settings(seed_build.store_root, export_dir=seed_build.export_dir))

    async def scenario() -> None:
        async with serving(server) as client:
            # before the app exists: both query forms, through the same front door as the app's
            posted = await client.post("/sparql", data=ASK, headers=JSON)
            assert posted.status_code == 200, posted.text
            assert posted.json()["boolean"] is True
            assert posted.headers["x-content-type-options"] == "nosniff"  # the app's security headers
            xml = await client.post("/sparql", data=ASK, headers={"Accept": "application/sparql-results+xml"})
            assert xml.status_code == 200 and xml.headers["x-frame-options"] == "DENY"
            assert "script-src 'self'" in xml.headers["content-security-policy"]
            got = await client.get("/sparql", params=ASK, headers=JSON)
            assert got.status_code == 200 and got.json()["boolean"] is True
            malformed = await client.post("/sparql", data={"query": "SELEC nothing"}, headers=JSON)
            assert malformed.status_code == 400 and malformed.json()["ok"] is False
            assert "fastapi" not in sys.modules or server.app is None
            # anything else (readiness, pages) waits for the app
            health = asyncio.create_task(client.get("/healthz"))
            await asyncio.sleep(0.3)
            assert not health.done() and server.app is None
            server.release.set()
            answered = await asyncio.wait_for(health, 60)
            assert answered.status_code == 200, answered.text
            assert server.app is not None
            # the app serves everything from now on, /sparql and cross-origin requests included
            page = await client.get("/query")
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            cross = await client.post("/sparql", data=ASK, headers={**JSON, "Origin": "https://example.org"})
            assert cross.status_code == 200 and cross.headers["access-control-allow-origin"] == "*"
            again = await client.post("/sparql", data=ASK, headers=JSON)
            assert again.status_code == 200 and again.json()["boolean"] is True

    asyncio.run(scenario())


def test_a_query_with_origin_waits_for_the_app_and_its_cors(seed_build) -> None:  # type: ignore[no-untyped-def]
    """A browser's query needs CORS, which is the app's: it is answered once the app is built."""
    server = HeldServerApp(app_settings(seed_build.store_root, export_dir=seed_build.export_dir))

    async def scenario() -> None:
        async with serving(server) as client:
            cross = asyncio.create_task(client.post("/sparql", data=ASK,
                                                    headers={**JSON, "Origin": "https://example.org"}))
            await asyncio.sleep(0.3)
            assert not cross.done()
            server.release.set()
            answered = await asyncio.wait_for(cross, 60)
            assert answered.status_code == 200 and answered.headers["access-control-allow-origin"] == "*"

    asyncio.run(scenario())


def test_an_app_that_cannot_be_built_fails_its_requests_not_the_queries(seed_build, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from coopgraph.api import app as app_module

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the templates are missing")

    monkeypatch.setattr(app_module, "create_app", broken)
    server = ServerApp(app_settings(seed_build.store_root, export_dir=seed_build.export_dir))

    async def scenario() -> None:
        async with serving(server) as client:
            with pytest.raises(RuntimeError, match="the templates are missing"):
                await asyncio.wait_for(client.get("/healthz"), 60)
            posted = await client.post("/sparql", data=ASK, headers=JSON)
            assert posted.status_code == 200 and posted.json()["boolean"] is True

    asyncio.run(scenario())
