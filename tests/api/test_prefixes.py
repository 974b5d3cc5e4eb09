"""Predefined prefixes (graph/prefixes.py) on /sparql, /embed/sparql and `coopgraph query`: a query
uses coop:, id:, rdfs:... without PREFIX lines, its own PREFIX wins, an undeclared prefix is named
(with the likely intended one), parser positions stay where the user wrote them, updates know them too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from coopgraph.api.cli import app
from coopgraph.graph.namespaces import COOP_NS, DEFAULT_BASE
from coopgraph.graph.prefixes import predefined_prefixes, with_predefined_prefixes
from coopgraph.graph.query_guard import QueryLimits, inspect_query, prefix_use
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.conftest import SeedBuild, app_settings, in_process_app

JSON = {"accept": "application/sparql-results+json"}
TOKEN = "prefix-test-token-0123456789"


def _ask(client: httpx.Client, query: str) -> bool:
    response = client.get("/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_predefined_prefixes_are_the_namespaces_of_graph_namespaces() -> None:
    prefixes = predefined_prefixes("https://example.org/base")
    assert list(prefixes)[:2] == ["coop", "id"]
    assert prefixes["id"] == "https://example.org/base/id/"
    assert prefixes["coop"] == COOP_NS
    assert prefixes["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#"
    assert {"rdf", "owl", "xsd", "skos", "dcterms", "prov", "org", "schema"} <= set(prefixes)


def test_only_used_and_undeclared_prefixes_are_added_on_the_first_line() -> None:
    predefined = predefined_prefixes(DEFAULT_BASE)
    text = 'PREFIX rdfs: <http://example.org/mine#>\nSELECT * { _:b id:x ?o . ?o rdfs:label "coop:no" }'
    prefixed = with_predefined_prefixes(text, predefined)
    assert prefixed.added == f"PREFIX id: <{DEFAULT_BASE}id/> "  # not rdfs (declared), not coop (a string)
    assert prefixed.text == prefixed.added + text and "\n" not in prefixed.added
    assert set(prefix_use(text).used) == {"id", "rdfs"}  # `_:b` is a blank node, not a prefix ``
    assert with_predefined_prefixes("ASK {}", predefined).text == "ASK {}"


def test_from_with_a_predefined_prefix_resolves_for_the_guard() -> None:
    info = inspect_query("SELECT * FROM id:g WHERE { ?s ?p ?o }", QueryLimits(),
                         predefined_prefixes(DEFAULT_BASE))
    assert info.from_graphs == (f"{DEFAULT_BASE}id/g",)


def test_readme_style_query_without_prefix_lines_runs(app_client: httpx.Client) -> None:
    response = app_client.get("/sparql", params={"query": "SELECT ?signatory WHERE { "
                                                           "id:cq-cd-customs-memorandum coop:hasSignatory ?signatory }"},
                              headers=JSON)
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) >= 2
    # POST bodies (direct and form) take the same path.
    direct = app_client.post("/sparql", content="ASK { id:chongqing-customs rdfs:label ?l }",
                             headers={**JSON, "content-type": "application/sparql-query"})
    assert direct.status_code == 200 and direct.json()["boolean"] is True, direct.text
    form = app_client.post("/sparql", data={"query": "ASK { id:chongqing-customs a coop:CustomsDistrict }"},
                           headers=JSON)
    assert form.status_code == 200 and form.json()["boolean"] is True, form.text


def test_own_prefix_wins(app_client: httpx.Client) -> None:
    assert _ask(app_client, "ASK { id:chongqing-customs ?p ?o }") is True
    assert _ask(app_client, "PREFIX id: <https://example.org/elsewhere/>\nASK { id:chongqing-customs ?p ?o }") is False
    # Declared with the very IRI as written out in full: the same answer as predefined.
    assert _ask(app_client, f"PREFIX id: <{DEFAULT_BASE}id/> ASK {{ id:chongqing-customs ?p ?o }}") is True


@pytest.mark.parametrize(("query", "wanted", "hint"), [
    ("SELECT * WHERE { ?s geo:asWKT ?o }", "undeclared prefix 'geo:'", None),
    ("SELECT * WHERE { ?s cop:hasMember ?o }", "undeclared prefix 'cop:'", "did you mean 'coop:'?"),
    ("SELECT * WHERE {\n  ?s rdsf:label ?o }", "undeclared prefix 'rdsf:' (line 2)", "did you mean 'rdfs:'?"),
])
def test_undeclared_prefix_is_named_not_a_grammar_dump(app_client: httpx.Client, query: str, wanted: str,
                                                        hint: str | None) -> None:
    response = app_client.get("/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 400
    message = response.json()["error"]
    assert wanted in message and "(predefined: coop:, id:, rdf:, rdfs:" in message, message
    assert "expected one of" not in message and "\\u{" not in message
    if hint:
        assert message.endswith(hint), message
    else:
        assert "did you mean" not in message


def test_parser_positions_on_line_one_are_the_users(app_client: httpx.Client) -> None:
    query = "SELECT * WHERE { ?s coop:hasMember ?o } GROUP BY"
    response = app_client.get("/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 400
    # Where the parser stops on the text as written, with the declaration on its own line before it.
    with pytest.raises(SyntaxError) as parsed:
        ox.Store().query(f"PREFIX coop: <{COOP_NS}>\n{query}")
    where = re.match(r"error at 2:(\d+):", str(parsed.value))
    assert where is not None, parsed.value
    expected = f"error at 1:{where.group(1)}:"
    assert response.json()["error"].startswith(expected), (response.json()["error"], expected)


def test_embed_sparql_knows_the_prefixes(app_client: httpx.Client) -> None:
    query = ("CONSTRUCT { id:chongqing-customs coop:hasPartner ?o } "
             "WHERE { id:chongqing-customs ?p ?o . ?o a coop:Organisation }")
    response = app_client.get("/embed/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    bad = app_client.get("/embed/sparql", params={"query": "CONSTRUCT WHERE { ?s a cop:Organisation }"},
                         headers={"accept": "application/json"})
    assert bad.status_code == 400 and "did you mean 'coop:'?" in bad.text, bad.text


@pytest.fixture
def update_client(tmp_path: Path) -> Iterator[httpx.Client]:
    OxigraphStore.replace(tmp_path / "store", lambda db: None)
    settings = app_settings(tmp_path / "store", allow_updates=True, update_token=TOKEN)
    with in_process_app(settings) as client:
        yield client


def test_updates_know_the_prefixes(update_client: httpx.Client) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    inserted = update_client.post("/sparql", data={"update": 'INSERT DATA { id:new-body a coop:Organisation ; '
                                                             'rdfs:label "New body"@en }'}, headers=auth)
    assert inserted.status_code == 204, inserted.text
    assert _ask(update_client, f'ASK {{ <{DEFAULT_BASE}id/new-body> a <{COOP_NS}Organisation> ; '
                               '<http://www.w3.org/2000/01/rdf-schema#label> "New body"@en }') is True
    # Its own PREFIX wins in an update too.
    own = update_client.post("/sparql", content="PREFIX id: <https://example.org/x/> INSERT DATA { id:a a coop:Organisation }",
                             headers={**auth, "content-type": "application/sparql-update"})
    assert own.status_code == 204, own.text
    assert _ask(update_client, f"ASK {{ <https://example.org/x/a> a <{COOP_NS}Organisation> }}") is True
    bad = update_client.post("/sparql", data={"update": "INSERT DATA { id:b a cop:Organisation }"}, headers=auth)
    assert bad.status_code == 400 and "did you mean 'coop:'?" in bad.json()["error"], bad.text
    # A syntax error's position is the update's own (the BASE and the prefixes sit on its first line).
    broken = update_client.post("/sparql", data={"update": "INSERT DATA { id:c a coop:Organisation"}, headers=auth)
    assert broken.status_code == 400
    where = re.match(r"error at 1:(\d+)", broken.json()["error"])
    assert where is not None, broken.text
    assert int(where.group(1)) <= len("INSERT DATA { id:c a coop:Organisation") + 1


def test_cli_query_knows_the_prefixes(cli, seed_build: SeedBuild) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(app, ["query", "--store", str(seed_build.store_root), "--format", "csv",
                              "SELECT ?s WHERE { ?s a coop:CustomsDistrict ; rdfs:label ?l }"])
    assert result.exit_code == 0, result.output
    assert f"{DEFAULT_BASE}id/chongqing-customs" in result.output
    own = cli.invoke(app, ["query", "--store", str(seed_build.store_root), "--format", "json",
                           "PREFIX id: <https://example.org/elsewhere/> ASK { id:chongqing-customs ?p ?o }"])
    assert own.exit_code == 0 and '"boolean": false' in own.output.replace('":false', '": false'), own.output
    bad = cli.invoke(app, ["query", "--store", str(seed_build.store_root), "SELECT * { ?s rdsf:label ?o }"])
    assert bad.exit_code != 0 and "undeclared prefix 'rdsf:'" in bad.output and "did you mean 'rdfs:'?" in bad.output
