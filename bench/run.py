"""One benchmark run: coopgraph vs Oxigraph server vs rdflib-endpoint, same data, same query mix.

    python bench/run.py                          # 10k and 100k (default), writes bench/RESULTS.md
    python bench/run.py --sizes 10k,100k,1m      # the issue's full run (1M: about 10 minutes)

For each size and each system, in one run:

- **load**: ``coopgraph load FILE`` / ``oxigraph load`` + ``oxigraph optimize`` (both end with an
  optimised RocksDB) / rdflib-endpoint parses at start-up, so its load is its start;
- **start**: seconds from launching the server on the existing store until it answers ``ASK {}``;
- **RSS**: resident memory of the server's whole process tree after a warm-up pass of the mix;
- **median latency** of each query, sequential, one keep-alive connection (httpx);
- **throughput, p50, p99** with ``wrk`` (compiled, 2 threads, 8 connections, a Lua script that
  cycles over the mix), on the full mix and on the interactive part (everything but top-hubs).

rdflib-endpoint is pure Python: it runs on at most ``--rdflib-max`` triples (default 100k) and the
table marks ratios taken at a smaller size. Every server binds 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is a folder of scripts, not a package)

BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
NT = "application/n-triples"
PREFIXES = ("PREFIX coop: <https://coopgraph.org/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ")


# -- the query mix ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    name: str
    sparql: str
    accept: str
    interactive: bool = True


def query_mix(m: dict[str, str]) -> list[Query]:
    """The fixed mix, parameterised by the generator's landmarks (same seed, same IRIs)."""
    mid, hub_org, region, country = m["mid_org"], m["hub_org"], m["hub_region"], m["country"]
    needle = m["mid_org_label"].split(" ", 1)[1].lower()  # e.g. "customs 8"
    return [
        Query("label_exact", f'SELECT ?e WHERE {{ ?e rdfs:label "{m["hub_org_label"]}"@en }}', JSON),
        Query("label_substring", "SELECT ?e ?l WHERE { ?e rdfs:label ?l "
              f'FILTER(CONTAINS(LCASE(STR(?l)), "{needle}")) }} LIMIT 20', JSON),
        Query("one_hop", f'SELECT ?p ?o ?dir WHERE {{ {{ <{mid}> ?p ?o BIND("out" AS ?dir) }} UNION '
              f'{{ ?o ?p <{mid}> BIND("in" AS ?dir) }} }} LIMIT 500', JSON),
        Query("two_hop", f"SELECT DISTINCT ?n2 WHERE {{ {{ <{mid}> ?p1 ?n1 }} UNION {{ ?n1 ?p1 <{mid}> }} "
              "FILTER(isIRI(?n1) && ?p1 != rdf:type) { ?n1 ?p2 ?n2 } UNION { ?n2 ?p2 ?n1 } "
              f"FILTER(isIRI(?n2) && ?p2 != rdf:type && ?n2 != <{mid}>) }} LIMIT 1000", JSON),
        Query("agreements_by_year", "SELECT ?year (COUNT(?a) AS ?agreements) (SUM(?k) AS ?articles) WHERE { "
              f"?a coop:hasSignatory <{hub_org}> ; coop:signedOn ?d ; coop:numberOfArticles ?k . "
              'FILTER(?d >= "2015-01-01"^^xsd:date && ?d < "2020-01-01"^^xsd:date) BIND(YEAR(?d) AS ?year) } '
              "GROUP BY ?year ORDER BY ?year", JSON),
        Query("reachability", "SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE { "
              f"?org coop:locatedIn/coop:partOf* <{region}> }}", JSON),
        Query("top_hubs", "SELECT ?e (COUNT(*) AS ?degree) WHERE { ?s ?p ?e FILTER(isIRI(?e) && ?p != rdf:type) } "
              "GROUP BY ?e ORDER BY DESC(?degree) LIMIT 10", JSON, interactive=False),
        Query("construct", f"CONSTRUCT {{ <{mid}> ?p ?o . ?s ?q <{mid}> }} WHERE {{ {{ <{mid}> ?p ?o }} UNION "
              f"{{ ?s ?q <{mid}> }} }}", NT),
        Query("ask", f"ASK {{ <{mid}> coop:locatedIn/coop:partOf* <{country}> }}", JSON),
    ]


