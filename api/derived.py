"""Data derived from the store, in one registry per app, and the one policy of how it is built.

``Derived`` (kept on ``AppState.derived``) holds every value derived from the store (the label
index, the projection, the measures, the statistics, views' JSON), each per store version. The
policy (``policy``) is chosen from the store's kind and size: a small embedded store builds inline
on the request, a large one in a child process (or a thread, for the name index), a remote one in
the background while the last complete value is served. A value not ready yet answers
``graph.errors.NotReadyError``: 503 with Retry-After. (Layouts and orderings of views live on the
projection itself: graph.analysis.per_projection.)

On a small store (the seed graph: a few thousand triples) the networkx projection and every
measure take milliseconds, so they are built on the first request that needs them, exactly as
before (the measures only while the projection has at most ``MEASURES_INLINE_BELOW`` entities and
relations; above, they take seconds and are built like a large store's). Above ``Settings.background_above_triples`` they cost seconds to minutes (1M triples: the
projection ~20 s, the measures ~3 min on a busy machine), so they are built once per store version
off the request path: on the first request that needs them (or right after start-up with
``background_warm_up``). On the embedded store the work runs in a child process at low CPU priority (a
thread here would hold the GIL and slow every request for minutes; at nice 10 it yields the cores
to queries), and the server only unpickles the result. Meanwhile:

- pages that only need the projection answer ``503`` with ``Retry-After`` (a few seconds);
- views and neighbourhoods rank and size by **degree** (exact, from the projection) until the
  other measures are ready, and say so in their ``note``;
- PageRank, betweenness, communities, bridges and k-cores answer ``503`` with ``Retry-After`` until
  the measures are ready, rather than an approximation the analyst cannot tell from the real one.

Why not compute them before start-up: ``serve`` must be ready in seconds on a store of any size
(``background_warm_up=false`` leaves a store nobody analyses untouched). Why not on the request
path: a request that holds a worker for a minute is a failure to every client behind it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from starlette.requests import Request  # FastAPI's Request, without importing FastAPI (api/boot.py)

from coopgraph.graph.heap import return_freed_memory
from coopgraph.graph.errors import NotReadyError

__all__ = ["Derived", "derived", "projection", "measures", "measures_or_503", "is_large", "label_index",
           "label_index_if_ready", "warm_up"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Job:
    version: str
    build: Callable[[], Any]
    started: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


class Derived:
    """Every value derived from the store (the projection, the measures, the label index, the
    statistics...), one per (name, store version): the app's one home for them.

    A value is built on the caller (``inline``: small stores, concurrent callers wait for one
    build) or in a daemon thread (``start``/``ready``: never blocks a caller; the thread may hand
    the work to a child process). Either way the finished value is kept under its name, with the
    version it was built for, and also serves as "the last complete one" while a newer is built.
    """

    def __init__(self) -> None:
        self._jobs: dict[str, _Job] = {}  # the latest build started per name, finished or not
        self._complete: dict[str, _Job] = {}  # the latest build that succeeded per name
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._recent: dict[str, OrderedDict[tuple[str, Hashable], Any]] = {}

    def inline(self, name: str, version: str, build: Callable[[], T]) -> T:
        """``build()`` on the caller, once per version; concurrent callers of the same name wait for
        one build. Each name has its own lock, so one value may be built from another (the
        statistics from the label index) without deadlock; a build must not ask for its own name."""
        found = self._complete.get(name)
        if found is not None and found.version == version:
            return found.value
        with self._lock:
            lock = self._name_locks.setdefault(name, threading.Lock())
        with lock:
            found = self._complete.get(name)
            if found is None or found.version != version:
                job = _Job(version=version, build=build)
                job.value = build()
                job.done.set()
                self._complete[name] = job
                log.info("built %s for version %s in %.2f s", name, version, time.monotonic() - job.started)
                found = job
        return found.value

    def start(self, name: str, version: str, build: Callable[[], Any], *, retry_failed: bool = False) -> _Job:
        """The build of ``name`` at ``version``, started now in a thread if there is none yet.

        A failed build is reported to every caller of that version, or with ``retry_failed``
        logged and forgotten, so the next caller starts it again.
        """
        with self._lock:
            found = self._complete.get(name)
            if found is not None and found.version == version:
                return found
            job = self._jobs.get(name)
            if job is not None and job.version == version:
                return job
            job = self._jobs[name] = _Job(version=version, build=build)

        def run() -> None:
            try:
                job.value = build()
            except BaseException as exc:  # reported to every caller, never lost in the thread
                job.error = exc
                if retry_failed:
                    log.warning("could not build %s for version %s: %s", name, version, exc)
                    with self._lock:
                        if self._jobs.get(name) is job:
                            del self._jobs[name]
                else:
                    log.error("building %s failed", name, exc_info=exc)
            else:
                with self._lock:
                    self._complete[name] = job
                log.info("built %s for version %s in %.1f s (background)", name, version,
                         time.monotonic() - job.started)
            finally:
                job.done.set()

        threading.Thread(target=run, name=f"coopgraph-{name}", daemon=True).start()
        return job

    def ready(self, name: str, version: str, build: Callable[[], Any]) -> Any:
        """The value if built; else start building it and return None."""
        job = self.start(name, version, build)
        if not job.done.is_set():
            return None
        if job.error is not None:
            raise job.error
        return job.value

    def latest(self, name: str, version: str, build: Callable[[], Any]) -> _Job | None:
        """The build of ``version`` if finished, else the last complete one of an earlier version
        while ``version``'s is built in a thread (failures retried); None before the first."""
        job = self.start(name, version, build, retry_failed=True)
        if job.done.is_set() and job.error is None:
            return job
        return self._complete.get(name)

    def rebuild(self, names: tuple[str, ...], version: str) -> None:
        """Start building, for ``version``, those of ``names`` that were built before (with the
        same build): what was in use is pulled again off the request path."""
        for name in names:
            found = self._complete.get(name)
            if found is not None:
                self.start(name, version, found.build, retry_failed=True)

    def recent(self, name: str, version: str, key: Hashable, build: Callable[[], T], *, kept: int) -> T:
        """``build()`` for ``key``, kept among the last ``kept`` of ``name`` (per version and key):
        for values that are pure functions of the data and a request's parameters, such as a view's
        JSON opened by many readers of a shared link. Built on the caller; never served for a
        version other than ``version``."""
        with self._lock:
            table = self._recent.setdefault(name, OrderedDict())
            if (version, key) in table:
                table.move_to_end((version, key))
                return table[(version, key)]
        value = build()
        with self._lock:
            table[(version, key)] = value
            while len(table) > kept:
                table.popitem(last=False)
        return value

    def elapsed(self, name: str) -> float:
        job = self._jobs.get(name)
        return time.monotonic() - job.started if job else 0.0


