"""Typed dependencies: handlers declare what they need by type, never reach for globals.

Also the one door of routers to data derived from the store (``per_version``, ``label_index``,
``measures``...: kept in api/derived.py's registry, built as its policy says), so no router
imports another, nor api/derived.py or api/state.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request

from coopgraph.api import derived
from coopgraph.api.engine import QueryEngine
from coopgraph.api.derived import Derived, is_large, label_index_if_ready, measures, measures_or_503, projection
from coopgraph.api.settings import Settings
from coopgraph.api.state import AppState
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.store import Store

if TYPE_CHECKING:
    from coopgraph.graph.search import LabelIndex

__all__ = ["StateDep", "SettingsDep", "StoreDep", "ExecutorDep", "DerivedDep", "ProjectionDep", "MeasuresDep",
           "TemplatesDep", "entity_node", "entity_slug", "is_large", "label_index", "label_index_if_ready",
           "measures",
           "measures_or_503", "per_version", "projection"]

T = TypeVar("T")


def get_state(request: Request) -> AppState:
    return request.app.state.coop


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


def get_store(request: Request) -> Iterator[Store]:
    """The store (embedded, held for reading until the response is done, see AppState.reading;
    or remote: any SPARQL 1.1 engine, through ``select``/``ask``/``construct``)."""
    with get_state(request).reading() as store:
        yield store


def get_executor(request: Request) -> QueryEngine:
    engine = get_state(request).executor
    if engine is None:  # the lifespan sets it before the first request
        raise RuntimeError("the app's query engine is not running")
    return engine


def get_derived(request: Request) -> Derived:
    return get_state(request).derived


def get_measures(request: Request,
                 G: Annotated[Any, Depends(projection)]) -> tuple[dict[str, dict[str, Any]], bool]:
    """``(table, complete)`` of the projection: see api.derived.measures."""
    return measures(request, G)


def get_templates(request: Request) -> Any:
    return request.app.state.templates


StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
ExecutorDep = Annotated[QueryEngine, Depends(get_executor)]
# Built on the request on a small store, in the background on a large one (503 + Retry-After until then).
ProjectionDep = Annotated[Any, Depends(projection)]
# Every measure, or the degree table and False while a large graph's are computed.
MeasuresDep = Annotated[tuple[dict[str, dict[str, Any]], bool], Depends(get_measures)]
DerivedDep = Annotated[Derived, Depends(get_derived)]
TemplatesDep = Annotated[Any, Depends(get_templates)]


def per_version(request: Request, name: str, build: Callable[[], T]) -> T:
    """``build()`` once per store version for this app (see api.derived.per_version)."""
    return derived.per_version(get_state(request), name, build)


def label_index(request: Request, store: Any, base: str) -> LabelIndex:
    """The name index of this store version: see api.derived.label_index."""
    return derived.label_index(request, store, base)


def entity_slug(request: Request, text: str, store: Store | None = None) -> str:
    """The slug of the entity ``text`` stands for: its id, IRI or a name (``graph.entities.find_entity``),
    with this app's name index (on a remote store, an index of the candidates of ``text``). Reads
    ``store``, or the app's store for the duration of the call."""
    state = get_state(request)
    base = state.settings.base
    if store is None:
        with state.reading() as held:
            return entity_slug(request, text, held)
    def index() -> LabelIndex:
        found = state.search_index(text)  # an empty one is an answer too: never every label over HTTP
        return label_index(request, store, base) if found is None else found

    # Imported here, as graph.search is below: with the ontology they bring rdflib, which the
    # /sparql endpoint (that imports this module) does not need before it first answers.
    from coopgraph.graph.entities import find_entity

    return find_entity(store, text, base=base, index=index)


def entity_node(request: Request, G: Any, text: str) -> str:
    """The projection node of the entity ``text`` stands for: a node key or slug at once, else as
    ``entity_slug`` resolves it."""
    from coopgraph.graph.network import node_for  # networkx: not before the first page that needs it

    try:
        return node_for(G, text)
    except EntityNotFoundError:
        return node_for(G, entity_slug(request, text))
