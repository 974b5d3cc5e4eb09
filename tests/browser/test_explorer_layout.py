"""The explorer's layout in real Chromium, at 1280x800 and at a phone's 390x844.

The graph stays still when the details open and close, the community colours are named and in
view, suggestions are wide enough for long and Chinese names, and a phone gets the whole width for
the graph with every tool reachable. Screenshots land in the artifacts folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_explorer import Page
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="390")]


@contextmanager
def opened(browser: Any, size: dict[str, int]) -> Iterator[Page]:
    """A Page at ``size``; at phone width a touch device, as a phone's browser reports itself."""
    phone = size["width"] < 600
    page = Page(browser, size["width"], size["height"], is_mobile=phone, has_touch=phone)
    try:
        yield page
    finally:
        page.context.close()


def press(page: Any, selector: str, phone: bool) -> None:
    (page.tap if phone else page.click)(selector)


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not displayed"
    return dict(found)


def inside_viewport(b: dict[str, float], size: dict[str, int]) -> bool:
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= size["width"] + 0.5 \
        and b["y"] + b["height"] <= size["height"] + 0.5


def reachable(page: Any, selector: str) -> bool:
    """The element's centre hits the element itself (nothing covers it)."""
    return bool(page.evaluate("""(sel) => {
        const e = document.querySelector(sel), r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !!hit && (hit === e || e.contains(hit)); }""", selector))


# -- item 6: the graph stays where it is when the details open and close ------------------------
@pytest.mark.parametrize("size", SIZES)
def test_details_panel_leaves_the_graph_still(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                              size: dict[str, int]) -> None:
    phone = size["width"] < 600
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/")
        p.settle()
        canvas = box(page, "#xp-graph")
        nodes = ["chongqing-customs", "chengdu-customs", "chongqing", "singapore"]
        before = {n: p.node_point(n) for n in nodes}
        (page.touchscreen.tap if phone else page.mouse.click)(*before["chongqing-customs"])
        page.locator("#xp-panel").wait_for(state="visible")
        assert page.locator("#xp-panel-body h2").inner_text() == "Chongqing Customs"
        page.wait_for_timeout(1200)  # vis notices a resized container within a second
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-panel.png"))
        assert box(page, "#xp-graph") == canvas
        opened_at = {n: p.node_point(n) for n in nodes}
        press(page, "#xp-panel-close", phone)
        page.locator("#xp-panel").wait_for(state="hidden")
        page.wait_for_timeout(1200)
        closed_at = {n: p.node_point(n) for n in nodes}
        for n in nodes:
            for moved in (opened_at[n], closed_at[n]):
                assert abs(moved[0] - before[n][0]) < 2 and abs(moved[1] - before[n][1]) < 2, (n, before[n], moved)
        p.clean()


# -- item 9: communities named, the key in view and off the nodes --------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_community_key_names_the_communities_in_view(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                                     size: dict[str, int]) -> None:
    names = {c["id"]: c["name"] for c in
             httpx.get(live_server.url + "/api/communities", timeout=30).json()["communities"]}
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/?colour=community")
        page.wait_for_timeout(600)
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-communities.png"))
        drawn = page.evaluate("() => [...new Set(window.coopgraphView.nodes.get().map(n => n.data.community))]")
        items = page.locator("#xp-key li")
        shown = {int(items.nth(i).get_attribute("data-community") or -1): items.nth(i).locator(".cg-legend-label")
                 .inner_text() for i in range(items.count())}
        assert shown == {c: names[c] for c in drawn if c is not None}
        assert "Liangjiang New Area" in shown.values()
        key, canvas = box(page, "#xp-key"), box(page, "#xp-graph")
        assert inside_viewport(key, size) and page.locator("#xp-key li").first.is_visible()
        assert key["y"] + key["height"] <= canvas["y"] + 0.5, "the key covers the canvas"
        # The sidebar no longer repeats them, numbered, below everything else.
        assert page.locator("#xp-legend .cg-communities").count() == 0
        p.clean()


