"""A Chromium page that blocks and counts every request to a host other than 127.0.0.1."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse


def open_offline(browser: Any, url: str, *, width: int = 1280, height: int = 900,
                 wait_until: str = "networkidle") -> tuple[Any, Any, list[str], list[str]]:
    """(context, page, requests blocked for leaving loopback, console and page errors)."""
    context = browser.new_context(viewport={"width": width, "height": height})
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
    page.goto(url, wait_until=wait_until)
    return context, page, outside, errors
