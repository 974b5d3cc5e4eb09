"""Soak: does a hostile client fail alone? Cheap lookups beside variants of a costly query.

    python bench/soak.py                             # 100k triples, 64 clients, 60 s
    python bench/soak.py --triples 1000000 --seconds 60
    python bench/soak.py --repo /tmp/old-checkout    # the same soak against another checkout

Starts ``coopgraph serve --data FILE`` on 127.0.0.1 (the generated graph of bench/generate.py),
waits for the memory replica, then runs ``--clients`` asyncio clients for ``--seconds``: most send
cheap lookups back to back (an exact label, one hop around an entity, an ASK); ``--hostile`` of
them send variants of a cross-join COUNT, each with a new comment, new variable names, new
whitespace and a new LIMIT, as a client dodging a quarantine keyed by text would. Half the hostile
clients send a memory hog (``COUNT(DISTINCT *)`` keeps every row), half a time hog (``COUNT(*)``
streams 10^10 rows to the deadline). Prints p50/p99 of the cheap lookups, the status counts per
class and the replica's losses. ``--updaters N`` adds N clients sending SPARQL Updates back to back
(updates on, with a token): then it also prints the updates done, their latency, the most replica
copies loading at once (processes named ``coopgraph-copy``) and the peak RSS of the server's tree.
Bounded: every request has a client timeout and the run stops at
``--seconds`` (requests still out then are counted as unfinished).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is a folder of scripts, not a package)
import run  # noqa: E402

JSON = "application/sparql-results+json"
MEMORY_HOG = "SELECT (COUNT(DISTINCT *) AS ?{0}) {{ ?{1} ?{2} ?{3} .{ws}?{4} ?{5} ?{6} }} LIMIT {limit} # {note}"
TIME_HOG = "SELECT (COUNT(*) AS ?{0}) {{ ?{1} ?{2} ?{3} .{ws}?{4} ?{5} ?{6} }} LIMIT {limit} # {note}"


def variant(template: str, rng: random.Random) -> str:
    names = rng.sample([f"v{rng.randrange(10**6)}" for _ in range(20)], 7)
    return template.format(*names, ws=rng.choice([" ", "\n ", "\t"]), limit=rng.randrange(1, 1000),
                           note=rng.getrandbits(64))


def cheap_queries(landmarks: dict[str, str]) -> list[str]:
    mix = {q.name: q for q in run.query_mix(landmarks)}
    return [run.PREFIXES + mix[name].sparql for name in ("label_exact", "one_hop", "ask")]


class Tally:
    def __init__(self) -> None:
        self.status: dict[str, Counter[str]] = {"cheap": Counter(), "hostile": Counter(), "update": Counter()}
        self.cheap_ms: list[float] = []
        self.update_ms: list[float] = []


TOKEN = "soak-" + "%032x" % random.SystemRandom().getrandbits(128)


async def updater(http: httpx.AsyncClient, url: str, seed: int, tally: Tally, deadline: float) -> None:
    i = 0
    while time.monotonic() < deadline:
        text = f'INSERT DATA {{ <urn:soak:{seed}-{i}> <urn:soak:p> "{i}" }}'
        i += 1
        started = time.perf_counter()
        try:
            answer = await http.post(url, data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"})
            code = str(answer.status_code)
        except asyncio.CancelledError:
            tally.status["update"]["unfinished"] += 1
            raise
        except httpx.HTTPError as exc:
            code = type(exc).__name__
        tally.status["update"][code] += 1
        tally.update_ms.append((time.perf_counter() - started) * 1000)


class TreeSampler(threading.Thread):
    """Every half second: the server tree's RSS, and how many replica copies are loading in it."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_rss_mb, self.most_copies = pid, 0.0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak_rss_mb = max(self.peak_rss_mb, run.tree_rss_mb(self.pid))
            self.most_copies = max(self.most_copies, copies_loading(self.pid))


def copies_loading(root: int) -> int:
    parents, names = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
            parents[int(stat.parent.name)] = int(rest.split()[1])
            names[int(stat.parent.name)] = head.partition("(")[2]
        except (OSError, IndexError, ValueError):
            continue
    count = 0
    for pid, name in names.items():
        up = pid
        while up not in (0, 1, root):
            up = parents.get(up, 0)
        count += up == root and name == "coopgraph-copy"
    return count


async def client(http: httpx.AsyncClient, url: str, queries: list[str] | None, hostile: str | None,
                 seed: int, tally: Tally, deadline: float) -> None:
    rng = random.Random(seed)
    kind = "cheap" if hostile is None else "hostile"
    i = seed
    while time.monotonic() < deadline:
        text = variant(hostile, rng) if hostile is not None else queries[i % len(queries)]  # type: ignore[index]
        i += 1
        started = time.perf_counter()
        try:
            answer = await http.post(url, data={"query": text}, headers={"Accept": JSON})
            code = str(answer.status_code)
        except asyncio.CancelledError:
            tally.status[kind]["unfinished"] += 1
            raise
        except httpx.TimeoutException:
            code = "client-timeout"
        except httpx.HTTPError as exc:
            code = type(exc).__name__
        tally.status[kind][code] += 1
        if kind == "cheap":
            tally.cheap_ms.append((time.perf_counter() - started) * 1000)


