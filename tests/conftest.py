"""Shared fixtures. Rules: build fresh objects per test (or per session for the read-only seed
store), never touch the developer's var/ folder, bind servers to 127.0.0.1 only.

- ``seed_build``: the seed graph built once per session from data/ into a temp store (read-only use!)
- ``seed_store``: an OxigraphStore on it, opened read-only
- ``tmp_data``: a writable copy of data/ for tests that break facts on purpose
- ``live_server``: ``uvicorn --factory api.app:create_app`` in a subprocess on the seed store
- ``cli``: typer's CliRunner
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from coopgraph.graph.namespaces import DEFAULT_BASE
from coopgraph.graph.pipeline import BuildOutcome, DataPaths, run_build
from coopgraph.graph.store.oxigraph import OxigraphStore

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
            [sys.executable, "-m", "uvicorn", "--factory", "coopgraph.api.app:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
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
