"""The explorer and embeds in real Chromium: offline, accurate, interactive and inert to hostile labels.

Every page blocks and counts requests to any host but 127.0.0.1 and fails on a console error.
Screenshots land in the artifacts folder. ``CG_PERF=1`` adds the synthetic 300/1000/2000-node
measurements (they start servers of their own, so they are off by default).
"""

from __future__ import annotations

import http.server
import json
import os
import random
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.conftest import LiveServer, SeedBuild, start_server, stop_server

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
DRAWN = "() => window.coopgraphView && window.coopgraphView.firstDrawMs !== null"


class Page:
    """A Playwright page that blocks other hosts and records console errors."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 800, **context: Any) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, **context)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

        def route(r: Any) -> None:
            if urlparse(r.request.url).hostname != "127.0.0.1":
                self.outside.append(r.request.url)
                r.abort()
            else:
                r.continue_()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_function(DRAWN, timeout=30_000)
        return self.page

    def clean(self) -> None:
        assert self.outside == [], self.outside
        assert self.errors == [], self.errors

    def node_point(self, node_id: str) -> tuple[float, float]:
        return tuple(self.page.evaluate("""(id) => {
            const v = window.coopgraphView, p = v.network.canvasToDOM(v.network.getPositions([id])[id]);
            const r = v.network.body.container.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""", node_id))  # type: ignore[return-value]

    def settle(self) -> None:
        """Freeze the layout so clicks land where nodes are."""
        self.page.evaluate("() => window.coopgraphView.network.stopSimulation()")
        self.page.wait_for_timeout(150)


@contextmanager
def opened(browser: Any, **size: int) -> Iterator[Page]:
    page = Page(browser, **size)
    try:
        yield page
    finally:
        page.context.close()


def visible_count(page: Any) -> int:
    return int(page.evaluate("() => window.coopgraphView.visibleCount()"))


# -- the explorer -------------------------------------------------------------------------------
def test_explorer_draws_the_view_offline(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    expected = httpx.get(live_server.url + "/api/view", timeout=30).json()
    times = []
    with opened(browser) as p:
        for _ in range(5):
            page = p.open(live_server.url + "/")
            times.append(page.evaluate("() => window.coopgraphView.firstDrawMs"))
        assert page.evaluate("() => window.coopgraphView.nodes.length") == len(expected["nodes"])
        assert page.evaluate("() => window.coopgraphView.edges.length") == len(expected["edges"])
        assert visible_count(page) == len(expected["nodes"])
        assert page.locator("#xp-loading").is_hidden()
        assert page.locator("#xp-counts").inner_text().startswith(f"{len(expected['nodes'])} of ")
        page.wait_for_timeout(600)
        page.screenshot(path=str(artifacts_dir / "explorer.png"))
        p.clean()
    (artifacts_dir / "explorer-timing.json").write_text(json.dumps(
        {"first_draw_ms": times, "median_ms": statistics.median(times), "nodes": len(expected["nodes"])}))


def test_search_focuses_and_clicking_a_node_shows_evidence(browser: Any, live_server: LiveServer,
                                                            artifacts_dir: Path) -> None:
    with opened(browser) as p:
        page = p.open(live_server.url + "/")
        page.fill("#xp-q", "Chengdu Cust")
        page.wait_for_selector("#xp-q-list li[role=option]")
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.coopgraphView.focus === 'chengdu-customs' && window.coopgraphView.firstDrawMs")
        assert parse_qs(urlparse(page.url).query)["focus"] == ["chengdu-customs"]
        expected = httpx.get(live_server.url + "/api/view", params={"focus": "chengdu-customs"}, timeout=30).json()
        assert page.evaluate("() => window.coopgraphView.nodes.length") == len(expected["nodes"])
        assert page.locator("#xp-focus-label").inner_text() == "Chengdu Customs"
        # The focus is selected and its panel open; click another node to move the panel. The open
        # panel lies over one side of the graph: bring the node to the middle, as a user would pan.
        p.settle()
        page.evaluate("""() => { const n = window.coopgraphView.network;
            n.moveTo({position: n.getPositions(['chongqing-customs'])['chongqing-customs'], animation: false}); }""")
        page.mouse.click(*p.node_point("chongqing-customs"))
        panel = page.locator("#xp-panel")
        panel.wait_for(state="visible")
        assert page.locator("#xp-panel-body h2").inner_text() == "Chongqing Customs"
        assert page.locator("#xp-panel-body .cg-zh").inner_text() == "重庆海关"
        quotes = page.locator("#xp-panel-body blockquote.evidence")
        assert quotes.count() > 0 and quotes.first.inner_text()
        href = page.locator("#xp-panel-body .cg-source a").first.get_attribute("href")
        assert href and href.startswith("/documents/") and "#q-" in href
        assert page.locator("#xp-panel-body a.cg-entity-link").get_attribute("href") == "/id/chongqing-customs"
        assert "node=chongqing-customs" in page.url
        page.screenshot(path=str(artifacts_dir / "explorer-node-panel.png"))
        # The URL holds the state: a reload shows the same view and the same panel.
        page.reload()
        page.wait_for_function(DRAWN)
        assert page.locator("#xp-panel-body h2").inner_text() == "Chongqing Customs"
        p.clean()


def test_double_click_expands(browser: Any, live_server: LiveServer) -> None:
    with opened(browser) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1")
        before = page.evaluate("() => window.coopgraphView.nodes.length")
        p.settle()
        page.mouse.dblclick(*p.node_point("chongqing-customs"))
        page.wait_for_function(f"() => window.coopgraphView.nodes.length > {before}", timeout=15_000)
        p.clean()


def test_path_finder_highlights_and_cites(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    with opened(browser) as p:
        page = p.open(live_server.url + "/")
        for field, text in (("#xp-from", "Chengdu Customs"), ("#xp-to", "Singapore")):
            page.fill(field, text)
            page.wait_for_selector(f"{field}-list li[role=option]")
            page.keyboard.press("Enter")
        page.click("#xp-path-go")
        page.wait_for_selector("#xp-paths .xp-hop")
        hops = page.locator("#xp-paths ol.xp-hops > li")
        assert hops.count() >= 1
        assert page.locator("#xp-paths ol.xp-hops blockquote.evidence").count() >= hops.count()
        highlighted = page.evaluate("() => window.coopgraphView.edges.get().filter(e => e.width === 4).length")
        assert highlighted == hops.count()
        query = parse_qs(urlparse(page.url).query)
        assert query["from"] == ["chengdu-customs"] and query["to"] == ["singapore"]
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts_dir / "explorer-path.png"))
        p.clean()


def test_type_legend_hides_and_shows(browser: Any, live_server: LiveServer) -> None:
    with opened(browser) as p:
        page = p.open(live_server.url + "/")
        total = visible_count(page)
        item = page.locator(".cg-legend-item[data-type='Industry']")
        item.click()
        assert visible_count(page) < total
        assert item.get_attribute("aria-pressed") == "false"
        assert "types=" in page.url and "Industry" not in parse_qs(urlparse(page.url).query)["types"][0]
        page.locator(".cg-legend-item[data-type='Industry']").click()
        page.wait_for_function(f"() => window.coopgraphView.visibleCount() === {total}")
        p.clean()


def test_time_filter_hides_dated_facts(browser: Any, live_server: LiveServer) -> None:
    with opened(browser) as p:
        page = p.open(live_server.url + "/")
        total = visible_count(page)
        page.fill("#xp-until", "2019-06-30")
        page.dispatch_event("#xp-until", "change")
        assert visible_count(page) < total
        p.clean()


# -- embeds -------------------------------------------------------------------------------------
@contextmanager
def other_origin(folder: Path, html: str) -> Iterator[str]:
    """A page served by a plain http.server on another loopback port."""
    (folder / "host.html").write_text(html, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/host.html"
    finally:
        server.shutdown()
        server.server_close()


def test_embed_draws_inside_another_sites_iframe(browser: Any, live_server: LiveServer, tmp_path: Path,
                                                 artifacts_dir: Path) -> None:
    src = f"{live_server.url}/embed?focus=chongqing-customs&depth=1&size=pagerank"
    html = (f'<!doctype html><title>host</title><h1>A newsroom page</h1>'
            f'<iframe id="f" src="{src}" width="900" height="520" style="border:0" title="coopgraph"></iframe>')
    with other_origin(tmp_path, html) as url, opened(browser, width=960, height=640) as p:
        p.page.goto(url)
        frame = p.page.frame_locator("#f")
        frame.locator("#em-graph canvas").wait_for()
        inner = next(f for f in p.page.frames if f.url.startswith(live_server.url))
        inner.wait_for_function(DRAWN, timeout=30_000)
        inner.wait_for_timeout(400)
        painted = inner.evaluate("""() => {
            const c = document.querySelector('#em-graph canvas'), ctx = c.getContext('2d');
            const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } } return n; }""")
        assert painted > 1000
        p.page.screenshot(path=str(artifacts_dir / "embed.png"))
        p.clean()


# -- hostile data -------------------------------------------------------------------------------
def seed_server_with(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory, name: str,
                     extra: str) -> Iterator[LiveServer]:
    """A server on a copy of the seed store with the N-Triples ``extra`` added (for fixtures)."""
    import pyoxigraph as ox

    from coopgraph.graph.resources import ontology_file
    from coopgraph.graph.store.base import ONTOLOGY_GRAPH

    root = tmp_path_factory.mktemp(name) / "store"
    seed = OxigraphStore(seed_build.store_root)
    quads = seed.dump()
    seed.close()

    def fill(db: Any) -> None:
        db.bulk_load(quads, format=ox.RdfFormat.N_QUADS)
        db.bulk_load(extra.encode(), format=ox.RdfFormat.N_TRIPLES)
        if not any(True for _ in db.named_graphs()):
            db.bulk_load(ontology_file().read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=ONTOLOGY_GRAPH,
                         to_graph=ox.NamedNode(ONTOLOGY_GRAPH))

    OxigraphStore.replace(root, fill)
    server = start_server(root, tmp_path_factory.mktemp(f"{name}-log"))
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def hostile_server(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seed graph plus an entity whose label, alias and Chinese label are HTML/JS."""
    text = json.dumps(XSS)
    evil = "https://coopgraph.org/id/evil-entity"
    extra = (f'<{evil}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://coopgraph.org/ontology#City> .\n'
             f'<{evil}> <http://www.w3.org/2000/01/rdf-schema#label> {text}@en .\n'
             f'<{evil}> <http://www.w3.org/2000/01/rdf-schema#label> {text}@zh .\n'
             f'<{evil}> <http://www.w3.org/2004/02/skos/core#altLabel> "evil {XSS.replace(chr(34), chr(39))}"@en .\n'
             f'<{evil}> <https://coopgraph.org/ontology#cooperatesWith> <https://coopgraph.org/id/chongqing-customs> .\n')
    yield from seed_server_with(seed_build, tmp_path_factory, "hostile", extra)