def _analysis() -> Any:
    """graph.analysis, imported on first use: it brings networkx (a quarter of a second), which
    the app does not need before its first page that analyses (``serve`` answers /sparql sooner)."""
    from coopgraph.graph import analysis

    return analysis


def derived(request: Request) -> Derived:
    """The app's registry of derived data (kept on its AppState)."""
    return _registry(request.app)


def _registry(app: Any) -> Derived:
    registry: Derived = app.state.coop.derived
    return registry


# How a store's derived data is built, chosen from its kind and size (see ``policy``).
INLINE: Final = "inline"  # a small embedded store: on the first request that needs it
CHILD_PROCESS: Final = "child process"  # a large embedded store: off the request path; 503 until ready
BACKGROUND: Final = "background"  # a remote store: pulled off the request path; the last one served meanwhile
Policy = Literal["inline", "child process", "background"]


def policy(state: Any) -> Policy:
    """The one choice of how derived data is built for this store version: a remote store in the
    background whatever its size (``per_version``, the projection in a child process); an embedded
    store above ``background_above_triples`` in a child process; a smaller one inline."""
    if not state.store.bulk_reads:
        return BACKGROUND
    return CHILD_PROCESS if _above_threshold(state) else INLINE


# What a remote store builds in the background (each pulls much of the graph over HTTP).
REMOTE_BACKGROUND = ("projection", "label_index")


def per_version(state: Any, name: str, build: Callable[[], T]) -> T:
    """``build()`` once per data version (``Derived.inline``). On a remote store (the BACKGROUND
    policy, known without reading the store) the values that pull much of the graph
    (REMOTE_BACKGROUND) are built in the background instead: the last complete one is served
    meanwhile, and NotReadyError answers before the first."""
    if not state.store.bulk_reads and name in REMOTE_BACKGROUND:
        found = state.derived.latest(name, state.version, build)
        if found is None:
            raise NotReadyError(f"the {name.replace('_', ' ')} of the remote store is being pulled "
                                "from the SPARQL engine; retry in a few seconds")
        return found.value
    return state.derived.inline(name, state.version, build)


def is_large(request: Request) -> bool:
    """Whether this embedded store holds more triples than the background threshold (checked once
    per version): its derived data is built in a child process."""
    return _is_large(request.app.state.coop)


