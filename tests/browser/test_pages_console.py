"""Every kind of page in real Chromium logs no console error (the missing favicon was one on every
page), fetches nothing from another host, and /docs is legible: readable version badges, each
operation once, "Try it out" filled in. Screenshots at 1280 and 390 px go to the artifacts folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.offline_page import open_offline
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

PAGES = {"explorer": "/", "query": "/query", "entities": "/entities", "entity": "/id/chongqing-customs",
         "documents": "/documents", "docs": "/docs"}
READY = {"explorer": "() => window.coopgraphView && window.coopgraphView.firstDrawMs !== null",
         "query": "() => document.querySelector('.yasqe, .CodeMirror') !== null",
         "docs": "() => document.querySelectorAll('.opblock').length > 0"}


def _rgb(css: str) -> tuple[float, float, float, float]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)]
    return parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0


def _luminance(rgb: tuple[float, float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b, _ = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two opaque computed colours (``rgb(...)``)."""
    a, b = sorted((_luminance(_rgb(foreground)), _luminance(_rgb(background))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_contrast_formula() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert contrast("rgb(255, 255, 255)", "rgb(245, 247, 250)") < 1.1  # the old badge: white on our panel


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_has_no_console_error(browser: Any, live_server: LiveServer, artifacts_dir: Path,
                                   name: str, width: int) -> None:
    context, page, outside, errors = open_offline(browser, live_server.url + PAGES[name], width=width,
                                                  wait_until="load")
    try:
        if name in READY:
            page.wait_for_function(READY[name], timeout=30_000)
        page.wait_for_load_state("networkidle")
        # the icon the page names, and the one browsers ask for unprompted, both answer (the second
        # from outside the page: Chromium does not route a page's own fetch of /favicon.ico)
        icon = page.evaluate("""async () => {
            const link = document.querySelector('link[rel~="icon"]');
            return link && (await fetch(link.href)).status; }""")
        assert icon == 200 and httpx.get(live_server.url + "/favicon.ico", timeout=10).status_code == 200
        page.wait_for_timeout(300)  # late errors (an icon fetched after load) land before we look
        for folder in (artifacts_dir, Path("/tmp/shots/h5")):
            if folder.parent.exists():
                folder.mkdir(exist_ok=True)
                page.screenshot(path=str(folder / f"page-{name}-{width}.png"))
        assert outside == [], outside
        assert errors == [], errors
    finally:
        context.close()


def test_docs_badges_operations_and_examples(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    spec = httpx.get(live_server.url + "/openapi.json", timeout=30).json()
    operations = [(p, m) for p, ops in spec["paths"].items() for m in ops]
    context, page, outside, errors = open_offline(browser, live_server.url + "/docs", wait_until="load")
    try:
        page.wait_for_selector(".opblock", timeout=20_000)
        page.wait_for_load_state("networkidle")
        # each operation listed once
        assert page.locator(".opblock").count() == len(operations)
        # the version badges ("0.x" and "OAS 3.1") are legible: text against the badge's own background
        badges = page.evaluate("""() => [...document.querySelectorAll('.info .title small')].map((b) => {
            const text = b.querySelector('pre') || b;
            return [getComputedStyle(text).color, getComputedStyle(text).backgroundColor,
                    getComputedStyle(b).backgroundColor, b.innerText]; })""")
        assert len(badges) == 2, badges
        for colour, text_background, badge_background, label in badges:
            assert _rgb(text_background)[3] == 0, f"{label}: the text has a background of its own"
            assert contrast(colour, badge_background) >= 4.5, (label, colour, badge_background)
        page.locator(".info").screenshot(path=str(artifacts_dir / "docs-badges.png"))
        # "Try it out" is filled in with the example
        block = page.locator("#operations-analysis-get_graph_api_graph_get")
        block.locator(".opblock-summary").click()
        block.locator("button.try-out__btn").click()
        focus = block.locator("tr[data-param-name='focus'] input")
        focus.wait_for()
        assert focus.input_value() == "chongqing-customs"
        block.locator("button.execute").click()
        status = block.locator(".live-responses-table tr.response td.response-col_status").first
        status.wait_for(timeout=20_000)
        assert status.inner_text().strip() == "200"
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(200)
            page.screenshot(path=f"/tmp/shots/h5/docs-{width}.png")
        page.screenshot(path=str(artifacts_dir / "docs-try-it-out.png"))
        assert outside == [] and errors == [], (outside, errors)
    finally:
        context.close()
