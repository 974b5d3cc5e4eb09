"""``coopgraph serve --store URL`` on Virtuoso Open Source (Debian's ``virtuoso-opensource``, 7.2).

The test starts ``virtuoso-t`` in the foreground with its own ini (ports on 127.0.0.1, a temp
database), loads the seed build (its default graph into a named graph: Virtuoso's default graph is
the union of all graphs), and checks the core features through coopgraph over real HTTP: SPARQL
passthrough, entity pages with their evidence, search. Skipped when Virtuoso is absent, except
under CI=true (.ci/run installs it), where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from coopgraph.graph.store.base import ONTOLOGY_GRAPH
from tests.conftest import LiveServer, SeedBuild, stop_server
from tests.remote_engines import Engine, push_nquads, start_coopgraph, start_virtuoso

CQ = "https://coopgraph.org/id/chongqing-customs"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
JSON = "application/sparql-results+json"
DATA_GRAPH = "https://coopgraph.org/graph/data"


@pytest.fixture(scope="module")
def virtuoso(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    import pyoxigraph as ox

    from coopgraph.graph.store.oxigraph import OxigraphStore

    engine = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        with OxigraphStore(seed_build.store_root) as seed:
            # The data and the ontology; not the analysis graph, which Virtuoso's union default
            # graph would mix into every entity's statements.
            quads = [q for q in ox.parse(seed.dump(), format=ox.RdfFormat.N_QUADS)
                     if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value == ONTOLOGY_GRAPH]
            push_nquads(engine, ox.serialize(quads, format=ox.RdfFormat.N_QUADS), default_graph=DATA_GRAPH)
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="module")
def app(virtuoso: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_coopgraph(virtuoso.query_url, tmp_path_factory.mktemp("virtuoso-app"))
    yield server
    stop_server(server)


def _sparql(app: LiveServer, query: str, accept: str = JSON) -> httpx.Response:
    return httpx.post(app.url + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=60)


def test_select_passes_through(app: LiveServer) -> None:
    query = f'SELECT ?l WHERE {{ <{CQ}> <{LABEL}> ?l FILTER(LANG(?l) = "en") }}'
    response = _sparql(app, query)
    assert response.status_code == 200, response.text
    assert [b["l"]["value"] for b in response.json()["results"]["bindings"]] == ["Chongqing Customs"]
    csv = _sparql(app, query, "text/csv")
    assert csv.status_code == 200
    assert csv.text.splitlines()[1].strip('"') == "Chongqing Customs"


def test_ask_and_construct_pass_through(app: LiveServer) -> None:
    assert _sparql(app, f"ASK {{ <{CQ}> ?p ?o }}").json()["boolean"] is True
    graph = _sparql(app, f"CONSTRUCT {{ <{CQ}> <{LABEL}> ?l }} WHERE {{ <{CQ}> <{LABEL}> ?l }}",
                    "application/n-triples")
    assert graph.status_code == 200, graph.text
    parsed = Graph().parse(data=graph.content, format="nt")
    assert set(parsed.objects(URIRef(CQ), URIRef(LABEL))) == {Literal("Chongqing Customs", lang="en"),
                                                              Literal("重庆海关", lang="zh")}


def test_malformed_query_is_400_with_virtuosos_message(app: LiveServer) -> None:
    response = _sparql(app, "SELECT *\nWHERE { ?s ?p }")
    assert response.status_code == 400
    assert "SPARQL" in response.json()["error"] and "Virtuoso" in response.json()["error"]


def test_service_and_pragmas_are_refused(app: LiveServer) -> None:
    assert _sparql(app, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }").status_code == 403
    assert _sparql(app, 'DEFINE get:soft "replace" SELECT * FROM <http://example.org/> WHERE { ?s ?p ?o }'
                   ).status_code == 403


def test_entity_page_equals_the_embedded_stores(app: LiveServer, live_server: LiveServer) -> None:
    ours = httpx.get(app.url + "/api/entities/chongqing-customs", timeout=60)
    embedded = httpx.get(live_server.url + "/api/entities/chongqing-customs", timeout=60)
    assert ours.status_code == 200, ours.text
    assert ours.json() == embedded.json()
    quotes = [e["quote"] for s in embedded.json()["statements"] for e in s.get("evidence", [])]
    page = httpx.get(app.url + "/id/chongqing-customs", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and "Chongqing Customs" in page.text
    assert httpx.get(app.url + "/api/entities/no-such-entity", timeout=60).status_code == 404
    assert quotes


def test_search_finds_by_english_and_chinese_names(app: LiveServer, live_server: LiveServer) -> None:
    for q in ("chongqing customs", "重庆海关", "chengdu"):
        ours = httpx.get(app.url + "/api/search", params={"q": q}, timeout=60)
        embedded = httpx.get(live_server.url + "/api/search", params={"q": q}, timeout=60)
        assert ours.status_code == 200, ours.text
        assert [(h["slug"], h["match"]) for h in ours.json()] == [(h["slug"], h["match"]) for h in embedded.json()]


def test_an_entity_is_found_by_name_on_the_remote_store(app: LiveServer) -> None:
    by_name = httpx.get(app.url + "/api/entities/" + quote("chongqing customs"), timeout=60)
    assert by_name.status_code == 200, by_name.text
    assert by_name.json()["slug"] == "chongqing-customs"
    miss = httpx.get(app.url + "/api/entities/" + quote("Chongqing Custom"), timeout=60)
    assert miss.status_code == 404
    assert "did you mean chongqing-customs (Chongqing Customs)" in miss.json()["error"]


def test_without_virtuoso_these_tests_skip_saying_why_but_fail_under_ci(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine with only the README's prerequisites
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        start_virtuoso(tmp_path / "virtuoso")
    assert "`virtuoso-t` command is not installed (apt-get install virtuoso-opensource" in str(skipped.value)
    assert ".ci/run" in str(skipped.value)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        start_virtuoso(tmp_path / "virtuoso")
    assert "CI=true but the `virtuoso-t` command is missing: .ci/run installs it" in str(failed.value)
