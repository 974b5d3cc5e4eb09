"""``coopgraph serve --store URL`` on a real Oxigraph server holding the seed graph, over real HTTP.

The engine is started by the test (``oxigraph serve``, PyPI), filled with the seed build's quads
(data + ontology graph), and ``coopgraph serve --store http://127.0.0.1:PORT/query`` runs as a real
subprocess in front of it. Where the embedded store gives a known answer (the session's
``live_server`` on the same seed build), the remote store must give the very same one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from tests.conftest import REPO, LiveServer, SeedBuild, stop_server
from tests.remote_engines import Engine, push_nquads, start_coopgraph, start_oxigraph, wait_ready

TOKEN = "remote-test-token-0123456789"
CQ = "https://coopgraph.org/id/chongqing-customs"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def engine(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from coopgraph.graph.store.oxigraph import OxigraphStore

    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-remote"))
    with OxigraphStore(seed_build.store_root) as seed:
        push_nquads(server, seed.dump())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote_app(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_coopgraph(engine.query_url, tmp_path_factory.mktemp("remote-log"), update_url=engine.update_url,
                             env={"COOPGRAPH_ALLOW_UPDATES": "true", "COOPGRAPH_UPDATE_TOKEN": TOKEN})
    yield server
    stop_server(server)


def _sparql(app: LiveServer, query: str, accept: str) -> httpx.Response:
    return httpx.post(app.url + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=30)


LABEL_QUERY = f'SELECT ?l WHERE {{ <{CQ}> <{LABEL}> ?l FILTER(LANG(?l) = "en") }}'


@pytest.mark.parametrize(("accept", "expected"), [
    (JSON, None),
    ("text/csv", b"l\r\nChongqing Customs\r\n"),
    ("text/tab-separated-values", b'?l\n"Chongqing Customs"@en\n'),
    ("application/sparql-results+xml", None),
])
def test_select_passes_through_in_each_format(remote_app: LiveServer, accept: str, expected: bytes | None) -> None:
    response = _sparql(remote_app, LABEL_QUERY, accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    if accept == JSON:
        assert [b["l"]["value"] for b in response.json()["results"]["bindings"]] == ["Chongqing Customs"]
        assert response.json()["results"]["bindings"][0]["l"]["xml:lang"] == "en"
    elif expected is not None:
        assert response.content == expected
    else:
        assert b"<literal xml:lang=\"en\">Chongqing Customs</literal>" in response.content


@pytest.mark.parametrize("accept", [JSON, "application/sparql-results+xml"])
def test_ask_passes_through(remote_app: LiveServer, accept: str) -> None:
    yes = _sparql(remote_app, f"ASK {{ <{CQ}> ?p ?o }}", accept)
    no = _sparql(remote_app, "ASK { <https://coopgraph.org/id/no-such-thing> ?p ?o }", accept)
    assert yes.status_code == no.status_code == 200
    if accept == JSON:
        assert (yes.json()["boolean"], no.json()["boolean"]) == (True, False)
    else:
        assert b"<boolean>true</boolean>" in yes.content and b"<boolean>false</boolean>" in no.content


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_passes_through(remote_app: LiveServer, accept: str, rdflib_format: str) -> None:
    response = _sparql(remote_app, f"CONSTRUCT {{ <{CQ}> <{LABEL}> ?l }} WHERE {{ <{CQ}> <{LABEL}> ?l }}", accept)
    assert response.status_code == 200, response.text
    g = Graph().parse(data=response.content, format=rdflib_format)
    assert set(g.objects(URIRef(CQ), URIRef(LABEL))) == {Literal("Chongqing Customs", lang="en"),
                                                         Literal("重庆海关", lang="zh")}


def test_rows_are_bounded_like_the_embedded_store(engine: Engine, tmp_path: Path) -> None:
    app = start_coopgraph(engine.query_url, tmp_path, env={"COOPGRAPH_MAX_RESULT_ROWS": "5"})
    try:
        response = _sparql(app, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 50", JSON)
        assert len(response.json()["results"]["bindings"]) == 5
        assert response.headers["x-coopgraph-truncated"] == "true"
        tsv = _sparql(app, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 50", "text/tab-separated-values")
        assert len(tsv.content.decode().splitlines()) == 1 + 5
    finally:
        stop_server(app)


def test_malformed_query_is_400_with_the_engines_message(remote_app: LiveServer, engine: Engine) -> None:
    query = "SELECT *\nWHERE { ?s ?p }"
    direct = httpx.post(engine.query_url, data={"query": query}, timeout=10)
    assert direct.status_code == 400
    response = _sparql(remote_app, query, JSON)
    assert response.status_code == 400
    assert response.json()["error"] == direct.text.strip()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    'DEFINE get:soft "replace" SELECT * WHERE { ?s ?p ?o }',
    "SELECT * FROM <http://example.org/remote-data> WHERE { ?s ?p ?o }",
])
def test_remote_iris_and_engine_extensions_are_refused(remote_app: LiveServer, query: str) -> None:
    response = _sparql(remote_app, query, JSON)
    assert response.status_code == 403, response.text


def test_from_a_graph_of_the_store_is_allowed(remote_app: LiveServer) -> None:
    response = _sparql(remote_app, "SELECT (COUNT(*) AS ?n) FROM <https://coopgraph.org/ontology> "
                                   "WHERE { ?s ?p ?o }", JSON)
    assert response.status_code == 200
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 100


@pytest.mark.parametrize("path", [
    "/api/entities/chongqing-customs", "/api/entities/chengdu-customs", "/api/documents",
    "/api/examples/agreements-signed-by?entity=chongqing-customs",
])
def test_json_pages_equal_the_embedded_stores(remote_app: LiveServer, live_server: LiveServer, path: str) -> None:
    ours, embedded = httpx.get(remote_app.url + path, timeout=30), httpx.get(live_server.url + path, timeout=30)
    assert embedded.status_code == 200, embedded.text
    assert ours.status_code == 200, ours.text
    assert ours.json() == embedded.json()


@pytest.mark.parametrize("q", ["chongqing customs", "重庆", "customs", "chengdu", "memorandum cooperation",
                               "Chongqing Custom"])
def test_search_ranks_like_the_embedded_store(remote_app: LiveServer, live_server: LiveServer, q: str) -> None:
    """Same entities, same kind of match, same scores (which name of an entity wins a tie may differ)."""
    def ranked(server: LiveServer) -> list[tuple[str, str, float]]:
        response = httpx.get(server.url + "/api/search", params={"q": q, "limit": 20}, timeout=30)
        assert response.status_code == 200, response.text
        return [(h["slug"], h["match"], h["score"]) for h in response.json()]

    assert ranked(remote_app) == ranked(live_server)


def test_entity_page_shows_its_evidence_quote(remote_app: LiveServer, live_server: LiveServer) -> None:
    detail = httpx.get(live_server.url + "/api/entities/chongqing-customs", timeout=30).json()
    quotes = [e["quote"] for s in detail["statements"] for e in s.get("evidence", [])]
    assert quotes
    page = httpx.get(remote_app.url + "/id/chongqing-customs", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    assert "Chongqing Customs" in page.text
    from html import escape

    assert escape(quotes[0], quote=False) in page.text or escape(quotes[0]) in page.text


def test_unknown_entity_is_404(remote_app: LiveServer) -> None:
    response = httpx.get(remote_app.url + "/api/entities/no-such-entity", timeout=30)
    assert response.status_code == 404
    assert response.json()["error"] == "no entity 'no-such-entity'"


def test_view_and_analytics_answer_once_the_projection_is_pulled(remote_app: LiveServer,
                                                                 live_server: LiveServer) -> None:
    for path in ("/api/view?focus=chongqing-customs&depth=1", "/api/centrality?measure=degree&limit=5",
                 "/api/neighbourhood/chongqing-customs?depth=1"):
        ours = wait_ready(remote_app.url + path)
        embedded = httpx.get(live_server.url + path, timeout=30)
        assert ours.status_code == embedded.status_code == 200, ours.text
        mine, theirs = ours.json(), embedded.json()
        mine.pop("version", None), theirs.pop("version", None)  # the stores' own version strings
        assert mine == theirs


def test_update_needs_our_token_and_reaches_the_engine(remote_app: LiveServer, engine: Engine) -> None:
    update = f'INSERT DATA {{ <{CQ}> <https://coopgraph.org/ontology#note> "remote update test" }}'
    assert httpx.post(remote_app.url + "/sparql", data={"update": update}, timeout=10).status_code == 401
    wrong = httpx.post(remote_app.url + "/sparql", data={"update": update}, timeout=10,
                       headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 403
    before = httpx.get(remote_app.url + "/healthz", timeout=10).json()["version"]
    done = httpx.post(remote_app.url + "/sparql", data={"update": update}, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert done.status_code == 204, done.text
    seen = httpx.post(engine.query_url, timeout=10, headers={"Accept": JSON}, data={
        "query": f"SELECT ?o WHERE {{ <{CQ}> <https://coopgraph.org/ontology#note> ?o }}"}).json()
    assert [b["o"]["value"] for b in seen["results"]["bindings"]] == ["remote update test"]
    assert httpx.get(remote_app.url + "/healthz", timeout=10).json()["version"] != before
    httpx.post(remote_app.url + "/sparql", timeout=30, headers={"Authorization": f"Bearer {TOKEN}"},
               data={"update": update.replace("INSERT DATA", "DELETE DATA")})


def _coopgraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")} | (env or {})
    return subprocess.run([sys.executable, "-m", "coopgraph", *args], cwd=REPO, env=environ, capture_output=True,
                          text=True, timeout=120)


def _count(engine: Engine, graph: str) -> int:
    body = httpx.post(engine.query_url, timeout=10, headers={"Accept": JSON}, data={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}).json()
    return int(body["results"]["bindings"][0]["n"]["value"])


def test_load_into_the_remote_store(engine: Engine, tmp_path: Path) -> None:
    graph = "https://example.org/graph/loaded"
    good = tmp_path / "small.ttl"
    good.write_text('@prefix ex: <https://example.org/> .\nex:a ex:knows ex:b , [ ex:name "anon" ] .\n'
                    'ex:b ex:name "B"@en .\n', encoding="utf-8")
    done = _coopgraph("load", str(good), "--store", engine.query_url, "--update-url", engine.update_url,
                      "--graph", graph)
    assert done.returncode == 0, done.stderr
    assert _count(engine, graph) == 4
    # the blank node stayed one node
    body = httpx.post(engine.query_url, timeout=10, headers={"Accept": JSON}, data={"query": (
        f"SELECT ?n WHERE {{ GRAPH <{graph}> {{ <https://example.org/a> <https://example.org/knows> ?x . "
        "?x <https://example.org/name> ?n FILTER(isBlank(?x)) } }")}).json()
    assert [b["n"]["value"] for b in body["results"]["bindings"]] == ["anon"]


def test_batches_never_split_a_blank_node(engine: Engine, tmp_path: Path) -> None:
    from coopgraph.graph.load import load_files_remote
    from coopgraph.graph.store.remote import RemoteStore

    graph = "https://example.org/graph/batched"
    lines = ["@prefix ex: <https://example.org/> ."]
    lines += [f"ex:s{i} ex:p {i} ." for i in range(5)]
    lines += ["_:x ex:name \"x\" .", "ex:s0 ex:q _:x ."] + [f"ex:t{i} ex:p {i} ." for i in range(5)]
    lines += ["ex:s1 ex:q _:x .", 'ex:s2 ex:q [ ex:name "anon" ] .']
    source = tmp_path / "bnodes.ttl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with RemoteStore(engine.query_url, update_url=engine.update_url) as store:
        result = load_files_remote(store, [source], graph=graph, batch_quads=2)
    assert result.quads_added == 15
    body = httpx.post(engine.query_url, timeout=10, headers={"Accept": JSON}, data={"query": (
        f"SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?b <https://example.org/name> ?v "
        "FILTER(isBlank(?b)) ?s <https://example.org/q> ?b } }")}).json()
    assert body["results"]["bindings"][0]["n"]["value"] == "2"  # _:x and the anonymous one, each one node
    shared = httpx.post(engine.query_url, timeout=10, headers={"Accept": JSON}, data={"query": (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?b <https://example.org/name> \"x\" . "
        "?s <https://example.org/q> ?b } }")}).json()
    assert shared["results"]["bindings"][0]["n"]["value"] == "2"  # s0 and s1 point at the same _:x


def test_malformed_file_names_its_line_and_sends_nothing(engine: Engine, tmp_path: Path) -> None:
    graph = "https://example.org/graph/never"
    good = tmp_path / "good.nt"
    good.write_text("<https://example.org/x> <https://example.org/p> \"1\" .\n", encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:p ex:b .\nex:c ex:p .\n", encoding="utf-8")
    done = _coopgraph("load", str(good), str(bad), "--store", engine.query_url, "--update-url", engine.update_url,
                      "--graph", graph)
    assert done.returncode != 0
    assert "bad.ttl" in done.stderr and ":3" in done.stderr, done.stderr
    assert _count(engine, graph) == 0


def test_query_command_reads_the_remote_store(engine: Engine) -> None:
    done = _coopgraph("query", LABEL_QUERY, "--store", engine.query_url, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["l", "Chongqing Customs"]


def test_engine_down_gives_a_clear_502(tmp_path: Path, seed_build: SeedBuild) -> None:
    engine = start_oxigraph(tmp_path / "short-lived")
    httpx.post(engine.update_url, data={"update": f'INSERT DATA {{ <{CQ}> <{LABEL}> "Chongqing Customs"@en }}'},
               timeout=10)
    app = start_coopgraph(engine.query_url, tmp_path)
    try:
        assert _sparql(app, LABEL_QUERY, JSON).status_code == 200
        engine.stop()
        for response in (_sparql(app, LABEL_QUERY, JSON),
                         httpx.get(app.url + "/api/entities/chongqing-customs", timeout=30),
                         httpx.get(app.url + "/api/search?q=chongqing", timeout=30)):
            assert response.status_code == 502, response.text
            assert "cannot reach the SPARQL" in response.json()["error"]
            assert engine.query_url in response.json()["error"]
    finally:
        stop_server(app)


def test_starts_while_the_engine_is_down(tmp_path: Path) -> None:
    from tests.conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}/query"
    app = start_coopgraph(dead, tmp_path)
    try:
        response = _sparql(app, "ASK {}", JSON)
        assert response.status_code == 502
        assert json.loads(response.text)["error"].startswith(f"cannot reach the SPARQL engine at {dead}")
    finally:
        stop_server(app)


def test_a_query_past_the_timeout_is_cut_with_504(engine: Engine, tmp_path: Path) -> None:
    app = start_coopgraph(engine.query_url, tmp_path, env={"COOPGRAPH_QUERY_TIMEOUT_S": "0.3"})
    try:
        # A join of every triple with every triple: millions of rows for the engine to count.
        response = _sparql(app, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }", JSON)
        assert response.status_code == 504, response.text
        assert "did not answer within 0.3 s" in response.json()["error"]
    finally:
        stop_server(app)


class _AuthProxy:
    """A real HTTP reverse proxy in front of the engine that demands credentials, as a hosted
    endpoint would: 401 without the expected Authorization header, else the engine's answer."""

    def __init__(self, target: str, expected: str) -> None:
        import http.server
        import threading

        from tests.conftest import free_port

        proxy = self
        self.seen: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                proxy.seen.append(self.headers.get("authorization", ""))
                if self.headers.get("authorization") != expected:
                    self.send_response(401)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                answer = httpx.post(target, content=body, timeout=30, headers={
                    "content-type": self.headers["content-type"], "accept": self.headers.get("accept", "*/*")})
                self.send_response(answer.status_code)
                self.send_header("content-type", answer.headers.get("content-type", "text/plain"))
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("env", "header"), [
    ({"COOPGRAPH_REMOTE_USER": "reader", "COOPGRAPH_REMOTE_PASSWORD": "s3cret-pass-word"},
     "Basic cmVhZGVyOnMzY3JldC1wYXNzLXdvcmQ="),
    ({"COOPGRAPH_REMOTE_TOKEN": "tok-remote-0123456789"}, "Bearer tok-remote-0123456789"),
])
def test_credentials_come_from_the_environment_and_are_never_logged(
        engine: Engine, tmp_path: Path, env: dict[str, str], header: str) -> None:
    proxy = _AuthProxy(engine.query_url, header)
    try:
        app = start_coopgraph(proxy.url, tmp_path, env=env)
        try:
            assert _sparql(app, LABEL_QUERY, "text/csv").content == b"l\r\nChongqing Customs\r\n"
            page = httpx.get(app.url + "/api/entities/chongqing-customs", timeout=30)
            assert page.status_code == 200
        finally:
            stop_server(app)
        assert set(proxy.seen) == {header}
        secret = next(iter(v for k, v in env.items() if k != "COOPGRAPH_REMOTE_USER"))
        assert secret not in app.log()
        assert secret not in " ".join(app.process.args)  # type: ignore[arg-type]
    finally:
        proxy.close()