async def soak(url: str, queries: list[str], args: argparse.Namespace) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + args.seconds
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(timeout=args.client_timeout, limits=limits) as http:
        tasks = []
        for n in range(args.clients):
            hostile = (MEMORY_HOG if n % 2 else TIME_HOG) if n < args.hostile else None
            tasks.append(asyncio.create_task(client(http, url, queries, hostile, n, tally, deadline)))
        tasks += [asyncio.create_task(updater(http, url, n, tally, deadline)) for n in range(args.updaters)]
        done, pending = await asyncio.wait(tasks, timeout=args.seconds + args.client_timeout + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()
    return tally


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--hostile", type=int, default=4, help="how many of the clients are hostile")
    parser.add_argument("--updaters", type=int, default=0, help="clients sending SPARQL Updates back to back")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the soak (at most 600)")
    parser.add_argument("--client-timeout", type=float, default=75.0, help="seconds a request may take: queue wait + query deadline + margin")
    parser.add_argument("--rate-limit", action="store_true",
                        help="keep the per-client rate limits on (all clients share 127.0.0.1, so they are one client)")
    parser.add_argument("--repo", type=Path, default=run.REPO, help="the checkout whose server runs")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra server settings, e.g. COOPGRAPH_QUERY_TIMEOUT_S=10")
    args = parser.parse_args(argv)
    args.seconds = min(args.seconds, 600.0)
    data = generate.ensure(args.triples)
    landmarks = json.loads(generate.landmarks_path(data).read_text())
    env = {"PYTHONPATH": str(args.repo.resolve())}
    # This soak measures the query lanes, and one address plays 64 clients: run.serving exempts
    # 127.0.0.1 from the rate limits unless told otherwise.
    env["COOPGRAPH_RATE_LIMIT_EXEMPT"] = "[]" if args.rate_limit else '["127.0.0.1"]'
    if args.updaters:
        env.update(COOPGRAPH_ALLOW_UPDATES="true", COOPGRAPH_UPDATE_TOKEN=TOKEN)
    env.update(item.split("=", 1) for item in args.env)
    system = Served("coopgraph", "/sparql", env=env)
    system.repo = args.repo.resolve()
    with tempfile.TemporaryDirectory(prefix="coopgraph-soak-") as work, \
            run.serving(system, Path(work), data, timeout=600) as (url, process, start_s):
        replica_s = run.wait_for_replica(url, timeout=600)
        run.say(f"serving {data.name} from {args.repo} at {url} (start {start_s:.1f} s, replica +{replica_s:.1f} s)")
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            tally = asyncio.run(soak(url, cheap_queries(landmarks), args))
        finally:
            sampler.done.set()
            sampler.join()
        health = httpx.get(url.rsplit("/sparql", 1)[0] + "/healthz", timeout=10).json()
    replica = health.get("lanes", {}).get("memory_replica", {})
    print(f"soak: {args.triples} triples, {args.clients} clients ({args.hostile} hostile), {args.seconds:g} s")
    print(f"cheap lookups: {len(tally.cheap_ms)} answered or failed; p50 {percentile(tally.cheap_ms, 50):.1f} ms, "
          f"p99 {percentile(tally.cheap_ms, 99):.1f} ms, max {max(tally.cheap_ms, default=float('nan')):.1f} ms")
    for kind, counts in tally.status.items():
        shown = ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()) if n)
        print(f"{kind}: {shown}  (503: {counts['503']}, 504: {counts['504']})")
    if args.updaters:
        print(f"updates: {len(tally.update_ms)} done; p50 {percentile(tally.update_ms, 50):.0f} ms, "
              f"max {max(tally.update_ms, default=float('nan')):.0f} ms; most replica copies loading at once: "
              f"{sampler.most_copies} (counted by process name: always 0 on a checkout that does not name them)")
    print(f"server tree peak RSS: {sampler.peak_rss_mb:.0f} MB")
    print(f"memory replica: {replica.get('state')}, lost {replica.get('losses')} times ({replica.get('detail') or '-'})")
    return 0


class Served(run.System):
    """``coopgraph serve --data FILE`` from a given checkout, on its path (``python -m coopgraph``)."""

    repo: Path = run.REPO

    def load(self, data: Path, work: Path) -> float:
        return 0.0  # serve --data loads the file itself

    def command(self, work: Path, port: int, data: Path) -> list[str]:
        # -P: the checkout comes from PYTHONPATH, not from the working directory (this repository)
        # Checkouts older than the `coopgraph` package ran as `python -m api`.
        main = "coopgraph" if (self.repo / "coopgraph").is_dir() else "api"
        return [sys.executable, "-P", "-m", main, "serve", "--data", str(data), "--host", "127.0.0.1",
                "--port", str(port)]


if __name__ == "__main__":
    sys.exit(main())