def body(query: Query) -> str:
    return urlencode({"query": PREFIXES + query.sparql})


# -- systems -----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class System:
    """How to load, start and reach one SPARQL server."""

    name: str
    path: str                    # the SPARQL query path
    env: dict[str, str] = field(default_factory=dict)

    def load(self, data: Path, work: Path) -> float:
        raise NotImplementedError

    def command(self, work: Path, port: int, data: Path) -> list[str]:
        raise NotImplementedError


class Coopgraph(System):
    def load(self, data: Path, work: Path) -> float:
        started = time.perf_counter()
        run([str(BIN / "coopgraph"), "load", str(data), "--store", str(work / "store")], timeout=1800)
        return time.perf_counter() - started

    def command(self, work: Path, port: int, data: Path) -> list[str]:
        return [str(BIN / "coopgraph"), "serve", "--store", str(work / "store"), "--host", "127.0.0.1",
                "--port", str(port)]


class OxigraphServer(System):
    def load(self, data: Path, work: Path) -> float:
        started = time.perf_counter()
        run([str(BIN / "oxigraph"), "load", "--location", str(work / "db"), "--file", str(data)], timeout=1800)
        run([str(BIN / "oxigraph"), "optimize", "--location", str(work / "db")], timeout=1800)
        return time.perf_counter() - started

    def command(self, work: Path, port: int, data: Path) -> list[str]:
        return [str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "db"), "--bind",
                f"127.0.0.1:{port}"]


