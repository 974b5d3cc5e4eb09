"""The SPARQL query page (``/query``) and the example queries as JSON endpoints (``/api/examples``).

The page is YASGUI (Yasqe editor + Yasr results, vendored; see ``api/vendor.py``) pointed at our
own ``/sparql``, with an examples panel. Examples are the ``api/queries/*.rq`` files; their header
convention (title, description, ``# param:`` lines) is documented in ``api/queries/README.md``.
This module reads them once per process, binds parameter values into their text, and runs them.

Running an example goes through the app's query engine (``api/engine.py``), like any query on
``/sparql``: the same time, memory and row bounds. A user only supplies parameter values, each
validated and turned into a single RDF term here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
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
from coopgraph.graph.ids import entity_iri, is_slug
from coopgraph.graph.namespaces import PREFIXES
from coopgraph.graph.store.base import ONTOLOGY_GRAPH

__all__ = ["Example", "ExampleParam", "ExampleSummary", "bind", "load_examples", "parse_example", "router"]

router = APIRouter(tags=["examples"])

# The prefixes the editor starts with, in this order; `id:` (entities) is added from the base.
PAGE_PREFIXES = ("coop", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "org", "schema")
PARAM_KINDS = ("entity", "date", "year", "integer", "text")
NAME_RE = re.compile(r"^\d{2,}-(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)$")
HEADER_RE = re.compile(r"^#\s*(?P<key>title|description|param)\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
PARAM_RE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<default>.*?)"
                      r"(?:\s*\((?P<kind>[a-z]+)\))?$")
FORM_RE = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)


# -- the example files ----------------------------------------------------------------------------
class ExampleFileError(ValueError):
    """An ``.rq`` file breaks the convention of api/queries/README.md (a bug in the shipped files)."""


@dataclass(frozen=True)
class Param:
    name: str
    default: str
    kind: str = "entity"


@dataclass(frozen=True)
class Example:
    name: str
    file: str
    title: str
    description: str
    text: str
    form: str
    params: tuple[Param, ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_example(file_name: str, text: str) -> Example:
    """One ``NN-name.rq`` file -> Example; raises ExampleFileError naming the file and the problem."""
    stem = file_name.removesuffix(".rq")
    match = NAME_RE.match(stem)
    if match is None:
        raise ExampleFileError(f"{file_name}: the file name must be NN-name.rq (lower-case words and -)")
    header: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # the header ends at the first line of SPARQL
        found = HEADER_RE.match(stripped)
        if found is None:
            continue
        key, value = found["key"].lower(), found["value"]
        if key == "param":
            params.append(_parse_param(file_name, value))
        else:
            header[key] = value
    for key in ("title", "description"):
        if not header.get(key):
            raise ExampleFileError(f"{file_name}: the header has no '# {key}: ...' line")
    body = _strip_comments(text)
    form = FORM_RE.search(_without_prologue(body))
    if form is None:
        raise ExampleFileError(f"{file_name}: no SELECT, CONSTRUCT, ASK or DESCRIBE found")
    for param in params:
        if not re.search(rf"[?$]{re.escape(param.name)}\b", body):
            raise ExampleFileError(f"{file_name}: parameter {param.name!r} is not a variable of the query")
    return Example(name=match["name"], file=file_name, title=header["title"],
                   description=header["description"], text=text if text.endswith("\n") else text + "\n",
                   form=form[1].upper(), params=tuple(params))


def _parse_param(file_name: str, value: str) -> Param:
    match = PARAM_RE.match(value)
    if match is None or not match["default"]:
        raise ExampleFileError(f"{file_name}: '# param: {value}' must read 'NAME = DEFAULT' or "
                               "'NAME = DEFAULT (KIND)'")
    kind = match["kind"] or "entity"
    if kind not in PARAM_KINDS:
        raise ExampleFileError(f"{file_name}: parameter kind {kind!r} is not one of {', '.join(PARAM_KINDS)}")
    param = Param(name=match["name"], default=match["default"], kind=kind)
    try:
        rdf_term(param, param.default, base="https://example.org/")
    except ValueError as exc:
        raise ExampleFileError(f"{file_name}: default of {param.name!r}: {exc}") from exc
    return param


def _strip_comments(text: str) -> str:
    """The query without ``#`` comments (outside IRIs and strings, which our files do not mix)."""
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def _without_prologue(body: str) -> str:
    return re.sub(r"(?is)\b(PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)", " ", body)


