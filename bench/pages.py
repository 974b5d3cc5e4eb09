"""Latency of every API page and view on the 1M graph, and the explorer's first draw in Chromium.

    .venv/bin/python bench/pages.py [--size 1m] [--reps 11] [--browser-runs 5] [--no-browser]
    make bench-pages

Builds the store once under ``bench/work/pages-SIZE/store`` (``coopgraph load``; reused on later
runs), starts ``coopgraph serve`` on 127.0.0.1 and, for each page of the list below (every route of
the app: the script fails if a route is neither measured nor listed in ``NOT_MEASURED``), times the
first, cold call separately, then one warm-up and ``--reps`` sequential calls over one keep-alive
connection, and reports the median. Then the explorer: time from ``goto()`` to the first drawn graph
for a ~300-node and a ~2,000-node view of the store, median of ``--browser-runs`` fresh pages, with
screenshots under ``--shots``. Prints one table and writes it to ``bench/RESULTS-pages.md`` with
the date and the machine. Nothing is asserted: the tests check behaviour, this measures it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from run import BIN, Coopgraph, machine, run, serving  # noqa: E402

TARGET_MS = 300.0
# Routes that are not pages: bulk downloads, the SPARQL endpoint (measured by bench/run.py), write
# endpoints and static files.
NOT_MEASURED = {
    "/sparql": "the SPARQL endpoint: bench/run.py measures it", "/sparql/": "the same endpoint",
    "/api/exports/coopgraph.{fmt}": "a full dump (1M triples), a download rather than a page",
    "/static": "static files", "/static/lib": "static files",
    "/assets/graphview.js": "a static script",
    "/docs/oauth2-redirect": "Swagger UI plumbing",
}


@dataclass
class Page:
    """One request to time: a name for the table, the path (with query) and the Accept header."""

    name: str
    path: str
    accept: str = "application/json"
    route: str = ""
    cold_ms: float = float("nan")
    times: list[float] = field(default_factory=list)
    status: int = 0
    size: int = 0
    cold_status: int = 0
    ready_s: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def pages(landmarks: dict[str, str], extra: dict[str, str]) -> list[Page]:
    """Every page of the app, parameterised by the data's landmarks."""
    hub, mid, region = slug(landmarks["hub_org"]), slug(landmarks["mid_org"]), slug(landmarks["hub_region"])
    doc = extra["document"]
    html = "text/html"
    q = quote(landmarks["hub_region_label"])
    construct = quote(f"CONSTRUCT {{ <{landmarks['hub_org']}> ?p ?o }} WHERE {{ <{landmarks['hub_org']}> ?p ?o "
                      "FILTER(isIRI(?o)) } LIMIT 200")
    listed = [
        Page("health", "/healthz", route="/healthz"),
        Page("entity page HTML, hub", f"/id/{hub}", html, "/id/{name}"),
        Page("entity page HTML, mid", f"/id/{mid}", html, "/id/{name}"),
        Page("entity page HTML, hub region", f"/id/{region}", html, "/id/{name}"),
        Page("entity Turtle, hub", f"/id/{hub}", "text/turtle", "/id/{name}"),
        Page("entity JSON, hub", f"/api/entities/{hub}", route="/api/entities/{slug}"),
        Page("entity JSON, mid", f"/api/entities/{mid}", route="/api/entities/{slug}"),
        Page("entity list JSON (q=)", f"/api/entities?q={q}", route="/api/entities"),
        Page("entity list JSON (type)", "/api/entities?type=City", route="/api/entities"),
        Page("entity list HTML", "/entities", html, "/entities"),
        Page("search JSON", f"/api/search?q={q}", route="/api/search"),
        Page("search JSON, substring", "/api/search?q=ustom", route="/api/search"),
        Page("search HTML", f"/search?q={q}", html, "/search"),
        Page("neighbourhood, hub", f"/api/neighbourhood/{hub}", route="/api/neighbourhood/{slug}"),
        Page("neighbourhood, hub region depth 2", f"/api/neighbourhood/{region}?depth=2",
             route="/api/neighbourhood/{slug}"),
        Page("neighbourhood, mid", f"/api/neighbourhood/{mid}", route="/api/neighbourhood/{slug}"),
        Page("paths hub -> mid", f"/api/paths?source={hub}&target={mid}", route="/api/paths"),
        Page("centrality degree", "/api/centrality?measure=degree", route="/api/centrality"),
        Page("centrality pagerank", "/api/centrality?measure=pagerank", route="/api/centrality"),
        Page("centrality betweenness", "/api/centrality?measure=betweenness", route="/api/centrality"),
        Page("communities", "/api/communities", route="/api/communities"),
        Page("bridges", "/api/bridges", route="/api/bridges"),
        Page("k-core", "/api/kcore", route="/api/kcore"),
        Page("graph JSON, top", "/api/graph", route="/api/graph"),
        Page("graph JSON, hub", f"/api/graph?focus={hub}", route="/api/graph"),
        Page("view JSON, whole graph", "/api/view", route="/api/view"),
        Page("view JSON, hub", f"/api/view?focus={hub}", route="/api/view"),
        Page("view JSON, hub region 2000", f"/api/view?focus={region}&depth=2&limit=2000", route="/api/view"),
        Page("view JSON, mid by community", f"/api/view?focus={mid}&colour=community&size=pagerank",
             route="/api/view"),
        Page("view export GraphML, hub", f"/api/export/view.graphml?focus={hub}",
             route="/api/export/view.{fmt}"),
        Page("view export Turtle, hub", f"/api/export/view.ttl?focus={hub}", route="/api/export/view.{fmt}"),
        Page("explorer page, default", "/", html, "/"),
        Page("explorer page, hub", f"/?focus={hub}", html, "/"),
        Page("explorer page, hub region 2000", f"/?focus={region}&depth=2&limit=2000", html, "/"),
        Page("embed, hub", f"/embed?focus={hub}", html, "/embed"),
        Page("embed, hub region 2000", f"/embed?focus={region}&depth=2&limit=2000", html, "/embed"),
        Page("embed of a CONSTRUCT", f"/embed/sparql?query={construct}", html, "/embed/sparql"),
        Page("documents JSON", "/api/documents", route="/api/documents"),
        Page("documents HTML", "/documents", html, "/documents"),
        Page("document JSON", f"/api/documents/{doc}", route="/api/documents/{slug}"),
        Page("document HTML", f"/documents/{doc}", html, "/documents/{name}"),
        Page("ontology HTML", "/ontology", html, "/ontology"),
        Page("ontology Turtle", "/ontology.ttl", "text/turtle", "/ontology.ttl"),
        Page("shapes Turtle", "/ontology/shapes.ttl", "text/turtle", "/ontology/shapes.ttl"),
        Page("dataset stats", "/api/stats", route="/api/stats"),
        Page("VoID", "/void", "text/turtle", "/void"),
        Page("VoID well-known", "/.well-known/void", "text/turtle", "/.well-known/void"),
        Page("query page", "/query", html, "/query"),
        Page("API docs page", "/docs", html, "/docs"),
        Page("OpenAPI JSON", "/openapi.json", route="/openapi.json"),
        Page("examples list", "/api/examples", route="/api/examples"),
    ]
    for name in extra["examples"]:
        listed.append(Page(f"example {name}", f"/api/examples/{name}", route="/api/examples/{name}"))
    return listed


