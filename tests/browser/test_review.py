"""The review page in real Chromium: a reviewer accepts, rejects, relinks through the entity picker and
applies; an applied fact shows dashed in the explorer, with its badge, can be hidden there, and has
its badge on the entity page.

Nothing is fetched from another host and no console error is logged. Screenshots go to the
artifacts folder (review-*.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.test_review_api import AUTH, COOP, ID, TOKEN, ReviewServer, ask
from tests.api.test_review_api import review_server  # noqa: F401 - the fixture: a server with one document to review
from tests.browser.offline_page import open_offline

pytestmark = pytest.mark.browser

DRAWN = "() => window.coopgraphView && window.coopgraphView.firstDrawMs !== null"


def _state(page: Any, item: str) -> tuple[str | None, str]:
    li = page.locator(f"#item-{item}")
    return li.get_attribute("data-state"), li.locator("[data-state-text]").inner_text()


def _wait_state(page: Any, item: str, state: str) -> None:
    page.wait_for_function("([id, s]) => document.getElementById('item-' + id).getAttribute('data-state') === s",
                           arg=[item, state], timeout=10_000)


def test_review_accept_reject_relink_apply_then_explore(browser, review_server: ReviewServer,  # type: ignore[no-untyped-def]
                                                         artifacts_dir: Path) -> None:
    url = review_server.url
    context, page, outside, errors = open_offline(browser, url + "/review", height=1000)
    try:
        assert page.locator("#rv-docs tbody tr").count() == 1
        page.screenshot(path=str(artifacts_dir / "review-list.png"), full_page=True)
        page.locator("#rv-token").fill(TOKEN)
        page.locator("#rv-name").fill("Browser Reviewer")
        page.locator("#rv-docs a").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/review/{review_server.slug}")
        # The token and the name were typed once, on the list page: this tab keeps them.
        assert page.locator("#rv-token").input_value() == TOKEN
        assert page.locator("#rv-name").input_value() == "Browser Reviewer"
        page.evaluate("() => { window.__samePage = true; }")  # gone if anything reloads the page

        # Accept one name with the keyboard: the button is reachable and works with Enter.
        accept = page.locator("#item-m0 button[data-action=accept]")
        accept.focus()
        page.keyboard.press("Enter")
        _wait_state(page, "m0", "accept")
        assert _state(page, "m0") == ("accept", "accepted")
        assert accept.get_attribute("aria-pressed") == "true"

        page.locator("#item-r1 button[data-action=reject]").click()
        _wait_state(page, "r1", "reject")
        assert _state(page, "r1") == ("reject", "rejected")

        # Relink the ambiguous "Chongqing" through the entity picker (the search API).
        page.locator("#item-m4 button[data-action=pick]").click()
        picker = page.locator("#pick-m4-q")
        assert picker.is_visible() and picker.evaluate("e => e === document.activeElement")
        picker.type("Chongqing")
        option = page.locator(f"#pick-m4-list li[data-iri='{ID}chongqing']")
        option.wait_for(timeout=10_000)
        page.screenshot(path=str(artifacts_dir / "review-picker.png"), full_page=False)
        while page.locator("#pick-m4-list li[aria-selected=true]").get_attribute("data-iri") != f"{ID}chongqing":
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        _wait_state(page, "m4", "relink")
        assert _state(page, "m4") == ("relink", "linked to Chongqing")
        assert page.locator("#pick-m4").is_hidden()

        page.locator("#item-m2 button[data-action=accept]").click()
        _wait_state(page, "m2", "accept")
        page.locator("button[data-accept-all='exact-alias']").click()
        _wait_state(page, "m3", "accept")
        assert _state(page, "m1") == ("accept", "accepted")
        assert page.locator("button[data-accept-all='exact-alias']").is_disabled()  # none left undecided
        page.locator("#item-r0 button[data-action=accept]").click()
        _wait_state(page, "r0", "accept")
        page.locator("#item-m4").hover()
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts_dir / "review-document.png"), full_page=True)

        page.locator("#rv-apply").click()
        page.locator("#rv-explorer-link").wait_for(timeout=60_000)
        assert "Applied" in page.locator("#rv-status").inner_text()
        assert "Browser Reviewer" in page.locator("#rv-status").inner_text()
        assert page.evaluate("() => window.__samePage") is True
        assert page.locator("#item-m0 button[data-action=accept]").is_disabled()  # the document left the queue
        assert page.locator("#rv-apply").is_disabled()
        page.screenshot(path=str(artifacts_dir / "review-applied.png"), full_page=False)
        assert outside == [] and errors == [], (outside, errors)
    finally:
        context.close()

    graph = f"https://coopgraph.org/graph/ingest/{review_server.slug}"
    assert ask(url, f"ASK {{ GRAPH <{graph}> {{ <{ID}chongqing-customs> <{COOP}cooperatesWith> <{ID}singapore> }} }}")
    assert ask(url, f"ASK {{ GRAPH <{graph}> {{ ?s <https://schema.org/mentions> <{ID}chongqing> }} }}")  # the relink


def _apply_by_api(server: ReviewServer) -> None:
    base = f"{server.url}/api/review/{server.slug}"
    for path, body in (("/accept-all", {"reason": "exact-alias"}), ("/decisions", {"item": "r0", "action": "accept"}),
                       ("/apply", {"accepted_by": "Browser Reviewer"})):
        r = httpx.post(base + path, json=body, headers=AUTH, timeout=60)
        assert r.status_code == 200, r.text


def test_explorer_and_entity_page_mark_machine_extracted_facts(browser, review_server: ReviewServer,  # type: ignore[no-untyped-def]
                                                               artifacts_dir: Path) -> None:
    url = review_server.url
    _apply_by_api(review_server)

    # The applied statement in the explorer: dashed, with the badge, and hidden on request.
    context, page, outside, errors = open_offline(browser, url + "/?focus=chongqing-customs&depth=1", height=900,
                                                  wait_until="load")
    try:
        page.wait_for_function(DRAWN, timeout=30_000)
        edge = page.evaluate(f"""() => {{
            const v = window.coopgraphView;
            const e = v.edges.get().find(e => e.from === 'chongqing-customs' && e.to === 'singapore'
                                          && e.data.predicate === 'https://coopgraph.org/ontology#cooperatesWith')
                    || v.edges.get().find(e => e.to === 'chongqing-customs' && e.from === 'singapore'
                                          && e.data.predicate === 'https://coopgraph.org/ontology#cooperatesWith');
            return e ? {{id: e.id, dashes: e.dashes || false, hidden: e.hidden || false}} : null; }}""")
        assert edge is not None, "the applied statement is not in the explorer's view"
        assert edge["dashes"], edge
        solid = page.evaluate("() => window.coopgraphView.edges.get().filter(e => !e.dashes).length")
        assert solid > 0  # curated facts stay solid
        # The edge selected through the URL state, as a shared link would select it.
        page.goto(url + "/?focus=chongqing-customs&depth=1&edge=" + quote(edge["id"], safe=""), wait_until="load")
        page.wait_for_function(DRAWN, timeout=30_000)
        badge = page.locator("#xp-panel-body .cg-machine-badge")
        badge.wait_for(timeout=10_000)
        assert "machine-extracted" in badge.inner_text()
        assert "Browser Reviewer" in badge.inner_text() and "confidence 0.90" in badge.inner_text()
        page.screenshot(path=str(artifacts_dir / "review-explorer.png"), full_page=False)

        page.locator("#xp-hide-machine").check()
        assert "extracted=hide" in page.url
        assert page.evaluate("(id) => window.coopgraphView.edges.get(id).hidden === true", edge["id"])
        page.reload(wait_until="load")
        page.wait_for_function(DRAWN, timeout=30_000)
        assert page.locator("#xp-hide-machine").is_checked()
        assert page.evaluate("(id) => window.coopgraphView.edges.get(id).hidden === true", edge["id"])
        assert outside == [] and errors == [], (outside, errors)
    finally:
        context.close()

    # The entity page shows the badge beside the extracted quote.
    context, page, outside, errors = open_offline(browser, url + "/id/chongqing-customs")
    try:
        extracted = page.locator(".ld-evidence", has=page.locator(".cg-machine-badge"))
        assert extracted.count() >= 1
        assert "Browser Reviewer" in extracted.first.inner_text()
        assert "confidence 0.90" in extracted.first.inner_text()
        page.screenshot(path=str(artifacts_dir / "review-entity.png"), full_page=True)
        assert outside == [] and errors == [], (outside, errors)
    finally:
        context.close()
