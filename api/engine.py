"""The query engine: what runs user SPARQL for the app (``/sparql``, the query page, the examples).

Two engines sit side by side behind one protocol, the way httpx's transports do:
:class:`api.executor.QueryExecutor` runs queries on the embedded store in worker processes (time
and memory bounds, a memory replica), :class:`api.remote_executor.RemoteQueryExecutor` sends them
to a SPARQL 1.1 engine over HTTP (the same guard, time, size and row bounds). :func:`open_engine`
picks one from what the store can do; nothing else asks which one it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from coopgraph.graph.errors import StoreError
from coopgraph.graph.query_guard import QueryInfo, QueryLimits
from coopgraph.graph.store import Store

if TYPE_CHECKING:
    from coopgraph.api.executor import QueryOutcome
    from coopgraph.api.settings import Settings

__all__ = ["QueryEngine", "open_engine", "start_early"]


class QueryEngine(Protocol):
    """Runs user SPARQL under the app's limits; one per app (``app.state.coop.executor``)."""

    limits: QueryLimits

    async def start(self) -> None:
        """Get ready to answer (start workers, open connections); idempotent."""

    async def query(self, text: str, *, media_type: str, default_graph_uris: Sequence[str] | None = None,
                    named_graph_uris: Sequence[str] | None = None, base_iri: str | None = None,
                    info: QueryInfo | None = None, stream: bool = False) -> QueryOutcome:
        """The answer to a query, serialised as ``media_type`` and cut at the row bound. ``info``:
        the guard's inspection of ``text`` when the caller ran it already. ``stream``: the caller
        only sends the body on, so it may be any bytes-like object or a
        :class:`~api.ipc.BodyStream`; without it, the body is ``bytes``."""

    async def update(self, text: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update (the caller checked the client's right to write)."""

    def status(self) -> dict[str, Any]:
        """What ``/healthz`` reports about the lanes that answer queries (empty: nothing to report)."""

    async def close(self) -> None:
        """Stop answering and release processes and connections."""

    async def reopen(self, data_path: Path | None) -> None:
        """The data changed: read ``data_path`` from now on (the store's new files; None when the
        store has none here)."""


def open_engine(settings: Settings, store: Store) -> QueryEngine:
    """The engine for ``store``: worker processes on its files when it is in this process, else
    the remote engine that holds it."""
    if store.data_path is not None:
        from coopgraph.api.executor import QueryExecutor  # starts worker processes; only a running app needs it

        return QueryExecutor.from_settings(settings, store.data_path)
    from coopgraph.api.remote_executor import RemoteQueryExecutor
    from coopgraph.graph.store.remote import RemoteStore

    if not isinstance(store, RemoteStore):
        raise StoreError(f"no query engine runs on {store!r}")
    return RemoteQueryExecutor.from_settings(settings, store)


def start_early(store: Store) -> None:
    """Before the server imports the app: boot what the engine starts its workers from, so that
    both overlap (on two cores); nothing for a remote engine."""
    if store.in_process:
        from coopgraph.api.executor import start_forkserver_early

        start_forkserver_early()