def check_coverage(app_routes: list[str], listed: list[Page]) -> list[str]:
    """Routes of the running app that this bench neither measures nor explains (should be none)."""
    measured = {p.route for p in listed}
    return [r for r in app_routes if r not in measured and r not in NOT_MEASURED]


def app_routes() -> list[str]:
    """The GET routes of the app, read from its routers (the OpenAPI schema hides HTML pages)."""
    sys.path.insert(0, str(REPO))
    from coopgraph.api.app import _routers, create_app

    found = {r.path for r in create_app().routes if hasattr(r, "path")}
    for router in _routers():
        for route in router.routes:
            if "GET" in (getattr(route, "methods", None) or set()):
                found.add(route.path)
    return sorted(found)


def time_page(client: httpx.Client, url: str, page: Page, reps: int) -> None:
    def once() -> float:
        started = time.perf_counter()
        response = client.get(url + page.path, headers={"Accept": page.accept})
        elapsed = (time.perf_counter() - started) * 1000
        page.status, page.size = response.status_code, len(response.content)
        return elapsed

    started = time.perf_counter()
    page.cold_ms = once()
    cold_status = page.status
    # A large graph's projection and measures are built in the background: 503 + Retry-After until
    # then. Record how long that took, then time the ready page.
    while page.status == 503 and time.perf_counter() - started < 900:
        time.sleep(1.0)
        once()
    page.ready_s = time.perf_counter() - started if cold_status == 503 else 0.0
    page.cold_status = cold_status
    once()  # warm-up
    page.times = [once() for _ in range(reps)]


READINESS_PROBES = {
    "projection (views, neighbourhoods, paths)": "/api/neighbourhood/{hub}?limit=5",
    "measures (PageRank, betweenness, communities, bridges, k-core)": "/api/communities?limit=1",
    "name index (entity lists, stats; search answers by bounded queries meanwhile)": "/api/entities?q=customs",
}


