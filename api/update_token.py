"""The one check of the update token: every request that changes the graph passes it.

SPARQL Update (``/sparql``) and the review of ingested documents (``/api/review/...``) both need
``Authorization: Bearer <token>`` with the token of ``COOPGRAPH_UPDATE_TOKEN``, and only while
``COOPGRAPH_ALLOW_UPDATES`` is on: 401 without credentials, 403 with a wrong token (compared in
constant time) or with updates off.
"""

from __future__ import annotations

import hmac

from starlette.exceptions import HTTPException  # what FastAPI's subclasses; importing FastAPI costs start-up
from starlette.requests import Request

from coopgraph.api.settings import Settings

__all__ = ["check_update_token", "updates_enabled"]


def updates_enabled(settings: Settings) -> bool:
    """Whether this server accepts changes to the graph at all."""
    return settings.allow_updates and settings.update_token is not None


def check_update_token(request: Request, settings: Settings, *, what: str = "SPARQL Update") -> None:
    """Raise 403 (updates off, wrong token) or 401 (no bearer token) unless ``request`` may write."""
    if not updates_enabled(settings) or settings.update_token is None:
        raise HTTPException(403, f"{what} is disabled on this endpoint")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, f"{what} needs 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": 'Bearer realm="coopgraph"'})
    expected = settings.update_token.get_secret_value().encode()
    if not hmac.compare_digest(token.strip().encode(), expected):
        raise HTTPException(403, "the update token is not valid")
