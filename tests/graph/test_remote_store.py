"""RemoteStore against a real Oxigraph server started by the test (the `oxigraph` command from PyPI).

Skipped locally when the command is absent; under CI=true a missing command is a failure
(.ci/run installs the ``bench`` extra, which brings it).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coopgraph.graph.errors import QuerySyntaxError, StoreError
from coopgraph.graph.store import Store, open_store
from coopgraph.graph.store.remote import RemoteStore
from tests.conftest import free_port
from tests.remote_engines import oxigraph_command

A = "https://coopgraph.org/id/chongqing"
B = "https://coopgraph.org/id/sichuan"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PART_OF = "https://coopgraph.org/ontology#partOf"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    command = oxigraph_command()  # skips when missing, except under CI=true
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    log = open(location.parent / f"oxigraph-{port}.log", "wb")
    process = subprocess.Popen([command, "serve", "--location", str(location / "db"), "--bind",
                                f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"oxigraph exited with {process.returncode}")
            try:
                if httpx.get(url + "/query?query=ASK%7B%7D", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("oxigraph server did not start within 20 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def store(server: str) -> Iterator[RemoteStore]:
    remote = RemoteStore(server + "/query", update_url=server + "/update", timeout=10)
    remote.update("DROP ALL")
    remote.update(f"""INSERT DATA {{
        <{A}> <{LABEL}> "Chongqing"@en, "重庆"@zh ; <{PART_OF}> <https://coopgraph.org/id/china> .
        <{B}> <{LABEL}> "Sichuan"@en ; <{PART_OF}> <https://coopgraph.org/id/china> .
        <https://coopgraph.org/id/china> <{LABEL}> "China"@en .
        GRAPH <https://coopgraph.org/ontology> {{ <urn:c> <{LABEL}> "a class" }}
    }}""")
    yield remote
    remote.close()


def test_is_a_store(store: RemoteStore) -> None:
    assert isinstance(store, Store)


def test_open_store_picks_remote_for_urls(server: str) -> None:
    opened = open_store(Path(server + "/query"))  # a URL that went through pathlib still works
    try:
        assert isinstance(opened, RemoteStore)
        assert opened.query_url == server + "/query"
        assert opened.ask("ASK {}") is True
    finally:
        opened.close()


def test_select_returns_plain_strings(store: RemoteStore) -> None:
    rows = store.select(f"SELECT ?l WHERE {{ <{A}> <{LABEL}> ?l }} ORDER BY ?l")
    assert rows == [{"l": "Chongqing"}, {"l": "重庆"}]
    rows = store.select(f"SELECT ?s ?x WHERE {{ ?s <{PART_OF}> ?o OPTIONAL {{ ?s <urn:none> ?x }} }} ORDER BY ?s")
    assert rows == [{"s": A}, {"s": B}]  # unbound variables are absent, as in OxigraphStore


def test_ask(store: RemoteStore) -> None:
    assert store.ask(f"ASK {{ <{A}> <{PART_OF}> ?o }}") is True
    assert store.ask(f"ASK {{ <{B}> <{PART_OF}> <{A}> }}") is False


def test_construct_is_ntriples(store: RemoteStore) -> None:
    data = store.construct(f"CONSTRUCT {{ ?s <{PART_OF}> ?o }} WHERE {{ ?s <{PART_OF}> ?o }}")
    lines = sorted(data.decode().splitlines())
    assert lines == [f"<{A}> <{PART_OF}> <https://coopgraph.org/id/china> .",
                     f"<{B}> <{PART_OF}> <https://coopgraph.org/id/china> ."]


def test_update_changes_data_and_version(store: RemoteStore) -> None:
    before = store.version()
    store.update(f'INSERT DATA {{ <{B}> <{LABEL}> "四川"@zh }}')
    after = store.version()
    assert after != before
    assert {"l": "四川"} in store.select(f"SELECT ?l WHERE {{ <{B}> <{LABEL}> ?l }}")
    assert store.version() == after  # stable while nothing changes


def test_stats(store: RemoteStore) -> None:
    stats = store.stats()
    assert stats.triples_default_graph == 6
    assert stats.named_graphs == 2  # the ontology and the meta graph holding the version
    assert stats.quads == 8
    assert stats.version == store.version()


# Each of these ends a line for str.splitlines() but is left raw inside an N-Triples literal.
LINE_BREAKERS = "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"


def test_graph_writes_keep_literals_whole_at_unicode_line_breaks(store: RemoteStore) -> None:
    text = f"a line{LINE_BREAKERS}and the next"
    graph, record = "https://coopgraph.org/graph/test", "https://coopgraph.org/graph/ingest/doc-test"
    triple = f'<{A}> <https://schema.org/text> "{text}" .\n'.encode()
    store.replace_graph(graph, triple, what="a test")
    assert store.select(f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?s ?p ?t }} }}") == [{"t": text}]
    before = store.stats()
    # add_with_record: into the default graph and the record graph in one request; then out again,
    # keeping what the pattern says another source states (here: the replaced graph above).
    store.add_with_record(record, triple + f'<{B}> <{LABEL}> "Sichuan"@en .\n'.encode(), what="a test")
    assert store.select(f"SELECT ?t WHERE {{ <{A}> <https://schema.org/text> ?t }}") == [{"t": text}]
    assert store.stats().quads == before.quads + 1 + 2  # Sichuan's label was in the default graph
    store.remove_with_record(record, keep=f"GRAPH <{graph}> {{ ?s ?p ?o }}", what="a test")
    assert store.select(f"SELECT ?t WHERE {{ <{A}> <https://schema.org/text> ?t }}") == [{"t": text}]
    assert not store.ask(f"ASK {{ <{B}> <{LABEL}> ?l }}")  # not kept: nothing else states it
    assert store.stats().quads == before.quads + 1 - 1  # the text kept in the default graph, the label gone


def test_syntax_error_is_a_query_error(store: RemoteStore) -> None:
    with pytest.raises(QuerySyntaxError):
        store.select("SELECT ?x WHERE { ?x ")


def test_read_only_remote_refuses_updates(server: str) -> None:
    with RemoteStore(server + "/query") as remote, pytest.raises(StoreError, match="no update URL"):
        remote.update("DROP ALL")


def test_unreachable_endpoint_is_a_store_error() -> None:
    with RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2) as remote:
        with pytest.raises(StoreError, match="cannot reach"):
            remote.ask("ASK {}")


def test_version_falls_back_to_a_count_without_the_meta_triple(server: str) -> None:
    with RemoteStore(server + "/query", update_url=server + "/update") as remote:
        remote.update("DROP ALL")
        httpx.post(server + "/update", data={"update": "DROP ALL"}).raise_for_status()  # no version triple
        empty = remote.version()
        assert empty.startswith("count-")
        httpx.post(server + "/update", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}
                   ).raise_for_status()
        assert remote.version() != empty


def test_bearer_token_is_sent() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        return httpx.Response(200, json={"head": {}, "boolean": True})

    with RemoteStore("http://127.0.0.1:9/query", auth="s3cret", transport=httpx.MockTransport(handler)) as remote:
        assert remote.ask("ASK {}") is True
    assert seen == ["Bearer s3cret"]


def test_cli_query_analyse_and_view_run_on_a_remote_endpoint(server: str, seed_build, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same commands on the seed graph served by a real Oxigraph server, not our store."""
    from coopgraph.api.cli import app

    nt = (seed_build.export_dir / "coopgraph.nt").read_bytes()
    httpx.post(server + "/update", data={"update": "DROP ALL"}, timeout=10).raise_for_status()
    httpx.post(server + "/store?default", content=nt, headers={"Content-Type": "application/n-triples"},
               timeout=30).raise_for_status()
    endpoint = server + "/query"
    count = ("SELECT (COUNT(*) AS ?n) WHERE { ?e a <https://coopgraph.org/ontology#Evidence> }")
    table = cli.invoke(app, ["query", count, "--store", endpoint])
    assert table.exit_code == 0, table.output
    assert str(seed_build.outcome.result.summary.evidence_quotes) in table.output
    as_csv = cli.invoke(app, ["query", count, "--store", endpoint, "-f", "csv"])
    assert as_csv.output.split()[-1] == str(seed_build.outcome.result.summary.evidence_quotes)
    bad = cli.invoke(app, ["query", "SELECT ?x WHERE { ?x ?y }", "--store", endpoint])
    assert bad.exit_code == 2
    paths = cli.invoke(app, ["analyse", "paths", "--source", "chengdu-customs", "--target", "singapore",
                             "--store", endpoint, "--format", "json"])
    assert paths.exit_code == 0, paths.output
    assert "https://coopgraph.org/id/singapore" in paths.output and "promote China-Singapore" in paths.output
    view = cli.invoke(app, ["view", "--focus", "chongqing-customs", "-o", str(tmp_path / "v.html"),
                            "--store", endpoint])
    assert view.exit_code == 0, view.output
    assert "Chongqing Customs" in (tmp_path / "v.html").read_text()
