"""Typed dependencies: handlers declare what they need by type, never reach for globals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request

from api.settings import Settings
from api.state import AppState
from graph.store import Store

__all__ = ["StateDep", "SettingsDep", "StoreDep", "ExecutorDep", "ProjectionDep", "TemplatesDep"]


def get_state(request: Request) -> AppState:
    return request.app.state.coop  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


def get_store(request: Request) -> Iterator[Store]:
    """The store (embedded, held for reading until the response is done, see AppState.reading;
    or remote: any SPARQL 1.1 engine, through ``select``/``ask``/``construct``)."""
    with get_state(request).reading() as store:
        yield store


def get_executor(request: Request) -> Any:
    return get_state(request).executor


def get_projection(request: Request) -> Any:
    return get_state(request).projection()


def get_templates(request: Request) -> Any:
    return request.app.state.templates


StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
ExecutorDep = Annotated[Any, Depends(get_executor)]
ProjectionDep = Annotated[Any, Depends(get_projection)]
TemplatesDep = Annotated[Any, Depends(get_templates)]