# -- item 11: suggestions wide enough, names unbroken -------------------------------------------
WORDS_ON_ONE_LINE = """(list) => {
    // Every word of a label, and every Chinese name as a whole, lies on one line (one client rect).
    const broken = [];
    const lines = (node, start, end) => { const r = document.createRange(); r.setStart(node, start); r.setEnd(node, end);
        return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size; };
    for (const li of document.querySelectorAll(list + ' li[role=option]')) {
        const zh = li.querySelector('.zh');
        if (zh && lines(zh.firstChild, 0, zh.textContent.length) !== 1) { broken.push(zh.textContent); }
        const label = li.querySelector('.label'), text = label.firstChild.textContent;
        for (const m of text.matchAll(/\\S+/g)) {
            if (lines(label.firstChild, m.index, m.index + m[0].length) !== 1) { broken.push(m[0]); }
        }
    }
    return broken; }"""


@pytest.mark.parametrize("size", SIZES)
def test_suggestions_fit_long_and_chinese_names(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                                size: dict[str, int]) -> None:
    phone = size["width"] < 600
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/")
        if phone:
            press(page, "#xp-side-open", phone)
        page.fill("#xp-q", "重庆")
        page.wait_for_selector("#xp-q-list li[role=option]")
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-suggestions.png"))
        assert page.locator("#xp-q-list li[role=option]").count() >= 5
        assert page.evaluate(WORDS_ON_ONE_LINE, "#xp-q-list") == []
        listed = box(page, "#xp-q-list")
        assert inside_viewport(listed, size)
        assert listed["width"] >= min(520, size["width"] - 16), "as wide as the names need, not the sidebar"
        # Not clipped by the sidebar: its right-hand options are on top where they are drawn.
        assert page.evaluate("""() => {
            const l = document.getElementById('xp-q-list'), r = l.getBoundingClientRect();
            const hit = document.elementFromPoint(r.right - 12, r.top + 12); return l.contains(hit); }""")
        p.clean()


# -- item 13: a phone -----------------------------------------------------------------------------
def test_the_explorer_on_a_phone(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    with opened(browser, PHONE) as p:
        page = p.open(live_server.url + "/")
        page.wait_for_timeout(600)
        page.screenshot(path=str(artifacts_dir / "layout-390-default.png"))
        assert box(page, "#xp-graph")["width"] >= 0.9 * PHONE["width"]
        assert not page.locator("#xp-q").is_visible(), "the sidebar waits in its drawer"
        controls = page.locator(".xp-toolbar button:visible, .xp-toolbar summary:visible")
        assert controls.count() >= 5
        for i in range(controls.count()):
            c = controls.nth(i)
            b = c.bounding_box()
            assert b and inside_viewport(b, PHONE), (c.inner_text(), b)
            assert b["height"] >= 40 and b["width"] >= 40, (c.inner_text(), b)
            assert page.evaluate("""(e) => { const r = e.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return !!hit && (hit === e || e.contains(hit)); }""", c.element_handle()), c.inner_text()
        # Search from the drawer: picking an entity closes it and focuses the graph on it.
        press(page, "#xp-side-open", True)
        page.locator("#xp-q").wait_for(state="visible")
        page.wait_for_function("() => document.getElementById('xp-side').getBoundingClientRect().left >= 0")  # slid in
        assert inside_viewport(box(page, "#xp-side"), PHONE) and reachable(page, "#xp-q")
        page.fill("#xp-q", "Chengdu Cust")
        page.wait_for_selector("#xp-q-list li[role=option]")
        page.locator("#xp-q-list li[role=option]").first.tap()
        page.wait_for_function("() => window.coopgraphView.focus === 'chengdu-customs' && window.coopgraphView.firstDrawMs")
        page.wait_for_function("() => getComputedStyle(document.getElementById('xp-side')).visibility === 'hidden'")
        # The focus's details are open: close them, then tap another node for its details.
        page.wait_for_timeout(300)
        if page.locator("#xp-panel").is_visible():
            page.tap("#xp-panel-close")
        p.settle()
        page.touchscreen.tap(*p.node_point("chongqing-customs"))
        page.locator("#xp-panel").wait_for(state="visible")
        assert page.locator("#xp-panel-body h2").inner_text() == "Chongqing Customs"
        panel = box(page, "#xp-panel")
        assert inside_viewport(panel, PHONE) and panel["width"] >= 0.9 * PHONE["width"]
        assert reachable(page, "#xp-panel-close") and box(page, "#xp-panel-close")["height"] >= 40
        page.screenshot(path=str(artifacts_dir / "layout-390-details.png"))
        p.clean()


def test_site_header_and_toolbar_fit_the_phone(browser: Any, live_server: LiveServer) -> None:
    with opened(browser, PHONE) as p:
        page = p.open(live_server.url + "/")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert box(page, ".xp-toolbar")["height"] < 140
        p.clean()



# -- item 6, follow-up: the panel opens away from the node clicked ---------------------------------
PLACE_NODE = """([id, x, y]) => {
    // Pan (as a reader would) so that node ``id`` is drawn at page point (x, y).
    const net = window.coopgraphView.network, r = net.body.container.getBoundingClientRect();
    const at = net.getPositions([id])[id], scale = net.getScale(), centre = net.getViewPosition();
    const p = net.canvasToDOM(at);
    net.moveTo({ position: { x: centre.x + (p.x - (x - r.left)) / scale, y: centre.y + (p.y - (y - r.top)) / scale },
                 scale: scale, animation: false }); }"""


def under_panel_spot(page: Any, size: dict[str, int]) -> tuple[float, float]:
    """A point of the canvas that the panel covers where it opens by default (right side; a phone's
    bottom sheet), as far into it as a node is likely to be: 150 px from the canvas's edge."""
    canvas = box(page, "#xp-graph")
    if size["width"] < 600:
        return canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] - 150
    return canvas["x"] + canvas["width"] - 150, canvas["y"] + canvas["height"] / 2


