"""The front door: the pure ASGI layers every HTTP request passes before FastAPI's own stack.

Rate limit, security headers, data-change detection, then either the ``/sparql`` fast path or the
rest of the app (:func:`front`). Kept apart from :mod:`api.app` and free of FastAPI imports, so that
``coopgraph serve`` can put it in front of the ``/sparql`` answers it gives while FastAPI is still
being imported (:mod:`api.boot`).
"""

from __future__ import annotations

from typing import Any

from coopgraph.api import sparql_protocol
from coopgraph.api.data_changes import DataChanges
from coopgraph.api.negotiation import HTML
from coopgraph.api.rate_limit import RateLimit, RateLimits
from coopgraph.api.settings import Settings

__all__ = ["front", "renders_as_document", "SecurityHeaders", "SparqlFastPath", "CSP", "EMBED_CSP", "EMBED_PREFIXES",
           "VERSIONED_ASSETS"]

# Pages load scripts and styles only from this server; vis-network and YASGUI set inline styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Embeds exist to be framed by other sites. In CSP, ``*`` matches only network schemes (http,
# https, ws, wss), so Chromium refuses a parent page opened from disk; ``file:`` adds exactly that
# (a journalist's first test is a local HTML file) and nothing else.
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors * file:")
EMBED_PREFIXES = ("/embed",)
VERSIONED_ASSETS = ("/static/lib/", "/static/vendor/")
_HTML = HTML.encode()


def front(inner: Any, settings: Settings) -> Any:
    """The layers every HTTP request passes, outermost first, in front of ``inner`` (FastAPI's
    stack): see :class:`api.app.CoopgraphApp`."""
    layers: Any = SparqlFastPath(inner, same_origin_only=True)
    layers = DataChanges(layers)
    layers = SecurityHeaders(layers)  # outside DataChanges: even an error there carries the headers
    limits = RateLimits.from_settings(settings)
    if limits.enabled:  # outermost: a refused request costs nothing more; with every limit off, nothing
        layers = RateLimit(layers, limits)
    return layers


def renders_as_document(content_type: bytes) -> bool:
    """Whether a browser may render a response of this type as a page that runs script: HTML, and
    XML of any kind (an XHTML or SVG element in an XML answer runs script; so may an XSLT stylesheet).
    With ``nosniff``, a browser shows JSON, CSV, Turtle or plain text as text and runs no script."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return not media or media == _HTML or media.endswith((b"/xml", b"+xml"))


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response.

    ``nosniff`` on every response; the page policies (CSP, framing, referrer) on the responses a
    browser renders as pages (:func:`renders_as_document`), where they protect something. A data
    answer (SPARQL JSON, CSV, Turtle; the JSON API; scripts and styles) is not a page, and each
    header costs every client time to parse on every answer (httpx: 5-7 us a header).

    Written against ASGI directly (not ``@app.middleware``) because BaseHTTPMiddleware costs
    about a millisecond a request, which is most of a small query's time.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.always = [(b"x-content-type-options", b"nosniff")]
        self.page = [(b"content-security-policy", CSP.encode()), (b"referrer-policy", b"no-referrer"),
                     (b"x-frame-options", b"DENY")]
        self.embed_page = [(b"content-security-policy", EMBED_CSP.encode()), (b"referrer-policy", b"no-referrer")]
        self.immutable = [(b"cache-control", b"public, max-age=31536000, immutable")]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        page = self.embed_page if path.startswith(EMBED_PREFIXES) else self.page
        # The folder names carry the library's version: a new version is a new URL.
        always = self.always + self.immutable if path.startswith(VERSIONED_ASSETS) else self.always

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}
                extra = always + page if renders_as_document(present.get(b"content-type", b"")) else always
                message["headers"] = headers + [(name, value) for name, value in extra if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SparqlFastPath:
    """Pure ASGI: ``GET``/``POST /sparql`` straight to :func:`api.sparql_protocol.asgi_app`, skipping
    FastAPI's router, dependency injection and exception middleware; anything else goes on to ``app``.

    Two places use it. In the front door (``same_origin_only``), ahead of FastAPI's stack, it serves
    the requests without an ``Origin`` header: the scripts, notebooks and SPARQL clients whose
    requests are many and small. Innermost in FastAPI's stack, inside CORS, it serves the
    cross-origin ones (browsers send ``Origin`` with every POST) once CORS has seen them. The
    FastAPI routes of the endpoint stay for the OpenAPI docs and any other method.
    """

    def __init__(self, app: Any, same_origin_only: bool = False) -> None:
        self.app = app
        self.handles = sparql_protocol.handles
        self.sparql = sparql_protocol.asgi_app
        self.same_origin_only = same_origin_only

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.handles(scope) and not (
                self.same_origin_only and any(name == b"origin" for name, _ in scope["headers"])):
            await self.sparql(scope, receive, send)
        else:
            await self.app(scope, receive, send)
