"""Per-client rate limits (api/rate_limit.py) on the real server: uvicorn in a subprocess on 127.0.0.1,
real HTTP. Clients are told apart by their source address: each test binds its client socket to its
own loopback address (127.0.0.2, 127.0.0.3, ...; Linux routes all of 127/8 to lo), so one client's
limit is never another test's.

Where a test needs to reach a limit quickly the server runs with small limits; the defaults are
tested as they ship (this machine is not exempt from them).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from coopgraph.api.rate_limit import RateLimit, RateLimits
from coopgraph.api.settings import Settings
from tests.api.costly_queries import SLOW_COUNT
from tests.conftest import LiveServer, SeedBuild, start_server, stop_server

ASK = {"query": "ASK { ?s ?p ?o }"}
JSON_RESULTS = {"accept": "application/sparql-results+json"}


def client_from(server: LiveServer, address: str, **kwargs: object) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (one client, as the server sees it)."""
    return httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=address),
                        timeout=30, **kwargs)  # type: ignore[arg-type]


def retry_after(response: httpx.Response) -> int:
    value = response.headers["retry-after"]
    assert value.isdigit() and int(value) >= 1, value
    return int(value)


def serve(seed_build: SeedBuild, tmp: Path, **env: str) -> LiveServer:
    environ = {"COOPGRAPH_REPLICA_MAX_TRIPLES": "0"}
    environ.update({f"COOPGRAPH_{name.upper()}": value for name, value in env.items()})
    return start_server(seed_build.store_root, tmp, env=environ)


