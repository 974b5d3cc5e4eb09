"""Liveness and store version, for load balancers and test harnesses."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StateDep

router = APIRouter(tags=["meta"])


@router.get("/healthz", summary="Liveness and data version", responses={200: {"content": {"application/json": {
    "example": {"ok": True, "version": "gen-20261122T024331-4489-26909:0"}}}}})
async def health(state: StateDep) -> dict[str, object]:
    """``{"ok": true, "version": "<store version>"}`` while the app can read its store."""
    return {"ok": True, "version": state.version}
