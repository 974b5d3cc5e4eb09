"""Do heavy analytics requests stall cheap SPARQL queries? Prints figures; asserts nothing.

    python bench/analytics_stall.py --data bench/data/synthetic-1m-s42.nt.gz [--clients 16]

Starts ``coopgraph serve --data FILE`` on 127.0.0.1 (a temporary store, as a user trying a file
would), waits until the projection answers, then fires ``--clients`` concurrent hard
``/api/paths?max_length=8&limit=100`` requests (pairs of weakly linked entities, far apart) while
one client sends a stream of ``ASK`` queries to ``/sparql``. It reports the ASK latencies
(p50 / p95 / max) during the burst, and each path request's status and time (with ``--retry``,
clients told 503/429 wait as ``Retry-After`` says and ask again, so every request is answered). Everything is
bounded: ``--seconds`` for the burst, timeouts on every request.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ASK = "ASK { ?s a <https://coopgraph.org/ontology#Country> }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check, timeout: float, what: str, process: subprocess.Popen[bytes]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before {what} was ready")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


def pairs(url: str, count: int) -> list[tuple[str, str]]:
    """Weakly linked entities (degree 2-3) from distant parts of the ranking: long, many-branched
    paths between them, the worst case for a k-shortest-paths search."""
    ranked = httpx.get(f"{url}/api/centrality", params={"measure": "degree", "limit": 2000}, timeout=120).json()
    slugs = [item["node"]["slug"] for item in ranked["items"]]
    tail = slugs[-count * 2:]
    return [(tail[i], tail[-1 - i]) for i in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="an RDF file (bench/generate.py output)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=90, help="longest the burst may last")
    parser.add_argument("--retry", action="store_true", help="path clients retry a 503/429 after its "
                        "Retry-After (times are then from the first attempt to the answer)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the server, e.g. COOPGRAPH_ANALYSIS_SLOTS=1 (repeatable)")
    args = parser.parse_args(argv)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    # The per-client rate limit would turn most of one address's 16 requests into 429s; this
    # measures what the server does with the requests it accepts (as bench/run.py does).
    env["COOPGRAPH_RATE_LIMIT_EXEMPT"] = '["127.0.0.1"]'
    env.update(dict(item.split("=", 1) for item in args.env))
    log_path = Path(f"/tmp/analytics-stall-{port}.log")
    print(f"{args.data.name}, {args.clients} clients, settings: {args.env or 'defaults'}")
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(BIN / "coopgraph"), "serve", "--data", str(args.data), "--host", "127.0.0.1",
                                    "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env,
                                   start_new_session=True)
    try:
        started = time.perf_counter()
        wait_until(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, 600, "the server", process)
        print(f"server up in {time.perf_counter() - started:.1f} s (log: {log_path})")
        wait_until(lambda: httpx.get(f"{url}/api/centrality", params={"measure": "degree", "limit": 1},
                                     timeout=60).status_code == 200, 600, "the projection", process)
        print(f"projection ready after {time.perf_counter() - started:.1f} s")
        chosen = pairs(url, args.clients)

        done = threading.Event()
        ask_times: list[float] = []
        ask_status: Counter[int] = Counter()
        path_results: list[tuple[int, float, bool | None]] = []

        def cheap() -> None:
            with httpx.Client(timeout=30) as client:
                while not done.is_set():
                    t = time.perf_counter()
                    r = client.post(f"{url}/sparql", data={"query": ASK},
                                    headers={"accept": "application/sparql-results+json"})
                    ask_times.append(time.perf_counter() - t)
                    ask_status[r.status_code] += 1
                    time.sleep(0.02)

        rejected: Counter[int] = Counter()

        def heavy(source: str, target: str) -> None:
            t = time.perf_counter()
            deadline = t + args.seconds
            while True:
                try:
                    r = httpx.get(f"{url}/api/paths", params={"source": source, "target": target, "max_length": 8,
                                                             "limit": 100}, timeout=args.seconds)
                except httpx.HTTPError:
                    path_results.append((0, time.perf_counter() - t, None))
                    return
                wait = float(r.headers.get("retry-after", 0))
                if args.retry and r.status_code in (429, 503) and wait and time.perf_counter() + wait < deadline:
                    rejected[r.status_code] += 1  # a polite client: back off as told, then ask again
                    time.sleep(wait)
                    continue
                truncated = r.json().get("truncated") if r.status_code == 200 else None
                path_results.append((r.status_code, time.perf_counter() - t, truncated))
                return

        # The ASK stream alone first: the baseline.
        asker = threading.Thread(target=cheap)
        asker.start()
        time.sleep(3)
        done.set()
        asker.join()
        idle = sorted(ask_times)
        print(f"ASK alone: n={len(idle)} p50={statistics.median(idle) * 1000:.0f} ms max={idle[-1] * 1000:.0f} ms")

        ask_times.clear()
        ask_status.clear()
        done.clear()
        asker = threading.Thread(target=cheap)
        asker.start()
        burst_started = time.perf_counter()
        workers = [threading.Thread(target=heavy, args=pair) for pair in chosen]
        for w in workers:
            w.start()
        for w in workers:
            w.join(args.seconds + 5)
        burst = time.perf_counter() - burst_started
        done.set()
        asker.join()
        times = sorted(ask_times)
        q = statistics.quantiles(times, n=20, method="inclusive")
        print(f"ASK during {args.clients} path requests ({burst:.1f} s): n={len(times)} "
              f"p50={statistics.median(times) * 1000:.0f} ms p95={q[18] * 1000:.0f} ms "
              f"max={times[-1] * 1000:.0f} ms statuses={dict(ask_status)}")
        by_status = Counter(status for status, _t, _tr in path_results)
        durations = sorted(t for _s, t, _tr in path_results)
        if args.retry:
            print(f"answers that said 'try again later' (then retried after Retry-After): {dict(rejected)}")
        print(f"paths: statuses={dict(by_status)} truncated={sum(1 for *_x, tr in path_results if tr)} "
              f"time min={durations[0]:.2f} s p50={statistics.median(durations):.2f} s max={durations[-1]:.2f} s")
        for status, t, truncated in sorted(path_results, key=lambda r: r[1]):
            print(f"  {status} {t:6.2f} s truncated={truncated}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
