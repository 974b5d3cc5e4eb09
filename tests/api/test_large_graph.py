"""Large-graph behaviour on the seed store, with the size threshold set below it.

``COOPGRAPH_BACKGROUND_ABOVE_TRIPLES=10`` makes the seed graph "large": its projection and measures
are then built in a background thread, never on a request, and the pages say so (503 +
Retry-After, or a view ranked by degree with a note) until they are ready. Once ready, every answer
equals the exact small-graph answer of the shared ``live_server``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, start_server, stop_server


@pytest.fixture()
def large_server(seed_build, tmp_path) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """Large, and nothing built before a request asks (no warm-up), so the first answers are known."""
    server = start_server(seed_build.store_root, tmp_path, env={"COOPGRAPH_BACKGROUND_ABOVE_TRIPLES": "10",
                                                                "COOPGRAPH_BACKGROUND_WARM_UP": "false"})
    yield server
    stop_server(server)


def test_large_graph_is_warmed_up_after_start_without_any_request(seed_build, tmp_path) -> None:
    server = start_server(seed_build.store_root, tmp_path, env={"COOPGRAPH_BACKGROUND_ABOVE_TRIPLES": "10",
                                                                "COOPGRAPH_BACKGROUND_WARM_UP": "true"})
    try:
        time.sleep(8)  # the seed graph's projection, measures and index take well under a second
        for path in ("/api/communities", "/api/search?q=chongqing", "/api/neighbourhood/chongqing"):
            assert httpx.get(server.url + path, timeout=30).status_code == 200, path
    finally:
        stop_server(server)


def _until_ready(client: httpx.Client, path: str, *, timeout_s: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(path)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_analysis_on_a_large_graph_answers_503_then_the_exact_result(large_server, live_server) -> None:
    with httpx.Client(base_url=large_server.url, timeout=30) as client:
        first = client.get("/api/centrality", params={"measure": "pagerank", "limit": 5})
        # The request only started the background build: it did not wait for the projection.
        assert first.status_code == 503, first.text
        assert first.headers["retry-after"] == "5"
        assert "being computed" in first.json()["error"]
        ready = _until_ready(client, "/api/centrality?measure=pagerank&limit=5")
        assert ready.status_code == 200, ready.text
        communities = _until_ready(client, "/api/communities")
        assert communities.status_code == 200
    exact = httpx.get(live_server.url + "/api/centrality", params={"measure": "pagerank", "limit": 5}, timeout=30)
    exact_communities = httpx.get(live_server.url + "/api/communities", timeout=30)
    assert ready.json() == exact.json()
    assert communities.json() == exact_communities.json()


def test_measures_pending_views_rank_by_degree_and_say_so(large_server) -> None:
    with httpx.Client(base_url=large_server.url, timeout=30) as client:
        view = _until_ready(client, "/api/view?focus=chongqing&depth=1&limit=5")
        assert view.status_code == 200
        body = view.json()
        if "still being computed" in (body["note"] or ""):  # the measures were not ready yet
            assert "cache-control" not in view.headers  # a provisional answer is never cached
            assert body["legend"]["size_by"] == "degree"
            assert [n["id"] for n in body["nodes"]][0] == "chongqing"
        # Once the measures are ready the note goes and the versioned URL becomes cacheable.
        deadline = time.monotonic() + 60
        while "still being computed" in (body["note"] or "") and time.monotonic() < deadline:
            time.sleep(0.2)
            body = client.get("/api/view?focus=chongqing&depth=1&limit=5").json()
        assert "still being computed" not in (body["note"] or "")
        version = client.get("/healthz").json()["version"]
        cached = client.get(f"/api/view?focus=chongqing&depth=1&limit=5&v={version}")
        assert cached.headers["cache-control"] == "public, max-age=86400, immutable"
        assert cached.json()["nodes"] == body["nodes"]
        assert "cache-control" not in client.get("/api/view?focus=chongqing&depth=1&limit=5&v=old").headers


def test_large_graph_explorer_page_fetches_its_view(large_server) -> None:
    page = httpx.get(large_server.url + "/?focus=chongqing", timeout=30)
    assert page.status_code == 200
    assert '"data": null' in page.text  # nothing inlined: the page fetches /api/view?...&v=VERSION
    embed = httpx.get(large_server.url + "/embed?focus=chongqing&limit=20", timeout=30)
    assert embed.status_code == 200
    assert "/api/view?focus=chongqing\\u0026limit=20\\u0026v=" in embed.text or \
        "/api/view?focus=chongqing&amp;limit=20&amp;v=" in embed.text or "/api/view?focus=chongqing&limit=20&v=" in embed.text


def test_bounded_neighbourhood_reports_the_cut(live_server) -> None:
    full = httpx.get(live_server.url + "/api/neighbourhood/chongqing", params={"limit": 2000}, timeout=30).json()
    cut = httpx.get(live_server.url + "/api/neighbourhood/chongqing", params={"limit": 3}, timeout=30).json()
    assert full["truncated"] is False and full["total"] == len(full["nodes"])
    assert cut["truncated"] is True
    assert cut["total"] == full["total"]  # "N more" = total - len(nodes)
    assert len(cut["nodes"]) == 3
    assert cut["nodes"][0]["slug"] == "chongqing"
    # The most connected neighbours are the ones kept.
    ring = sorted((n for n in full["nodes"] if n["distance"] == 1), key=lambda n: -n["degree"])
    assert {n["degree"] for n in cut["nodes"][1:]} <= {n["degree"] for n in ring[:3]}


def test_search_answers_while_the_name_index_is_built(large_server, live_server) -> None:
    # The first search starts the index build and is answered by bounded queries meanwhile.
    first = httpx.get(large_server.url + "/api/search", params={"q": "chongqing customs"}, timeout=30)
    exact = httpx.get(live_server.url + "/api/search", params={"q": "chongqing customs"}, timeout=30)
    assert first.status_code == 200
    assert first.json()[0] == exact.json()[0]
    assert first.json()[0]["slug"] == "chongqing-customs" and first.json()[0]["match"] == "exact"
    # Listings need the full index: 503 + Retry-After until it is ready, then the exact answer.
    with httpx.Client(base_url=large_server.url, timeout=30) as client:
        listing = _until_ready(client, "/api/entities?type=City")
    assert listing.json() == httpx.get(live_server.url + "/api/entities?type=City", timeout=30).json()


def test_neighbourhood_reports_exact_degrees_and_null_measures_until_ready(large_server, live_server) -> None:
    path = "/api/neighbourhood/chongqing?limit=8"
    exact = httpx.get(live_server.url + path, timeout=30).json()
    with httpx.Client(base_url=large_server.url, timeout=30) as client:
        first = _until_ready(client, path).json()
        assert [(n["slug"], n["degree"]) for n in first["nodes"]] == \
            [(n["slug"], n["degree"]) for n in exact["nodes"]]
        if first["nodes"][0]["pagerank"] is None:  # measures not ready yet: null, never a made-up 0
            assert all(n[m] is None for n in first["nodes"]
                       for m in ("pagerank", "betweenness", "community", "core_number"))
        deadline = time.monotonic() + 60
        body = first
        while body["nodes"][0]["pagerank"] is None and time.monotonic() < deadline:
            time.sleep(0.2)
            body = client.get(path).json()
    assert body == exact
