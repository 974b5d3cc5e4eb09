"""Figures for the seed graph: build time, example-query latency over HTTP, explorer first draw.

    .venv/bin/python bench/seed.py [--runs 5] [--query-runs 21] [--no-browser]

Prints one table per measure (medians; each measure's runs are taken in one go, side by side,
on the same machine). Nothing here asserts a time: the tests check behaviour, this measures it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coopgraph.graph.namespaces import DEFAULT_BASE  # noqa: E402
from coopgraph.graph.pipeline import DataPaths, run_build  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402


def build_times(runs: int, work: Path) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        run_build(DataPaths(REPO / "data"), store_root=work / f"store-{i}", export_dir=work / f"export-{i}",
                  base=DEFAULT_BASE)
        times.append(time.perf_counter() - started)
    return times


def example_latencies(url: str, runs: int) -> dict[str, tuple[float, int]]:
    """Median ms and row count of every example query, run through /api/examples/{name}."""
    results = {}
    with httpx.Client(timeout=30) as client:
        for example in client.get(url + "/api/examples").json():
            name = example["name"]
            times, rows = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(f"{url}/api/examples/{name}")
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                body = response.json()
                rows = len(body.get("results", {}).get("bindings", [])) if isinstance(body, dict) else len(body)
            results[name] = (statistics.median(times), rows)
    return results


def explorer_first_draw(url: str, runs: int) -> tuple[list[float], list[float]]:
    """(wall ms from goto() to the first draw, in-page ms from navigation start to the first draw)."""
    from playwright.sync_api import sync_playwright

    times, in_page = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url + "/")
            page.wait_for_function("() => window.coopgraphView && window.coopgraphView.firstDrawMs !== null",
                                   timeout=60_000)
            times.append((time.perf_counter() - started) * 1000)
            in_page.append(page.evaluate("() => window.coopgraphView.firstDrawMs"))
            context.close()
        browser.close()
    return times, in_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query-runs", type=int, default=21)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    print(f"machine: nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        builds = build_times(args.runs, work)
        print(f"build (check + SHACL + store + exports), {args.runs} runs: median {statistics.median(builds):.2f} s "
              f"(min {min(builds):.2f}, max {max(builds):.2f})")
        server = start_server(work / "store-0", work)
        try:
            latencies = example_latencies(server.url, args.query_runs)
            print(f"\nexample queries over HTTP (GET /api/examples/NAME, median of {args.query_runs}):")
            for name, (ms, rows) in latencies.items():
                print(f"  {ms:7.2f} ms  {rows:4d} rows  {name}")
            print(f"  median over all examples: {statistics.median(ms for ms, _ in latencies.values()):.2f} ms")
            if not args.no_browser and os.path.exists("/usr/bin/chromium"):
                draws, in_page = explorer_first_draw(server.url, args.runs)
                print(f"\nexplorer: opening / to the first drawn graph, {args.runs} runs: median "
                      f"{statistics.median(draws):.0f} ms wall (min {min(draws):.0f}, max {max(draws):.0f}); "
                      f"in the page, navigation start to first draw: median {statistics.median(in_page):.0f} ms")
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
