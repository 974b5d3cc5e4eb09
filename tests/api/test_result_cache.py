"""The result cache: hits, LRU order, the byte bound, and invalidation by store version."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from coopgraph.api.result_cache import CacheKey, ResultCache
from coopgraph.api.settings import Settings
from tests.conftest import SeedBuild, app_settings, in_process_app

JSON = "application/sparql-results+json"


def key(query: str, version: str = "v1", media: str = JSON) -> CacheKey:
    return CacheKey.of(version, query, media)


def test_off_by_default() -> None:
    assert Settings().result_cache_mb == 0
    assert ResultCache.from_megabytes(0) is None
    cache = ResultCache.from_megabytes(2)
    assert cache is not None and cache.max_bytes == 2 * 1024 * 1024


def test_hit_and_miss() -> None:
    cache = ResultCache(max_bytes=1000)
    assert cache.get(key("q")) is None
    assert cache.put(key("q"), b"answer")
    assert cache.get(key("q")) == b"answer"
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.entries, stats.bytes) == (1, 1, 1, 6)


def test_key_parts_all_matter() -> None:
    cache = ResultCache(max_bytes=1000)
    cache.put(key("q"), b"json")
    assert cache.get(key("q", media="text/csv")) is None
    assert cache.get(key("q ")) is None
    assert cache.get(CacheKey.of("v1", "q", JSON, default_graph_uri=["urn:g"])) is None
    assert CacheKey.of("v", "q", JSON, ["b", "a"]) == CacheKey.of("v", "q", JSON, ["a", "b"])
    assert cache.get(key("q")) == b"json"


def test_new_version_invalidates_everything() -> None:
    cache = ResultCache(max_bytes=1000)
    cache.put(key("q", "v1"), b"old")
    assert cache.get(key("q", "v2")) is None
    assert cache.stats().entries == 0
    assert cache.get(key("q", "v1")) is None  # the old entry is gone, not resurrected


def test_late_answer_from_an_older_version_is_not_kept() -> None:
    cache = ResultCache(max_bytes=1000)
    cache.put(key("a", "v1"), b"1")
    cache.put(key("b", "v2"), b"2")  # the data changed
    assert not cache.put(key("c", "v1"), b"stale")  # a slow query that started before the change
    assert cache.get(key("b", "v2")) == b"2"  # and it did not wipe the newer entries


def test_lru_eviction_by_bytes() -> None:
    cache = ResultCache(max_bytes=400)
    for name in "abcd":
        assert cache.put(key(name), b"x" * 100)
    cache.get(key("a"))  # a is now the most recently used
    cache.put(key("e"), b"x" * 100)
    assert cache.get(key("b")) is None
    assert cache.get(key("a")) is not None
    assert cache.stats().bytes <= 400


def test_oversized_answers_are_not_kept() -> None:
    cache = ResultCache(max_bytes=400)
    assert not cache.put(key("big"), b"x" * 101)  # more than a quarter of the budget
    assert cache.get(key("big")) is None


def test_replacing_an_entry_keeps_the_byte_count_right() -> None:
    cache = ResultCache(max_bytes=1000)
    cache.put(key("q"), b"x" * 50)
    cache.put(key("q"), b"x" * 20)
    assert cache.stats().bytes == 20


def test_objects_with_a_body_are_sized_by_it() -> None:
    @dataclass
    class Outcome:
        body: bytes
        media_type: str

    cache = ResultCache(max_bytes=1000)
    outcome = Outcome(b"{}", JSON)
    cache.put(key("q"), outcome)
    assert cache.get(key("q")) is outcome
    assert cache.stats().bytes == 2
    with pytest.raises(TypeError):
        cache.put(key("r"), object())


def test_threads_keep_the_bound() -> None:
    cache = ResultCache(max_bytes=10_000)

    def work(offset: int) -> None:
        for i in range(300):
            cache.put(key(f"q{offset}-{i}"), b"x" * 50)
            cache.get(key(f"q{offset}-{i // 2}"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    stats = cache.stats()
    assert stats.bytes <= 10_000 and stats.bytes == 50 * stats.entries


def test_the_endpoint_serves_repeated_queries_from_the_cache(seed_build: SeedBuild) -> None:
    """With the cache on, a repeated query is answered without the executor; an update empties it."""
    with in_process_app(app_settings(seed_build.store_root, result_cache_mb=8)) as client:
        query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        first = client.get("/sparql", params=query, timeout=10)
        second = client.get("/sparql", params=query, timeout=10)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert (first.headers["x-coopgraph-cache"], second.headers["x-coopgraph-cache"]) == ("miss", "hit")
        other = client.get("/sparql", params=query, headers={"Accept": "text/csv"}, timeout=10)
        assert other.headers["x-coopgraph-cache"] == "miss", "the media type is part of the key"
