"""Every safety case of the public SPARQL endpoint, against the real server over real HTTP.

The server runs as ``uvicorn --factory api.app:create_app`` in a subprocess bound to 127.0.0.1,
under RLIMIT_AS, with short limits (3 s per query, 256 MB per worker) so the suite stays quick.
A plain TCP listener on a second loopback port records every connection made to it: SERVICE,
FROM, FROM NAMED, default-graph-uri and LOAD pointed at it must leave it untouched.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.conftest import LiveServer, start_server, stop_server

TOKEN = "safety-test-token-0123456789"
TIMEOUT_S = 3.0
BOMB = ("SELECT ?x { " + " ".join(f"VALUES ?v{i} {{1 2 3 4 5 6 7 8 9 10}}" for i in range(8))
        + ' BIND(CONCAT(STR(?v0), STR(?v7), "padding-padding-padding-padding") AS ?x) } ORDER BY RAND()')
# CPU only (a streaming count of 10^9 rows): runs into the time limit, not the memory bound.
SPINNER = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"VALUES ?v{i} {{1 2 3 4 5 6 7 8 9 10}}" for i in range(9)) + " }"
COUNT_A = "SELECT (COUNT(*) AS ?n) { ?s <http://ex/p> ?o }"


def report(line: str) -> None:
    """Measured results go to the terminal (pytest -s or the captured section)."""
    print(f"[safety] {line}")


class Listener:
    """Accepts and counts TCP connections on 127.0.0.1 until closed."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("safety")
    triples = " ".join(f'<http://ex/s{i}> <http://ex/p> "{i}" .' for i in range(200))
    OxigraphStore.replace(tmp / "store", lambda db: db.update(f"INSERT DATA {{ {triples} }}"))
    env = {"COOPGRAPH_QUERY_TIMEOUT_S": str(TIMEOUT_S), "COOPGRAPH_QUERY_MEMORY_MB": "256",
           "COOPGRAPH_MAX_REQUEST_BYTES": "100000", "COOPGRAPH_SPARQL_WORKERS": "2",
           "COOPGRAPH_ALLOW_UPDATES": "true", "COOPGRAPH_UPDATE_TOKEN": TOKEN}
    live = start_server(tmp / "store", tmp, env=env, memory_limit_mb=6144)
    yield live
    stop_server(live)
    assert "SparqlWorkerError" not in live.log()  # no internal errors on any safety path


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def count_a(client: httpx.Client) -> str:
    r = client.get("/sparql", params={"query": COUNT_A}, headers={"accept": "text/csv"})
    assert r.status_code == 200
    return r.text