def wait_until_ready(url: str, landmarks: dict[str, str]) -> list[tuple[str, float, int, float]]:
    """Right after start: each probe's first answer (ms, status), then seconds until it answers 200.

    On a large store these are built in the background, started by the first request that needs
    them; until then pages that need them answer 503 + Retry-After. The page timings below start once all are ready, so the
    background work does not share the CPU with them.
    """
    started = time.perf_counter()
    paths = {name: path.format(hub=slug(landmarks["hub_org"])) for name, path in READINESS_PROBES.items()}
    firsts: dict[str, tuple[float, int]] = {}
    found = []
    with httpx.Client(timeout=600) as client:
        for name, path in paths.items():  # every probe's first request at once, before any wait
            t = time.perf_counter()
            status = client.get(url + path).status_code
            firsts[name] = ((time.perf_counter() - t) * 1000, status)
        for name, path in paths.items():
            status = firsts[name][1]
            while status == 503 and time.perf_counter() - started < 1800:
                time.sleep(1.0)
                status = client.get(url + path).status_code
            found.append((name, firsts[name][0], firsts[name][1], time.perf_counter() - started))
            print(f"  {name}: first answer {firsts[name][1]} in {firsts[name][0]:.0f} ms; ready {found[-1][3]:.1f} s "
                  "after the server was", flush=True)
    return found


def discover(url: str) -> dict[str, object]:
    """A document slug and the example names, from the running server."""
    with httpx.Client(timeout=120) as client:
        documents = client.get(url + "/api/documents").json()
        examples = [e["name"] for e in client.get(url + "/api/examples").json()]
    items = documents if isinstance(documents, list) else documents.get("documents", [])
    return {"document": items[0]["slug"] if items else "none", "examples": examples}


# -- the explorer in Chromium -------------------------------------------------------------------------
def explorer_runs(url: str, path: str, runs: int, shot: Path) -> dict[str, float]:
    """Median wall ms from goto() to the first drawn graph, in-page ms, node count, zoom fps."""
    from playwright.sync_api import sync_playwright

    walls, in_page, nodes, fps = [], [], 0, float("nan")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for i in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url + path)
            page.wait_for_function("() => window.coopgraphView && window.coopgraphView.firstDrawMs !== null",
                                   timeout=120_000)
            walls.append((time.perf_counter() - started) * 1000)
            in_page.append(page.evaluate("() => window.coopgraphView.firstDrawMs"))
            nodes = page.evaluate("() => window.coopgraphView.visibleCount()")
            if i == runs - 1:
                fps = zoom_fps(page)
                page.wait_for_timeout(500)
                page.screenshot(path=str(shot))
            context.close()
        browser.close()
    return {"wall": statistics.median(walls), "in_page": statistics.median(in_page), "nodes": nodes,
            "fps": fps, "min": min(walls), "max": max(walls)}


def zoom_fps(page: object) -> float:
    """Frames per second while zooming in and out with the mouse wheel for two seconds."""
    page.mouse.move(640, 400)  # type: ignore[attr-defined]
    page.evaluate("""() => { window.__frames = 0; const tick = () => { window.__frames++;
        if (!window.__stop) requestAnimationFrame(tick); }; window.__stop = false; requestAnimationFrame(tick); }""")  # type: ignore[attr-defined]
    started = time.perf_counter()
    for step in range(20):
        page.mouse.wheel(0, -120 if step < 10 else 120)  # type: ignore[attr-defined]
        page.wait_for_timeout(100)  # type: ignore[attr-defined]
    frames = page.evaluate("() => { window.__stop = true; return window.__frames; }")  # type: ignore[attr-defined]
    return frames / (time.perf_counter() - started)


