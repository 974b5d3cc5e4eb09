"""The SPARQL query page (``/query``) and the example queries as JSON endpoints (``/api/examples``).

The page is YASGUI (Yasqe editor + Yasr results, vendored; see ``api/vendor.py``) pointed at our
own ``/sparql``, with an examples panel. Examples are the ``api/queries/*.rq`` files; their header
convention (title, description, ``# param:`` lines) is documented in ``api/queries/README.md``.
Parsing them and binding parameter values into their text is the library's (``graph/examples.py``);
this module reads them once per process, answers with them and runs them.

Running an example goes through the app's query engine (``api/engine.py``), like any query on
``/sparql``: the same time, memory and row bounds. A user only supplies parameter values, each
validated and turned into a single RDF term by ``graph.examples.bind``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from coopgraph.api import urls, vendor
from coopgraph.api.deps import ExecutorDep, SettingsDep, StoreDep, TemplatesDep
from coopgraph.api.negotiation import JSON_LD, SPARQL_JSON
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.examples import Example, bind, find_example, load_examples
from coopgraph.graph.ids import entity_iri
from coopgraph.graph.prefixes import predefined_prefixes
from coopgraph.graph.store.base import ONTOLOGY_GRAPH

__all__ = ["ExampleParam", "ExampleSummary", "router", "shipped_examples"]

router = APIRouter(tags=["examples"])


# -- the shipped examples -------------------------------------------------------------------------
@cache
def shipped_examples() -> tuple[Example, ...]:
    """Every example of ``api/queries`` (read once per process: the files ship with us)."""
    return load_examples(files("coopgraph.api") / "queries")


def _example(name: str) -> Example:
    try:
        return find_example(shipped_examples(), name)
    except EntityNotFoundError as exc:
        raise EntityNotFoundError(f"{exc.message}; GET /api/examples lists them") from None


# -- JSON models ----------------------------------------------------------------------------------
class ExampleParam(BaseModel):
    name: str = Field(description="The SPARQL variable the value binds (?name) and the query-string key.")
    kind: Literal["entity", "date", "year", "integer", "text"]
    default: str


class ExampleSummary(BaseModel):
    name: str = Field(examples=["signatories"])
    title: str
    description: str
    form: Literal["SELECT", "CONSTRUCT", "ASK", "DESCRIBE"]
    params: list[ExampleParam]
    query: str = Field(description="The query text with the defaults of its parameters.")
    links: dict[str, str] = Field(description="run: this endpoint (JSON results); page: the query page "
                                              "with the example loaded; sparql: the query on /sparql.")


def summary_of(example: Example) -> ExampleSummary:
    return ExampleSummary(
        name=example.name, title=example.title, description=example.description,
        form=example.form,
        params=[ExampleParam(name=p.name, kind=p.kind, default=p.default)
                for p in example.params],
        query=example.text,
        links={"run": f"/api/examples/{quote(example.name, safe='')}",
               "page": f"{urls.query()}#{urlencode({'example': example.name})}",
               "sparql": f"{urls.sparql()}?{urlencode({'query': example.text})}"},
    )


# -- routes ---------------------------------------------------------------------------------------
@router.get("/api/examples", summary="The example queries (with their parameters and text)",
            response_model=list[ExampleSummary])
def list_examples() -> list[ExampleSummary]:
    """Every example shown on /query; run one with ``GET /api/examples/{name}?param=value``."""
    return [summary_of(e) for e in shipped_examples()]


@router.get("/api/examples/{name}", summary="Run one example query (SPARQL JSON results)",
            response_class=Response,
            responses={200: {"content": {SPARQL_JSON: {}, JSON_LD: {}},
                             "description": "SPARQL JSON results (JSON-LD for CONSTRUCT/DESCRIBE)"},
                       400: {"description": "a malformed value or an unknown parameter"},
                       404: {"description": "no such example, or no such entity"}})
async def run_example(request: Request, store: StoreDep, settings: SettingsDep, executor: ExecutorDep,
                      name: Annotated[str, Path(description="The example's name, from /api/examples")]
                      ) -> Response:
    """Parameters go in the query string by name (``?entity=chongqing-customs``); others keep defaults."""
    example = _example(name)
    values = dict(request.query_params)
    unknown = sorted(set(values) - {p.name for p in example.params})
    if unknown:
        accepted = ", ".join(p.name for p in example.params) or "none"
        raise HTTPException(400, f"unknown parameter {', '.join(unknown)} for example {name!r} "
                                 f"(accepted: {accepted})")
    try:
        text = bind(example, values, base=settings.base)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    for param in example.params:
        if param.kind == "entity" and param.name in values:
            iri = entity_iri(settings.base, values[param.name].strip())
            known = f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"
            if not await run_in_threadpool(store.ask, known):
                raise EntityNotFoundError(f"no entity {values[param.name].strip()!r} "
                                          f"(parameter {param.name}); /api/search?q= finds ids by name")
    media_type = SPARQL_JSON if example.form in ("SELECT", "ASK") else JSON_LD
    outcome = await executor.query(text, media_type=media_type)
    headers = {"X-Coopgraph-Truncated": "true"} if outcome.truncated else {}
    return Response(outcome.body, media_type=media_type, headers=headers)


@router.get("/query", summary="The SPARQL query page (editor, examples, results)", response_class=Response,
            include_in_schema=False)
def query_page(request: Request, settings: SettingsDep, store: StoreDep, templates: TemplatesDep,
               query: str | None = None) -> Response:
    """``/query?query=...`` opens with that query; ``#example=name&param=value`` with an example."""
    try:
        assets: vendor.VendorAssets | None = vendor.yasgui()
        missing = None
    except vendor.VendorAssetsMissing as exc:
        assets, missing = None, str(exc)
    endpoint = urls.absolute(settings.public_url or str(request.base_url), urls.sparql())
    # The endpoint's predefined prefixes: the editor starts with them declared (its completion
    # and the results table's short names read the declarations) and knows them all.
    prefixes = predefined_prefixes(settings.base)
    config = {
        "endpoint": urls.sparql(),
        "absoluteEndpoint": endpoint,
        "entityBase": f"{settings.base}id/",
        "entityPath": "/id/",
        "searchUrl": "/api/search",
        "prefixes": prefixes,
        "query": query,
        "defaultQuery": default_query(prefixes),
        "terms": vocabulary_terms(store),
        "examples": [summary_of(e).model_dump() for e in shipped_examples()],
    }
    context = {"nav": "query", "config": config, "assets": assets, "assets_missing": missing,
               "endpoint": endpoint}
    return templates.TemplateResponse(request, "query.html", context)


