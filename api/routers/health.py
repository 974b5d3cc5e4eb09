"""Liveness and store version, for load balancers and test harnesses; and ``/favicon.ico``."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from coopgraph.api.deps import StateDep
from coopgraph.api.negotiation import JSON, SVG

router = APIRouter(tags=["meta"])


@router.get("/healthz", summary="Liveness and data version", responses={200: {"content": {JSON: {
    "example": {"ok": True, "version": "gen-20261122T024331-4489-26909:0", "lanes": {
        "disk_workers": 2, "memory_replica": {"state": "ready", "triples": 2523, "load_s": 0.05, "slots": 4,
                                              "losses": 0, "detail": ""}}}}}}})
async def health(state: StateDep) -> dict[str, object]:
    """``{"ok": true, "version": "<store version>", "lanes": {...}}`` while the app can read its store.

    ``lanes`` says what answers SPARQL queries: the disk workers and the memory replica's state
    (``loading`` / ``ready`` / ``too-large`` / ``failed`` / ``off``), for operators and benchmarks
    that want to wait for the fast path."""
    lanes = state.executor.status() if state.executor is not None else {}
    return {"ok": True, "version": state.version, **({"lanes": lanes} if lanes else {})}


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """The site icon where browsers and feed readers look without reading a page's ``<link rel=icon>``
    (a 404 there is a console error on every page). SVG: browsers go by the media type, not the name."""
    icon = (files("coopgraph.api") / "static" / "favicon.svg").read_bytes()
    return Response(icon, media_type=SVG, headers={"Cache-Control": "public, max-age=86400"})