class RdflibEndpoint(System):
    def load(self, data: Path, work: Path) -> float:
        plain = work / data.name.removesuffix(".gz")  # rdflib-endpoint guesses the format from the name
        with gzip.open(data, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        return float("nan")  # it parses at start-up: its load time is its start time

    def command(self, work: Path, port: int, data: Path) -> list[str]:
        plain = work / data.name.removesuffix(".gz")
        return [str(BIN / "rdflib-endpoint"), "serve", str(plain), "--host", "127.0.0.1", "--port", str(port)]


SYSTEMS = {
    "coopgraph": lambda: Coopgraph("coopgraph", "/sparql"),
    "coopgraph+cache": lambda: Coopgraph("coopgraph+cache", "/sparql", env={"COOPGRAPH_RESULT_CACHE_MB": "256"}),
    # Without the memory replica: every query on the RocksDB store, through the disk workers.
    "coopgraph-disk": lambda: Coopgraph("coopgraph-disk", "/sparql", env={"COOPGRAPH_REPLICA_MAX_TRIPLES": "0"}),
    # Four query workers on two cores: fewer cheap queries wait behind a slow one.
    "coopgraph+4w": lambda: Coopgraph("coopgraph+4w", "/sparql", env={"COOPGRAPH_SPARQL_WORKERS": "4"}),
    "oxigraph": lambda: OxigraphServer("oxigraph", "/query"),
    "rdflib-endpoint": lambda: RdflibEndpoint("rdflib-endpoint", "/"),
}


def run(cmd: list[str], *, timeout: float) -> None:
    done = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")


@contextmanager
def serving(system: System, work: Path, data: Path, *, timeout: float) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """Start the server, wait until it answers ASK {}, yield (url, process, start seconds)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    # wrk's 8 connections from one address are what the per-client rate limit stops on a public
    # server; the benchmark measures the engine, so its address is exempt (other servers ignore it).
    env["COOPGRAPH_RATE_LIMIT_EXEMPT"] = '["127.0.0.1"]'
    env.update(system.env)
    log = open(work / f"server-{port}.log", "wb")
    started = time.perf_counter()
    process = subprocess.Popen(system.command(work, port, data), stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                               env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}{system.path}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{system.name} exited with {process.returncode}; see {log.name}:\n"
                                   + Path(log.name).read_text(errors="replace")[-1500:])
            try:
                answer = httpx.post(url, data={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=2)
                if answer.status_code == 200:
                    break
                if answer.status_code in (404, 405):
                    raise RuntimeError(f"{system.name} has no SPARQL endpoint at {url}")
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{system.name} did not answer within {timeout:.0f} s")
            time.sleep(0.05)
        yield url, process, time.perf_counter() - started
    finally:
        stop_group(process)
        log.close()


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (its workers too), SIGKILL if it lingers; always reaps."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and all its descendants, from /proc (no psutil needed)."""
    return _tree_memory_kb(pid, "status", r"^VmRSS:\s+(\d+) kB") / 1024 or float("nan")


def tree_pss_mb(pid: int) -> float:
    """PSS of the tree: pages shared between processes (forked workers share the interpreter and
    libraries) are split among them, so the sum is the memory the tree really holds."""
    return _tree_memory_kb(pid, "smaps_rollup", r"^Pss:\s+(\d+) kB") / 1024 or float("nan")


def _tree_memory_kb(pid: int, proc_file: str, pattern: str) -> int:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    total_kb = 0
    for member in tree:
        try:
            text = Path(f"/proc/{member}/{proc_file}").read_text()
        except OSError:
            continue
        match = re.search(pattern, text, re.M)
        total_kb += int(match.group(1)) if match else 0
    return total_kb


# -- measurements --------------------------------------------------------------------------------------
def sequential(url: str, mix: list[Query], *, reps: int, budget_s: float, timeout: float) -> dict[str, float]:
    """Median seconds per query over up to ``reps`` runs, each query bounded by ``budget_s`` in total."""
    medians: dict[str, float] = {}
    with httpx.Client(timeout=timeout) as client:
        for query in mix:
            times: list[float] = []
            spent = time.monotonic()
            for _ in range(reps):
                started = time.perf_counter()
                try:
                    response = client.post(url, content=body(query), headers={
                        "Accept": query.accept, "Content-Type": "application/x-www-form-urlencoded"})
                    ok = response.status_code == 200
                except httpx.TimeoutException:
                    ok = False
                if not ok:
                    times = []
                    break
                times.append(time.perf_counter() - started)
                if time.monotonic() - spent > budget_s:
                    break
            medians[query.name] = statistics.median(times) if times else float("nan")
    return medians


def check_answers(url: str, mix: list[Query]) -> dict[str, int]:
    """Rows (or bytes for CONSTRUCT) of each answer: the systems must agree, or the race is unfair."""
    sizes = {}
    with httpx.Client(timeout=600) as client:
        for query in mix:
            response = client.post(url, content=body(query), headers={
                "Accept": query.accept, "Content-Type": "application/x-www-form-urlencoded"})
            if response.status_code != 200:
                sizes[query.name] = -response.status_code
            elif query.accept == NT:
                sizes[query.name] = len([line for line in response.text.splitlines() if line.strip()])
            else:
                answer = response.json()
                sizes[query.name] = (int(answer["boolean"]) if "boolean" in answer
                                     else len(answer["results"]["bindings"]))
    return sizes


LUA = """-- generated by bench/run.py: cycle over the query mix, each thread from its own offset
local bodies = {%s}
local accepts = {%s}
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  i = offset or 0
end
function request()
  i = i + 1
  local k = (i %% #bodies) + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/x-www-form-urlencoded",
                                    ["Accept"] = accepts[k]}, bodies[k])
end
"""


def wait_for_replica(sparql_url: str, *, timeout: float) -> float:
    """Seconds until coopgraph's memory replica has settled (ready, or off/too large/failed).

    Throughput is measured on the steady state; how long the copy takes is reported beside it.
    """
    health = sparql_url.rsplit("/sparql", 1)[0] + "/healthz"
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        lanes = httpx.get(health, timeout=10).json().get("lanes", {})
        if lanes.get("memory_replica", {}).get("state", "off") != "loading":
            return time.monotonic() - started
        time.sleep(0.25)
    raise RuntimeError(f"the memory replica did not settle within {timeout:.0f} s")


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def settle(url: str, *, limit_s: float = 120.0) -> float:
    """Wait until the server is idle again (ASK {} answers in < 50 ms); returns the seconds waited.

    wrk stops by closing its connections, but a server may keep evaluating the queries it had
    accepted (or queued); the next run would then pay for the previous one's leftovers.
    """
    started = time.monotonic()
    with httpx.Client(timeout=limit_s) as client:
        while time.monotonic() - started < limit_s:
            sent = time.perf_counter()
            try:
                client.post(url, data={"query": "ASK {}"}, headers={"Accept": JSON})
            except httpx.HTTPError:
                pass
            if time.perf_counter() - sent < 0.05:
                break
            time.sleep(0.2)
    return time.monotonic() - started


def wrk(url: str, mix: list[Query], work: Path, name: str, *, seconds: int, connections: int) -> WrkResult:
    waited = settle(url)
    if waited > 1:
        say(f"  waited {waited:.1f} s for the server to finish earlier work before wrk {name}")
        (work / f"{name}.settle.txt").write_text(f"{waited:.1f} s\n", encoding="utf-8")
    path = "/" + url.split("/", 3)[3]
    script = work / f"{name}.lua"
    script.write_text(LUA % (", ".join(lua_string(body(q)) for q in mix),
                             ", ".join(lua_string(q.accept) for q in mix), path), encoding="utf-8")
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
                           "-s", str(script), url], capture_output=True, text=True, timeout=seconds + 120)
    text = done.stdout
    (work / f"{name}.wrk.txt").write_text(text + done.stderr, encoding="utf-8")

    def number(pattern: str) -> float:
        match = re.search(pattern, text)
        return float(match.group(1)) if match else float("nan")

    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    errors = int(number(r"Non-2xx or 3xx responses: (\d+)") if "Non-2xx" in text else 0)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    requests = int(number(r"(\d+) requests in") if "requests in" in text else 0)
    if requests == 0:  # nothing finished within the run: no latency to speak of
        return WrkResult(rps=0.0, p50_ms=float("nan"), p99_ms=float("nan"), errors=errors, requests=0)
    return WrkResult(rps=number(r"Requests/sec:\s+([\d.]+)"), p50_ms=latency("50"), p99_ms=latency("99"),
                     errors=errors, requests=requests)