def contains(b: dict[str, float], point: tuple[float, float]) -> bool:
    return b["x"] <= point[0] <= b["x"] + b["width"] and b["y"] <= point[1] <= b["y"] + b["height"]


@pytest.mark.parametrize("size", SIZES)
def test_details_open_away_from_the_clicked_node(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                                 size: dict[str, int]) -> None:
    phone = size["width"] < 600
    click = (lambda p, xy: p.page.touchscreen.tap(*xy)) if phone else (lambda p, xy: p.page.mouse.click(*xy))
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1")
        p.settle()
        if page.locator("#xp-panel").is_visible():  # the focus's own details: start with none open
            press(page, "#xp-panel-close", phone)
        page.evaluate(PLACE_NODE, ["chongqing-customs", *under_panel_spot(page, size)])
        page.wait_for_timeout(150)
        nodes = page.evaluate("() => window.coopgraphView.nodes.getIds()")
        before = {n: p.node_point(n) for n in nodes}
        click(p, before["chongqing-customs"])
        page.locator("#xp-panel").wait_for(state="visible")
        assert page.locator("#xp-panel-body h2").inner_text() == "Chongqing Customs"
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-panel-away.png"))
        panel = box(page, "#xp-panel")
        assert not contains(panel, p.node_point("chongqing-customs")), (panel, p.node_point("chongqing-customs"))
        assert reachable_point(page, p.node_point("chongqing-customs"), "#xp-graph")
        for n in nodes:  # the graph stayed where it was
            after = p.node_point(n)
            assert abs(after[0] - before[n][0]) < 2 and abs(after[1] - before[n][1]) < 2, (n, before[n], after)
        # Another node where the panel usually opens: the open panel stays where it is (no jumping
        # about while it covers nothing clicked).
        other = "cq-cd-customs-memorandum"
        page.evaluate(PLACE_NODE, [other, *under_panel_spot(page, size)])
        page.wait_for_timeout(150)
        click(p, p.node_point(other))
        page.wait_for_function("() => document.querySelector('#xp-panel-body h2').textContent !== 'Chongqing Customs'")
        assert box(page, "#xp-panel") == panel and not contains(panel, p.node_point(other))
        p.clean()