@pytest.fixture(scope="module")
def tight(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """10 requests a second, bursts of 10, 2 queries at once, no query-time budget."""
    server = serve(seed_build, tmp_path_factory.mktemp("tight"), rate_limit_per_s="10", rate_limit_burst="10",
                   rate_limit_concurrent_queries="2", rate_limit_query_seconds="0",
                   rate_limit_trusted_proxies='["127.0.0.9"]')
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def budget(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A tenth of a second of query time, refilled at one second a second; requests unlimited."""
    server = serve(seed_build, tmp_path_factory.mktemp("budget"), rate_limit_per_s="0",
                   rate_limit_query_seconds="0.1", rate_limit_window_s="0.1")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def defaults(seed_build: SeedBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The limits as they ship."""
    server = serve(seed_build, tmp_path_factory.mktemp("defaults"))
    yield server
    stop_server(server)


# --- requests -------------------------------------------------------------------------------------

def test_a_burst_beyond_the_limit_gets_429_while_another_client_is_served(tight: LiveServer) -> None:
    with client_from(tight, "127.0.0.2") as greedy, client_from(tight, "127.0.0.3") as other:
        statuses = [greedy.get("/api/stats").status_code for _ in range(25)]
        assert statuses[:9] == [200] * 9  # the burst (the 10th may race the refill)
        assert 429 in statuses
        refused = greedy.get("/api/stats")
        assert refused.status_code == 429
        wait = retry_after(refused)
        assert refused.json() == {"ok": False, "status": 429, "title": "Too many requests",
                                  "error": refused.json()["error"]}
        assert "requests a second" in refused.json()["error"]
        assert refused.headers["access-control-allow-origin"] == "*"  # a page elsewhere can read it
        # The SPARQL endpoint answers in text a SPARQL client prints as it is.
        sparql = greedy.get("/sparql", params=ASK)
        assert sparql.status_code == 429 and sparql.headers["content-type"].startswith("text/plain")
        assert sparql.text.startswith("Too many requests") and retry_after(sparql) >= 1

        assert other.get("/api/stats").status_code == 200  # the other client fails nothing
        assert other.get("/sparql", params=ASK, headers=JSON_RESULTS).json()["boolean"] is True

        time.sleep(wait)  # the client that waited as told is served again
        assert greedy.get("/api/stats").status_code == 200


def test_static_files_count_a_tenth(tight: LiveServer) -> None:
    """A page load fetches many files at once: 60 of them cost 6 requests of a burst of 10."""
    with client_from(tight, "127.0.0.4") as browser:
        statuses = {browser.get("/static/app.css").status_code for _ in range(60)}
        assert statuses == {200}
        assert browser.get("/api/stats").status_code == 200


def test_a_polite_crawler_of_entity_pages_is_never_refused(tight: LiveServer) -> None:
    """20 entity pages at 8 a second against a rate of 10 a second (the defaults scaled down)."""
    with client_from(tight, "127.0.0.5") as crawler:
        slugs = [e["slug"] for e in crawler.get("/api/entities", params={"per_page": 20}).json()["items"]]
        assert len(slugs) == 20
        start = time.monotonic()
        for i, slug in enumerate(slugs):
            time.sleep(max(0.0, start + (i + 1) / 8 - time.monotonic()))
            r = crawler.get(f"/id/{slug}", headers={"accept": "text/html"})
            assert r.status_code == 200, (slug, r.status_code, r.text[:200])


def test_forwarded_for_names_the_client_only_behind_a_trusted_proxy(tight: LiveServer) -> None:
    # Bursts are sent at once (threads), so a slow, busy machine cannot refill the bucket between them.
    def burst(client: httpx.Client, headers: list[dict[str, str]]) -> list[int]:
        with ThreadPoolExecutor(len(headers)) as pool:
            return list(pool.map(lambda h: client.get("/api/stats", headers=h).status_code, headers))

    with client_from(tight, "127.0.0.9") as proxy, client_from(tight, "127.0.0.6") as direct:
        assert 429 in burst(proxy, [{"x-forwarded-for": "198.51.100.7"}] * 25)
        # Another client behind the same proxy is its own client.
        assert proxy.get("/api/stats", headers={"x-forwarded-for": "198.51.100.8"}).status_code == 200
        # The left part of the header is the client's own writing: the right-most untrusted hop counts.
        assert 429 in burst(proxy, [{"x-forwarded-for": "203.0.113.1, 198.51.100.7"}] * 5)
        # From a peer that is not a trusted proxy the header is ignored: its own address is the key.
        assert 429 in burst(direct, [{"x-forwarded-for": f"192.0.2.{i}"} for i in range(25)])


# --- concurrent queries and query time ------------------------------------------------------------

def test_queries_beyond_the_concurrent_cap_get_429_at_once(tight: LiveServer) -> None:
    results: list[int] = []

    def slow() -> None:
        with client_from(tight, "127.0.0.7") as c:
            results.append(c.get("/sparql", params={"query": SLOW_COUNT}, headers=JSON_RESULTS).status_code)

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # both slow queries are running now (each takes seconds)
    with client_from(tight, "127.0.0.7") as same, client_from(tight, "127.0.0.8") as other:
        both_running = all(t.is_alive() for t in threads)
        started = time.monotonic()
        third = same.get("/sparql", params=ASK, headers=JSON_RESULTS)
        refused_in = time.monotonic() - started
        assert third.status_code == 429, third.text
        assert both_running, "the slow queries ended before the third was sent; the test proves nothing"
        assert "at once" in third.text and retry_after(third) == 1
        assert refused_in < 1.0  # refused, not queued behind the two
        assert other.get("/sparql", params=ASK, headers=JSON_RESULTS).status_code == 200
        assert same.get("/api/stats").status_code == 200  # cheap pages are not queries
    for t in threads:
        t.join()
    assert results == [200, 200]
    with client_from(tight, "127.0.0.7") as same:  # the slots are free again
        assert same.get("/sparql", params=ASK, headers=JSON_RESULTS).status_code == 200


def test_a_client_over_its_query_time_gets_429_until_it_recovers(budget: LiveServer) -> None:
    with client_from(budget, "127.0.0.2") as heavy, client_from(budget, "127.0.0.3") as other:
        started = time.monotonic()
        # ten million rows counted: well over the budget however fast the machine (a million took
        # 0.099 s on an idle one, under the 0.1 s this test needs)
        first = heavy.get("/sparql", params={"query": SLOW_COUNT}, headers=JSON_RESULTS)
        took = time.monotonic() - started
        assert first.status_code == 200 and took > 0.1  # spent more than its whole budget
        refused = heavy.get("/sparql", params=ASK, headers=JSON_RESULTS)
        assert refused.status_code == 429 and "query time" in refused.text
        wait = retry_after(refused)
        assert wait <= int(took - 0.1) + 2  # the deficit over the refill rate, rounded up
        assert heavy.get("/api/stats").status_code == 200  # its cheap requests are still served
        assert other.get("/sparql", params=ASK, headers=JSON_RESULTS).status_code == 200
        time.sleep(wait)
        assert heavy.get("/sparql", params=ASK, headers=JSON_RESULTS).status_code == 200


# --- the defaults ---------------------------------------------------------------------------------

def test_defaults_a_script_sending_hundreds_a_second_is_limited(defaults: LiveServer) -> None:
    with client_from(defaults, "127.0.0.3") as script:
        started = time.monotonic()
        statuses = [script.get("/healthz").status_code for _ in range(400)]
        elapsed = time.monotonic() - started
    assert statuses[:199] == [200] * 199  # the burst of 200
    served = statuses.count(200)
    assert statuses.count(429) == 400 - served > 0
    assert served <= 200 + 20 * elapsed + 1  # never more than the burst plus 20 a second


def test_defaults_sparqlwrapper_script_of_fifty_queries_is_never_refused(defaults: LiveServer) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    sw = SPARQLWrapper(defaults.url + "/sparql")  # urllib: connects from 127.0.0.1
    sw.setReturnFormat(JSON)
    for i in range(50):
        sw.setQuery(f"SELECT ({i} AS ?i) {{}}")
        if i % 2:
            sw.setMethod("POST")
        assert sw.query().convert()["results"]["bindings"][0]["i"]["value"] == str(i)


def test_defaults_the_explorer_and_its_files_load_three_times_without_429(defaults: LiveServer) -> None:
    import re

    with client_from(defaults, "127.0.0.4") as browser:
        for _ in range(3):
            page = browser.get("/", headers={"accept": "text/html"})
            assert page.status_code == 200
            assets = set(re.findall(r'(?:src|href)="(/(?:static|assets)/[^"]+)"', page.text))
            assert assets
            assert {browser.get(a).status_code for a in assets} == {200}
            assert browser.get("/api/view", headers={"accept": "application/json"}).status_code == 200


# --- in process: the pieces no HTTP test can reach ------------------------------------------------

async def _ok(scope: dict[str, object], receive: object, send: object) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]


def _status(limiter: RateLimit, host: str, path: str = "/api/stats") -> int:
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "GET", "headers": [], "client": (host, 40000)}
    asyncio.run(limiter(scope, None, send))
    return int(sent[0]["status"])  # type: ignore[call-overload]


def test_the_client_table_is_bounded() -> None:
    limiter = RateLimit(_ok, RateLimits(per_s=1, burst=1, clients=100))
    for i in range(1000):  # many (spoofed) addresses
        assert _status(limiter, f"10.0.{i // 256}.{i % 256}") == 200
    assert len(limiter.clients) == 100


def test_ipv6_clients_are_grouped_by_their_64_block() -> None:
    limiter = RateLimit(_ok, RateLimits(per_s=0.001, burst=1))
    assert _status(limiter, "2001:db8:1:2::1") == 200
    assert _status(limiter, "2001:db8:1:2::ffff") == 429  # the same host, a new address
    assert _status(limiter, "2001:db8:1:3::1") == 200


def test_bad_addresses_in_the_settings_are_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="not an IP address or network: 'proxy.local'"):
        Settings(rate_limit_trusted_proxies=["proxy.local"])
    assert json.loads(Settings().model_dump_json())["rate_limit_exempt"] == []  # loopback is limited too