@dataclass
class Measured:
    system: str
    size: str
    triples: int
    load_s: float = float("nan")
    start_s: float = float("nan")
    rss_mb: float = float("nan")
    pss_mb: float = float("nan")
    replica_s: float = float("nan")
    latency_s: dict[str, float] = field(default_factory=dict)
    full: WrkResult | None = None
    interactive: WrkResult | None = None
    answers: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    note: str = ""


def measure(system: System, size: str, data: Path, mix: list[Query], args: argparse.Namespace,
            triples: int, note: str = "") -> Measured:
    work = WORK / size / system.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result = Measured(system.name, size, triples, note=note)
    try:
        say(f"[{size}] {system.name}: loading {data.name}")
        result.load_s = system.load(data, work)
        # A first start (on a cold store), stopped at once; the measured start is the second, on an
        # existing store, as a user restarting a server sees it.
        with serving(system, work, data, timeout=args.start_timeout) as (_url, _process, first_start):
            pass
        if result.load_s != result.load_s:  # NaN: the system parses at start-up
            result.load_s = first_start
        with serving(system, work, data, timeout=args.start_timeout) as (url, process, start_s):
            result.start_s = start_s
            say(f"[{size}] {system.name}: up in {start_s:.2f} s")
            if isinstance(system, Coopgraph):
                result.replica_s = start_s + wait_for_replica(url, timeout=args.start_timeout)
                say(f"[{size}] {system.name}: memory replica settled {result.replica_s:.1f} s after launch")
            say(f"[{size}] {system.name}: checking answers")
            result.answers = check_answers(url, mix)
            result.rss_mb = tree_rss_mb(process.pid)
            say(f"[{size}] {system.name}: sequential latencies")
            result.latency_s = sequential(url, mix, reps=args.reps, budget_s=args.query_budget,
                                          timeout=args.query_timeout)
            say(f"[{size}] {system.name}: wrk, full mix")
            profile = _start_profile(process.pid, work, args) if system.name == "coopgraph" else None
            result.full = wrk(url, mix, work, "full", seconds=args.full_duration, connections=args.connections)
            _stop_profile(profile)
            say(f"[{size}] {system.name}: wrk, interactive mix")
            result.interactive = wrk(url, [q for q in mix if q.interactive], work, "interactive",
                                     seconds=args.duration, connections=args.connections)
            result.rss_mb = max(result.rss_mb, tree_rss_mb(process.pid))
            result.pss_mb = tree_pss_mb(process.pid)
    except Exception as exc:  # a system that fails is reported in the table, not fatal to the run
        result.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        say(f"[{size}] {system.name}: FAILED {result.error}")
    return result


