"""/docs in real Chromium: Swagger UI from our own files, offline, under our CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.offline_page import open_offline
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_api_docs_render_offline(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    context, page, outside, errors = open_offline(browser, live_server.url + "/docs", wait_until="load")
    try:
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() >= 25
        assert page.locator("text=/sparql").first.is_visible()
        page.screenshot(path=str(artifacts_dir / "docs.png"))
        assert outside == [] and errors == []
    finally:
        context.close()
