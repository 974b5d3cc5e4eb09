"""Shared fixtures. Rules: build fresh objects per test (or per session for the read-only seed
store), never touch the developer's var/ folder, bind servers to 127.0.0.1 only.

- ``seed_build``: the seed graph built once per session from data/ into a temp store (read-only use!)
- ``seed_store``: an OxigraphStore on it, opened read-only
- ``tmp_data``: a writable copy of data/ for tests that break facts on purpose
- ``live_server``: ``uvicorn --factory api.boot:create_server_app`` (as ``coopgraph serve``) in a
  subprocess on the seed store
- ``app_client``: ``create_app(settings)`` on the seed store in this process, as an ``httpx.Client``
- ``cli``: typer's CliRunner

Which app fixture: a test of what the application answers (pages, JSON, negotiation, error
bodies, headers the app's own middleware sets, OpenAPI) uses ``app_client``, or
``in_process_app(settings)`` for other settings or stores: no port, no subprocess, and a failure
shows the app's traceback. A test of the HTTP protocol or the process uses ``live_server`` (or
``start_server``): real clients (SPARQLWrapper, rdflib's SPARQLStore, curl, the browser), signals
and kills, rate limits by socket address, remote engines, and anything a real server adds.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from coopgraph.api.http_server import UVICORN_HTTP
from coopgraph.api.settings import Settings
from coopgraph.graph.namespaces import DEFAULT_BASE
from coopgraph.graph.pipeline import BuildOutcome, DataPaths, run_build
from coopgraph.graph.store.oxigraph import OxigraphStore

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No COOPGRAPH_* setting leaks in from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("COOPGRAPH_"):
            monkeypatch.delenv(name)


@dataclass
class SeedBuild:
    outcome: BuildOutcome
    store_root: Path
    export_dir: Path


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> SeedBuild:
    root = tmp_path_factory.mktemp("seed")
    store_root, export_dir = root / "store", root / "export"
    outcome = run_build(DataPaths(DATA), store_root=store_root, export_dir=export_dir, base=DEFAULT_BASE)
    return SeedBuild(outcome=outcome, store_root=store_root, export_dir=export_dir)


@pytest.fixture(scope="session")
def seed_store(seed_build: SeedBuild) -> Iterator[OxigraphStore]:
    store = OxigraphStore(seed_build.store_root)
    yield store
    store.close()


@pytest.fixture
def tmp_data(tmp_path: Path) -> DataPaths:
    """A writable copy of the shipped data."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("raw"))
    return DataPaths(target)


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    return CliRunner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(store_root: Path, log_dir: Path, *, env: dict[str, str] | None = None,
                 memory_limit_mb: int | None = None, timeout_s: float = 60) -> LiveServer:
    """Run the real app in a subprocess on 127.0.0.1 and wait until /healthz answers."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    environ.update({"COOPGRAPH_STORE": str(store_root), "COOPGRAPH_PORT": str(port)})
    environ.update(env or {})
    log_path = log_dir / f"server-{port}.log"
    def limit_memory() -> None:  # runs in the child before exec
        import resource

        limit = (memory_limit_mb or 0) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    preexec = limit_memory if memory_limit_mb is not None else None

    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            # what `coopgraph serve` runs (api/boot.py), on the same settings
            [sys.executable, "-m", "uvicorn", "--factory", "coopgraph.api.boot:create_server_app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning",
             "--http", UVICORN_HTTP],
            cwd=REPO, env=environ, stdout=log_file, stderr=subprocess.STDOUT, preexec_fn=preexec,
        )
    return wait_healthy(LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path),
                        timeout_s, "server")


def wait_healthy(server: LiveServer, timeout_s: float, what: str) -> LiveServer:
    """Return ``server`` once its /healthz answers 200; kill it and raise (with its log) otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{what} exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.process.kill()
    raise RuntimeError(f"{what} did not answer within {timeout_s} s:\n{server.log()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def live_server(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on the seed store, in its own process, shared by the read-only HTTP tests."""
    server = start_server(seed_build.store_root, tmp_path_factory.mktemp("server-log"))
    yield server
    stop_server(server)


# The client address the app sees for in-process requests (what rate limits key on).
IN_PROCESS_PEER = ("127.0.0.1", 123)


class _PortalTransport(httpx.BaseTransport):
    """A sync httpx transport that hands each request to an ASGI app on the portal's event loop.

    Written here rather than using starlette's TestClient, which warns (an error under
    filterwarnings=error) unless the separate ``httpx2`` package is installed.
    """

    def __init__(self, portal: BlockingPortal, app: Any) -> None:
        self._portal = portal
        self._asgi = httpx.ASGITransport(app=app, client=IN_PROCESS_PEER)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._portal.call(self._handle, request)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])  # still encoded, as sent
        return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw),
                              extensions=response.extensions)


@contextmanager
def in_process_app(settings: Settings) -> Iterator[httpx.Client]:
    """``create_app(settings)`` in this process, driven by an ``httpx.Client`` (base URL
    http://testserver). The app's lifespan runs on an event loop in a helper thread for the whole
    block: the store, the query engine's worker processes and the background builds start as under
    uvicorn, and are shut down cleanly on leaving it."""
    from anyio.from_thread import start_blocking_portal

    from coopgraph.api.app import create_app

    app = create_app(settings)
    with start_blocking_portal() as portal, \
            portal.wrap_async_context_manager(app.router.lifespan_context(app)), \
            httpx.Client(transport=_PortalTransport(portal, app), base_url="http://testserver") as client:
        yield client


def app_settings(store: Path | str, **overrides: Any) -> Settings:
    """The settings ``start_server`` gives a live server (the defaults, on ``store``), plus ``overrides``.

    Built with no ``COOPGRAPH_*`` variable in the environment, like the live server's, and with
    export_dir away from the developer's var/. One difference: the in-process client's address
    (127.0.0.1) is exempt from rate limits, which a fast in-process run would otherwise reach where
    an HTTP run does not (the limits are tested over real sockets in tests/api/test_rate_limit.py).
    """
    values: dict[str, Any] = {"store": store, "data": DATA, "export_dir": Path(str(store)).parent / "export",
                              "rate_limit_exempt": [IN_PROCESS_PEER[0]]}
    values.update(overrides)
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("COOPGRAPH_"):
                patch.delenv(name)
        return Settings(**values)


@pytest.fixture(scope="session")
def app_client(seed_build: SeedBuild) -> Iterator[httpx.Client]:
    """The app on the seed store, in this process, shared by the read-only application tests."""
    with in_process_app(app_settings(seed_build.store_root, export_dir=seed_build.export_dir)) as client:
        yield client


def chromium_path() -> str | None:
    """Debian's Chromium; browser tests skip without it locally, never under CI=true."""
    path = "/usr/bin/chromium"
    if os.path.exists(path):
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but /usr/bin/chromium is missing (.ci/run installs it)")
    return None


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """A headless Chromium driven by Playwright; network beyond 127.0.0.1 is for tests to block."""
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and other test artifacts land here (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