def _start_profile(pid: int, work: Path, args: argparse.Namespace) -> subprocess.Popen[bytes] | None:
    if not args.profile:
        return None
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(spy).exists():
        say("py-spy not found; no profile")
        return None
    out = work / "profile.txt"
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--duration",
                             str(args.full_duration), "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_profile(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


# -- report ------------------------------------------------------------------------------------------
def fmt(value: float, digits: int = 1) -> str:
    return "—" if value != value else f"{value:,.{digits}f}"


def ratio(ours: float, theirs: float, *, higher_is_better: bool) -> str:
    if ours != ours or theirs != theirs or theirs == 0 or ours == 0:
        return "—"
    return f"{ours / theirs:.2f}×"


def table(results: list[Measured], mix: list[Query]) -> str:
    """One markdown table per size: metrics as rows, systems as columns, then coopgraph/peer ratios."""
    lines: list[str] = []
    for size in dict.fromkeys(r.size for r in results):
        rows = [r for r in results if r.size == size]
        ours = next((r for r in rows if r.system == "coopgraph"), None)
        peers = [r for r in rows if r.system in ("oxigraph", "rdflib-endpoint")]
        header = [f"{size}"] + [f"{r.system}{' *' if r.note else ''}" for r in rows]
        header += [f"coopgraph/{p.system}" for p in peers] if ours else []
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))

        def add(label: str, get, digits: int = 1, higher_is_better: bool = False) -> None:  # type: ignore[no-untyped-def]
            cells = [label] + [fmt(get(r), digits) if not r.error else "failed" for r in rows]
            if ours:
                cells += [ratio(get(ours), get(p), higher_is_better=higher_is_better)
                          if not (ours.error or p.error) else "—" for p in peers]
            lines.append("| " + " | ".join(cells) + " |")

        add("triples", lambda r: r.triples, 0)
        add("load (s)", lambda r: r.load_s, 2)
        add("start on existing store (s)", lambda r: r.start_s, 2)
        add("memory replica ready after launch (s)", lambda r: r.replica_s, 1)
        add("RSS after load + mix (MB)", lambda r: r.rss_mb, 0)
        add("PSS after load + mix (MB)", lambda r: r.pss_mb, 0)
        for query in mix:
            add(f"median {query.name} (ms)", lambda r, q=query.name: r.latency_s.get(q, float("nan")) * 1000, 2)
        for label, attr in (("full mix", "full"), ("interactive mix", "interactive")):
            add(f"{label}: req/s @{ARGS.connections}", lambda r, a=attr: getattr(r, a).rps if getattr(r, a) else float("nan"),
                0, True)
            add(f"{label}: p50 (ms)", lambda r, a=attr: getattr(r, a).p50_ms if getattr(r, a) else float("nan"), 1)
            add(f"{label}: p99 (ms)", lambda r, a=attr: getattr(r, a).p99_ms if getattr(r, a) else float("nan"), 1)
            add(f"{label}: errors", lambda r, a=attr: getattr(r, a).errors if getattr(r, a) else float("nan"), 0)
        lines.append("")
        for r in rows:
            if r.note:
                lines.append(f"\\* {r.system}: {r.note}")
            if r.error:
                lines.append(f"- {r.system} failed: `{r.error}`")
        disagree = _disagreements(rows, mix)
        if disagree:
            lines.append(f"- answers differ between systems (rows per query): {disagree}")
        lines.append("")
    return "\n".join(lines)


