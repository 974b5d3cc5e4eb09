"""Per-client rate limits, as pure ASGI middleware in front of the whole app: 429 + ``Retry-After``.

Three limits, each off when its setting is 0 (see the ``rate_limit_*`` settings):

- **requests**: a token bucket per client (``rate_limit_per_s`` tokens a second, holding at most
  ``rate_limit_burst``). A request costs one token; files under ``/static/`` and ``/assets/`` a tenth,
  so a page and its scripts cost little more than the page.
- **concurrent queries**: at most ``rate_limit_concurrent_queries`` costly requests (``/sparql``,
  drawn queries, analysis, full exports) in flight per client; one more is refused at once.
- **query time**: a second bucket per client, of query seconds: it holds ``rate_limit_query_seconds``
  and refills at that many per ``rate_limit_window_s``. Each costly request spends its wall time; the
  time of requests still running counts too, so a client cannot start a fresh batch of 30 s queries
  while its last batch runs. A client with nothing left gets 429 for costly requests until the bucket
  refills (its other requests are still served).

The client is the peer address; ``X-Forwarded-For`` is read only when the peer is one of
``rate_limit_trusted_proxies``, and then the right-most address that is not a trusted proxy is the
client (the left part of the header is whatever the client wrote). IPv6 clients are grouped by /64,
the block one host usually has. Addresses in ``rate_limit_exempt`` (none by default: a script on the
server's own machine is limited like any other, so the default protects a local deployment too;
an operator lists a benchmark's address there) are never limited.

The client table is an LRU of at most ``rate_limit_clients`` entries, so many (or spoofed) addresses
cost bounded memory; a client pushed out starts again with full buckets, which is what an idle
client has anyway.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from coopgraph.api.errors import error_body
from coopgraph.api.negotiation import JSON, PLAIN_TEXT, utf8

__all__ = ["RateLimit", "RateLimits", "COSTLY_PATHS", "CHEAP_PREFIXES"]

log = logging.getLogger(__name__)

# Requests that run a query or a whole-graph computation: their wall time is charged.
COSTLY_PATHS = frozenset({"/sparql", "/sparql/", "/embed/sparql"})
COSTLY_PREFIXES = ("/api/paths", "/api/neighbourhood/", "/api/centrality", "/api/communities", "/api/bridges",
                   "/api/kcore", "/api/graph", "/api/exports/")
# Static files: a browser fetches many at once and they cost the server almost nothing.
CHEAP_PREFIXES = ("/static/", "/assets/")
CHEAP_COST = 0.1
SPARQL_PATHS = frozenset({"/sparql", "/sparql/"})
_NETWORK = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class RateLimits:
    """The limits, from :class:`api.settings.Settings` (0 = that limit is off)."""

    per_s: float = 20.0
    burst: float = 200.0
    concurrent_queries: int = 4
    query_seconds: float = 60.0
    window_s: float = 60.0
    clients: int = 10_000
    exempt: tuple[_NETWORK, ...] = ()
    trusted_proxies: tuple[_NETWORK, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> RateLimits:
        return cls(per_s=settings.rate_limit_per_s, burst=float(settings.rate_limit_burst),
                   concurrent_queries=settings.rate_limit_concurrent_queries,
                   query_seconds=settings.rate_limit_query_seconds, window_s=settings.rate_limit_window_s,
                   clients=settings.rate_limit_clients, exempt=networks(settings.rate_limit_exempt),
                   trusted_proxies=networks(settings.rate_limit_trusted_proxies))

    @property
    def enabled(self) -> bool:
        return bool(self.per_s or self.concurrent_queries or self.query_seconds)


def networks(values: Iterable[str]) -> tuple[_NETWORK, ...]:
    """``["127.0.0.1", "10.0.0.0/8"]`` -> networks; a bad entry is a clear error at start-up."""
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not an IP address or network: {value!r}") from exc
    return tuple(out)


class _Client:
    """One client's buckets. ``running_starts`` is the sum of the start times of its running costly
    requests, so their time so far is ``running * now - running_starts`` without a list."""

    __slots__ = ("tokens", "stamp", "exempt", "running", "running_starts", "seconds", "seconds_stamp",
                 "noted")

    def __init__(self, limits: RateLimits, now: float, exempt: bool) -> None:
        self.tokens = limits.burst
        self.stamp = now
        self.exempt = exempt
        self.running = 0
        self.running_starts = 0.0
        self.seconds = limits.query_seconds
        self.seconds_stamp = now
        self.noted = False


class RateLimit:
    """Pure ASGI (no BaseHTTPMiddleware: that alone costs about a millisecond a request)."""

    def __init__(self, app: Any, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits
        self.clients: OrderedDict[str, _Client] = OrderedDict()
        self.refill = limits.query_seconds / limits.window_s if limits.window_s > 0 else 0.0
        self._proxy_peers: dict[str, bool] = {}
        self._v6_keys: dict[str, str] = {}
        self._warned_forwarded = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        client = self._client(scope, now)
        if client.exempt:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limits = self.limits
        if limits.per_s:
            tokens = client.tokens + (now - client.stamp) * limits.per_s
            if tokens > limits.burst:
                tokens = limits.burst
            client.stamp = now
            cost = CHEAP_COST if path.startswith(CHEAP_PREFIXES) else 1.0
            if tokens < cost:
                client.tokens = tokens
                wait = (cost - tokens) / limits.per_s
                await self._refuse(scope, send, client, wait, f"more than {limits.per_s:g} requests a second "
                                   f"(bursts of up to {limits.burst:g})")
                return
            client.tokens = tokens - cost
        if path in COSTLY_PATHS or path.startswith(COSTLY_PREFIXES):
            await self._costly(scope, receive, send, client, now)
            return
        client.noted = False
        await self.app(scope, receive, send)

    async def _costly(self, scope: dict[str, Any], receive: Any, send: Any, client: _Client,
                      now: float) -> None:
        limits = self.limits
        if limits.concurrent_queries and client.running >= limits.concurrent_queries:
            await self._refuse(scope, send, client, 1.0,
                               f"more than {limits.concurrent_queries} queries at once")
            return
        if limits.query_seconds:
            self._refill_seconds(client, now)
            left = client.seconds - (client.running * now - client.running_starts)
            if left <= 0:
                wait = -left / self.refill if self.refill else limits.window_s
                why = f"more than {limits.query_seconds:g} s of query time in {limits.window_s:g} s"
                await self._refuse(scope, send, client, wait, why)
                return
        client.noted = False
        client.running += 1
        client.running_starts += now
        try:
            await self.app(scope, receive, send)
        finally:
            # Wall time until the app returned: the answer was sent, or the client went away.
            end = time.monotonic()
            client.running -= 1
            # Back to exactly 0 when idle, so float rounding never accumulates.
            client.running_starts = client.running_starts - now if client.running else 0.0
            if limits.query_seconds:
                self._refill_seconds(client, end)
                client.seconds -= end - now

    def _refill_seconds(self, client: _Client, now: float) -> None:
        seconds = client.seconds + (now - client.seconds_stamp) * self.refill
        client.seconds = min(seconds, self.limits.query_seconds)
        client.seconds_stamp = now

    def _client(self, scope: dict[str, Any], now: float) -> _Client:
        peer = scope.get("client")
        key = peer[0] if peer else ""
        if self.limits.trusted_proxies and self._is_proxy(key):
            key = self._forwarded(scope, key)
        if ":" in key:  # IPv6: one host usually holds a whole /64
            key = self._v6_key(key)
        clients = self.clients
        client = clients.get(key)
        if client is not None:
            clients.move_to_end(key)
            if client.exempt and not self._warned_forwarded and not self.limits.trusted_proxies:
                self._warn_if_forwarded(scope, key)
            return client
        client = clients[key] = _Client(self.limits, now, _in(key, self.limits.exempt))
        if len(clients) > self.limits.clients:
            clients.popitem(last=False)
        return client

    def _v6_key(self, address: str) -> str:
        key = self._v6_keys.get(address)
        if key is None:
            if len(self._v6_keys) > 4096:
                self._v6_keys.clear()
            # An exempt address keeps its own key: its /64 neighbours are not exempt.
            key = address if _in(address, self.limits.exempt) else _v6_block(address)
            self._v6_keys[address] = key
        return key

    def _is_proxy(self, peer: str) -> bool:
        known = self._proxy_peers.get(peer)
        if known is None:
            if len(self._proxy_peers) > 1024:  # only proxies are expected here; bound it anyway
                self._proxy_peers.clear()
            known = self._proxy_peers[peer] = _in(peer, self.limits.trusted_proxies)
        return known

    def _forwarded(self, scope: dict[str, Any], peer: str) -> str:
        """The right-most ``X-Forwarded-For`` hop that is not a trusted proxy (those to its left were
        written by the client and prove nothing)."""
        hops = [hop.strip() for name, value in scope["headers"] if name == b"x-forwarded-for"
                for hop in value.decode("latin-1").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self._is_proxy(hop):
                return hop
        return hops[0] if hops else peer

    def _warn_if_forwarded(self, scope: dict[str, Any], key: str) -> None:
        if any(name == b"x-forwarded-for" for name, _ in scope["headers"]):
            self._warned_forwarded = True
            log.warning("requests arrive through a proxy at %s, which is exempt from rate limits: set "
                        "COOPGRAPH_RATE_LIMIT_TRUSTED_PROXIES to limit its clients one by one", key)

    async def _refuse(self, scope: dict[str, Any], send: Any, client: _Client, wait: float, why: str) -> None:
        retry = max(1, math.ceil(wait))
        if not client.noted:  # once per episode, not once per refused request
            client.noted = True
            peer = scope.get("client")
            log.warning("rate limit: %s from %s; 429 for %d s", why, peer[0] if peer else "?", retry)
        message = f"too many requests from this client: {why}; retry after {retry} s"
        if scope["path"] in SPARQL_PATHS:  # SPARQL clients print the body as it is
            body, media = f"Too many requests: {message}\n".encode(), utf8(PLAIN_TEXT).encode()
        else:
            body = json.dumps(error_body(429, message, "Too many requests")).encode()
            media = JSON.encode()
        # Outermost, so CORS and the security headers are added here: a page on another origin must
        # be able to read the 429 and its Retry-After.
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", media), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry).encode()), (b"cache-control", b"no-store"),
            (b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"Retry-After"),
            (b"x-content-type-options", b"nosniff")]})
        await send({"type": "http.response.body", "body": body})


def _in(address: str, nets: tuple[_NETWORK, ...]) -> bool:
    if not nets:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an address (a test client's name, a garbled header): never special
        return False
    return any(ip in net for net in nets)


def _v6_block(address: str) -> str:
    try:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    except ValueError:
        return address
