"""Settings: one pydantic-settings class, read from ``COOPGRAPH_*`` environment variables.

Built inside the app factory or the CLI, never at import time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coopgraph.graph.ids import normalise_base
from coopgraph.graph.namespaces import DEFAULT_BASE

__all__ = ["Settings"]

# pathlib (and typer's Path options) collapse "http://host" to "http:/host"; repaired here.
_URL = re.compile(r"^(https?):/+(?=[^/])")


class Settings(BaseSettings):
    """Every knob of a coopgraph deployment (env var = ``COOPGRAPH_`` + upper-case field name)."""

    model_config = SettingsConfigDict(env_prefix="COOPGRAPH_", extra="ignore")

    # data and store
    data: Path = Field(Path("data"), description="Folder with facts/ and documents/.")
    store: Path | str = Field(Path("var/store"), description="Root of the embedded store, or the http(s) URL "
                              "of a SPARQL 1.1 query endpoint (a remote store).")
    update_url: str | None = Field(None, description="Remote store: its SPARQL Update endpoint (none = read-only).")
    remote_user: str | None = Field(None, description="Remote store: HTTP Basic user (with remote_password).")
    remote_password: SecretStr | None = Field(None, description="Remote store: HTTP Basic password.")
    remote_token: SecretStr | None = Field(None, description="Remote store: Bearer token (instead of Basic).")
    remote_max_response_mb: int = Field(256, ge=1, description="Remote store: largest answer passed through "
                                        "/sparql; beyond it the query fails with 503.")
    remote_projection: bool = Field(True, description="Remote store: pull the networkx projection (for "
                                    "analysis and views) in the background once per data version.")
    export_dir: Path = Field(Path("var/export"), description="Where `build` writes ttl/nt/jsonld files.")
    base: str = Field(DEFAULT_BASE, description="Base under which entity IRIs are minted ({base}id/{slug}).")

    # server
    host: str = Field("127.0.0.1", description="Interface to bind; 127.0.0.1 unless you mean to publish.")
    port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = Field(None, description="URL the server is reached at, for absolute links.")
    access_log: bool = Field(False, description="Log a line per request (uvicorn's access log). Off by default: "
                                                "the logging module's work was about a fifth of a cheap query's "
                                                "time in the server; a reverse proxy usually logs anyway.")

    # updates
    update_token: SecretStr | None = Field(None, description="Bearer token that allows SPARQL Update.")
    allow_updates: bool = Field(False, description="Accept SPARQL Update at all (needs update_token).")
    write_wait_s: float = Field(10.0, ge=0, description="How long a SPARQL Update waits for another write to the "
                                "store (a `coopgraph load` or `build`) to finish before it is refused with 503 "
                                "and Retry-After; nothing is written then.")

    # query safety
    query_timeout_s: float = Field(30.0, gt=0, description="Wall-clock limit per query; the work is killed.")
    query_memory_mb: int = Field(1024, ge=64, description="Memory bound of each query worker process.")
    max_query_bytes: int = Field(64_000, ge=256, description="Longest query text accepted.")
    max_request_bytes: int = Field(1_000_000, ge=1024, description="Largest request body accepted (413).")
    max_nesting_depth: int = Field(64, ge=4, description="Deepest nesting of { } and ( ) accepted.")
    max_result_rows: int = Field(100_000, ge=1, description="Rows returned at most; beyond, truncated.")
    sparql_workers: int = Field(2, ge=1, description="Worker processes that run user queries.")
    replica_max_triples: int = Field(
        3_000_000, ge=0,
        description="Copy the store into a memory replica for queries when it holds at most this many "
                    "triples (0 = never). Costs about 0.45 GB of RAM per million triples; queries run "
                    "2-8x faster than on disk. Until the copy is loaded, and for queries that overran "
                    "it, the disk workers answer.")
    replica_slots: int = Field(8, ge=1, description="Queries the memory replica runs at once (threads; more than the "
                               "cores, so a cheap query need not wait for a slow one to finish).")
    replica_poll_us: int = Field(
        1000, ge=0, le=100_000,
        description="After answering, the memory replica polls for the next query this long (microseconds) "
                    "instead of sleeping, when nothing else runs; the server polls for a lone query's answer "
                    "up to 200 us. On a VM this takes 0.1-0.2 ms off each cheap query of a client that sends "
                    "them one after another, for up to this much CPU per answer (0 = never poll; never on one CPU).")
    result_cache_mb: int = Field(0, ge=0, description="Memory for cached SPARQL answers, keyed by store version "
                                 "(0 = off).")
    service_allowlist: list[str] = Field(default_factory=list,
                                         description="SERVICE endpoints queries may call (none by default).")

    # views
    max_view_nodes: int = Field(300, ge=10, description="Most nodes a graph view draws.")
    background_above_triples: int = Field(200_000, ge=0, description="Above this many triples, the graph "
                                          "projection and its measures are built off the request path, in "
                                          "a child process (503 + Retry-After meanwhile).")
    background_warm_up: bool = Field(False, description="On such a store, start those builds right after "
                                     "start-up rather than on the first request that needs them (costs "
                                     "~0.5 GB at 1M triples even if nobody opens a view).")

    # analysis bounds (api/routers/analytics.py)
    analysis_slots: int = Field(1, ge=1, description="Path and neighbourhood searches (/api/paths, "
                                "/api/neighbourhood, /api/graph) run at once (they hold the GIL: more than one "
                                "adds no speed and slows every other request); a request that finds none free "
                                "within 0.5 s gets 503 + Retry-After.")
    analysis_max_steps: int = Field(1_000_000, ge=1, description="Work bound of one such search, in adjacency "
                                    "visits (~0.4 s of CPU); at the bound it returns what it found, flagged "
                                    "truncated with a note (422 if it found nothing).")
    analysis_time_s: float = Field(2.0, gt=0, description="Wall-clock bound of one such search, the same way.")

    # rate limits (per client; 429 + Retry-After; see api/rate_limit.py)
    rate_limit_per_s: float = Field(20.0, ge=0, description="Requests a second each client may send, "
                                    "sustained (0 = no request limit; static files count a tenth).")
    rate_limit_burst: int = Field(200, ge=1, description="Requests a client may send at once before the "
                                  "per-second rate applies.")
    rate_limit_concurrent_queries: int = Field(4, ge=0, description="Queries (and analyses) one client may "
                                               "have running at once (0 = no cap).")
    rate_limit_query_seconds: float = Field(60.0, ge=0, description="Seconds of query time a client may use "
                                            "per window, wall time of /sparql and other costly requests "
                                            "(0 = no budget).")
    rate_limit_window_s: float = Field(60.0, gt=0, description="The window of rate_limit_query_seconds.")
    rate_limit_clients: int = Field(10_000, ge=1, description="Clients remembered at most (least recently "
                                    "seen forgotten first).")
    rate_limit_exempt: list[str] = Field(default_factory=list, description="Addresses or networks never "
                                         "limited (none by default: a script on this machine is limited too).")
    rate_limit_trusted_proxies: list[str] = Field(default_factory=list, description="Reverse proxies whose "
                                                  "X-Forwarded-For names the client (addresses or networks).")

    @field_validator("rate_limit_exempt", "rate_limit_trusted_proxies")
    @classmethod
    def _ip_networks(cls, values: list[str]) -> list[str]:
        import ipaddress

        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {value!r}") from None
        return values

    @field_validator("store", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> Path | str:
        text = str(value)
        match = _URL.match(text)
        if match:
            return f"{match.group(1)}://{text[match.end():]}"
        return Path(text)

    @property
    def store_url(self) -> str | None:
        """The query URL when the store is a remote SPARQL endpoint, else None."""
        return self.store if isinstance(self.store, str) else None

    @property
    def store_path(self) -> Path:
        """The embedded store's root; a clear error for a remote store."""
        if isinstance(self.store, str):
            from coopgraph.graph.errors import StoreError

            raise StoreError(f"this needs an embedded store, not the remote endpoint {self.store}")
        return self.store

    def remote_auth(self) -> tuple[str, str] | str | None:
        """Credentials for the remote store: a Bearer token, else (user, password), else None."""
        if self.remote_token is not None:
            return self.remote_token.get_secret_value()
        if self.remote_user is not None:
            password = self.remote_password.get_secret_value() if self.remote_password else ""
            return (self.remote_user, password)
        return None

    def open_store(self, *, writable: bool = False) -> Any:
        """The store these settings name: embedded (``OxigraphStore``) or remote (``RemoteStore``)."""
        from coopgraph.graph.store import open_store

        return open_store(self.store, writable=writable, update_url=self.update_url, auth=self.remote_auth(),
                          timeout=self.query_timeout_s)

    @field_validator("base")
    @classmethod
    def _base_is_absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base must be an absolute http(s) IRI")
        return normalise_base(value)

    @model_validator(mode="after")
    def _updates_need_a_token(self) -> Settings:
        if self.allow_updates and (self.update_token is None or len(self.update_token.get_secret_value()) < 16):
            raise ValueError("allow_updates needs an update_token of at least 16 characters")
        return self