def test_hostile_labels_run_nothing(browser: Any, hostile_server: LiveServer) -> None:
    with opened(browser) as p:
        page = p.open(hostile_server.url + "/?focus=evil-entity&depth=1&node=evil-entity")
        assert page.locator("#xp-panel-body h2").inner_text() == XSS
        assert page.locator("#xp-title").inner_text().startswith(XSS)
        page.fill("#xp-q", "evil")
        page.wait_for_selector("#xp-q-list li[role=option]")
        p.settle()
        page.mouse.move(*p.node_point("evil-entity"))
        page.wait_for_timeout(500)
        tooltip = page.locator("div.vis-tooltip")
        if tooltip.count():
            assert tooltip.locator("img, script").count() == 0
        page.goto(hostile_server.url + "/embed?focus=evil-entity")
        page.wait_for_function(DRAWN)
        page.mouse.click(*p.node_point("evil-entity"))
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("img[src=x]").count() == 0 and p.dialogs == []
        p.errors = [e for e in p.errors if "404" not in e]  # the only 404 would be an injected <img src=x>
        p.clean()


# -- performance (CG_PERF=1) --------------------------------------------------------------------
def synthetic_ntriples(n: int, *, seed: int = 7) -> bytes:
    """n typed, labelled entities linked by preferential attachment, each link with evidence."""
    rng = random.Random(seed)
    coop, rdf, rdfs = "https://coopgraph.org/ontology#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", \
        "http://www.w3.org/2000/01/rdf-schema#"
    types = ["City", "Province", "CustomsDistrict", "Agreement", "Person", "Corridor", "Industry", "Platform"]
    doc = "https://coopgraph.org/id/synthetic-doc"
    lines = [f"<{doc}> <{rdf}type> <{coop}SourceDocument> ."]
    targets = [0]
    for i in range(n):
        e = f"https://coopgraph.org/id/s{i}"
        lines += [f"<{e}> <{rdf}type> <{coop}{types[i % len(types)]}> .", f'<{e}> <{rdfs}label> "Entity {i}"@en .']
        if i:
            for j in {rng.choice(targets) for _ in range(2)}:
                o, ev = f"https://coopgraph.org/id/s{j}", f"https://coopgraph.org/evidence/s{i}-{j}"
                lines += [f"<{e}> <{coop}cooperatesWith> <{o}> .", f"<{ev}> <{rdf}type> <{coop}Evidence> .",
                          f"<{ev}> <{rdf}subject> <{e}> .", f"<{ev}> <{rdf}predicate> <{coop}cooperatesWith> .",
                          f"<{ev}> <{rdf}object> <{o}> .", f'<{ev}> <{coop}quote> "Entity {i} and Entity {j}." .',
                          f"<{ev}> <http://www.w3.org/ns/prov#wasDerivedFrom> <{doc}> ."]
                targets += [i, j]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.skipif(os.environ.get("CG_PERF") != "1", reason="set CG_PERF=1 to measure large views")
