"""Run user SPARQL in a pool of worker processes, with time and memory limits, from async code.

Why processes: pyoxigraph cannot be interrupted from Python, so the only way to stop a runaway
query is to kill what runs it, and the only way to bound its memory is a per-process rlimit.

:class:`QueryExecutor` is the embedded engine (:class:`api.engine.QueryEngine`); it composes parts
with one job each:

    worker_pool   the disk lane: worker processes on the store's files, slots, deadlines, heavy share
    replica       the memory lane: one in-memory copy of the store, loaded, lost and reloaded
    suspects      query shapes kept off the replica or in the heavy share
    ipc           the parent's end of a worker process: start, handle, message framing, error replies
    sparql_worker what runs inside the worker and replica processes

- **Limits**: the text passes :func:`graph.query_guard.inspect_query` first; then the lane's own
  bounds hold (a worker's memory cap, the parent's wall-clock SIGKILL: see :mod:`api.worker_pool`).
- **Lanes**: a query runs on the memory replica when there is one (the store holds at most
  ``replica_max_triples``) and its shape is not under suspicion, on a disk worker otherwise. When
  the replica dies under it, it re-runs on disk, as a suspect (in the heavy share) if it had run
  over a second: cheap queries are long done by then.
- **Quarantine by shape**: the quarantine is keyed by :func:`graph.query_guard.query_shape`
  (comments, whitespace, variable names, literals and LIMIT numbers taken out; a few µs on top of
  the guard's scan), so rewriting a hostile query does not get it back onto the replica. After an
  out-of-memory loss the culprit is not known: every query that was in the replica re-runs on
  disk, and its shape stays off the replica until that re-run ends (a culprit then meets a disk
  worker's bound and is quarantined; an innocent one finishes in milliseconds).
- **Updates**: pyoxigraph says a read-only instance must not be open while another process writes,
  so :meth:`QueryExecutor.update` closes the gate, drops the replica, drains every slot (in-flight
  queries finish or time out), stops the workers, applies the update in a separate read-write
  process under the same limits, then starts fresh workers and, once the changes pause (0.5 s),
  a fresh copy. :meth:`reopen` does the same dance without the update, for a new store generation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coopgraph.api.ipc import BodyStream, SparqlWorkerError, start_forkserver_early
from coopgraph.api.replica import MemoryReplica, ReplicaCopy, ReplicaLost
from coopgraph.api.sparql_worker import QueryJob, UpdateJob
from coopgraph.api.suspects import Suspects
from coopgraph.api.worker_pool import DiskPool
from coopgraph.graph.errors import QueryRejectedError, QueryResourceError, QuerySyntaxError, QueryTimeoutError
from coopgraph.graph.filter_values import with_values
from coopgraph.graph.query_guard import QueryInfo, QueryLimits, inspect_query, query_shape
from coopgraph.graph.row_bound import row_bound, with_row_limit
from coopgraph.graph.store import snapshot

__all__ = ["QueryExecutor", "QueryOutcome", "SparqlWorkerError", "start_forkserver_early"]

# A query still running this long when the replica died under it is re-run as a suspect (in the
# disk lane's heavy share): cheap queries are long done by then.
_SUSPECT_AFTER_S = 1.0
_RELOAD_AFTER_CHANGE_S = 0.5  # a burst of updates gets one copy, after it, not one per update


@dataclass(frozen=True)
class QueryOutcome:
    # The answer's bytes; asked with ``stream=True``, a memoryview, or a large answer's
    # BodyStream still arriving from the process that ran the query (see api.ipc.exchange).
    body: bytes | memoryview | BodyStream
    media_type: str
    kind: str  # SELECT / ASK / CONSTRUCT / DESCRIBE
    truncated: bool
    rows: int | None
    lane: str = ""  # "memory" or "disk" for the embedded store (X-Coopgraph-Lane); "" elsewhere

    def whole(self) -> bytes:
        """The body as ``bytes`` (as it is when the query was not asked with ``stream=True``)."""
        if isinstance(self.body, BodyStream):
            raise TypeError("a streamed answer is read with async for, once")
        return bytes(self.body)


class QueryExecutor:
    """Async facade over the worker pool; one per app (``app.state.coop.executor``)."""

    def __init__(
        self,
        store_path: Path | str,
        *,
        workers: int = 2,
        timeout_s: float = 30.0,
        memory_mb: int = 1024,
        max_rows: int = 100_000,
        limits: QueryLimits | None = None,
        queue_timeout_s: float | None = None,
        start_timeout_s: float = 60.0,
        replica_max_triples: int = 0,
        replica_slots: int = 8,
        replica_load_timeout_s: float = 600.0,
        replica_poll_us: int = 1000,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.store_path = Path(store_path)
        self.workers = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_rows = max_rows
        self.limits = limits or QueryLimits()
        self.queue_timeout_s = queue_timeout_s if queue_timeout_s is not None else timeout_s
        self.start_timeout_s = start_timeout_s
        self.replica_max_triples = replica_max_triples  # 0: no memory replica
        self.replica_slots = replica_slots
        self.replica_load_timeout_s = replica_load_timeout_s
        self._gate = asyncio.Event()  # set = queries may take slots
        self._swap_lock = asyncio.Lock()  # one update / reopen at a time
        self._started = False
        self._suspects = Suspects()
        self._disk = DiskPool(
            self.store_path, workers=workers, timeout_s=timeout_s, memory_mb=memory_mb,
            queue_timeout_s=self.queue_timeout_s, start_timeout_s=start_timeout_s, gate=self._gate,
            suspects=self._suspects,
        )
        self._memory = MemoryReplica(
            self.store_path, max_triples=replica_max_triples, slot_count=replica_slots,
            load_timeout_s=replica_load_timeout_s, memory_mb=memory_mb, timeout_s=timeout_s,
            queue_timeout_s=self.queue_timeout_s, gate=self._gate, suspects=self._suspects,
            in_thread=self._disk.in_thread, poll_us=replica_poll_us,
        )

    @classmethod
    def from_settings(cls, settings: Any, store_path: Path | str) -> QueryExecutor:
        limits = QueryLimits(
            max_bytes=settings.max_query_bytes,
            max_nesting_depth=settings.max_nesting_depth,
            service_allowlist=frozenset(settings.service_allowlist),
        )
        return cls(
            store_path,
            workers=settings.sparql_workers,
            timeout_s=settings.query_timeout_s,
            memory_mb=settings.query_memory_mb,
            max_rows=settings.max_result_rows,
            limits=limits,
            replica_max_triples=settings.replica_max_triples,
            replica_slots=settings.replica_slots,
            replica_poll_us=settings.replica_poll_us,
        )

    @property
    def _replica(self) -> ReplicaCopy | None:
        """The memory replica's loaded copy, if any (a test kills its process)."""
        return self._memory.copy

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        # The replica's process loads while the disk workers open the store: on two cores its
        # load overlaps the rest of the start-up instead of following it.
        self._memory.start()
        try:
            await self._disk.fill()
        except BaseException:
            await self._memory.close()
            raise
        self._started = True
        self._gate.set()

    async def close(self) -> None:
        self._gate.clear()
        await self._memory.close()
        await self._disk.close()
        self._started = False

    async def reopen(self, new_path: Path | str | None) -> None:
        """Point the pool at another store directory (a rebuild swapped generations; None: the same)."""
        async with self._exclusive():
            if new_path is not None:
                self.store_path = self._disk.store_path = self._memory.store_path = Path(new_path)

    def status(self) -> dict[str, Any]:
        """What /healthz reports about the lanes: disk workers and the memory replica."""
        return {"disk_workers": self.workers, "memory_replica": self._memory.status()}

    # -- queries --------------------------------------------------------------------------------
    async def query(
        self,
        text: str,
        *,
        media_type: str,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        base_iri: str | None = None,
        info: QueryInfo | None = None,
        stream: bool = False,
    ) -> QueryOutcome:
        """Run a query in a worker. ``info``: ``inspect_query(text, self.limits)`` if the caller has
        run it already (the endpoint needs the query form to negotiate); otherwise it is run here.
        ``stream``: the caller sends the body on as it comes (the SPARQL endpoint): the body is
        not copied into ``bytes``, and a large answer is a
        :class:`~api.ipc.BodyStream` returned as soon as its header is in."""
        if info is None:
            info = inspect_query(text, self.limits)
        if info.is_update:
            raise QueryRejectedError("this is a SPARQL Update (or empty), not a query")
        sent, engine_bounded = self._optimised(text, info)
        job = QueryJob(
            text=sent,
            media_type=media_type,
            default_graph_uris=tuple(default_graph_uris) if default_graph_uris is not None else None,
            named_graph_uris=tuple(named_graph_uris) if named_graph_uris is not None else None,
            max_rows=self.max_rows,
            base_iri=base_iri,
            engine_bounded=engine_bounded,
        )
        shape = info.shape or query_shape(text)
        try:
            header, body, lane = await self._run_in_pool(("query", job), shape, stream)
        except QuerySyntaxError:
            if sent == text:
                raise
            # The parser's message must be about the user's text, not what was added to it.
            plain = replace(job, text=text, engine_bounded=False)
            header, body, lane = await self._run_in_pool(("query", plain), shape, stream)
        if body is None:
            body = b""
        elif not stream:
            body = bytes(body)
        return QueryOutcome(
            body=body,
            media_type=media_type,
            kind=info.kind,
            truncated=header["truncated"],
            rows=header["rows"],
            lane=lane,
        )

    def _optimised(self, text: str, info: QueryInfo) -> tuple[str, bool]:
        """The text the engine runs fastest with the same answer, and whether the engine itself stops
        after ``max_rows + 1`` rows (then it serialises a SELECT's answer):

        - membership filters also as ``VALUES`` blocks (:mod:`graph.filter_values`);
        - a SELECT's own LIMIT within ``max_rows`` kept, or one appended when the text allows it
          (not with a trailing VALUES block); ``info.rows`` is the user's text's :class:`RowBound`
          (declarations put before it, or blocks put inside its groups, change nothing in it).
        """
        if info.values:
            text = with_values(text, info.values) or text
        if info.kind != "SELECT":
            return text, False
        bound = info.rows or row_bound(text)
        if bound.limit is not None and bound.limit <= self.max_rows:
            return text, True
        if bound.appendable:
            return with_row_limit(text, self.max_rows + 1), True
        return text, False

    async def update(self, text: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update with the readers stopped (see the module docstring)."""
        info = inspect_query(text, self.limits)
        if not info.is_update:
            raise QueryRejectedError(f"this is {info.a_query}, not an update")
        async with self._exclusive():
            # The generation changes in place: its snapshots would be stale, even if the write is
            # killed half-way (graph/store/snapshot.py); the replica is stopped by now.
            await self._disk.in_thread(snapshot.discard, self.store_path.parent, self.store_path.name)
            await self._disk.write(UpdateJob(text, base_iri))

    # -- internals ------------------------------------------------------------------------------
    async def _run_in_pool(self, msg: tuple[str, Any], shape: bytes,
                           stream: bool = False) -> tuple[dict[str, Any], Any, str]:
        """Answer from the memory replica when there is one and the query's shape is not
        quarantined or on probation; from a disk worker otherwise, or when the replica dies under
        the query (then as a suspect if it had run long)."""
        suspects = self._suspects
        suspect = shape in suspects.quarantine or shape in suspects.heavy
        replica = self._memory.copy
        if (replica is not None and replica.alive and shape not in suspects.quarantine
                and shape not in suspects.probation):
            ran_long = False
            try:
                header, body = await self._memory.run(replica, msg, shape, stream=stream)
                return header, body, "memory"
            except ReplicaLost as lost:
                ran_long = lost.ran_s >= _SUSPECT_AFTER_S
            suspects.probation[shape] = suspects.probation.get(shape, 0) + 1
            try:
                header, body = await self._disk.run(msg, shape, suspect=suspect or ran_long, stream=stream)
            except (QueryResourceError, QueryTimeoutError):
                if ran_long:  # a likely culprit that could not be cleared on disk: off the replica
                    suspects.remember(suspects.quarantine, shape)
                raise
            finally:
                left = suspects.probation.pop(shape) - 1
                if left:
                    suspects.probation[shape] = left
            return header, body, "disk"
        header, body = await self._disk.run(msg, shape, suspect=suspect, stream=stream)
        return header, body, "disk"

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """Close the gate, take every slot back, stop the workers; restart them afterwards."""
        async with self._swap_lock:
            self._gate.clear()
            try:
                await self._memory.stop_for_change()  # no copy may read while the writer writes
                await self._disk.stop_all()
                try:
                    yield
                finally:
                    await self._disk.fill()
            finally:
                self._gate.set()
                self._memory.load_later(_RELOAD_AFTER_CHANGE_S)
