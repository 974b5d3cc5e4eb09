"""/docs in real Chromium: Swagger UI from our own files, offline, under our CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_api_docs_render_offline(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if urlparse(r.request.url).hostname != "127.0.0.1":
            outside.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(live_server.url + "/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() >= 25
        assert page.locator("text=/sparql").first.is_visible()
        page.screenshot(path=str(artifacts_dir / "docs.png"))
        assert outside == [] and errors == []
    finally:
        context.close()
