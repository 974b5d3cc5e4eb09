"""Liveness and store version, for load balancers and test harnesses."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StateDep

router = APIRouter(tags=["meta"])


@router.get("/healthz", summary="Liveness and data version")
async def health(state: StateDep) -> dict[str, object]:
    """``{"ok": true, "version": "<store version>"}`` while the app can read its store."""
    return {"ok": True, "version": state.version}
