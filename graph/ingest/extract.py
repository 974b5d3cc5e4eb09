"""One document -> Extraction: the stages of an ingest, in order, and nothing else; many documents on
several processes.

The stages live in their own modules; this one only decides the order and what each one sees.
``extract_many`` runs ``extract`` over many documents on a pool of worker processes (extraction is
pure Python, so threads would share one core): results come back in input order, a worker's error
is raised again in the caller, and no worker outlives the run (Ctrl-C, SIGTERM, or the caller's
death: see ``_pool_extractions``).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from coopgraph.graph.ingest.gazetteer import Gazetteer
from coopgraph.graph.ingest.linking import link
from coopgraph.graph.ingest.model import Extraction, IngestDocument
from coopgraph.graph.ingest.ner import CandidateFinder, defined_acronyms
from coopgraph.graph.ingest.relations import find_relations
from coopgraph.graph.ingest.text import sentences
from coopgraph.graph.ingest.write import document_iri

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

__all__ = ["IngestContext", "extract", "extract_many"]

# Documents per task sent to a worker: an article takes ~8 ms, so 16 per task (~0.13 s) keep the
# parent's share of the work (pipes, pickles) near 0.75 ms a document (1.0 ms with 4 per task)
# without making the last task of a run long.
CHUNKSIZE = 16
# Tasks in flight per worker: enough that a worker never waits for the next one, few enough that
# memory stays bounded whatever the number of documents (Pool.imap would read the whole input at once).
_AHEAD_PER_JOB = 2
# How long a run that stops early waits for the tasks it sent before it terminates the workers.
_WIND_DOWN_S = 10.0
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal the kernel sends when the parent dies


@dataclass
class IngestContext:
    """What every document of one ingest run is matched against."""

    gazetteer: Gazetteer          # the graph's entities, labels and aliases, read once per run
    finder: CandidateFinder       # new-entity candidates (statistical model + rules, or rules only)
    base: str                     # the IRI base new entities and documents get


def extract(doc: IngestDocument, ctx: IngestContext) -> Extraction:
    spans = sentences(doc.text)
    known = ctx.gazetteer.find(doc.text, spans)
    candidates = ctx.finder.find(doc, spans)
    acronyms = defined_acronyms(doc.text)
    decisions = link(doc, known, candidates, acronyms, ctx.gazetteer, base=ctx.base)
    relations = find_relations(doc, decisions, spans)
    return Extraction(document=doc, iri=document_iri(ctx.base, doc), mentions=decisions, relations=relations)


def extract_many(docs: Iterable[IngestDocument], ctx: IngestContext, *, jobs: int,
                 chunksize: int = CHUNKSIZE, start_method: str | None = None
                 ) -> Generator[Extraction, None, None]:
    """``extract`` of every document, in input order, on ``jobs`` processes (``jobs=1``: in this one).

    With ``jobs > 1`` the workers are forked where the platform can (``start_method`` None), so the
    gazetteer and a loaded model are shared copy-on-write; the first document is extracted here
    first, which loads what is loaded lazily (the statistical model) once for all of them. Where
    only "spawn" exists, each worker gets the gazetteer pickled once and a new CandidateFinder of
    the same kind, which loads its model itself. A worker's exception is raised here (the same
    type); the documents are read ``chunksize`` at a time, a few tasks ahead of the results only.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, not {chunksize}")
    if jobs == 1:
        for doc in docs:
            yield extract(doc, ctx)
        return
    method = start_method or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    yield from _pool_extractions(iter(docs), ctx, jobs=jobs, chunksize=chunksize, method=method)


# -- the pool ----------------------------------------------------------------------------------------

