"""Issue 12, item 15: a relation whose quote only implies it says so, with the curator's note, in the
explorer's details panel and on the entity page, at desktop and phone width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.offline_page import open_offline
from tests.browser.test_explorer import opened
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/h6")
MARKER = "Implied by the text, not stated"
NOTE = "the customs agencies of the two cities"


@pytest.mark.parametrize("width", [1280, 390])
def test_explorer_panel_marks_an_implied_relation(browser: Any, live_server: LiveServer, width: int) -> None:
    # Chengdu Customs "based in" Chengdu: quoted as "the customs agencies of the two cities".
    with opened(browser, width=width, height=900) as p:
        page = p.open(live_server.url + "/?focus=chengdu-customs&depth=1&node=chengdu-customs")
        panel = page.locator("#xp-panel-body")
        implied = panel.locator(".cg-implied", has_text=NOTE)
        assert implied.count() >= 1
        assert implied.first.inner_text().startswith(MARKER + ": The text calls the two signatories")
        # a stated relation of the same entity carries no marker
        assert panel.locator(".cg-evidence", has_text="officially signed a memorandum").locator(".cg-implied").count() == 0
        implied.first.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"explorer-implied-{width}.png"))
        p.clean()


@pytest.mark.parametrize("width", [1280, 390])
def test_entity_page_marks_an_implied_relation(browser: Any, live_server: LiveServer, width: int) -> None:
    context, page, outside, errors = open_offline(browser, f"{live_server.url}/id/chengdu-customs", width=width)
    try:
        implied = page.locator(".ld-evidence .cg-implied", has_text=NOTE)
        assert implied.count() == 1
        assert implied.inner_text().startswith(MARKER + ": The text calls the two signatories")
        knowledge = f"{live_server.url}/id/post-prc-president"
        implied.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"entity-implied-{width}.png"))
        page.goto(knowledge)
        assert page.locator(".cg-implied").first.inner_text().startswith("General knowledge, not stated in the text: ")
        assert outside == [] and errors == []
    finally:
        context.close()