def _is_large(state: Any) -> bool:
    return policy(state) == CHILD_PROCESS


def _above_threshold(state: Any) -> bool:
    threshold = state.settings.background_above_triples

    def above() -> bool:
        # Reads at most threshold + 1 triples: a COUNT(*) of 1M costs a second, this a quarter.
        with state.reading() as store:
            return bool(store.select(f"SELECT ?s WHERE {{ ?s ?p ?o }} OFFSET {threshold} LIMIT 1"))

    return per_version(state, f"above {threshold} triples", above)


# Whole-graph measures cost seconds per 10,000 entities and relations (sampled betweenness and
# Louvain in pure Python): above this size they are too costly for a request even on a store
# under background_above_triples (100k triples: ~27,000, some 10 s that would hold the request).
MEASURES_INLINE_BELOW = 20_000


def _measures_in_background(request: Request, G: Any) -> bool:
    """Whether G's measures are too costly for a request: a large embedded store or a projection
    of more than MEASURES_INLINE_BELOW entities and relations, or a remote store whose projection
    has more relations than the threshold."""
    state = request.app.state.coop
    if policy(state) == BACKGROUND:
        # About five triples per relation (1M triples: 195k relations), so compare like with like.
        return G.number_of_edges() * 5 > state.settings.background_above_triples
    return G.number_of_nodes() + G.number_of_edges() > MEASURES_INLINE_BELOW or is_large(request)


def warm_up(app: Any) -> None:
    """Start building, in the background, the projection, the measures and the label index of a
    large embedded store, so the first reader finds them ready. Returns at once (``serve`` is ready
    before any of it is: even the size check, a bounded read of the store, runs in the thread)."""
    state = app.state.coop
    if not state.store.bulk_reads:  # BACKGROUND (known without reading): first pull now, whatever the setting
        if state.settings.remote_projection:
            _registry(app).start("projection", state.version, lambda: _build_projection(state),
                                 retry_failed=True)
        return
    if not state.settings.background_warm_up:
        return

    def everything() -> None:
        if not _is_large(state):
            return
        G = _wait_for_projection(app)
        _registry(app).start("measures", state.version, _measures_job(G, state))
        _registry(app).start("label_index", state.version, _label_index_job(state))

    threading.Thread(target=everything, name="coopgraph-warm-up", daemon=True).start()


def _unavailable(what: str, elapsed: float, retry_after: int) -> NotReadyError:
    return NotReadyError(f"{what} is being computed for this version of the data (started {elapsed:.0f} s "
                         f"ago); try again in {retry_after} s", retry_after_s=retry_after)


def projection(request: Request) -> Any:
    """The networkx projection: built on this request on small stores, in the background on large ones.

    The background build also prepares what every bounded read needs (the undirected view and
    its degrees), so the first request after it is as fast as the rest.
    """
    state = request.app.state.coop
    chosen = policy(state)
    if chosen == BACKGROUND and not state.settings.remote_projection:
        raise NotReadyError("analysis and views are off for this remote store "
                            "(COOPGRAPH_REMOTE_PROJECTION=false); SPARQL, entity pages and search work")
    if chosen != CHILD_PROCESS:
        return per_version(state, "projection", lambda: _build_projection(state))
    G = derived(request).ready("projection", state.version, lambda: _project(state))
    if G is None:
        raise _unavailable("The graph projection", derived(request).elapsed("projection"), 5)
    return G


def _wait_for_projection(app: Any) -> Any:
    job = _registry(app).start("projection", app.state.coop.version, lambda: _project(app.state.coop))
    job.done.wait()
    if job.error is not None:
        raise job.error
    return job.value


def _build_projection(state: Any) -> Any:
    """The projection of a small embedded store (here) or of a remote store (pulled in a child
    process: parsing ~160 MB of JSON results for 1M triples and building the graph, in a thread of
    the server, held the GIL long enough to delay every request by about a second)."""
    from coopgraph.graph.network import project

    if policy(state) == BACKGROUND:
        settings = state.settings
        return in_child_process(_project_remote, str(settings.store), settings.remote_auth(),
                                settings.query_timeout_s, settings.base)
    with state.reading() as store:
        return project(store, base=state.settings.base)


