"""Real SPARQL engines for the remote-store tests: an Oxigraph server (the `oxigraph` command from
PyPI) and Virtuoso Open Source (Debian's `virtuoso-t`), each started on 127.0.0.1 in a temp dir,
and ``coopgraph serve --store URL`` run as a real subprocess in front of one.

Locally a missing engine skips its tests, saying how to install it; under CI=true it fails them
(``.ci/run`` installs both before ``make test``), as the browser tests do without Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, LiveServer, free_port, wait_healthy

ONTOLOGY_GRAPH = "https://coopgraph.org/ontology"


def require_command(name: str, install: str, *, near_python: bool = False) -> str:
    """The path of the command ``name``; if it is missing, skips the test (locally) or fails it
    (under CI=true, where ``.ci/run`` should have installed it), saying how to install it."""
    found = shutil.which(name)
    if found is None and near_python:
        found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is not None:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the `{name}` command is missing: .ci/run installs it (as root) before "
                    f"`make test`; or {install}. Without CI=true these tests are skipped instead.")
    pytest.skip(f"the `{name}` command is not installed ({install}; .ci/run does it as root); "
                "under CI=true this is a failure")


def oxigraph_command() -> str:
    return require_command("oxigraph", "pip install -e '.[bench]'", near_python=True)


def virtuoso_command() -> str:
    return require_command("virtuoso-t", "apt-get install virtuoso-opensource")


@dataclass
class Engine:
    """A running SPARQL engine: its query and update URLs and its process."""

    query_url: str
    update_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], log_path: Path, what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.post(url, data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"},
                          timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not answer within {timeout_s:g} s:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def start_oxigraph(location: Path) -> Engine:
    """``oxigraph serve`` on a fresh database in ``location`` (skips when the command is absent)."""
    command = oxigraph_command()
    port = free_port()
    location.mkdir(parents=True, exist_ok=True)
    log_path = location / "oxigraph.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([command, "serve", "--location", str(location / "db"), "--bind",
                                    f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait_for(url + "/query", process, log_path, "oxigraph", 30)
    return Engine(query_url=url + "/query", update_url=url + "/update", process=process, log_path=log_path)


VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
TimezonelessDatetimes = 1
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {dir}
VADInstallDir = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 5
ServerThreads = 5
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
MaxKeepAlives = 10
KeepAliveTimeout = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize = 280000
HttpTimeout = 300

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[Replication]
ServerName = coopgraph-test
ServerEnable = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
DefaultQuery = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
DeferInferenceRulesInit = 0
"""


def start_virtuoso(location: Path) -> Engine:
    """``virtuoso-t`` in the foreground on a fresh database in ``location`` with our own ini.

    Its /sparql endpoint answers queries anonymously; updates need the SPARQL_UPDATE role, granted
    here to the anonymous ``SPARQL`` user of this throw-away database (through ``isql``).
    """
    command = virtuoso_command()
    location.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=location, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log_path = location / "virtuoso-stdout.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([command, "+foreground", "+configfile", str(ini)], cwd=location,
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}/sparql"
    _wait_for(url, process, log_path, "virtuoso", 90)
    isql = shutil.which("isql-vt") or shutil.which("isql")
    if isql is None:
        _stop(process)
        pytest.fail("virtuoso-t is installed but not its isql client")
    subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba",
                    "exec=GRANT SPARQL_UPDATE TO \"SPARQL\";"], check=True, capture_output=True, timeout=60)
    return Engine(query_url=url, update_url=url, process=process, log_path=log_path)


def push_nquads(engine: Engine, nquads: bytes, *, chunk: int = 1000, default_graph: str | None = None) -> None:
    """Load N-Quads into an engine with plain SPARQL INSERT DATA (works on every engine).

    The default graph goes in chunks (the seed data has no blank nodes); each named graph in one
    request (the ontology's OWL lists are blank nodes, which must not be split across requests).
    ``default_graph``: put the default graph's triples into this named graph instead (Virtuoso
    stores nothing outside named graphs; its default graph is the union of them all).
    """
    import pyoxigraph as ox

    default: list[str] = []
    named: dict[str, list[str]] = {}
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        triple = f"{quad.subject} {quad.predicate} {quad.object} ."
        if isinstance(quad.graph_name, ox.DefaultGraph):
            default.append(triple)
        else:
            named.setdefault(quad.graph_name.value, []).append(triple)
    into = (f"GRAPH <{default_graph}> {{", "}") if default_graph else ("", "")
    updates = [f"INSERT DATA {{ {into[0]}\n" + "\n".join(default[i:i + chunk]) + f"\n{into[1]} }}"
               for i in range(0, len(default), chunk)]
    updates += [f"INSERT DATA {{ GRAPH <{g}> {{\n" + "\n".join(t) + "\n} }" for g, t in named.items()]
    for update in updates:
        response = httpx.post(engine.update_url, data={"update": update}, timeout=120)
        assert response.status_code in (200, 204), response.text[:2000]


def start_coopgraph(query_url: str, log_dir: Path, *, update_url: str | None = None,
                    env: dict[str, str] | None = None, timeout_s: float = 60) -> LiveServer:
    """``coopgraph serve --store URL`` as a real subprocess; returns once /healthz answers."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    environ.update(env or {})
    log_path = log_dir / f"coopgraph-{port}.log"
    command = [sys.executable, "-m", "coopgraph", "serve", "--store", query_url, "--port", str(port)]
    if update_url:
        command += ["--update-url", update_url]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=environ, stdout=log, stderr=subprocess.STDOUT)
    return wait_healthy(LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path),
                        timeout_s, "coopgraph")


def wait_ready(url: str, timeout_s: float = 60) -> httpx.Response:
    """GET ``url`` until it stops answering 503 (a remote store pulls its projection in the background)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = httpx.get(url, timeout=30)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.3)