def _disagreements(rows: list[Measured], mix: list[Query]) -> str:
    same_size = [r for r in rows if r.answers and not r.note]
    problems = []
    for query in mix:
        counts = {r.system: r.answers.get(query.name) for r in same_size}
        if len(set(counts.values())) > 1:
            problems.append(f"{query.name} {counts}")
    return "; ".join(problems)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f"{kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {"nproc": str(os.cpu_count()), "memory": memory, "cpu": cpu, "os": platform.platform(),
            "python": platform.python_version(), "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def versions() -> dict[str, str]:
    import importlib.metadata as md

    found = {}
    for dist in ("coopgraph", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn"):
        try:
            found[dist] = md.version(dist)
        except md.PackageNotFoundError:
            found[dist] = "absent"
    try:
        found["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout.split()[1]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        found["wrk"] = "absent"
    return found


def write_results(path: Path, results: list[Measured], mix: list[Query], args: argparse.Namespace,
                  elapsed: float) -> str:
    info = machine()
    lines = [
        "# Benchmark results",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} with `python bench/run.py {' '.join(args.argv)}` "
        f"({elapsed / 60:.1f} min). Generated by bench/run.py; see bench/README.md for what is measured.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        f"Throughput: wrk, 2 threads, {args.connections} connections, {args.full_duration} s on the full mix and "
        f"{args.duration} s on the interactive mix; latencies: "
        f"median of up to {args.reps} sequential runs. Caches: off unless the system is named `+cache`.",
        "",
        table(results, mix),
        "## The query mix",
        "",
    ]
    for query in mix:
        tag = "" if query.interactive else " (not in the interactive mix)"
        lines.append(f"- `{query.name}`{tag}: `{query.sparql}`")
    lines.append("")
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text


def say(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {message}\n")
    sys.stderr.flush()


ARGS: argparse.Namespace


def main(argv: list[str] | None = None) -> int:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k, 100k, 1m (default 10k,100k)")
    parser.add_argument("--systems", default="coopgraph,oxigraph,rdflib-endpoint",
                        help=f"comma-separated, from {', '.join(SYSTEMS)}")
    parser.add_argument("--rdflib-max", default="100k", help="largest size rdflib-endpoint loads (default 100k)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk on the interactive mix (default 10)")
    # Longer: at 1M a whole-graph aggregate takes seconds, and in a short window the ones still
    # running when wrk stops are not counted at all, which flatters a slow server's p99.
    parser.add_argument("--full-duration", type=int, default=30, help="seconds of wrk on the full mix (default 30)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reps", type=int, default=11, help="sequential runs per query (default 11)")
    parser.add_argument("--query-budget", type=float, default=20.0, help="seconds at most per query, sequential")
    parser.add_argument("--query-timeout", type=float, default=300.0)
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true", help="py-spy the coopgraph server under wrk")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    ARGS = args
    # `timeout` or Ctrl-C: unwind so every `serving` block stops its server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install -y wrk)")
    started = time.perf_counter()
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in generate.SIZES] + [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown size or system: {', '.join(unknown)}")
    rdflib_max = generate.SIZES[args.rdflib_max.lower()]
    results: list[Measured] = []
    mix: list[Query] = []
    for size in sizes:
        triples = generate.SIZES[size]
        data = generate.ensure(triples, args.seed)
        mix = query_mix(json.loads(generate.landmarks_path(data).read_text()))
        count = _count_lines(data)
        for name in systems:
            system = SYSTEMS[name]()
            if name == "rdflib-endpoint" and triples > rdflib_max:
                small_label = generate.size_label(rdflib_max)
                small = generate.ensure(rdflib_max, args.seed)
                small_mix = query_mix(json.loads(generate.landmarks_path(small).read_text()))
                results.append(measure(system, size, small, small_mix, args, _count_lines(small),
                                       note=f"ran on the {small_label} graph (pure Python; {size} takes too long)"))
                continue
            results.append(measure(system, size, data, mix, args, count))
        print(table([r for r in results if r.size == size], mix), flush=True)  # noqa: T201 (a script)
    text = write_results(args.out, results, mix, args, time.perf_counter() - started)
    say(f"wrote {args.out}")
    print(text)  # noqa: T201
    return 0


def _count_lines(data: Path) -> int:
    with gzip.open(data, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


if __name__ == "__main__":
    sys.exit(main())