def _project(state: Any) -> Any:
    from coopgraph.graph.views import warm_rankings

    # Built in a child process and unpickled here: at 1M triples, 23 s of GIL-holding work
    # in a thread of the server against 3 s of unpickling (48 MB). (Only a large embedded store
    # comes here; a remote store's projection is pulled by AppState.projection.)
    G = in_child_process(_projection_of_store, str(state.settings.store), state.settings.base)
    _analysis().undirected(G)
    warm_rankings(G, degree_table(G))
    return_freed_memory()
    return G


def degree_table(G: Any) -> dict[str, dict[str, Any]]:
    """``{node: {"degree": distinct neighbours}}``: what views rank by until the measures are ready."""
    U = _analysis().undirected(G)
    return _analysis().cached_on(G, "degree_table", lambda: {n: {"degree": d} for n, d in U.degree()})


def measures(request: Request, G: Any) -> tuple[dict[str, dict[str, Any]], bool]:
    """``(table, complete)``: every measure when available, else the degree table and False."""
    if not _measures_in_background(request, G):
        return _analysis().summary_measures(G), True
    state = request.app.state.coop
    found = derived(request).ready("measures", state.version, _measures_job(G, state))
    if found is None:
        return degree_table(G), False
    return found, True


def _measures_job(G: Any, state: Any = None) -> Callable[[], Any]:
    def build() -> Any:
        from coopgraph.graph.views import warm_rankings

        if state is not None and state.store.in_process:
            # Minutes of pure-Python CPU at 1M triples: in a thread here they would hold the GIL
            # and slow every request for that long. A child process computes them on its own
            # copy of the projection; this process only adopts the finished tables.
            exported = in_child_process(_measures_of_store, str(state.settings.store), state.settings.base)
            if not _analysis().adopt_cached(G, exported):
                log.info("the data changed while its measures were computed; computing them here")
        table = _analysis().summary_measures(G)
        _analysis().bridges_and_articulation_points(G)
        warm_rankings(G, table)
        # What views ranked by until now (a dict per entity: 15 MB at 1M triples); once the
        # measures are complete for this version, ``measures`` never asks for it again.
        _analysis().forget_cached(G, "degree_table")
        return_freed_memory()
        return table

    return build


def in_child_process(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a fresh interpreter (spawn: forking a process with threads and an
    event loop is unsafe); the result comes back pickled."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _projection_of_store(store_root: str, base: str) -> Any:
    """In the child: the networkx projection of the embedded store."""
    import os

    from coopgraph.graph.network import project

    os.nice(10)  # background work: queries and pages come first
    from coopgraph.graph.store import open_store

    store = open_store(store_root)
    try:
        return project(store, base=base)
    finally:
        store.close()


def _project_remote(url: str, auth: Any, timeout: float, base: str) -> Any:
    """In the child: open the remote store and project it (see graph.network.project)."""
    from coopgraph.graph.network import project
    from coopgraph.graph.store import open_store

    with open_store(url, auth=auth, timeout=max(timeout, 600.0)) as store:
        return project(store, base=base)


def _measures_of_store(store_root: str, base: str) -> dict[str, Any]:
    """In the child: project the store and compute every measure the server shows."""
    G = _projection_of_store(store_root, base)
    _analysis().summary_measures(G)
    _analysis().bridges_and_articulation_points(G)
    return _analysis().export_cached(G)


def label_index(request: Request, store: Any, base: str) -> Any:
    """The name index of this store version, as the policy says: built on the request for a small
    store (from the request's ``store``); pulled in the background for a remote one (``per_version``);
    for a large embedded one, built in a thread (503 + Retry-After until ready)."""
    state = request.app.state.coop
    if policy(state) != CHILD_PROCESS:
        from coopgraph.graph.search import LabelIndex

        return per_version(state, "label_index", lambda: LabelIndex.build(store, base=base))
    found = derived(request).ready("label_index", state.version, _label_index_job(state))
    if found is None:
        raise _unavailable("The name index", derived(request).elapsed("label_index"), 5)
    return found


def label_index_if_ready(request: Request) -> Any:
    """The search index of a large store if built (else None; its build is started)."""
    state = request.app.state.coop
    return derived(request).ready("label_index", state.version, _label_index_job(state))


def _label_index_job(state: Any) -> Callable[[], Any]:
    from coopgraph.graph.search import LabelIndex

    def build() -> Any:
        with state.reading() as store:
            return LabelIndex.build(store, base=state.settings.base)

    return build


def measures_or_503(request: Request, G: Any, what: str) -> dict[str, dict[str, Any]]:
    """Every measure, or 503 + Retry-After while a large graph's measures are being computed."""
    table, complete = measures(request, G)
    if not complete:
        raise _unavailable(what, derived(request).elapsed("measures"), 15)
    return table