@pytest.mark.parametrize("size", SIZES)
def test_double_click_expands_a_node_where_the_panel_opens(browser: Any, live_server: LiveServer,
                                                           size: dict[str, int]) -> None:
    phone = size["width"] < 600
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1")
        p.settle()
        if page.locator("#xp-panel").is_visible():
            press(page, "#xp-panel-close", phone)
        page.evaluate(PLACE_NODE, ["chongqing-customs", *under_panel_spot(page, size)])
        page.wait_for_timeout(150)
        expand_by_double_click(p, "chongqing-customs", phone)
        assert "x=chongqing-customs" in page.url
        p.clean()


def expand_by_double_click(p: Page, node_id: str, phone: bool) -> None:
    """Double-click (a phone: tap twice) the node, and wait until the view has more nodes."""
    page = p.page
    count = page.evaluate("() => window.coopgraphView.nodes.length")
    point = p.node_point(node_id)
    if phone:
        page.touchscreen.tap(*point)
        page.touchscreen.tap(*point)
    else:
        page.mouse.dblclick(*point)
    page.wait_for_function(f"() => window.coopgraphView.nodes.length > {count}", timeout=15_000)


def reachable_point(page: Any, point: tuple[float, float], selector: str) -> bool:
    """What is drawn at ``point`` belongs to ``selector`` (no panel over it)."""
    return bool(page.evaluate("""([x, y, sel]) => {
        const hit = document.elementFromPoint(x, y); return !!hit && document.querySelector(sel).contains(hit); }""",
                              [point[0], point[1], selector]))


# -- a click on the graph draws no focus ring round it (keyboard focus still does) ----------------------
FOCUS_RING = """() => { const a = document.activeElement, s = getComputedStyle(a);
    return [a.className, s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0]; }"""


@pytest.mark.parametrize("size", SIZES)
def test_clicking_the_graph_draws_no_focus_ring(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                                size: dict[str, int]) -> None:
    phone = size["width"] < 600
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/?focus=chongqing-customs&depth=1")
        p.settle()
        point = p.node_point("chongqing-customs")
        (page.touchscreen.tap if phone else page.mouse.click)(*point)
        page.locator("#xp-panel").wait_for(state="visible")
        page.wait_for_timeout(200)
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-clicked.png"))
        assert page.evaluate(FOCUS_RING) == ["vis-network", False]
        # From the keyboard, the same frame is ringed.
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_RING) == ["vis-network", True]
        p.clean()


# -- labels: none cut off by the details panel, none too small to read -----------------------------
@pytest.mark.parametrize("size", SIZES)
def test_labels_keep_off_the_details_panel(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                           size: dict[str, int]) -> None:
    phone = size["width"] < 600
    with opened(browser, size) as p:
        page = p.open(live_server.url + "/?focus=chongqing-customs&depth=1")
        p.settle()
        if not page.locator("#xp-panel").is_visible():
            (page.touchscreen.tap if phone else page.mouse.click)(*p.node_point("chongqing-customs"))
        page.locator("#xp-panel").wait_for(state="visible")
        panel, canvas = box(page, "#xp-panel"), box(page, "#xp-graph")
        # A labelled entity just off the panel's edge: where its label would usually go, the panel is.
        if phone:  # a sheet at the top or the bottom
            at_start = panel["y"] <= canvas["y"] + 1
            edge = (panel["x"] + panel["width"] / 2, panel["y"] + panel["height"] + 14 if at_start else panel["y"] - 14)
        else:
            at_start = panel["x"] <= canvas["x"] + 1
            edge = (panel["x"] + panel["width"] + 25 if at_start else panel["x"] - 25, panel["y"] + panel["height"] / 2)
        page.evaluate(PLACE_NODE, ["chengdu-customs", *edge])
        page.wait_for_timeout(250)
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-labels-panel.png"))
        drawn = page.evaluate("() => window.coopgraphView.labelsDrawn")
        assert len(drawn) >= 3
        assert "chengdu-customs" in {b["id"] for b in drawn}, "it finds a place beside the panel"
        px, py = panel["x"] - canvas["x"], panel["y"] - canvas["y"]
        for b in drawn:
            apart = (b["x"] + b["w"] <= px or px + panel["width"] <= b["x"]
                     or b["y"] + b["h"] <= py or py + panel["height"] <= b["y"])
            assert apart, (b, panel)
        p.clean()


