"""Large-graph behaviour on the seed store, with the size threshold set below it.

``COOPGRAPH_BACKGROUND_ABOVE_TRIPLES=10`` makes the seed graph "large": its projection and measures
are then built in a background thread, never on a request, and the pages say so (503 +
Retry-After, or a view ranked by degree with a note) until they are ready. Once ready, every answer
equals the exact small-graph answer of the shared ``app_client``. Both apps run in this process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import SeedBuild, app_settings, in_process_app


@pytest.fixture()
def large_client(seed_build: SeedBuild) -> Iterator[httpx.Client]:
    """Large, and nothing built before a request asks (no warm-up), so the first answers are known."""
    with in_process_app(app_settings(seed_build.store_root, background_above_triples=10,
                                     background_warm_up=False)) as client:
        yield client


def test_large_graph_is_warmed_up_after_start_without_any_request(seed_build: SeedBuild) -> None:
    with in_process_app(app_settings(seed_build.store_root, background_above_triples=10,
                                     background_warm_up=True)) as client:
        time.sleep(8)  # the seed graph's projection, measures and index take well under a second
        for path in ("/api/communities", "/api/search?q=chongqing", "/api/neighbourhood/chongqing"):
            assert client.get(path, timeout=30).status_code == 200, path


def _until_ready(client: httpx.Client, path: str, *, timeout_s: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(path)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_analysis_on_a_large_graph_answers_503_then_the_exact_result(large_client: httpx.Client,
                                                                     app_client: httpx.Client) -> None:
    first = large_client.get("/api/centrality", params={"measure": "pagerank", "limit": 5})
    # The request only started the background build: it did not wait for the projection.
    assert first.status_code == 503, first.text
    assert first.headers["retry-after"] == "5"
    assert "being computed" in first.json()["error"]
    ready = _until_ready(large_client, "/api/centrality?measure=pagerank&limit=5")
    assert ready.status_code == 200, ready.text
    communities = _until_ready(large_client, "/api/communities")
    assert communities.status_code == 200
    exact = app_client.get("/api/centrality", params={"measure": "pagerank", "limit": 5}, timeout=30)
    exact_communities = app_client.get("/api/communities", timeout=30)
    assert ready.json() == exact.json()
    assert communities.json() == exact_communities.json()


def test_measures_pending_views_rank_by_degree_and_say_so(large_client: httpx.Client) -> None:
    view = _until_ready(large_client, "/api/view?focus=chongqing&depth=1&limit=5")
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
        body = large_client.get("/api/view?focus=chongqing&depth=1&limit=5").json()
    assert "still being computed" not in (body["note"] or "")
    version = large_client.get("/healthz").json()["version"]
    cached = large_client.get(f"/api/view?focus=chongqing&depth=1&limit=5&v={version}")
    assert cached.headers["cache-control"] == "public, max-age=86400, immutable"
    assert cached.json()["nodes"] == body["nodes"]
    assert "cache-control" not in large_client.get("/api/view?focus=chongqing&depth=1&limit=5&v=old").headers


def test_large_graph_explorer_page_fetches_its_view(large_client: httpx.Client) -> None:
    page = large_client.get("/?focus=chongqing", timeout=30)
    assert page.status_code == 200
    assert '"data": null' in page.text  # nothing inlined: the page fetches /api/view?...&v=VERSION
    embed = large_client.get("/embed?focus=chongqing&limit=20", timeout=30)
    assert embed.status_code == 200
    assert "/api/view?focus=chongqing\\u0026limit=20\\u0026v=" in embed.text or \
        "/api/view?focus=chongqing&amp;limit=20&amp;v=" in embed.text or "/api/view?focus=chongqing&limit=20&v=" in embed.text


def test_bounded_neighbourhood_reports_the_cut(app_client: httpx.Client) -> None:
    full = app_client.get("/api/neighbourhood/chongqing", params={"limit": 2000}, timeout=30).json()
    cut = app_client.get("/api/neighbourhood/chongqing", params={"limit": 3}, timeout=30).json()
    assert full["truncated"] is False and full["total"] == len(full["nodes"])
    assert cut["truncated"] is True
    assert cut["total"] == full["total"]  # "N more" = total - len(nodes)
    assert len(cut["nodes"]) == 3
    assert cut["nodes"][0]["slug"] == "chongqing"
    # The most connected neighbours are the ones kept.
    ring = sorted((n for n in full["nodes"] if n["distance"] == 1), key=lambda n: -n["degree"])
    assert {n["degree"] for n in cut["nodes"][1:]} <= {n["degree"] for n in ring[:3]}


def test_search_answers_while_the_name_index_is_built(large_client: httpx.Client,
                                                      app_client: httpx.Client) -> None:
    # The first search starts the index build and is answered by bounded queries meanwhile.
    first = large_client.get("/api/search", params={"q": "chongqing customs"}, timeout=30)
    exact = app_client.get("/api/search", params={"q": "chongqing customs"}, timeout=30)
    assert first.status_code == 200
    assert first.json()[0] == exact.json()[0]
    assert first.json()[0]["slug"] == "chongqing-customs" and first.json()[0]["match"] == "exact"
    # Listings need the full index: 503 + Retry-After until it is ready, then the exact answer.
    listing = _until_ready(large_client, "/api/entities?type=City")
    assert listing.json() == app_client.get("/api/entities?type=City", timeout=30).json()


def test_neighbourhood_reports_exact_degrees_and_null_measures_until_ready(large_client: httpx.Client,
                                                                           app_client: httpx.Client) -> None:
    path = "/api/neighbourhood/chongqing?limit=8"
    exact = app_client.get(path, timeout=30).json()
    first = _until_ready(large_client, path).json()
    assert [(n["slug"], n["degree"]) for n in first["nodes"]] == \
        [(n["slug"], n["degree"]) for n in exact["nodes"]]
    if first["nodes"][0]["pagerank"] is None:  # measures not ready yet: null, never a made-up 0
        assert all(n[m] is None for n in first["nodes"]
                   for m in ("pagerank", "betweenness", "community", "core_number"))
    deadline = time.monotonic() + 60
    body = first
    while body["nodes"][0]["pagerank"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
        body = large_client.get(path).json()
    assert body == exact
