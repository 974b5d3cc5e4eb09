"""The explorer's state in real Chromium: links that restore the view, labels that read, counts that
say what the filters hide, refused inverted periods, and names typed in full.

Screenshots land in the artifacts folder (``explorer-state-*.png``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.browser.test_explorer import Page, opened, seed_server_with, visible_count
from tests.conftest import LiveServer, SeedBuild

pytestmark = pytest.mark.browser

# The page has drawn its view and replayed what its link asks for (expansions, path, zoom).
RESTORED = "() => window.coopgraphView && window.coopgraphView.restored === true"


def open_restored(p: Page, url: str) -> Any:
    p.page.goto(url)
    p.page.wait_for_function(RESTORED, timeout=30_000)
    return p.page


def snapshot(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("""() => {
        const v = window.coopgraphView, chosen = document.querySelector('.xp-path-choice[aria-pressed=true]');
        return { ids: v.nodes.getIds().sort(), scale: v.network.getScale(), centre: v.network.getViewPosition(),
                 path: chosen ? chosen.textContent : null, counts: document.querySelector('#xp-counts').textContent,
                 panel: document.querySelector('#xp-panel').hidden ? null
                        : document.querySelector('#xp-panel-body h2').textContent }; }"""))


# -- item 7: the link restores the view -----------------------------------------------------------
def test_copied_link_restores_expansions_path_and_zoom(browser: Any, live_server: LiveServer,
                                                        artifacts_dir: Path) -> None:
    with opened(browser) as p:
        p.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page = open_restored(p, live_server.url + "/?focus=chengdu-customs&depth=1")
        first = page.evaluate("() => window.coopgraphView.nodes.length")
        # Expand two entities: one by double-clicking it, one with its panel's button.
        for node, how in (("chongqing-customs", "double-click"), ("chengdu", "button")):
            before = page.evaluate("() => window.coopgraphView.nodes.length")
            if page.locator("#xp-panel").is_visible():  # the details panel lies over part of the graph
                page.click("#xp-panel-close")
            page.wait_for_timeout(900)  # the layout settles around what the last expansion added
            p.settle()
            if how == "double-click":
                page.mouse.dblclick(*p.node_point(node))
            else:
                page.mouse.click(*p.node_point(node))
                page.locator("#xp-panel-body button", has_text="Show neighbours").click()
            page.wait_for_function(f"() => window.coopgraphView.nodes.length > {before}", timeout=15_000)
        page.wait_for_timeout(600)  # the layout settles around the new entities
        expanded = page.evaluate("() => window.coopgraphView.nodes.length")
        assert expanded > first + 10
        for field, slug in (("#xp-from", "chengdu-customs"), ("#xp-to", "singapore")):
            page.fill(field, "Chengdu Customs" if slug == "chengdu-customs" else "Singapore")
            page.wait_for_selector(f"{field}-list li[role=option]")
            page.keyboard.press("Enter")
        page.click("#xp-path-go")
        choices = page.locator(".xp-path-choice")
        choices.first.wait_for()
        assert choices.count() >= 2
        choices.nth(1).click()
        page.wait_for_function("() => document.querySelector('.xp-paths .muted').textContent.startsWith('Path 2 of')")
        page.wait_for_timeout(700)  # the fit to the path
        # Zoom out with the wheel over the canvas, then pan.
        box = page.locator("#xp-graph").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, 250)
        page.wait_for_timeout(400)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 + 30, steps=5)
        page.mouse.up()
        page.wait_for_timeout(300)
        page.click("#xp-link")
        page.wait_for_timeout(200)
        link = page.evaluate("() => navigator.clipboard.readText()")
        mine = snapshot(page)
        page.screenshot(path=str(artifacts_dir / "explorer-state-link-before.png"))
        assert len(link) < 500, link
        query = parse_qs(urlparse(link).query)
        assert query["x"] == ["chongqing-customs,chengdu"] and query["path"] == ["2"] and "at" in query

        other = p.context.new_page()
        other.goto(link)
        other.wait_for_function(RESTORED, timeout=30_000)
        theirs = snapshot(other)
        other.screenshot(path=str(artifacts_dir / "explorer-state-link-after.png"))
        assert theirs["ids"] == mine["ids"] and len(theirs["ids"]) >= expanded  # (the path may add some)
        assert theirs["path"] == mine["path"] and mine["path"]
        assert abs(theirs["scale"] / mine["scale"] - 1) < 0.05
        for axis in ("x", "y"):  # the same place: within 5% of the canvas width, in graph units
            assert abs(theirs["centre"][axis] - mine["centre"][axis]) < 0.05 * box["width"] / mine["scale"]
        assert theirs["counts"] == mine["counts"] and theirs["panel"] == mine["panel"]
        p.clean()


def test_long_type_filters_stay_short_and_restore(browser: Any, live_server: LiveServer) -> None:
    with opened(browser) as p:
        page = open_restored(p, live_server.url + "/")
        types = page.evaluate("() => [...document.querySelectorAll('.cg-legend-item[data-type]')].map(b => b.dataset.type)")
        assert len(types) > 12
        for t in types[:3]:  # hide three: the link lists the other types, each by a unique prefix
            page.locator(f".cg-legend-item[data-type='{t}']").click()
        shown = visible_count(page)
        url = page.url
        assert len(url) < 500, url
        assert all(t not in parse_qs(urlparse(url).query)["types"][0].split(",") for t in types[:3])
        page.goto(url)
        page.wait_for_function(RESTORED)
        assert visible_count(page) == shown
        pressed = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('.cg-legend-item[data-type]')]"
                                ".map(b => [b.dataset.type, b.getAttribute('aria-pressed')]))")
        assert all(pressed[t] == "false" for t in types[:3])
        assert all(pressed[t] == "true" for t in types[3:])
        # Exports and embeds name the types in full (the server knows no prefixes).
        href = page.locator("#xp-export a[data-format='graphml']").get_attribute("href")
        sent = parse_qs(urlparse(href).query)["types"][0].split(",")
        assert set(sent) == set(types[3:]) | {t for t in sent if t not in types}
        p.clean()


# -- item 8: labels that read at every zoom -------------------------------------------------------
def labels(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("() => window.coopgraphView.labelsDrawn || []"))


def assert_no_overlap(boxes: list[dict[str, Any]]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                     or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
            assert apart, (a, b)


@pytest.mark.parametrize("width", [1280, 390])
def test_labels_of_the_whole_graph_read_and_do_not_overlap(browser: Any, live_server: LiveServer,
                                                           artifacts_dir: Path, width: int) -> None:
    data = httpx.get(live_server.url + "/api/view", timeout=30).json()
    central = [n["id"] for n in sorted(data["nodes"], key=lambda n: -n["measures"]["degree"])]
    with opened(browser, width=width, height=800 if width > 400 else 844) as p:
        page = open_restored(p, live_server.url + "/")
        page.wait_for_timeout(300)
        fitted = labels(page)
        page.screenshot(path=str(artifacts_dir / f"explorer-state-labels-{width}.png"))
        assert_no_overlap(fitted)
        drawn = {b["id"]: b for b in fitted}
        top = central[:10] if width > 400 else central[:5]
        assert all(n in drawn and drawn[n]["px"] >= 11 for n in top), [n for n in top if n not in drawn]
        assert all(b["px"] >= 11 for b in fitted)
        # Zoomed in on the busy centre, more of the entities on screen have their label.
        def share(boxes: list[dict[str, Any]]) -> float:
            on_screen = page.evaluate("""() => { const v = window.coopgraphView, net = v.network;
                const c = net.body.container, w = c.clientWidth, h = c.clientHeight;
                return v.nodeView.getIds().filter(id => { const p = net.canvasToDOM(net.getPositions([id])[id]);
                    return p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h; }).length; }""")
            return len(boxes) / max(on_screen, 1)
        before = share(fitted)
        page.evaluate("() => { const net = window.coopgraphView.network; net.moveTo({ scale: net.getScale() * 3, animation: false }); }")
        page.wait_for_timeout(200)
        zoomed = labels(page)
        assert_no_overlap(zoomed)
        assert share(zoomed) > before
        assert {b["id"] for b in zoomed} - set(drawn)  # labels that had no room before
        assert all(b["px"] <= 13 for b in zoomed)  # the same size on screen at every zoom
        page.screenshot(path=str(artifacts_dir / f"explorer-state-labels-zoomed-{width}.png"))
        p.clean()


@pytest.mark.parametrize("name,url", [
    ("depth2", "/?focus=chongqing-customs&depth=2"),
    ("expanded", "/?focus=chengdu-customs&depth=1&x=chongqing-customs,chengdu,chongqing"),
    ("hierarchy", "/?layout=hierarchical"),
    ("hierarchy-depth2", "/?focus=chongqing-customs&depth=2&layout=hierarchical"),
])
def test_labels_read_on_focused_expanded_and_hierarchical_views(browser: Any, live_server: LiveServer,
                                                                  artifacts_dir: Path, name: str, url: str) -> None:
    with opened(browser) as p:
        page = open_restored(p, live_server.url + url)
        page.wait_for_timeout(300)
        boxes = labels(page)
        page.screenshot(path=str(artifacts_dir / f"explorer-state-labels-{name}.png"))
        assert_no_overlap(boxes)
        assert len(boxes) >= 20 and all(b["px"] >= 11 for b in boxes)
        if name.startswith("hierarchy"):
            # Columns far enough apart on screen for a label beside each node.
            xs = sorted({round(x) for x in page.evaluate("""() => { const net = window.coopgraphView.network;
                return Object.values(net.getPositions()).map(q => net.canvasToDOM(q).x); }""")})
            gaps = [b - a for a, b in zip(xs, xs[1:]) if b - a > 5]
            assert gaps and min(gaps) >= 170, gaps
        p.clean()


# -- item 10: counts and periods ------------------------------------------------------------------
def test_count_says_what_the_filters_hide(browser: Any, live_server: LiveServer) -> None:
    data = httpx.get(live_server.url + "/api/view", timeout=30).json()
    total = len(data["nodes"])
    industry = sum(1 for n in data["nodes"] if n["type"] == "Industry")
    assert industry
    with opened(browser) as p:
        page = open_restored(p, live_server.url + "/")
        assert page.locator("#xp-counts").inner_text().startswith(f"{total} of {data['counts']['graph_nodes']} entities")
        page.locator(".cg-legend-item[data-type='Industry']").click()
        expected = f"{total - industry} of {total} shown; {industry} hidden by filters"
        assert page.locator("#xp-counts").inner_text().startswith(expected)
        page.reload()
        page.wait_for_function(RESTORED)
        assert page.locator("#xp-counts").inner_text().startswith(expected)
        p.clean()


def test_an_inverted_period_is_refused_with_a_message(browser: Any, live_server: LiveServer) -> None:
    with opened(browser) as p:
        page = open_restored(p, live_server.url + "/")
        total = visible_count(page)
        page.fill("#xp-since", "2019-06-01")
        page.dispatch_event("#xp-since", "change")
        applied = visible_count(page)
        page.fill("#xp-until", "2019-01-01")
        page.dispatch_event("#xp-until", "change")
        message = page.locator("#xp-period-error")
        assert message.is_visible() and "after" in message.inner_text()
        assert visible_count(page) == applied and "until=" not in page.url
        # Put right, the message goes and the period applies.
        page.fill("#xp-until", "2019-12-31")
        page.dispatch_event("#xp-until", "change")
        assert message.is_hidden() and "until=2019-12-31" in page.url
        # A link with an inverted period draws the graph, says why the period is not applied.
        page = open_restored(p, live_server.url + "/?since=2020-01-01&until=2019-01-01")
        assert page.locator("#xp-period-error").is_visible()
        assert visible_count(page) == total
        p.errors = [e for e in p.errors if "status of 400" not in e]  # the server refuses it too
        p.clean()


# -- item 11: names typed in full ---------------------------------------------------------------
def test_path_finder_resolves_names_typed_in_full(browser: Any, live_server: LiveServer,
                                                  artifacts_dir: Path) -> None:
    with opened(browser) as p:
        page = open_restored(p, live_server.url + "/")
        # Chinese label and odd case/spacing, no suggestion picked.
        page.fill("#xp-from", "成都海关")
        page.fill("#xp-to", "  singapore ")
        page.click("#xp-path-go")
        page.wait_for_selector("#xp-paths .xp-hop")
        query = parse_qs(urlparse(page.url).query)
        assert query["from"] == ["chengdu-customs"] and query["to"] == ["singapore"]
        assert "Pick two entities" not in page.locator("#xp-paths").inner_text()
        # A name that is no entity's: said so, with what it could be.
        page.fill("#xp-to", "Chengdu Custom")
        page.click("#xp-path-go")
        page.wait_for_function("() => document.querySelector('#xp-paths').textContent.includes('No entity named')")
        text = page.locator("#xp-paths").inner_text()
        assert "No entity named “Chengdu Custom”; did you mean Chengdu Customs" in text
        page.screenshot(path=str(artifacts_dir / "explorer-state-typed-none.png"))
        p.clean()


def test_search_box_resolves_a_name_typed_in_full(browser: Any, live_server: LiveServer) -> None:
    with opened(browser) as p:
        page = open_restored(p, live_server.url + "/")
        page.fill("#xp-q", "chongqing  customs")
        page.keyboard.press("Enter")  # at once: before any suggestion is shown
        page.wait_for_function("() => window.coopgraphView.focus === 'chongqing-customs'")
        assert parse_qs(urlparse(page.url).query)["focus"] == ["chongqing-customs"]
        p.clean()


@pytest.fixture(scope="module")
def twin_server(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seed graph plus a second entity also called "Chengdu Customs" (an alias)."""
    twin = "https://coopgraph.org/id/chengdu-customs-hall"
    extra = (f"<{twin}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://coopgraph.org/ontology#Platform> .\n"
             f"<{twin}> <http://www.w3.org/2000/01/rdf-schema#label> {json.dumps('Chengdu Customs Hall')}@en .\n"
             f"<{twin}> <http://www.w3.org/2004/02/skos/core#altLabel> \"chengdu customs\"@en .\n"
             f"<{twin}> <https://coopgraph.org/ontology#cooperatesWith> <https://coopgraph.org/id/chengdu-customs> .\n")
    yield from seed_server_with(seed_build, tmp_path_factory, "twin", extra)


def test_a_name_of_two_entities_asks_which(browser: Any, twin_server: LiveServer, artifacts_dir: Path) -> None:
    with opened(browser) as p:
        page = open_restored(p, twin_server.url + "/")
        page.fill("#xp-from", "Chengdu Customs")
        page.fill("#xp-to", "Singapore")
        page.click("#xp-path-go")
        page.wait_for_function("() => document.querySelector('#xp-paths').textContent.includes('which one')")
        assert "“Chengdu Customs” names 2 entities: which one?" in page.locator("#xp-paths").inner_text()
        options = page.locator("#xp-from-list li[role=option]:not([aria-disabled])")
        assert sorted(options.locator(".label").all_inner_texts()) == ["Chengdu Customs", "Chengdu Customs Hall"]
        page.screenshot(path=str(artifacts_dir / "explorer-state-typed-twins.png"))
        options.filter(has_text="Chengdu Customs Hall").first.dispatch_event("mousedown")
        page.click("#xp-path-go")
        page.wait_for_selector("#xp-paths .xp-hop")
        assert parse_qs(urlparse(page.url).query)["from"] == ["chengdu-customs-hall"]
        p.clean()
