"""Name search over labels and aliases (English and Chinese): JSON for autocomplete, an HTML page.

The label index is built once per store version and kept on the app (``api.deps.label_index``), so a
search is a few dictionary and bisect look-ups, never a SPARQL scan.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from coopgraph.api import deps, urls
from coopgraph.api.convert import summary_of
from coopgraph.api.deps import SettingsDep, StoreDep, TemplatesDep, label_index
from coopgraph.api.schemas import SearchHit
from coopgraph.graph.search import resolve_class

__all__ = ["router"]

router = APIRouter(tags=["search"])


def _classes(types: str | None) -> list[str]:
    classes = []
    for name in (types or "").split(","):
        if name.strip():
            iri = resolve_class(name.strip())
            if iri is None:
                raise HTTPException(400, f"unknown class {name.strip()!r}; see /ontology for the classes")
            classes.append(iri)
    return classes


def _hits(request: Request, store: Any, base: str, q: str, types: str | None, limit: int) -> list[SearchHit]:
    # A remote store answers from the candidates of bounded queries (AppState.search_index).
    index = request.app.state.coop.search_index(q)
    if index is None and deps.is_large(request):
        # A large embedded store builds its full index in the background; until it is ready, the
        # remote stores' bounded search answers (same ranking; no typo matches of unrelated names).
        index = deps.label_index_if_ready(request)
        if index is None:
            from coopgraph.graph.remote_search import bounded_index

            index = bounded_index(store, base=base, query=q)
    if index is None:
        index = label_index(request, store, base)
    return [SearchHit(**summary_of(h.entity).model_dump(), matched=h.matched, match=h.match,
                      score=h.score)
            for h in index.search(q, types=_classes(types), limit=limit)]


@router.get("/api/search", summary="Search entities by name (labels and aliases, English and Chinese)",
            response_model=list[SearchHit])
def api_search(request: Request, store: StoreDep, settings: SettingsDep,
               q: Annotated[str, Query(min_length=1, max_length=200, description="A name or part of one")],
               types: Annotated[str | None, Query(description="Only these classes (comma-separated local "
                                                  "names, e.g. Province,City)")] = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[SearchHit]:
    """Ranked: exact name > prefix > every word > substring (Chinese too) > close spelling."""
    return _hits(request, store, settings.base, q, types, limit)


@router.get("/search", summary="Search page", response_class=Response, include_in_schema=False)
def search_page(request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep,
                q: Annotated[str, Query(max_length=200)] = "",
                types: Annotated[str | None, Query()] = None) -> Response:
    hits = _hits(request, store, settings.base, q, types, 50) if q.strip() else []
    return templates.TemplateResponse(request, "search.html", {"nav": "entities", "q": q, "hits": hits,
                                                               "types": types or "", "urls": urls})