RECORD_TEXT = """() => {
    // Every text the page draws on a canvas: its size in CSS pixels on screen, and its opacity.
    window.__texts = [];
    const record = (ctx, text) => {
        const px = parseFloat((ctx.font.match(/([\\d.]+)px/) || [0, 0])[1]);
        const t = ctx.getTransform(), onScreen = px * Math.hypot(t.a, t.b) / window.devicePixelRatio;
        const rgba = String(ctx.fillStyle).match(/rgba\\([^)]*,\\s*([\\d.]+)\\)/);
        window.__texts.push({ text: String(text), px: onScreen, alpha: ctx.globalAlpha * (rgba ? parseFloat(rgba[1]) : 1) });
    };
    for (const name of ['fillText', 'strokeText']) {
        const original = CanvasRenderingContext2D.prototype[name];
        CanvasRenderingContext2D.prototype[name] = function (text, ...rest) { record(this, text); return original.call(this, text, ...rest); };
    }
}"""


def drawn_text(page: Any, scale: float) -> list[dict[str, Any]]:
    page.evaluate("""(scale) => { window.__texts = []; const net = window.coopgraphView.network;
        net.moveTo({ scale: scale, animation: false }); net.redraw(); }""", scale)
    page.wait_for_timeout(200)
    return [t for t in page.evaluate("() => window.__texts") if t["alpha"] > 0.05 and t["text"].strip()]


def test_no_text_on_the_graph_too_small_to_read(browser: Any, live_server: LiveServer) -> None:
    with opened(browser, DESKTOP) as p:
        p.page.add_init_script(f"({RECORD_TEXT})()")
        page = p.open(live_server.url + "/?focus=chongqing-customs&depth=1")
        p.settle()
        edge_labels = set(page.evaluate("() => window.coopgraphView.edges.get().map(e => e.label).filter(Boolean)"))
        for scale in (0.5, 0.75, 0.85):  # fitted views of a focus and of the whole graph
            small = [t for t in drawn_text(page, scale) if t["px"] < 9]
            assert small == [], (scale, small[:5])
        zoomed = drawn_text(page, 1.6)  # zoomed in: the relations are named, readable
        assert {t["text"] for t in zoomed} & edge_labels
        assert min(t["px"] for t in zoomed) >= 9
        p.clean()


# -- fitting (a view opened with its details, a path found, the Fit button) keeps clear of the panel --
NODE_POINTS = """() => { const v = window.coopgraphView, net = v.network, r = net.body.container.getBoundingClientRect();
    const at = net.getPositions(v.nodeView.getIds());
    return Object.fromEntries(Object.entries(at).map(([id, p]) => { const d = net.canvasToDOM(p); return [id, [r.left + d.x, r.top + d.y]]; })); }"""


AWAIT_FIT = """() => { window.__fitted = false;
    window.coopgraphView.network.once('animationFinished', () => { window.__fitted = true; }); }"""


def under_panel(page: Any, ids: list[str] | None = None) -> list[str]:
    """The entities (all shown, or ``ids``) drawn under the details panel or off the canvas."""
    panel, canvas = box(page, "#xp-panel"), box(page, "#xp-graph")
    points = page.evaluate(NODE_POINTS)
    return [n for n, xy in points.items() if (ids is None or n in ids)
            and (contains(panel, xy) or not contains(canvas, xy))]