def _pool_extractions(docs: Iterator[IngestDocument], ctx: IngestContext, *, jobs: int, chunksize: int,
                      method: str) -> Iterator[Extraction]:
    """How the workers are kept from outliving the run:

    - the pool is wound down in ``finally``: on the caller's error, on Ctrl-C (KeyboardInterrupt),
      and when the caller drops the iterator early (see :func:`_wind_down`);
    - SIGTERM to this process, whose default action would kill it without any ``finally``, raises
      SystemExit(143) here while the pool runs (when no handler of the caller's is installed): at
      the pool loop's next step, within 50 ms while it waits for a result. Not from the signal
      handler itself: raised at an arbitrary point (inside a Condition.wait, or the pool's own
      bookkeeping) it could leave a lock held that ``terminate`` then waits on for ever;
    - the workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group: this process
      decides) and, on Linux, are killed by the kernel if this process dies anyway (SIGKILL).
    """
    if method == "fork":
        first = next(docs, None)
        if first is None:
            return
        yield extract(first, ctx)
        portable = ctx
    else:
        # A loaded spaCy pipeline is not pickled: a fresh finder of the same kind loads it in the worker.
        portable = IngestContext(ctx.gazetteer, type(ctx.finder)(model=ctx.finder.model), ctx.base)
    pool = multiprocessing.get_context(method).Pool(jobs, initializer=_start_worker,
                                                    initargs=(portable, os.getpid()))
    ahead: deque[AsyncResult[list[Extraction]]] = deque()
    try:
        with _sigterm_exits() as stop:
            while chunk := list(islice(docs, chunksize)):
                stop.check()
                ahead.append(pool.apply_async(_extract_chunk, (chunk,)))
                if len(ahead) >= _AHEAD_PER_JOB * jobs:
                    yield from stop.result(ahead.popleft())
            while ahead:
                yield from stop.result(ahead.popleft())
    finally:
        _wind_down(pool, ahead)


def _wind_down(pool: multiprocessing.pool.Pool, ahead: deque[AsyncResult[list[Extraction]]]) -> None:
    """Stop the pool without killing a worker in the middle of writing a result.

    ``Pool.terminate`` SIGTERMs workers wherever they are; one killed while it holds the result
    queue's lock leaves that lock taken for ever, and ``terminate`` itself then hangs joining the
    thread that waits for it (seen in this test suite: a run dropped early, tasks in flight). So the
    pool is closed and the tasks already sent are let finish (at most ``_AHEAD_PER_JOB`` per
    worker, a second or two), then the workers leave on their own; only a task still running after
    ``_WIND_DOWN_S`` (a worker stuck in a document) gets them terminated.
    """
    pool.close()
    deadline = time.monotonic() + _WIND_DOWN_S
    for pending in ahead:
        pending.wait(max(0.0, deadline - time.monotonic()))
    if not all(pending.ready() for pending in ahead):
        pool.terminate()
    pool.join()


class _Stop:
    """A SIGTERM noted by the handler, raised as SystemExit(128 + 15) at the pool loop's safe points."""

    WAIT_S = 0.05  # how often a wait for a result looks at it

    def __init__(self) -> None:
        self.signum: int | None = None

    def check(self) -> None:
        if self.signum is not None:
            raise SystemExit(128 + self.signum)

    def result(self, pending: AsyncResult[list[Extraction]]) -> list[Extraction]:
        while not pending.ready():
            pending.wait(self.WAIT_S)
            self.check()
        return pending.get()


@contextmanager
def _sigterm_exits() -> Iterator[_Stop]:
    """In this block SIGTERM is noted, and ``_Stop`` raises SystemExit(128 + 15) at the next safe
    point, so ``finally`` clauses run (see above). Only in the main thread (where Python runs signal
    handlers), and only when the caller left the default action: a handler of the caller's own is
    the caller's plan (then nothing is ever noted)."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield stop
        return

    def note(signum: int, _frame: object) -> None:
        stop.signum = signum

    signal.signal(signal.SIGTERM, note)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


# -- in a worker ------------------------------------------------------------------------------------

_worker_context: IngestContext | None = None


def _start_worker(ctx: IngestContext, parent: int) -> None:
    global _worker_context
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and terminates the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # fork copied the parent's handler: terminate() must kill
    _die_with_parent(parent)
    _worker_context = ctx


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM this worker when the process that started it dies (even by SIGKILL,
    which leaves it no chance to terminate the pool); elsewhere the pool's own shutdown is all."""
    if sys.platform != "linux":
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


def _extract_chunk(chunk: list[IngestDocument]) -> list[Extraction]:
    if _worker_context is None:
        raise RuntimeError("an ingest worker was started without its context")
    return [extract(doc, _worker_context) for doc in chunk]
