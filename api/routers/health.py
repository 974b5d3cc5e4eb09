"""Liveness and store version, for load balancers and test harnesses."""

from __future__ import annotations

from fastapi import APIRouter

from coopgraph.api.deps import StateDep
from coopgraph.api.negotiation import JSON

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