@pytest.mark.parametrize("n", [300, 1000, 2000])
def test_large_views(browser: Any, n: int, tmp_path: Path, artifacts_dir: Path) -> None:
    import pyoxigraph as ox

    root = tmp_path / "store"
    OxigraphStore.replace(root, lambda db: db.bulk_load(synthetic_ntriples(n), format=ox.RdfFormat.N_TRIPLES))
    server = start_server(root, tmp_path)
    try:
        httpx.get(server.url + "/api/view", params={"limit": n}, timeout=300)  # build the projection once
        with opened(browser, width=1920, height=1080) as p:
            page = p.open(f"{server.url}/?limit={n}")
            first = page.evaluate("() => window.coopgraphView.firstDrawMs")
            drawn = page.evaluate("() => window.coopgraphView.nodes.length")
            # Frame rate of a 2-second animated zoom/pan (what dragging and zooming feel like).
            fps = page.evaluate("""() => new Promise(done => {
                const net = window.coopgraphView.network; let frames = 0;
                net.on('afterDrawing', () => frames++);
                net.moveTo({scale: net.getScale() * 2.5, animation: {duration: 2000, easingFunction: 'linear'}});
                setTimeout(() => done(frames / 2), 2100); })""")
            p.clean()
        record = {"nodes": drawn, "first_draw_ms": first, "zoom_fps": fps}
        (artifacts_dir / f"perf-{n}.json").write_text(json.dumps(record))
        assert drawn == n
    finally:
        stop_server(server)