@cache
def load_examples() -> tuple[Example, ...]:
    """Every shipped example, ordered by file name (read once per process; the files ship with us)."""
    folder = files("coopgraph.api").joinpath("queries")
    examples = [parse_example(entry.name, entry.read_text(encoding="utf-8"))
                for entry in sorted(folder.iterdir(), key=lambda e: e.name)
                if entry.name.endswith(".rq") and entry.is_file()]
    names = [e.name for e in examples]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExampleFileError(f"two example files share the name {', '.join(duplicates)}")
    return tuple(examples)


def find_example(name: str) -> Example:
    for example in load_examples():
        if example.name == name:
            return example
    raise EntityNotFoundError(f"no example query {name!r}; GET /api/examples lists them")


# -- binding parameter values ---------------------------------------------------------------------
def rdf_term(param: Param, value: str, *, base: str) -> str:
    """The SPARQL term for one parameter value; ValueError (an HTTP 400) when the value does not fit."""
    value = value.strip()
    if param.kind == "entity":
        if not is_slug(value):
            raise ValueError(f"{param.name}: {value!r} is not an entity id "
                             "(lower-case letters, digits and -, as in /id/chongqing-customs)")
        return f"<{entity_iri(base, value)}>"
    if param.kind == "date":
        try:
            return f'"{date.fromisoformat(value).isoformat()}"^^<{PREFIXES["xsd"]}date>'
        except ValueError:
            raise ValueError(f"{param.name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if param.kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ValueError(f"{param.name}: {value!r} is not a year (four digits)")
        return f'"{value}"^^<{PREFIXES["xsd"]}gYear>'
    if param.kind == "integer":
        if not re.fullmatch(r"-?\d{1,18}", value):
            raise ValueError(f"{param.name}: {value!r} is not an integer")
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)  # text: a JSON string is a valid SPARQL string literal


def bind(example: Example, values: dict[str, str], *, base: str) -> str:
    """The example's text with each given parameter bound to its value (defaults stay as written)."""
    text = example.text
    for param in example.params:
        if param.name not in values:
            continue
        text = _bind_one(text, param.name, rdf_term(param, values[param.name], base=base))
    return text


def _bind_one(text: str, name: str, term: str) -> str:
    """Put ``term`` in the ``VALUES ?name { ... }`` clause, or add a trailing one."""
    clause = re.compile(rf"(VALUES\s+[?$]{re.escape(name)}\s*\{{)[^{{}}]*(\}})", re.IGNORECASE)

    def fill(match: re.Match[str]) -> str:
        return f"{match[1]} {term} {match[2]}"

    text, replaced = clause.subn(fill, text, count=1)
    if not replaced:
        text = text.rstrip("\n") + f"\nVALUES ?{name} {{ {term} }}\n"
    return text


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
            response_model=list[ExampleSummary], tags=["json api", "examples"])
def list_examples() -> list[ExampleSummary]:
    """Every example shown on /query; run one with ``GET /api/examples/{name}?param=value``."""
    return [summary_of(e) for e in load_examples()]


@router.get("/api/examples/{name}", summary="Run one example query (SPARQL JSON results)",
            response_class=Response, tags=["json api", "examples"],
            responses={200: {"content": {SPARQL_JSON: {}, JSON_LD: {}},
                             "description": "SPARQL JSON results (JSON-LD for CONSTRUCT/DESCRIBE)"},
                       400: {"description": "a malformed value or an unknown parameter"},
                       404: {"description": "no such example, or no such entity"}})
async def run_example(request: Request, store: StoreDep, settings: SettingsDep, executor: ExecutorDep,
                      name: Annotated[str, Path(description="The example's name, from /api/examples")]
                      ) -> Response:
    """Parameters go in the query string by name (``?entity=chongqing-customs``); others keep defaults."""
    example = find_example(name)
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
    prefixes = {name: PREFIXES[name] for name in PAGE_PREFIXES} | {"id": f"{settings.base}id/"}
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
        "examples": [summary_of(e).model_dump() for e in load_examples()],
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
