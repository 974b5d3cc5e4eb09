"""Errors -> HTTP: one canonical JSON body, or an HTML page for browsers.

Body: ``{"ok": false, "status": 404, "title": "Not found", "error": "no entity 'x'"}``.
:func:`exception_response` is the one mapping from an exception to its answer: the app's exception
handlers and the ``/sparql`` fast path (outside FastAPI's routing) both use it. The command line's
mapping (exit codes) is ``api.cli.reports_errors``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from coopgraph.api.negotiation import HTML, accept_header
from coopgraph.graph.errors import CoopgraphError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["coopgraph_error_response", "error_body", "error_response", "exception_response",
           "install_error_handlers"]

log = logging.getLogger(__name__)

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 406: "Not acceptable", 413: "Request too large",
           415: "Unsupported media type", 422: "Invalid input", 500: "Internal error",
           503: "Service unavailable", 504: "Timed out"}


def error_body(status: int, message: str, title: str | None = None) -> dict[str, object]:
    return {"ok": False, "status": status, "title": title or _TITLES.get(status, "Error"), "error": message}


def _wants_html(request: Request) -> bool:
    accept = accept_header(request.headers) or ""
    return HTML in accept and not request.url.path.startswith(("/api/", "/sparql"))


def error_response(request: Request, status: int, message: str, title: str | None = None,
                   headers: Mapping[str, str] | None = None) -> Response:
    body = error_body(status, message, title)
    if _wants_html(request):
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html", {"error": body}, status_code=status,
                                          headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def coopgraph_error_response(request: Request, exc: CoopgraphError) -> Response:
    """The answer to one of our own errors; server-side failures are logged with their traceback."""
    retry_after = getattr(exc, "retry_after_s", None)  # an expected, passing state: not logged as an error
    if exc.http_status >= 500 and retry_after is None:
        log.error("%s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(request, exc.http_status, exc.message, exc.title, headers=headers)


def exception_response(request: Request, exc: Exception) -> Response:
    """The answer to any exception raised while handling ``request``; unexpected ones are logged."""
    if isinstance(exc, CoopgraphError):
        return coopgraph_error_response(request, exc)
    if isinstance(exc, StarletteHTTPException):
        return error_response(request, exc.status_code, str(exc.detail), headers=exc.headers)
    # FastAPI's own error (only FastAPI raises it): looked up, not imported, so that the /sparql
    # answers served before FastAPI is imported (api/boot.py) do not wait for it
    validation = getattr(sys.modules.get("fastapi.exceptions"), "RequestValidationError", None)
    if validation is not None and isinstance(exc, validation):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return error_response(request, 400, problems or "invalid request")
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError

    async def handle(request: Request, exc: Exception) -> Response:
        return exception_response(request, exc)

    for kind in (CoopgraphError, StarletteHTTPException, RequestValidationError, Exception):
        app.add_exception_handler(kind, handle)