# -- report -------------------------------------------------------------------------------------------
def table(listed: list[Page]) -> str:
    lines = ["| page | request | status | bytes | cold ms (status) | ready after | median ms | ≤ 300 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for p in listed:
        ok = "yes" if p.median <= TARGET_MS and p.status < 400 else "**no**"
        path = p.path if len(p.path) < 70 else p.path[:67] + "..."
        ready = f"{p.ready_s:.1f} s" if p.ready_s else "-"
        lines.append(f"| {p.name} | `{path}` | {p.status} | {p.size} | {p.cold_ms:.0f} ({p.cold_status}) | {ready} "
                     f"| {p.median:.1f} | {ok} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated substrings of page names to measure")
    parser.add_argument("--shots", type=Path, default=Path("/tmp/cg"))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS-pages.md")
    args = parser.parse_args(argv)

    data = REPO / "bench" / "data" / f"synthetic-{args.size}-s{args.seed}.nt.gz"
    if not data.exists():
        run([sys.executable, str(REPO / "bench" / "generate.py"), "--size", args.size, "--seed", str(args.seed)],
            timeout=1800)
    landmarks = json.loads(data.with_name(data.name.replace(".nt.gz", ".json")).read_text())
    work = REPO / "bench" / "work" / f"pages-{args.size}"
    work.mkdir(parents=True, exist_ok=True)
    host = machine()
    load_s = None
    if not (work / "store").exists():
        started = time.perf_counter()
        run([str(BIN / "coopgraph"), "load", str(data), "--store", str(work / "store")], timeout=1800)
        load_s = time.perf_counter() - started
        print(f"loaded {data.name} in {load_s:.1f} s")

    system = Coopgraph("coopgraph", "/sparql")
    with serving(system, work, data, timeout=120) as (url, _process, start_s):
        base = url.removesuffix("/sparql")
        print(f"serve ready in {start_s:.2f} s at {base}")
        readiness = wait_until_ready(base, landmarks)
        extra = discover(base)
        listed = pages(landmarks, extra)  # type: ignore[arg-type]
        missing = check_coverage(app_routes(), listed)
        if missing:
            print("routes neither measured nor explained: " + ", ".join(missing))
        if args.only:
            wanted = [w.strip() for w in args.only.split(",") if w.strip()]
            listed = [p for p in listed if any(w in p.name for w in wanted)]
        with httpx.Client(timeout=600) as client:
            for p in listed:
                time_page(client, base, p, args.reps)
                flag = "" if p.median <= TARGET_MS else "   <-- over"
                ready = f" (503 until {p.ready_s:.1f} s)" if p.ready_s else ""
                print(f"  {p.median:8.1f} ms median  {p.cold_ms:9.0f} ms cold{ready}  {p.status} {p.name}{flag}",
                      flush=True)
        explorer: dict[str, dict[str, float]] = {}
        if not args.no_browser and os.path.exists("/usr/bin/chromium"):
            region = slug(landmarks["hub_region"])
            args.shots.mkdir(parents=True, exist_ok=True)
            for label, path in (("300 nodes", f"/?focus={region}&depth=2&limit=300"),
                                ("2,000 nodes", f"/?focus={region}&depth=2&limit=2000")):
                shot = args.shots / f"explorer-{args.size}-{label.split()[0].replace(',', '')}.png"
                explorer[label] = explorer_runs(base, path, args.browser_runs, shot) | {"path": path}  # type: ignore[operator]
                e = explorer[label]
                print(f"  explorer {label}: first draw median {e['wall']:.0f} ms wall, {e['in_page']:.0f} ms in "
                      f"page, {e['nodes']} nodes drawn, zoom {e['fps']:.0f} fps; screenshot {shot}", flush=True)

    over = [p for p in listed if not p.median <= TARGET_MS]
    text = [f"# Page latency on the {args.size} graph", "",
            f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} by `bench/pages.py` "
            f"(`{data.name}`, {args.reps} sequential runs after one warm-up; *cold* is the very first call "
            "after the server started, which includes building per-version caches).", "",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in host.items()), "",
            f"`coopgraph serve` ready in {start_s:.2f} s on the existing store"
            + (f"; store loaded in {load_s:.1f} s" if load_s else "") + ".", "",
            "Right after start (the store is above `COOPGRAPH_BACKGROUND_ABOVE_TRIPLES`, so the projection "
            "and the measures are built in a child process and the name index in a thread, started by these "
            "first requests; pages that need them answer 503 + Retry-After meanwhile). Seconds are counted "
            "from the moment the server answered.", "",
            "| built in the background | first request answered | ready after |", "|---|---|---|",
            *[f"| {name} | {status} in {ms:.0f} ms | {ready:.1f} s |" for name, ms, status, ready in readiness],
            "", "Then every page (cold = first call after that; median of the sequential runs):", "",
            table(listed), "",
            f"{len(listed) - len(over)} of {len(listed)} pages at or under {TARGET_MS:.0f} ms at the median"
            + (": over: " + ", ".join(p.name for p in over) if over else ".")]
    if explorer:
        text += ["", "## Explorer: first drawn graph (headless Chromium)", "",
                 f"Median of {args.browser_runs} fresh pages: wall time from `goto()` to the first drawn frame, "
                 "and the page's own navigation-start-to-first-draw; zoom fps over 2 s of mouse-wheel zooming.", "",
                 "| view | request | nodes drawn | wall ms (min-max) | in-page ms | zoom fps |",
                 "|---|---|---|---|---|---|"]
        for label, e in explorer.items():
            text.append(f"| {label} | `{e['path']}` | {e['nodes']} | {e['wall']:.0f} ({e['min']:.0f}-{e['max']:.0f}) "
                        f"| {e['in_page']:.0f} | {e['fps']:.0f} |")
    text += ["", "Not measured: " + "; ".join(f"`{k}` ({v})" for k, v in NOT_MEASURED.items()) + "."]
    args.out.write_text("\n".join(text) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
