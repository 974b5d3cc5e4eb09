"""``/docs``: the OpenAPI documentation, with Swagger UI served by us.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; both break
offline use and our CSP (``script-src 'self'``), so the app turns it off and serves this one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coopgraph.api.deps import TemplatesDep
from coopgraph.api.vendor import VendorAssetsMissing, swagger_ui

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request, templates: TemplatesDep) -> Response:
    missing: str | None = None
    try:
        assets = swagger_ui()
    except VendorAssetsMissing as exc:
        assets, missing = None, str(exc)
    return templates.TemplateResponse(request, "docs.html", {"nav": "api", "assets": assets,
                                                             "missing": missing})