def default_query(prefixes: dict[str, str]) -> str:
    """What the editor shows first: the preset prefixes and a query that gives an overview."""
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items()]
    return "\n".join(lines) + (
        "\n\n# How many entities of each type? Press Ctrl+Enter (or the run button) to run.\n"
        "SELECT ?type ?label (COUNT(DISTINCT ?entity) AS ?entities) WHERE {\n"
        "  ?entity a ?type .\n"
        "  ?type rdfs:label ?label .\n"
        "  FILTER(STRSTARTS(STR(?type), STR(coop:)) && LANG(?label) IN (\"en\", \"\"))\n"
        "}\n"
        "GROUP BY ?type ?label\n"
        "ORDER BY DESC(?entities)\n")


def vocabulary_terms(store: Any) -> dict[str, list[str]]:
    """Classes and properties of our ontology, for the editor's offline autocompletion."""
    rows = store.select(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        f"SELECT DISTINCT ?term ?kind WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{\n"
        "  VALUES (?type ?kind) { (owl:Class 'class') (owl:ObjectProperty 'property')\n"
        "                         (owl:DatatypeProperty 'property') (rdf:Property 'property') }\n"
        "  ?term a ?type . FILTER(isIRI(?term)) } } ORDER BY ?term")
    terms: dict[str, list[str]] = {"class": [], "property": []}
    for row in rows:
        terms[row["kind"]].append(row["term"])
    return terms
