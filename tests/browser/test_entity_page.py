"""The entity page and a document page in real Chromium: no console errors, nothing fetched from
another host, quotes reachable by their anchors. Screenshots go to the artifacts folder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.browser.offline_page import open_offline
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_entity_page(browser, live_server: LiveServer, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    context, page, outside, errors = open_offline(browser, f"{live_server.url}/id/chongqing-customs")
    try:
        assert page.locator("#entity-label").inner_text() == "Chongqing Customs"
        assert page.locator("#entity-label-zh").inner_text() == "重庆海关"
        assert page.locator("#statements-out blockquote.evidence").count() > 0
        assert page.locator("iframe").get_attribute("src").startswith("/embed?focus=chongqing-customs")
        page.screenshot(path=str(artifacts_dir / "entity.png"), full_page=True)
        link = page.locator("#statements-out .ld-evidence a").first
        target = link.get_attribute("href")
        assert target and "#q-" in target
        link.click()
        page.wait_for_load_state("networkidle")
        anchor = target.split("#", 1)[1]
        mark = page.locator(f"mark#{anchor}")
        assert mark.count() == 1 and mark.is_visible()
        assert page.evaluate("() => location.hash") == f"#{anchor}"
        assert outside == [] and errors == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_entity_page_graph_has_room(browser, live_server: LiveServer, artifacts_dir: Path,  # type: ignore[no-untyped-def]
                                    width: int) -> None:
    """The neighbourhood graph: title and footer outside the drawing, the legend beside it, no node
    under any of them at the fitted view; the entities named there (the focus and the most central,
    readable, none over another); the page does not scroll sideways on a phone."""
    from tests.browser.test_embed import FITTED, check_embed_layout, check_labels

    context, page, outside, errors = open_offline(browser, f"{live_server.url}/id/chongqing-customs", width=width)
    try:
        page.locator("iframe").scroll_into_view_if_needed()
        frame = page.frame_locator("iframe")
        frame.locator("#em-graph canvas").wait_for()
        inner = next(f for f in page.frames if f.url.startswith(live_server.url + "/embed"))
        inner.wait_for_function(FITTED, timeout=30_000)
        check_embed_layout(inner, f"entity page {width}px")
        check_labels(inner, f"entity page {width}px")
        box = page.locator("iframe").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 400
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
        page.locator(".ld-graph").screenshot(path=str(artifacts_dir / f"entity-graph-{width}.png"))
        assert outside == [] and errors == []
    finally:
        context.close()


def test_document_page(browser, live_server: LiveServer, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    slug = httpx.get(live_server.url + "/api/documents").json()[0]["slug"]
    context, page, outside, errors = open_offline(browser, f"{live_server.url}/documents/{slug}")
    try:
        marks = page.locator("#doc-text mark[id^='q-']")
        assert marks.count() > 5
        page.screenshot(path=str(artifacts_dir / "document.png"), full_page=False)
        ref = page.locator("#doc-text a.evref").first
        ref.click()
        target = page.evaluate("() => location.hash")
        assert target.startswith("#s-") and page.locator(f"li{target}").is_visible()
        assert outside == [] and errors == []
    finally:
        context.close()


def test_linked_data_page_of_a_document_has_no_broken_embed(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    """Documents are not graph nodes: their /id page links to the text instead of embedding a view."""
    slug = httpx.get(live_server.url + "/api/documents").json()[0]["slug"]
    context, page, outside, errors = open_offline(browser, f"{live_server.url}/id/{slug}")
    try:
        assert page.locator("iframe").count() == 0
        assert page.locator(f"a[href='/documents/{slug}']").count() >= 1
        page.wait_for_timeout(300)
        assert outside == [] and errors == []
    finally:
        context.close()