@pytest.mark.parametrize("size", SIZES)
def test_fitting_keeps_clear_of_the_details_panel(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                                  size: dict[str, int]) -> None:
    phone = size["width"] < 600
    with opened(browser, size) as p:
        # A link with an entity's details open: the view is fitted beside them.
        page = p.open(live_server.url + "/?focus=chengdu-customs&node=chongqing-customs")
        page.locator("#xp-panel").wait_for(state="visible")
        page.wait_for_function("() => window.coopgraphView.restored")
        assert under_panel(page) == []
        # A path found: its entities are fitted there too, the one added for it included.
        if phone:
            press(page, "#xp-side-open", phone)
        for field, text in (("#xp-from", "Chengdu Customs"), ("#xp-to", "Singapore")):
            page.fill(field, text)
            page.wait_for_selector(f"{field}-list li[role=option]")
            page.keyboard.press("Enter")
        page.evaluate(AWAIT_FIT)
        press(page, "#xp-path-go", phone)
        page.wait_for_selector("#xp-paths .xp-hop")
        page.wait_for_function("() => window.__fitted")  # after the added entity's short layout run
        if phone:
            press(page, "#xp-side-close", phone)
            page.wait_for_function("() => getComputedStyle(document.getElementById('xp-side')).visibility === 'hidden'")
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-path-beside-panel.png"))
        on_path = page.evaluate("() => window.coopgraphView.nodes.get().filter(n => n.borderWidth === 4).map(n => n.id)")
        assert "singapore" in on_path and len(on_path) >= 3
        assert under_panel(page, on_path) == []
        # Fit: the whole view, beside the panel.
        page.evaluate("() => window.coopgraphView.network.moveTo({ scale: 3, animation: false })")
        page.evaluate(AWAIT_FIT)
        press(page, "#xp-fit", phone)
        page.wait_for_function("() => window.__fitted")
        page.screenshot(path=str(artifacts_dir / f"layout-{size['width']}-fit-beside-panel.png"))
        assert under_panel(page) == []
        p.clean()


def test_an_entity_added_for_a_path_lies_beside_its_neighbour(browser: Any, live_server: LiveServer,
                                                              artifacts_dir: Path) -> None:
    with opened(browser, DESKTOP) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1&layout=hierarchical"
                      "&from=chengdu-customs&to=singapore")
        page.wait_for_selector("#xp-paths .xp-hop")
        page.wait_for_function("() => window.coopgraphView.restored")
        page.screenshot(path=str(artifacts_dir / "layout-1280-path-hierarchy.png"))
        # Singapore was not in the view: it is drawn clear of every other entity, not on the focus.
        clash = page.evaluate("""() => { const v = window.coopgraphView, net = v.network, at = net.getPositions();
            const s = at['singapore'], rs = v.nodes.get('singapore').size || 16;
            return Object.entries(at).filter(([id, q]) => id !== 'singapore'
                && Math.hypot(q.x - s.x, q.y - s.y) < rs + (v.nodes.get(id).size || 16)).map(([id]) => id); }""")
        assert clash == []
        p.clean()


def test_no_hover_tooltip_left_over_the_graph_after_a_tap(browser: Any, live_server: LiveServer,
                                                          artifacts_dir: Path) -> None:
    with opened(browser, PHONE) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1")
        p.settle()
        page.touchscreen.tap(*p.node_point("chongqing-customs"))
        page.locator("#xp-panel").wait_for(state="visible")
        page.wait_for_timeout(600)  # vis shows its tooltip 120 ms after a hover
        page.screenshot(path=str(artifacts_dir / "layout-390-tapped.png"))
        assert page.locator("div.vis-tooltip:visible").count() == 0
        p.clean()


def test_double_click_expands_on_a_busy_page(browser: Any, live_server: LiveServer) -> None:
    """A first click whose handling takes half a second (a slow phone, a loaded machine) still makes
    a double-click with the second: the expansion happens, once. (Desktop only: Playwright's second
    tap waits for the page to take the first, so it cannot tap twice quickly on a busy page.)"""
    with opened(browser, DESKTOP) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1")
        p.settle()
        page.evaluate("""() => window.coopgraphView.network.on('click', () => {
            const start = performance.now(); while (performance.now() - start < 500) { /* busy */ } })""")
        expand_by_double_click(p, "chongqing-customs", phone=False)
        page.wait_for_timeout(1200)
        assert page.locator("#xp-toast").inner_text().startswith("Added")
        assert page.url.count("chongqing-customs") >= 1 and "x=chongqing-customs" in page.url
        p.clean()
