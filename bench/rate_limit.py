"""Per-request cost of the rate limiter (api/rate_limit.py), side by side with no limiter, in one run.

    .venv/bin/python bench/rate_limit.py [--batches 31] [--calls 2000] [--clients 1000]

Calls an ASGI app that answers at once (so nothing but the middleware is measured) directly, then
through ``RateLimit`` with the default settings' limits raised out of reach (every request is
counted, none refused), in alternating batches so both see the same machine load. Requests come
from ``--clients`` addresses in turn (the client table holds that many), for a cheap page, a static
file and a query path (which also keeps the concurrent and query-time counts). Prints the median
time per request of each, and the difference. Nothing is asserted: the tests check behaviour.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coopgraph.api.rate_limit import RateLimit, RateLimits  # noqa: E402
from coopgraph.api.settings import Settings  # noqa: E402

TARGET_US = 20.0
START = {"type": "http.response.start", "status": 200, "headers": []}
BODY = {"type": "http.response.body", "body": b""}


async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send(START)
    await send(BODY)


async def sink(message: dict[str, Any]) -> None:
    return None


async def batch(app: Any, scopes: list[dict[str, Any]], calls: int) -> float:
    """Seconds per request over ``calls`` requests."""
    n = len(scopes)
    started = time.perf_counter()
    for i in range(calls):
        await app(scopes[i % n], None, sink)
    return (time.perf_counter() - started) / calls


async def measure(path: str, args: argparse.Namespace, *, exempt: bool = False) -> tuple[float, float]:
    limits = replace(RateLimits.from_settings(Settings()), per_s=1e9, burst=1e9, concurrent_queries=10**6,
                     query_seconds=1e9)
    if not exempt:
        limits = replace(limits, exempt=())
    limited = RateLimit(answer, limits)
    hosts = ["127.0.0.1"] if exempt else [f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
                                          for i in range(args.clients)]
    scopes = [{"type": "http", "method": "GET", "path": path, "headers": [(b"host", b"x")],
               "client": (host, 50000)} for host in hosts]
    await batch(limited, scopes, args.calls)  # fill the client table and warm up
    plain, through = [], []
    for _ in range(args.batches):
        plain.append(await batch(answer, scopes, args.calls))
        through.append(await batch(limited, scopes, args.calls))
    return statistics.median(plain), statistics.median(through)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=31)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=1000)
    args = parser.parse_args()
    print(f"median per request over {args.batches} batches of {args.calls} calls, "  # noqa: T201
          f"{args.clients} clients (target: under {TARGET_US:g} µs of overhead)")
    print(f"{'request':<34} {'no limiter':>11} {'limiter':>9} {'overhead':>9}")  # noqa: T201
    cases = [("GET /api/stats", "/api/stats", False), ("GET /static/app.css", "/static/app.css", False),
             ("GET /sparql (a query)", "/sparql", False),
             ("GET /sparql from an exempt address", "/sparql", True)]
    for name, path, exempt in cases:
        plain, through = asyncio.run(measure(path, args, exempt=exempt))
        print(f"{name:<34} {plain * 1e6:>8.2f} µs {through * 1e6:>6.2f} µs "  # noqa: T201
              f"{(through - plain) * 1e6:>6.2f} µs")


if __name__ == "__main__":
    main()