# -- views fetched rather than inlined (large views; large graphs) --------------------------------
@pytest.fixture(scope="module")
def large_graph_server(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seed store treated as a large one: derived data built in the background, on demand."""
    server = start_server(seed_build.store_root, tmp_path_factory.mktemp("large-graph"),
                          env={"COOPGRAPH_BACKGROUND_ABOVE_TRIPLES": "10", "COOPGRAPH_BACKGROUND_WARM_UP": "false"})
    yield server
    stop_server(server)


def test_explorer_fetches_the_view_of_a_large_graph_offline(browser: Any, large_graph_server: LiveServer,
                                                            artifacts_dir: Path) -> None:
    url = large_graph_server.url
    version = httpx.get(url + "/healthz", timeout=30).json()["version"]
    with opened(browser) as p:
        views: list[tuple[str, int]] = []
        p.page.on("response", lambda r: views.append((r.url, r.status)) if "/api/view?" in r.url else None)
        p.page.goto(url + "/?focus=chongqing&depth=1")
        # The first answer is 503 (the projection is being built); the page waits Retry-After and asks
        # again. (Chromium does not always report the preloaded 503 as a response event.)
        p.page.wait_for_function(DRAWN, timeout=60_000)
        assert views and views[-1][1] == 200 and {s for _, s in views} <= {200, 503}
        assert all(f"v={quote(version, safe='')}" in u for u, _ in views)
        expected = httpx.get(url + "/api/view?focus=chongqing&depth=1", timeout=30).json()
        assert p.page.evaluate("() => window.coopgraphView.nodes.length") == len(expected["nodes"])
        assert p.page.locator("#xp-loading").is_hidden()
        # The server's layout is drawn as it is: physics is off (the Physics button turns it on).
        assert p.page.evaluate("() => window.coopgraphView.physics") is False
        assert p.page.locator("#xp-physics").inner_text() == "Physics off"
        p.page.screenshot(path=str(artifacts_dir / "explorer-fetched.png"))
        assert p.outside == []
        # Chromium logs every non-2xx fetch as a console error: the expected 503s, and nothing else.
        assert [e for e in p.errors if "status of 503" not in e] == []


def test_embed_of_a_large_view_fetches_its_json(browser: Any, live_server: LiveServer) -> None:
    page_html = httpx.get(live_server.url + "/embed?limit=400", timeout=30).text
    assert '"nodes": null' in page_html and "/api/view?limit=400" in page_html.replace("\\u0026", "&")
    expected = httpx.get(live_server.url + "/api/view?limit=400", timeout=30).json()
    with opened(browser) as p:
        page = p.open(live_server.url + "/embed?limit=400")
        assert page.evaluate("() => window.coopgraphView.nodes.length") == len(expected["nodes"])
        assert page.locator("#em-loading").is_hidden()
        p.clean()
