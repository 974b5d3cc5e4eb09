"""One benchmark run: coopgraph vs Oxigraph server vs rdflib-endpoint, same data, same query mixes.

    python bench/run.py                          # 10k and 100k (default), both workloads, writes bench/RESULTS.md
    python bench/run.py --sizes 10k,100k,1m      # the issue's full run
    python bench/run.py --workload b --sizes 10k # one workload only

Two workloads, each a generator and the queries written for it: **a** is bench/generate.py's
graph and ``query_mix``; **b** is bench/generate_b.py's graph (giant hubs, many small components,
long texts, deep partOf chains) and ``query_mix_b``, the same nine kinds of query in other words,
plus a mix of large answers (10k+ rows each at 1M). For each size, workload and system, in one run:

- **load**: ``coopgraph load FILE`` / ``oxigraph load`` + ``oxigraph optimize`` (both end with an
  optimised RocksDB) / rdflib-endpoint parses at start-up, so its load is its start;
- **start**: seconds from launching the server on the existing store until it answers ``ASK {}``;
- **RSS**: resident memory of the server's whole process tree after a warm-up pass of the mix;
- **median latency** of each query, sequential, one keep-alive connection (httpx);
- **throughput, p50, p99** with ``wrk`` (compiled, 2 threads, 8 connections, a Lua script that
  cycles over the mix) on the full mix, the interactive part (everything but the whole-graph
  aggregate) and, for b, the large-answer mix; ``--repeats`` runs of each (default 2), reported
  as the median with the min-max of the runs, and ratios coopgraph/peer with their spread.

**A busy machine is refused.** Before each wrk run (and at the start) the harness samples, for
one second while the server under test is idle, how much of the CPUs other processes use. Above
``--busy-threshold`` (25 %) the run is busy: the tables print without ratios and go to
bench/work/RESULTS-busy.md, bench/RESULTS.md stays as it was, and the exit status is 3
(``--allow-busy`` compares anyway and says so in the header).

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
from collections.abc import Callable, Iterator
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
import generate_b  # noqa: E402

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
    # Large-answer queries (workload b) form their own mix: the graph size (triples) from which
    # each answers 10k rows or more, so that smaller runs and the tests know what to expect.
    large_from: int = 0
    prefixes: str = PREFIXES


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


PREFIXES_B = PREFIXES + ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX schema: <https://schema.org/> "
                         "PREFIX org: <http://www.w3.org/ns/org#> PREFIX dct: <http://purl.org/dc/terms/> ")


def query_mix_b(m: dict) -> list[Query]:  # type: ignore[type-arg]
    """Workload b (bench/generate_b.py's graph): the same nine kinds as ``query_mix``, other texts,
    then the large-answer mix. Written apart from mix a so neither side can be tuned to one text."""
    mid, leaf, top, country = m["mid_org"], m["chain_leaf"], m["chain_top"], m["country"]
    hubs = m["hubs"]
    every_hub = " ".join(f"<{h}>" for h in hubs)

    def q(name: str, sparql: str, accept: str = JSON, **kw: object) -> Query:
        return Query(name, sparql, accept, prefixes=PREFIXES_B, **kw)  # type: ignore[arg-type]

    return [
        # exact label: two names in one VALUES, through either label property, with the types
        q("b_label_exact", f'SELECT ?e ?kind WHERE {{ VALUES ?name {{ "{m["hub_labels_zh"][0]}"@zh '
          f'"{m["hub_labels"][1].split()[0]} HQ"@en }} ?e rdfs:label|skos:altLabel ?name ; a ?kind }}'),
        # substring search inside the long texts, case-insensitive regex, not over labels
        q("b_text_search", "SELECT ?doc ?title WHERE { ?doc schema:text ?text ; dct:title ?title "
          f'FILTER(REGEX(?text, "{m["needle"].title()}", "i")) }} ORDER BY ?title'),
        # one hop as a path of named predicates (some inverse), with English names when there are
        q("b_one_hop", f"SELECT ?n ?name WHERE {{ <{mid}> (coop:locatedIn|^coop:hasSignatory|^coop:hasMember|"
          "^org:postIn|^schema:mentions|^rdf:object) ?n "
          'OPTIONAL { ?n rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en")) } } LIMIT 2000'),
        # two hops through shared agreements: distinct co-signatories
        q("b_two_hop", f"SELECT DISTINCT ?partner ?name WHERE {{ ?a coop:hasSignatory <{mid}> , ?partner . "
          f'FILTER(?partner != <{mid}>) ?partner rdfs:label ?name FILTER(LANG(?name) = "en") }} ORDER BY ?name'),
        # a hub's agreements by month over three years: YEAR() IN, SUBSTR of the date, AVG
        q("b_dates_by_month", "SELECT ?month (COUNT(?a) AS ?n) (AVG(?k) AS ?articles) WHERE { "
          f"?a coop:hasSignatory <{hubs[1]}> ; coop:signedOn ?d ; coop:numberOfArticles ?k "
          "FILTER(YEAR(?d) IN (2019, 2020, 2021)) BIND(SUBSTR(STR(?d), 1, 7) AS ?month) } "
          "GROUP BY ?month ORDER BY ?month"),
        # up a deep chain: every ancestor of the deepest zone, 20-60 levels, with its name
        q("b_chain_ancestors", f"SELECT ?up ?name WHERE {{ <{leaf}> coop:partOf+ ?up "
          'OPTIONAL { ?up rdfs:label ?name FILTER(LANG(?name) = "en") } }'),
        # whole-graph aggregate over four relations, kept by HAVING
        q("b_busiest_targets", "SELECT ?o (COUNT(?s) AS ?incoming) WHERE { ?s ?p ?o "
          "FILTER(?p IN (coop:hasSignatory, coop:hasMember, org:postIn, coop:locatedIn)) } "
          "GROUP BY ?o HAVING (COUNT(?s) > 25) ORDER BY DESC(?incoming)", interactive=False),
        # the agreements an organisation signed, with their dates and the quotes that attest them
        q("b_construct_agreements", f"CONSTRUCT {{ ?a coop:hasSignatory <{mid}> ; coop:signedOn ?d ; rdfs:label ?l . "
          f"?ev coop:quote ?quote }} WHERE {{ ?a coop:hasSignatory <{mid}> ; coop:signedOn ?d ; rdfs:label ?l "
          f"OPTIONAL {{ ?ev rdf:subject ?a ; rdf:object <{mid}> ; coop:quote ?quote }} }}", NT),
        # down the whole chain to the country in one ASK
        q("b_ask_chain", f"ASK {{ <{leaf}> coop:partOf+ <{country}> . <{top}> coop:partOf+ <{country}> }}"),
        # -- the large-answer mix (not in the full or interactive mix) --
        q("large_hub_edges", f"SELECT ?h ?s ?p WHERE {{ VALUES ?h {{ {every_hub} }} ?s ?p ?h }}",
          interactive=False, large_from=300_000),
        q("large_labels", 'SELECT ?e ?en ?zh WHERE { ?e rdfs:label ?en FILTER(LANG(?en) = "en") '
          'OPTIONAL { ?e rdfs:label ?zh FILTER(LANG(?zh) = "zh") } }', interactive=False, large_from=100_000),
        q("large_signed_since", "SELECT ?a ?d ?o WHERE { ?a coop:signedOn ?d ; coop:hasSignatory ?o "
          'FILTER(?d >= "2018-01-01"^^xsd:date) }', interactive=False, large_from=300_000),
        q("large_hub_cosigned", f"SELECT ?a ?partner WHERE {{ ?a coop:hasSignatory <{hubs[0]}> , ?partner "
          f"FILTER(?partner != <{hubs[0]}>) }}", interactive=False, large_from=500_000),
        q("large_construct_located", "CONSTRUCT { ?o coop:locatedIn ?r } WHERE { ?o coop:locatedIn ?r }", NT,
          interactive=False, large_from=400_000),
    ]


# Which queries each wrk mix cycles over. The large-answer queries have a mix of their own, so
# the full and interactive mixes of both workloads stay the same nine kinds.
MIXES = {
    "full": lambda q: not q.large_from,
    "interactive": lambda q: q.interactive and not q.large_from,
    "large": lambda q: bool(q.large_from),
}


def body(query: Query) -> str:
    return urlencode({"query": query.prefixes + query.sparql})


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


def tree_pids(pid: int) -> set[int]:
    """``pid`` and all its descendants, from /proc."""
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
    return tree


def tree_cpu_ticks(pid: int) -> int:
    """CPU time (user + system, in clock ticks, the unit of /proc/stat) used so far by ``pid``'s
    tree; a process that exits between two readings takes its ticks with it (fine for deltas over
    an idle server, whose processes are long-lived)."""
    total = 0
    for member in tree_pids(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total


def _tree_memory_kb(pid: int, proc_file: str, pattern: str) -> int:
    total_kb = 0
    for member in tree_pids(pid):
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
local threads = {}
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  i = offset or 0
  started = 0
end
function request()
  i = i + 1
  started = started + 1
  local k = (i %% #bodies) + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/x-www-form-urlencoded",
                                    ["Accept"] = accepts[k]}, bodies[k])
end
-- wrk counts only the requests that completed: a query still running when the time is up is in
-- no latency figure. Say how many were sent and never answered.
function done(summary, latency, requests)
  local sent = 0
  for _, thread in ipairs(threads) do
    sent = sent + (thread:get("started") or 0)
  end
  io.write(string.format("unfinished at the end: %%d\\n", math.max(0, sent - summary.requests)))
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
    unfinished: int = 0  # sent, and still unanswered when wrk stopped (in no latency figure)


def settle(url: str, server_pid: int | None = None, *, limit_s: float = 120.0) -> float:
    """Wait until the server is idle again; returns the seconds waited.

    wrk stops by closing its connections, but a server may keep evaluating the queries it had
    accepted (or queued); the next run would then pay for the previous one's leftovers. Idle means
    ``ASK {}`` answers in < 50 ms *and*, given ``server_pid``, its process tree used under 5 % of
    one CPU for half a second: a query that cannot be interrupted (a thread of coopgraph's replica,
    one of Oxigraph's) keeps a core busy while a free slot answers the ASK at once.
    """
    started = time.monotonic()
    tick_s = 1 / os.sysconf("SC_CLK_TCK")
    with httpx.Client(timeout=limit_s) as client:
        while time.monotonic() - started < limit_s:
            sent = time.perf_counter()
            try:
                client.post(url, data={"query": "ASK {}"}, headers={"Accept": JSON})
            except httpx.HTTPError:
                pass
            if time.perf_counter() - sent < 0.05:
                if server_pid is None:
                    break
                before = tree_cpu_ticks(server_pid)
                time.sleep(0.5)
                if (tree_cpu_ticks(server_pid) - before) * tick_s < 0.025:
                    break
                continue
            time.sleep(0.2)
    return time.monotonic() - started


def wrk(url: str, mix: list[Query], work: Path, name: str, *, seconds: int, connections: int,
        server_pid: int | None = None) -> WrkResult:
    waited = settle(url, server_pid)
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
    return parse_wrk(text)


def parse_wrk(text: str) -> WrkResult:
    """The figures of one wrk run's output (with the ``done`` line of :data:`LUA`)."""

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
    unanswered = number(r"unfinished at the end: (\d+)")
    unfinished = 0 if unanswered != unanswered else int(unanswered)  # NaN: no such line
    if requests == 0:  # nothing finished within the run: no latency to speak of
        return WrkResult(rps=0.0, p50_ms=float("nan"), p99_ms=float("nan"), errors=errors, requests=0,
                         unfinished=unfinished)
    return WrkResult(rps=number(r"Requests/sec:\s+([\d.]+)"), p50_ms=latency("50"), p99_ms=latency("99"),
                     errors=errors, requests=requests, unfinished=unfinished)


@dataclass
class Measured:
    system: str
    workload: str
    size: str
    triples: int
    load_s: float = float("nan")
    start_s: float = float("nan")
    rss_mb: float = float("nan")
    pss_mb: float = float("nan")
    replica_s: float = float("nan")
    latency_s: dict[str, float] = field(default_factory=dict)
    runs: dict[str, list[WrkResult]] = field(default_factory=dict)  # mix -> one result per repetition
    answers: dict[str, int] = field(default_factory=dict)
    busy: list[float] = field(default_factory=list)  # other processes' CPU share before each wrk run
    error: str | None = None
    note: str = ""


def cpu_busy(seconds: float = 1.0, server_pid: int | None = None) -> float:
    """Share of all CPUs that processes other than the server under test (``server_pid``'s tree)
    kept busy during ``seconds`` (0-1), from /proc/stat; NaN if unreadable.

    Sampled after ``settle``, when the server is idle; its own ticks are taken out all the same, so
    that leftovers ``settle`` gave up waiting for do not count as another process's load. The load
    average cannot tell either: it still counts our own previous wrk run.
    """
    def snapshot() -> tuple[int, int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        ours = tree_cpu_ticks(server_pid) if server_pid is not None else 0
        return sum(values), values[3] + values[4], ours  # total, idle + iowait, the server's

    try:
        total0, idle0, ours0 = snapshot()
        time.sleep(seconds)
        total1, idle1, ours1 = snapshot()
    except (OSError, ValueError, IndexError):
        return float("nan")
    busy = (total1 - total0) - (idle1 - idle0) - (ours1 - ours0)
    return max(0.0, busy / max(1, total1 - total0))


def mix_durations(args: argparse.Namespace) -> dict[str, int]:
    return {"full": args.full_duration, "interactive": args.duration, "large": args.large_duration}


def measure(system: System, size: str, workload: str, data: Path, queries: list[Query], args: argparse.Namespace,
            triples: int, note: str = "") -> Measured:
    work = WORK / size / workload / system.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result = Measured(system.name, workload, size, triples, note=note)
    tag = f"[{size} {workload}] {system.name}"
    try:
        say(f"{tag}: loading {data.name}")
        result.load_s = system.load(data, work)
        # A first start (on a cold store), stopped at once; the measured start is the second, on an
        # existing store, as a user restarting a server sees it.
        with serving(system, work, data, timeout=args.start_timeout) as (_url, _process, first_start):
            pass
        if result.load_s != result.load_s:  # NaN: the system parses at start-up
            result.load_s = first_start
        with serving(system, work, data, timeout=args.start_timeout) as (url, process, start_s):
            result.start_s = start_s
            say(f"{tag}: up in {start_s:.2f} s")
            if isinstance(system, Coopgraph):
                result.replica_s = start_s + wait_for_replica(url, timeout=args.start_timeout)
                say(f"{tag}: memory replica settled {result.replica_s:.1f} s after launch")
            say(f"{tag}: checking answers")
            result.answers = check_answers(url, queries)
            result.rss_mb = tree_rss_mb(process.pid)
            say(f"{tag}: sequential latencies")
            settle(url, process.pid)  # nothing of the start-up still running beside them
            result.latency_s = sequential(url, queries, reps=args.reps, budget_s=args.query_budget,
                                          timeout=args.query_timeout)
            durations = mix_durations(args)
            # Repetitions interleave the mixes (full, interactive, large, full, ...), so a slow
            # drift of the machine spreads over all of them instead of landing on one.
            for rep in range(1, args.repeats + 1):
                for mix, keep in MIXES.items():
                    chosen = [q for q in queries if keep(q)]
                    if not chosen:
                        continue
                    waited = settle(url, process.pid)
                    if waited > 1:
                        say(f"{tag}: waited {waited:.1f} s for the server to finish the previous run's queries")
                    result.busy.append(cpu_busy(server_pid=process.pid))
                    say(f"{tag}: wrk, {mix} mix, run {rep}/{args.repeats} "
                        f"(other load {result.busy[-1]:.0%} of the CPUs)")
                    profile = (_start_profile(process.pid, work, args)
                               if system.name == "coopgraph" and mix == "full" and rep == 1 else None)
                    result.runs.setdefault(mix, []).append(
                        wrk(url, chosen, work, f"{mix}-{rep}", seconds=durations[mix], connections=args.connections,
                            server_pid=process.pid))
                    _stop_profile(profile)
            result.rss_mb = max(result.rss_mb, tree_rss_mb(process.pid))
            result.pss_mb = tree_pss_mb(process.pid)
    except Exception as exc:  # a system that fails is reported in the table, not fatal to the run
        result.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        say(f"{tag}: FAILED {result.error}")
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


def _clean(values: list[float]) -> list[float]:
    return [v for v in values if v == v]


def spread(values: list[float], digits: int = 1) -> str:
    """Median of the repetitions, with their min-max when there are several."""
    values = _clean(values)
    if not values:
        return "—"
    middle = fmt(statistics.median(values), digits)
    return middle if len(values) == 1 else f"{middle} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def ratio(ours: list[float], theirs: list[float]) -> str:
    """ours/theirs of the medians; with repetitions, also the widest range they allow
    (our worst over their best, our best over their worst)."""
    ours, theirs = _clean(ours), _clean(theirs)
    if not ours or not theirs or 0 in ours or 0 in theirs:
        return "—"
    middle = statistics.median(ours) / statistics.median(theirs)
    if len(ours) == 1 and len(theirs) == 1:
        return f"{middle:.2f}×"
    return f"{middle:.2f}× ({min(ours) / max(theirs):.2f}–{max(ours) / min(theirs):.2f})"


PEERS = ("oxigraph", "rdflib-endpoint")


def _wrk_values(r: Measured, mix: str, attr: str) -> list[float]:
    return [float(getattr(run, attr)) for run in r.runs.get(mix, [])]


def summary_table(results: list[Measured], size: str, refused: bool) -> str:
    """Both workloads side by side for one size: per workload the systems, then coopgraph/peer."""
    columns: list[tuple[str, Measured | None, Measured | None]] = []  # (header, system, peer for a ratio)
    for workload in dict.fromkeys(r.workload for r in results if r.size == size):
        rows = [r for r in results if r.size == size and r.workload == workload]
        ours = next((r for r in rows if r.system == "coopgraph"), None)
        columns += [(f"{workload}: {r.system}{' *' if r.note else ''}", r, None) for r in rows]
        if ours:
            columns += [(f"{workload}: coopgraph/{p.system}", ours, p) for p in rows if p.system in PEERS]
    lines = ["| " + " | ".join([size] + [c[0] for c in columns]) + " |", "|" + "---|" * (len(columns) + 1)]

    def add(label: str, get, digits: int = 1) -> None:  # type: ignore[no-untyped-def]
        """``get(r)`` gives the repetitions' values (one value for what is measured once)."""
        cells = [label]
        for _header, r, peer in columns:
            assert r is not None
            if peer is None:
                cells.append("failed" if r.error else spread(get(r), digits))
            elif r.error or peer.error or not get(r):
                cells.append("—")
            else:
                cells.append("busy" if refused else ratio(get(r), get(peer)))
        lines.append("| " + " | ".join(cells) + " |")

    add("triples", lambda r: [r.triples], 0)
    add("load (s)", lambda r: [r.load_s], 2)
    add("start on existing store (s)", lambda r: [r.start_s], 2)
    add("memory replica ready after launch (s)", lambda r: [r.replica_s], 1)
    add("RSS after load + mixes (MB)", lambda r: [r.rss_mb], 0)
    add("PSS after load + mixes (MB)", lambda r: [r.pss_mb], 0)
    for mix in MIXES:
        if not any(mix in r.runs for r in results if r.size == size):
            continue
        add(f"{mix} mix: req/s @{ARGS.connections}", lambda r, m=mix: _wrk_values(r, m, "rps"), 1)
        add(f"{mix} mix: p50 (ms)", lambda r, m=mix: _wrk_values(r, m, "p50_ms"), 1)
        add(f"{mix} mix: p99 (ms)", lambda r, m=mix: _wrk_values(r, m, "p99_ms"), 1)
        add(f"{mix} mix: errors (all runs)", lambda r, m=mix: [sum(_wrk_values(r, m, "errors"))] if m in r.runs else [], 0)
        add(f"{mix} mix: sent, unanswered at the stop (all runs; about {ARGS.connections} a run at most)",
            lambda r, m=mix: [sum(_wrk_values(r, m, "unfinished"))] if m in r.runs else [], 0)
    lines.append("")
    for r in results:
        if r.size != size:
            continue
        if r.note:
            lines.append(f"\\* {r.workload}: {r.system}: {r.note}")
        if r.error:
            lines.append(f"- {r.workload}: {r.system} failed: `{r.error}`")
    return "\n".join(lines) + "\n"


def query_table(results: list[Measured], size: str, workload: str, queries: list[Query], refused: bool) -> str:
    """Sequential median per query (ms) of one workload, with the rows each answer had."""
    rows = [r for r in results if r.size == size and r.workload == workload]
    ours = next((r for r in rows if r.system == "coopgraph"), None)
    peers = [p for p in rows if p.system in PEERS] if ours else []
    header = [f"{size} {workload}: median ms", "rows"] + [r.system for r in rows]
    header += [f"coopgraph/{p.system}" for p in peers]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for query in queries:
        answered = next((r.answers[query.name] for r in rows if r.answers.get(query.name, -1) >= 0), None)
        cells = [f"`{query.name}`", "—" if answered is None else f"{answered:,}"]
        cells += ["failed" if r.error else fmt(r.latency_s.get(query.name, float("nan")) * 1000, 2) for r in rows]
        for p in peers:
            assert ours is not None
            mine, theirs = ours.latency_s.get(query.name, float("nan")), p.latency_s.get(query.name, float("nan"))
            cells.append("busy" if refused else ratio([mine], [theirs]))
        lines.append("| " + " | ".join(cells) + " |")
    disagree = _disagreements(rows, queries)
    if disagree:
        lines += ["", f"- answers differ between systems (rows per query): {disagree}"]
    return "\n".join(lines) + "\n"


# Issue 13's targets against Oxigraph server: throughput and p99 on every mix, and the cheap lookups'
# sequential medians (the exact-label lookup and the ASK of each workload).
TARGET_PEER = "oxigraph"
TARGET_SPEEDUP = 2.0
CHEAP_QUERIES = ("label_exact", "ask", "b_label_exact", "b_ask_chain")
CHEAP_MARGIN_MS = 0.3


def targets_table(results: list[Measured], size: str) -> str:
    """Each target of issue 13 that this run measures, for every workload: met or not, by how much.
    Why the misses are what they are is in bench/README.md (Targets)."""
    lines = ["| target | workload | coopgraph | Oxigraph server | met |", "|---|---|---|---|---|"]
    for workload in dict.fromkeys(r.workload for r in results if r.size == size):
        rows = {r.system: r for r in results if r.size == size and r.workload == workload and not r.error}
        ours, peer = rows.get("coopgraph"), rows.get(TARGET_PEER)
        if ours is None or peer is None:
            continue
        for mix in MIXES:
            if mix not in ours.runs or mix not in peer.runs:
                continue
            mine = statistics.median(_clean(_wrk_values(ours, mix, "rps")) or [float("nan")])
            theirs = statistics.median(_clean(_wrk_values(peer, mix, "rps")) or [float("nan")])
            speedup = mine / theirs if theirs else float("nan")
            lines.append(f"| {mix} mix: req/s ≥ {TARGET_SPEEDUP:g}× | {workload} | {mine:,.1f} ({speedup:.2f}×) "
                         f"| {theirs:,.1f} | {_met(speedup >= TARGET_SPEEDUP)} |")
            mine = statistics.median(_clean(_wrk_values(ours, mix, "p99_ms")) or [float("nan")])
            theirs = statistics.median(_clean(_wrk_values(peer, mix, "p99_ms")) or [float("nan")])
            lines.append(f"| {mix} mix: p99 ≤ Oxigraph's | {workload} | {mine:,.0f} ms | {theirs:,.0f} ms "
                         f"| {_met(mine <= theirs)} |")
        for name in CHEAP_QUERIES:
            if name in ours.latency_s and name in peer.latency_s:
                mine, theirs = ours.latency_s[name] * 1000, peer.latency_s[name] * 1000
                lines.append(f"| `{name}` median ≤ Oxigraph's + {CHEAP_MARGIN_MS:g} ms | {workload} | {mine:.2f} ms "
                             f"(+{mine - theirs:.2f}) | {theirs:.2f} ms | {_met(mine <= theirs + CHEAP_MARGIN_MS)} |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def tables(results: list[Measured], mixes: dict[str, list[Query]], refused: bool) -> str:
    parts = []
    for size in dict.fromkeys(r.size for r in results):
        parts.append(f"### {size}\n")
        targets = "" if refused else targets_table(results, size)
        if targets:
            parts.append("Issue 13's targets (why the misses: bench/README.md, *Targets*):\n")
            parts.append(targets)
        parts.append(summary_table(results, size, refused))
        for workload in dict.fromkeys(r.workload for r in results if r.size == size):
            parts.append(query_table(results, size, workload, mixes[f"{size} {workload}"], refused))
    return "\n".join(parts)


def _disagreements(rows: list[Measured], mix: list[Query]) -> str:
    same_size = [r for r in rows if r.answers and not r.note]
    problems = []
    for query in mix:
        counts = {r.system: r.answers.get(query.name) for r in same_size}
        if len(set(counts.values())) > 1:
            problems.append(f"{query.name} {counts}")
    return "; ".join(problems)


def busy_verdict(results: list[Measured], at_start: float, threshold: float) -> tuple[bool, str]:
    """Was another process using more than ``threshold`` of the CPUs at the start or before any wrk run?"""
    samples = _clean([at_start] + [b for r in results for b in r.busy])
    worst = max(samples, default=float("nan"))
    busy = worst == worst and worst > threshold
    text = (f"other processes used at most {worst:.0%} of the CPUs when sampled (at the start and for 1 s "
            f"before each of {len(samples) - 1} wrk runs; threshold {threshold:.0%})")
    return busy, text


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


def write_results(path: Path, results: list[Measured], mixes: dict[str, list[Query]], args: argparse.Namespace,
                  elapsed: float, busy_text: str, refused: bool) -> str:
    info = machine()
    durations = mix_durations(args)
    lines = [
        "# Benchmark results",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} with `python bench/run.py {' '.join(args.argv)}` "
        f"({elapsed / 60:.1f} min). Generated by bench/run.py; see bench/README.md for what is measured.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + f"; {busy_text}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        f"Throughput: wrk, 2 threads, {args.connections} connections, "
        + ", ".join(f"{seconds} s on the {mix} mix" for mix, seconds in durations.items())
        + f", {args.repeats} repetition(s) each: the median, with (min–max) of the repetitions; ratios are "
        "coopgraph/peer of the medians, with (our worst/their best – our best/their worst). Latencies: "
        f"median of up to {args.reps} sequential runs. Caches: off unless the system is named `+cache`.",
        "",
        "Workload a: bench/generate.py's graph and its mix. Workload b: bench/generate_b.py's graph (four giant "
        "hubs, many small components, long texts, deep `coop:partOf` chains) and its own query texts for the "
        "same nine kinds, plus a mix of large answers (10k+ rows each at 1M).",
        "",
    ]
    if refused:
        lines += ["**Busy machine: the ratios are withheld** (run again on an idle machine, or `--allow-busy`).", ""]
    lines += [tables(results, mixes, refused), "## The query mixes", ""]
    listed: set[str] = set()
    for key, queries in mixes.items():
        workload = key.split()[1]
        if workload in listed:
            continue
        listed.add(workload)
        lines.append(f"Workload {workload}:")
        lines.append("")
        for query in queries:
            if query.large_from:
                tag = f" (large mix; 10k+ rows from about {query.large_from:,} triples)"
            else:
                tag = "" if query.interactive else " (not in the interactive mix)"
            lines.append(f"- `{query.name}`{tag}: `{query.sparql}`")
        lines.append("")
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


@dataclass(frozen=True)
class Workload:
    """A graph generator and the queries written for its landmarks."""

    name: str
    ensure: Callable[[int, int], Path]
    queries: Callable[[dict], list[Query]]  # type: ignore[type-arg]

    def mix(self, data: Path) -> list[Query]:
        return self.queries(json.loads(generate.landmarks_path(data).read_text()))


WORKLOADS = {"a": Workload("a", generate.ensure, query_mix), "b": Workload("b", generate_b.ensure, query_mix_b)}


def say(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {message}\n")
    sys.stderr.flush()


ARGS: argparse.Namespace


def main(argv: list[str] | None = None) -> int:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k, 100k, 1m (default 10k,100k)")
    parser.add_argument("--workload", default="a,b",
                        help="comma-separated: a (generate.py + its mix), b (generate_b.py + its mixes); default both")
    parser.add_argument("--systems", default="coopgraph,oxigraph,rdflib-endpoint",
                        help=f"comma-separated, from {', '.join(SYSTEMS)}")
    parser.add_argument("--rdflib-max", default="100k", help="largest size rdflib-endpoint loads (default 100k)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk on the interactive mix (default 10)")
    # Longer: at 1M a whole-graph aggregate takes seconds, and in a short window the ones still
    # running when wrk stops are not counted at all, which flatters a slow server's p99.
    parser.add_argument("--full-duration", type=int, default=30, help="seconds of wrk on the full mix (default 30)")
    parser.add_argument("--large-duration", type=int, default=15,
                        help="seconds of wrk on workload b's large-answer mix (default 15)")
    parser.add_argument("--repeats", type=int, default=2, help="wrk runs of each mix, interleaved (default 2)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reps", type=int, default=101, help="sequential runs per query (default 101; at most "
                        "--query-budget seconds each)")
    parser.add_argument("--query-budget", type=float, default=20.0, help="seconds at most per query, sequential")
    parser.add_argument("--query-timeout", type=float, default=300.0)
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true", help="py-spy the coopgraph server under wrk")
    # Other processes' CPU share above which the run is "busy": its figures are printed, but no
    # ratio, and bench/RESULTS.md is left alone (the tables go to bench/work/RESULTS-busy.md).
    parser.add_argument("--busy-threshold", type=float, default=0.25,
                        help="share of all CPUs used by other processes that makes the run busy (default 0.25)")
    parser.add_argument("--allow-busy", action="store_true",
                        help="compare and write --out even on a busy machine (the header says it was busy)")
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
    workloads = [w.strip().lower() for w in args.workload.split(",") if w.strip()]
    unknown = ([s for s in sizes if s not in generate.SIZES] + [s for s in systems if s not in SYSTEMS]
               + [w for w in workloads if w not in WORKLOADS])
    if unknown or args.repeats < 1:
        parser.error(f"unknown size, system or workload: {', '.join(unknown)}" if unknown else "--repeats >= 1")
    at_start = cpu_busy(2.0)
    say(f"other processes use {at_start:.0%} of the CPUs now (busy above {args.busy_threshold:.0%})")
    rdflib_max = generate.SIZES[args.rdflib_max.lower()]
    results: list[Measured] = []
    mixes: dict[str, list[Query]] = {}
    for size in sizes:
        triples = generate.SIZES[size]
        for name in workloads:
            workload = WORKLOADS[name]
            data = workload.ensure(triples, args.seed)
            queries = mixes[f"{size} {name}"] = workload.mix(data)
            count = _count_lines(data)
            for system_name in systems:
                system = SYSTEMS[system_name]()
                if system_name == "rdflib-endpoint" and triples > rdflib_max:
                    small = workload.ensure(rdflib_max, args.seed)
                    results.append(measure(system, size, name, small, workload.mix(small), args, _count_lines(small),
                                           note=f"ran on the {generate.size_label(rdflib_max)} graph "
                                                f"(pure Python; {size} takes too long)"))
                    continue
                results.append(measure(system, size, name, data, queries, args, count))
        busy, _text = busy_verdict(results, at_start, args.busy_threshold)
        print(tables([r for r in results if r.size == size], mixes, busy and not args.allow_busy),  # noqa: T201
              flush=True)
    busy, busy_text = busy_verdict(results, at_start, args.busy_threshold)
    refused = busy and not args.allow_busy
    out = WORK / "RESULTS-busy.md" if refused else args.out
    text = write_results(out, results, mixes, args, time.perf_counter() - started, busy_text, refused)
    print(text)  # noqa: T201
    if refused:
        say(f"busy machine: {busy_text}. No ratios; {args.out.name} left as it was, the tables are in {out}")
        return 3
    say(f"wrote {out} ({busy_text})")
    return 0


def _count_lines(data: Path) -> int:
    with gzip.open(data, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


if __name__ == "__main__":
    sys.exit(main())
