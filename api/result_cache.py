"""A byte-bounded LRU of finished SPARQL answers, for the read-mostly case. Off by default.

Keyed by ``CacheKey(version, query, media_type, graphs)``: the store version is part of the key,
so an update or a new generation makes every older entry unreachable; ``get`` also drops the whole
cache the first time it sees a newer version, so stale bytes do not linger until evicted.

The SPARQL router calls it around the executor::

    key = CacheKey.of(state.version, query, media_type, default_graph_uri, named_graph_uri)
    outcome = cache.get(key)
    if outcome is None:
        outcome = await executor.run(...)
        cache.put(key, outcome)

``outcome`` is whatever the router sends back (bytes, or an object with a ``.body`` of bytes);
its size is ``len(body)``. Answers larger than a quarter of the budget are not kept, so one big
dump cannot flush every small interactive answer. Thread-safe (one lock; the work under it is
dictionary operations).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CacheKey", "CacheStats", "ResultCache"]


@dataclass(frozen=True)
class CacheKey:
    version: str
    query: str
    media_type: str
    graphs: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    @classmethod
    def of(cls, version: str, query: str, media_type: str, default_graph_uri: Sequence[str] = (),
           named_graph_uri: Sequence[str] = ()) -> CacheKey:
        """A key from request parameters (graph lists are order-insensitive)."""
        return cls(version, query, media_type, (tuple(sorted(default_graph_uri)), tuple(sorted(named_graph_uri))))


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    hits: int
    misses: int
    max_bytes: int


def _size(outcome: Any) -> int:
    if isinstance(outcome, bytes | bytearray | memoryview | str):
        return len(outcome)
    body = getattr(outcome, "body", None)
    if isinstance(body, bytes | bytearray | memoryview | str):
        return len(body)
    raise TypeError(f"cannot size a {type(outcome).__name__}: cache bytes or objects with a bytes .body")


class ResultCache:
    """LRU of ``CacheKey -> outcome`` bounded by the total size of the outcomes.

    >>> cache = ResultCache(max_bytes=1000)
    >>> key = CacheKey.of("v1", "ASK {}", "application/sparql-results+json")
    >>> cache.put(key, b'{"boolean": true}')
    True
    >>> cache.get(key)
    b'{"boolean": true}'
    >>> cache.get(CacheKey.of("v2", "ASK {}", "application/sparql-results+json")) is None
    True
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_megabytes(cls, megabytes: int) -> ResultCache | None:
        """The cache for ``settings.result_cache_mb``; None when it is 0 (off)."""
        return cls(megabytes * 1024 * 1024) if megabytes > 0 else None

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: CacheKey) -> Any | None:
        """The cached outcome, or None. A key with a newer version empties the cache first."""
        with self._lock:
            self._see_version(key.version)
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: CacheKey, outcome: Any) -> bool:
        """Keep ``outcome``; False if it is too big (over a quarter of the budget) or stale."""
        size = _size(outcome)
        if not self.enabled or size > self.max_bytes // 4:
            return False
        with self._lock:
            self._see_version(key.version)
            if key.version != self._version:
                return False  # answered from an older version than one already seen
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (outcome, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _evicted, (_outcome, evicted_size) = self._entries.popitem(last=False)
                self._bytes -= evicted_size
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(entries=len(self._entries), bytes=self._bytes, hits=self.hits, misses=self.misses,
                              max_bytes=self.max_bytes)

    def _see_version(self, version: str) -> None:
        """Adopt a version not seen before (the data changed: drop everything); ignore older ones.

        Versions are opaque strings, so "older" means "seen before": a slow request that started
        before an update must not wipe the entries of the newer version.
        """
        if version == self._version or version in self._seen:
            return
        self._entries.clear()
        self._bytes = 0
        self._version = version
        if len(self._seen) > 1024:
            self._seen.clear()
        self._seen.add(version)