def test_no_outbound_connections(client: httpx.Client, listener: Listener) -> None:
    url = f"http://127.0.0.1:{listener.port}/sparql"
    cases = [
        ("SERVICE", {"query": f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"}, 403),
        ("SERVICE SILENT", {"query": f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"}, 403),
        ("escaped SERVICE", {"query": f"SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}"}, 403),
        ("FROM", {"query": f"SELECT * FROM <{url}> {{ ?s ?p ?o }}"}, 200),
        ("FROM NAMED", {"query": f"SELECT * FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"}, 200),
        ("default-graph-uri", {"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": url}, 200),
        ("named-graph-uri", {"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": url}, 200),
    ]
    for name, params, status in cases:
        r = client.get("/sparql", params=params)
        assert r.status_code == status, (name, r.text)
        report(f"{name} -> {r.status_code}")
    r = client.post("/sparql", data={"update": f"LOAD <{url}>"}, headers={"authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403, r.text
    report(f"LOAD (with token) -> {r.status_code}")
    time.sleep(0.5)
    assert listener.connections == 0
    report(f"connections seen by the listener: {listener.connections}")


def test_file_iri_in_from_is_not_read(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"})
    assert r.status_code == 200 and "root:" not in r.text
    assert r.json()["results"]["bindings"] == []
    report(f"FROM <file:///etc/passwd> -> {r.status_code}, 0 rows")


@pytest.mark.parametrize("levels", [550, 3000])
def test_deep_nesting_is_refused_and_server_answers(client: httpx.Client, levels: int) -> None:
    t = time.perf_counter()
    r = client.post("/sparql", content="SELECT * " + "{" * levels + "}" * levels,
                    headers={"content-type": "application/sparql-query"})
    elapsed = time.perf_counter() - t
    assert 400 <= r.status_code < 500, r.text
    assert "nests" in r.json()["error"]
    assert count_a(client) == "n\r\n200\r\n"
    report(f"{levels} nested braces -> {r.status_code} in {elapsed * 1000:.0f} ms; server still answers")


def test_memory_or_time_bomb_is_stopped_and_server_survives(client: httpx.Client) -> None:
    t = time.perf_counter()
    r = client.get("/sparql", params={"query": BOMB})
    elapsed = time.perf_counter() - t
    assert r.status_code in (503, 504), r.text
    assert elapsed < TIMEOUT_S + 3
    assert count_a(client) == "n\r\n200\r\n"
    report(f"ORDER BY RAND() over a 10^8 cross product -> {r.status_code} in {elapsed:.2f} s; server survives")


def test_runaway_query_does_not_block_others(server: LiveServer) -> None:
    results: dict[str, object] = {}

    def runaway() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            t = time.perf_counter()
            r = c.get("/sparql", params={"query": SPINNER})
            results["runaway"] = (r.status_code, time.perf_counter() - t)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway holds one worker now
    latencies = []
    with httpx.Client(base_url=server.url, timeout=30) as c:
        for _ in range(5):
            t = time.perf_counter()
            r = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            latencies.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.json()["boolean"] is True
    thread.join()
    status, elapsed = results["runaway"]  # type: ignore[misc]
    assert status == 504
    assert elapsed < TIMEOUT_S + 2
    assert max(latencies) < 1.0
    report(f"runaway -> {status} after {elapsed:.2f} s; ASKs meanwhile: max {max(latencies) * 1000:.0f} ms")


def test_fifty_concurrent_clients(server: LiveServer) -> None:
    # Fifty requests at once from 13 loopback addresses (127.0.0.2...), at most 4 each: what the
    # per-client rate limit allows a client to run at once. One httpx.Client per address: fifty
    # would spend seconds of this 2-core machine's CPU building TLS contexts, starving the server.
    addresses = [f"127.0.0.{2 + k}" for k in range(13)]
    clients = [httpx.Client(base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=4),
                            transport=httpx.HTTPTransport(local_address=address)) for address in addresses]

    def one(i: int) -> tuple[int, float]:
        t = time.perf_counter()
        r = clients[i % len(clients)].get("/sparql", params={"query": f"SELECT ?o {{ <http://ex/s{i}> ?p ?o }}"},
                                          headers={"accept": "text/csv"})
        assert r.text == f"o\r\n{i}\r\n" or r.status_code != 200, r.text
        if r.status_code != 200:
            report(f"client {i}: {r.status_code} {r.text}")
        return r.status_code, time.perf_counter() - t

    try:
        with ThreadPoolExecutor(50) as pool:
            outcomes = list(pool.map(one, range(50)))
    finally:
        for client in clients:
            client.close()
    statuses = [s for s, _ in outcomes]
    assert statuses == [200] * 50
    times = [t for _, t in outcomes]
    report(f"50 concurrent requests from 13 addresses: all 200; median {statistics.median(times) * 1000:.0f} ms, "
           f"max {max(times) * 1000:.0f} ms")


def test_updates_need_the_token(client: httpx.Client) -> None:
    insert = 'INSERT DATA { <http://ex/intruder> <http://ex/p> "x" }'
    before = count_a(client)
    cases = [({}, 401), ({"authorization": "Bearer wrong-token-wrong-token"}, 403), ({"authorization": "Basic abc"}, 401)]
    for headers, status in cases:
        r = client.post("/sparql", content=insert, headers={"content-type": "application/sparql-update", **headers})
        assert r.status_code == status, r.text
        r = client.post("/sparql", data={"update": insert}, headers=headers)
        assert r.status_code == status, r.text
    assert count_a(client) == before
    report("update without token -> 401, wrong token -> 403; data unchanged")
    t = time.perf_counter()
    r = client.post("/sparql", content=insert, headers={"content-type": "application/sparql-update",
                                                         "authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.text
    report(f"update with the token -> {r.status_code} in {time.perf_counter() - t:.2f} s")
    assert count_a(client) == "n\r\n201\r\n"
    r = client.post("/sparql", content="DELETE DATA { <http://ex/intruder> <http://ex/p> \"x\" }",
                    headers={"content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204
    assert count_a(client) == before


@pytest.mark.parametrize(
    ("name", "method", "url", "headers", "body", "status"),
    [
        ("two query params", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", {}, None, 400),
        ("bad UTF-8 in GET", "GET", "/sparql?query=ASK%7B%22%FF%22%7D", {}, None, 400),
        ("bad UTF-8 in direct POST", "POST", "/sparql", {"content-type": "application/sparql-query"},
         b'ASK { "\xff\xfe" }', 400),
        ("bad UTF-8 in form POST", "POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"},
         b"query=ASK%7B%22%FF%22%7D", 400),
        ("wrong content type", "POST", "/sparql", {"content-type": "text/plain"}, b"ASK {}", 415),
        ("missing query", "POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"}, b"format=json", 400),
        ("unknown function", "GET", "/sparql?query=SELECT%20*%20%7B%20BIND(%3Chttp%3A%2F%2Fex%2Ff%3E(1)%20AS%20%3Fx)%20%7D",
         {}, None, 400),
        ("bad IRI", "GET", "/sparql?query=SELECT%20*%20%7B%20%3Ca%20b%3E%20%3Fp%20%3Fo%20%7D", {}, None, 400),
        ("update via query", "GET", "/sparql?query=DROP%20ALL", {}, None, 400),
        ("no acceptable format", "GET", "/sparql?query=ASK%7B%7D", {"accept": "image/png"}, None, 406),
        ("body over the limit", "POST", "/sparql", {"content-type": "application/sparql-query"},
         b"ASK {}" + b" " * 200_000, 413),
    ],
)
def test_bad_requests_are_4xx(client: httpx.Client, name: str, method: str, url: str,
                              headers: dict[str, str], body: bytes | None, status: int) -> None:
    r = client.request(method, url, headers=headers, content=body)
    assert r.status_code == status, (name, r.text)
    assert r.json()["ok"] is False and r.json()["error"]


def test_streamed_body_over_the_limit_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        yield b"ASK {}"
        for _ in range(30):
            yield b" " * 10_000

    r = client.post("/sparql", content=chunks(), headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413


def test_headers_cors_and_sparqlwrapper(server: LiveServer, client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"}, headers={"origin": "https://else.example"})
    assert r.headers["vary"].lower().startswith("accept") or "accept" in r.headers["vary"].lower()
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options("/sparql", headers={"origin": "https://else.example", "access-control-request-method": "POST",
                                             "access-control-request-headers": "authorization, content-type"})
    assert pre.status_code == 200
    sd = client.get("/sparql", headers={"accept": "text/turtle"})
    assert sd.headers["content-type"].startswith("text/turtle") and "sd:Service" in sd.text

    from SPARQLWrapper import CSV, JSON, SPARQLWrapper

    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(COUNT_A)
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["results"]["bindings"][0]["n"]["value"] in ("200", "201")
    sw.setMethod("POST")
    sw.setReturnFormat(CSV)
    assert sw.query().convert().startswith(b"n\r\n")


def test_drawn_queries_run_under_the_same_limits(client: httpx.Client) -> None:
    """/embed/sparql runs users' queries in the workers too: a runaway CONSTRUCT is cut at the time limit."""
    construct = SPINNER.replace("SELECT (COUNT(*) AS ?n)", "CONSTRUCT { ?a ?b ?c }", 1)
    assert construct != SPINNER, "the spinner query changed shape; update this test"
    t = time.perf_counter()
    r = client.get("/embed/sparql", params={"query": construct})
    elapsed = time.perf_counter() - t
    assert r.status_code == 504, r.text[:300]
    assert elapsed < TIMEOUT_S + 2
    assert count_a(client) == "n\r\n200\r\n"
    report(f"/embed/sparql runaway CONSTRUCT -> {r.status_code} after {elapsed:.2f} s")
