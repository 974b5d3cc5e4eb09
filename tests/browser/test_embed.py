"""Embeds and the standalone view file in real Chromium, as a reader meets them.

- The README's iframe snippet, pasted into a page opened from disk (file://) or served by another
  origin, draws the graph; pages that are not embeds still refuse to be framed.
- At the fitted view no node (circle or label) lies under the title, the legend or the footer,
  at 1280 px and at a phone's 390 px, and the controls are inside the frame.
- In the ``coopgraph view`` file, the evidence of a clicked link is in view without scrolling.
- Every view names its entities at the fitted view (graphview.js draws the labels): the focus and
  the most central entities, at 11 px or more, no two labels overlapping.

Every page blocks requests to any host but 127.0.0.1 and fails on a console error. Screenshots
land in the artifacts folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from tests.browser.test_explorer import DRAWN, other_origin
from tests.conftest import DEFAULT_BASE, REPO, LiveServer

pytestmark = pytest.mark.browser

FITTED = "() => window.coopgraphView && window.coopgraphView.fitted === true"
# Each drawn node's box (circle and label, vis-network's bounding box) in the frame's CSS pixels.
NODE_BOXES = """() => {
  const v = window.coopgraphView, n = v.network, r = n.body.container.getBoundingClientRect();
  return v.nodeView.getIds().map((id) => {
    const b = n.getBoundingBox(id);
    const a = n.canvasToDOM({x: b.left, y: b.top}), c = n.canvasToDOM({x: b.right, y: b.bottom});
    const p = n.canvasToDOM(n.getPositions([id])[id]);
    return {id, left: r.left + a.x, top: r.top + a.y, right: r.left + c.x, bottom: r.top + c.y,
            x: r.left + p.x, y: r.top + p.y};
  }); }"""
RECT = """(sel) => { const e = document.querySelector(sel); if (!e || !e.offsetParent) { return null; }
  const r = e.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"""
PAINTED = """() => { const c = document.querySelector('canvas'), ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } } return n; }"""


# The labels graphview.js drew at the last frame (a redraw first, so they are the current view's).
LABELS = "() => { const v = window.coopgraphView; v.network.redraw(); return v.labelsDrawn || []; }"


def check_labels(frame: Any, name: str, top: int = 5) -> list[dict[str, Any]]:
    """At the current (fitted) view: the focus's label and those of the ``top`` most central entities
    (by the view's own size measure) are drawn, inside the canvas, at 11 px or more, none over
    another. Returns the labels' boxes."""
    data = frame.evaluate("() => window.coopgraphView.data")
    size_by = data["legend"]["size_by"]
    key = size_by if size_by != "none" else "degree"
    central = [n["id"] for n in sorted(data["nodes"], key=lambda n: -(n["measures"].get(key) or 0))]
    boxes = frame.evaluate(LABELS)
    width, height = frame.evaluate("() => { const c = window.coopgraphView.network.body.container;"
                                   " return [c.clientWidth, c.clientHeight]; }")
    for i, a in enumerate(boxes):
        assert a["px"] >= 11 and a["text"].strip(), f"{name}: {a}"
        assert a["x"] >= 0 and a["y"] >= 0 and a["x"] + a["w"] <= width and a["y"] + a["h"] <= height, f"{name}: {a}"
        for b in boxes[i + 1:]:
            apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                     or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
            assert apart, f"{name}: labels overlap: {a} / {b}"
    drawn = {b["id"] for b in boxes}
    wanted = central[:top] + ([data["focus"]] if data.get("focus") else [])
    assert all(n in drawn for n in wanted), f"{name}: no label for {[n for n in wanted if n not in drawn]}"
    return list(boxes)


def readme_snippet(server_url: str) -> str:
    """The iframe of the README's "Embedding a view" section, pointed at ``server_url``."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Embedding a view", 1)[1].split("\n## ", 1)[0]
    snippet = re.search(r"```html\n(.*?)```", section, re.DOTALL)
    assert snippet and "<iframe" in snippet.group(1)
    return snippet.group(1).replace("http://127.0.0.1:8000", server_url)


class Tab:
    """A page that lets through only 127.0.0.1 and files, and records console errors."""

    def __init__(self, browser: Any, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []

        def route(r: Any) -> None:
            url = urlparse(r.request.url)
            if url.scheme == "file" or url.hostname == "127.0.0.1":
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def frame_of(self, server: LiveServer) -> Any:
        """The (first) frame showing a page of ``server``, once its graph is drawn and fitted."""
        self.page.wait_for_function("() => document.querySelector('iframe')", timeout=10_000)
        deadline = 300
        while deadline:
            frames = [f for f in self.page.frames if f.url.startswith(server.url)]
            if frames:
                break
            self.page.wait_for_timeout(100)
            deadline -= 1
        assert frames, [f.url for f in self.page.frames]
        frames[0].wait_for_function(DRAWN, timeout=30_000)
        frames[0].wait_for_function(FITTED, timeout=10_000)
        return frames[0]

    def clean(self) -> None:
        assert self.outside == [], self.outside
        assert self.errors == [], self.errors


@contextmanager
def tab(browser: Any, width: int = 1280, height: int = 800) -> Iterator[Tab]:
    t = Tab(browser, width, height)
    try:
        yield t
    finally:
        t.context.close()


def overlaps(a: dict[str, float], b: dict[str, float], slack: float = 0.5) -> bool:
    return (a["left"] < b["right"] - slack and b["left"] < a["right"] - slack
            and a["top"] < b["bottom"] - slack and b["top"] < a["bottom"] - slack)


def check_embed_layout(frame: Any, name: str) -> dict[str, Any]:
    """Open the legend, then: every node inside the drawing area and clear of title, legend and
    footer; the legend clear of the footer; the controls inside the frame. Returns the layout."""
    if frame.get_attribute("#em-legend-toggle", "aria-expanded") != "true":
        frame.evaluate("() => { window.coopgraphView.fitted = false; }")
        frame.click("#em-legend-toggle")
        frame.wait_for_function(FITTED, timeout=10_000)
    nodes = frame.evaluate(NODE_BOXES)
    assert nodes, "nothing drawn"
    parts = {sel: frame.evaluate(RECT, sel) for sel in
             ("#em-graph", ".em-title", "#em-legend", ".em-foot", "#em-legend-toggle", ".em-foot a")}
    width, height = frame.evaluate("() => [innerWidth, innerHeight]")
    legend = parts["#em-legend"]
    assert legend is not None and legend["bottom"] - legend["top"] > 5, f"{name}: the legend is not shown"
    stage = parts["#em-graph"]
    for node in nodes:
        inside = (node["left"] >= stage["left"] - 1 and node["right"] <= stage["right"] + 1
                  and node["top"] >= stage["top"] - 1 and node["bottom"] <= stage["bottom"] + 1)
        assert inside, f"{name}: {node['id']} is cut off at the fitted view: {node} outside {stage}"
        for sel in (".em-title", "#em-legend", ".em-foot"):
            assert not overlaps(node, parts[sel]), f"{name}: {sel} covers {node['id']}: {parts[sel]} / {node}"
    assert not overlaps(legend, parts[".em-foot"]) and not overlaps(legend, parts[".em-title"])
    # Long names (communities are named after a member) are shortened, not cut off at the edge.
    clipped = frame.evaluate("""() => [...document.querySelectorAll('#em-legend li')].filter((li) =>
        li.getBoundingClientRect().right > document.getElementById('em-legend').getBoundingClientRect().right + 0.5
        ).map((li) => li.textContent)""")
    assert clipped == [], f"{name}: legend entries run past the frame: {clipped}"
    for sel in ("#em-legend-toggle", ".em-foot a", ".em-title"):
        box = parts[sel]
        if sel == ".em-foot a" and box is None:
            continue  # /embed/sparql has no "explore" link
        assert box and box["left"] >= 0 and box["top"] >= 0 and box["right"] <= width + 0.5 \
            and box["bottom"] <= height + 0.5, f"{name}: {sel} is cut off: {box} in {width}x{height}"
    return {"nodes": nodes, "parts": parts, "size": (width, height)}


# -- framing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("parent", ["file", "http"])
def test_readme_snippet_draws_in_a_local_file_and_on_another_site(
        browser: Any, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path, parent: str,
        width: int) -> None:
    """The README's snippet as a journalist first tries it: a local HTML file (file://), then a page
    of another origin; at a desktop width and at a phone's (iframe width 100%)."""
    html = (f'<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'<title>host</title><h1>A newsroom draft</h1>{readme_snippet(live_server.url)}')
    with tab(browser, width=width, height=800) as t:
        if parent == "file":
            page_file = tmp_path / "page.html"
            page_file.write_text(html, encoding="utf-8")
            t.page.goto(page_file.as_uri())
            frame = t.frame_of(live_server)
        else:
            with other_origin(tmp_path, html) as url:
                t.page.goto(url)
                frame = t.frame_of(live_server)
        assert frame.evaluate("() => window.coopgraphView.nodeView.length") > 0
        assert frame.evaluate(PAINTED) > 1000
        layout = check_embed_layout(frame, f"{parent} {width}px")
        assert layout["size"][0] <= width
        t.page.screenshot(path=str(artifacts_dir / f"embed-readme-{parent}-{width}.png"))
        check_labels(frame, f"{parent} {width}px")
        t.clean()


def test_sparql_embed_draws_in_a_local_file(browser: Any, live_server: LiveServer, tmp_path: Path,
                                            artifacts_dir: Path) -> None:
    query = "CONSTRUCT { ?s coop:cooperatesWith ?o } WHERE { ?s coop:cooperatesWith ?o }"
    query = ("PREFIX coop: <https://coopgraph.org/ontology#> " + query)
    src = f"{live_server.url}/embed/sparql?query={quote(query)}"
    page_file = tmp_path / "sparql.html"
    page_file.write_text(f'<!doctype html><title>host</title><iframe src="{src}" width="100%" height="420" '
                         f'style="border:0" title="coopgraph"></iframe>', encoding="utf-8")
    with tab(browser, width=390, height=700) as t:
        t.page.goto(page_file.as_uri())
        frame = t.frame_of(live_server)
        assert frame.evaluate("() => window.coopgraphView.nodeView.length") > 1
        assert frame.evaluate(PAINTED) > 500
        check_embed_layout(frame, "sparql 390px")
        t.page.screenshot(path=str(artifacts_dir / "embed-sparql-file.png"))
        check_labels(frame, "sparql 390px", top=3)
        t.clean()


@pytest.mark.parametrize("path", ["/", "/id/chongqing-customs", "/query"])
def test_pages_that_are_not_embeds_refuse_to_be_framed(browser: Any, live_server: LiveServer, tmp_path: Path,
                                                       path: str) -> None:
    for parent in ("file", "http"):
        html = (f'<!doctype html><title>host</title>'
                f'<iframe src="{live_server.url}{path}" width="600" height="300"></iframe>')
        with tab(browser) as t:
            if parent == "file":
                page_file = tmp_path / "framing.html"
                page_file.write_text(html, encoding="utf-8")
                t.page.goto(page_file.as_uri())
                t.page.wait_for_timeout(1500)
                frames = [f.url for f in t.page.frames[1:]]
            else:
                with other_origin(tmp_path, html) as url:
                    t.page.goto(url)
                    t.page.wait_for_timeout(1500)
                    frames = [f.url for f in t.page.frames[1:]]
            # Chromium replaces a refused frame by its error page: none of ours is shown.
            assert frames and not any(u.startswith(live_server.url) for u in frames), (parent, frames)
            assert any("frame-ancestors" in e or "X-Frame-Options" in e for e in t.errors), t.errors


@pytest.mark.parametrize("width", [1280, 390])
def test_embed_details_panel_fits_and_closes(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                             width: int) -> None:
    """Clicking a node opens the details inside the frame (on a phone too), with its close button
    in reach; closing it gives the graph back. Nothing scrolls sideways."""
    with tab(browser, width=width, height=600) as t:
        t.page.goto(live_server.url + "/embed?focus=chengdu-customs&depth=1")
        t.page.wait_for_function(FITTED, timeout=30_000)
        x, y = t.page.evaluate("""() => { const v = window.coopgraphView, n = v.network;
            const p = n.canvasToDOM(n.getPositions(['chengdu-customs'])['chengdu-customs']);
            const r = n.body.container.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""")
        t.page.mouse.click(x, y)
        t.page.locator("#em-panel").wait_for(state="visible")
        assert t.page.locator("#em-panel-body h2").inner_text() == "Chengdu Customs"
        panel = t.page.evaluate(RECT, "#em-panel")
        close = t.page.evaluate(RECT, "#em-panel-close")
        assert panel["left"] >= 0 and panel["right"] <= width + 0.5 and panel["bottom"] <= 600.5
        assert close["left"] >= 0 and close["right"] <= width and close["top"] >= 0
        assert t.page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
        t.page.screenshot(path=str(artifacts_dir / f"embed-panel-{width}.png"))
        t.page.click("#em-panel-close")
        assert t.page.locator("#em-panel").is_hidden()
        t.clean()


# -- the view file ------------------------------------------------------------------------------
EDGE_POINT = """() => {
  const v = window.coopgraphView, n = v.network, r = n.body.container.getBoundingClientRect();
  for (const id of v.edgeView.getIds()) {
    const e = n.body.edges[id]; if (!e || !(v.edgeData(id).evidence || []).length) { continue; }
    const d = n.canvasToDOM(e.edgeType.getPoint(0.5));
    if (d.x < 10 || d.y < 10 || d.x > r.width - 10 || d.y > r.height - 10) { continue; }
    if (n.getNodeAt(d) === undefined && n.getEdgeAt(d) === id) { return [r.left + d.x, r.top + d.y, id]; }
  }
  return null; }"""


def open_view_file(t: Tab, store: Any, folder: Path, spec: Any) -> None:
    """The ``coopgraph view`` file of ``spec`` written to ``folder``, opened from disk, laid out and still."""
    from coopgraph.graph.network import project
    from coopgraph.graph.views import render_standalone_html

    out = folder / "view.html"
    out.write_text(render_standalone_html(project(store, base=DEFAULT_BASE), spec), encoding="utf-8")
    t.page.goto(out.as_uri())
    t.page.wait_for_function(DRAWN, timeout=30_000)
    settled = "() => window.coopgraphView.physics === false || window.coopgraphView.stabilizedMs"
    t.page.wait_for_function(settled, timeout=30_000)
    t.page.evaluate("() => window.coopgraphView.network.stopSimulation()")


@pytest.mark.parametrize("width", [1280, 390])
def test_view_file_shows_the_evidence_of_a_clicked_link_without_scrolling(
        browser: Any, seed_store: Any, tmp_path: Path, artifacts_dir: Path, width: int) -> None:
    """``coopgraph view`` of the whole graph (a legend of dozens of types): the evidence of a
    clicked link appears in view, above the (collapsible, bounded) legend."""
    from coopgraph.graph.views import ViewSpec

    with tab(browser, width=width, height=800) as t:
        open_view_file(t, seed_store, tmp_path, ViewSpec(height=700))
        t.page.wait_for_timeout(200)
        legend_types = t.page.locator("#cg-legend .cg-legend-item").count()
        assert legend_types > 20
        point = t.page.evaluate(EDGE_POINT)
        assert point, "no link to click"
        t.page.mouse.click(point[0], point[1])
        quote_box = t.page.locator("#cg-panel blockquote.evidence").first
        quote_box.wait_for()
        height = t.page.evaluate("() => innerHeight")
        assert t.page.evaluate("() => scrollY") == 0
        box = t.page.evaluate(RECT, "#cg-panel blockquote.evidence")
        panel = t.page.evaluate(RECT, "#cg-panel")
        assert box and 0 <= box["top"] and box["bottom"] <= height, (box, height)
        assert panel["top"] <= box["top"] and box["top"] + 16 <= panel["bottom"], (box, panel)
        # The legend, however long, stays within its bounded box below the panel.
        legend = t.page.evaluate(RECT, "#cg-legend-box")
        assert legend["top"] >= box["bottom"] - 1 and legend["bottom"] <= height
        t.page.screenshot(path=str(artifacts_dir / f"view-file-edge-{width}.png"))
        t.page.click("#cg-legend-box summary")
        opened = t.page.evaluate(RECT, "#cg-legend-box")
        assert opened["bottom"] - opened["top"] <= 0.45 * (t.page.evaluate(RECT, ".cg-side")["bottom"]
                                                            - t.page.evaluate(RECT, ".cg-side")["top"]) + 2
        assert t.page.evaluate(RECT, "#cg-panel")["bottom"] <= opened["top"] + 1
        t.clean()


@pytest.mark.parametrize("width", [1280, 390])
def test_view_file_names_the_focus_and_the_central_entities(browser: Any, seed_store: Any, tmp_path: Path,
                                                             artifacts_dir: Path, width: int) -> None:
    """``coopgraph view --focus chongqing-customs`` opened from disk: at the fitted view the
    entities have readable names (the labels the explorer draws, from the same script)."""
    from coopgraph.graph.views import ViewSpec

    with tab(browser, width=width, height=800) as t:
        open_view_file(t, seed_store, tmp_path, ViewSpec(focus="chongqing-customs", depth=2))
        boxes = check_labels(t.page, f"view file {width}px")
        assert len(boxes) >= 8
        t.page.screenshot(path=str(artifacts_dir / f"view-file-labels-{width}.png"))
        t.clean()
