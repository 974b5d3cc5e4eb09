"""extract_many: the same extractions as extract, in input order, on worker processes that never
outlive the run; rules only (the statistical model is not needed to test the pool)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from coopgraph.graph.ingest.extract import IngestContext, extract, extract_many
from coopgraph.graph.ingest.gazetteer import Gazetteer
from coopgraph.graph.ingest.model import IngestDocument, Mention, report_json
from coopgraph.graph.ingest.ner import CandidateFinder
from coopgraph.graph.namespaces import DEFAULT_BASE as BASE
from coopgraph.graph.store.oxigraph import OxigraphStore

ARTICLES = Path(__file__).parent / "articles"
REPO = Path(__file__).resolve().parents[2]


def document(text: str, path: str) -> IngestDocument:
    return IngestDocument(text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path=path,
                          title=None, date="2021-05-01", publisher=None, format="text")


def articles() -> list[IngestDocument]:
    """The test articles, and each one cut after every paragraph: 3 articles -> a dozen or so documents."""
    out = []
    for path in sorted(ARTICLES.glob("*.txt")):
        paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        out.extend(document("\n\n".join(paragraphs[:n]), f"{path.name}#{n}") for n in range(1, len(paragraphs) + 1))
    return out


@pytest.fixture(scope="module")
def gazetteer(seed_store: OxigraphStore) -> Gazetteer:
    return Gazetteer.from_store(seed_store)


@pytest.fixture
def children_before() -> set[int]:
    """The child processes that were there before the test (a session's app has its query workers)."""
    return {p.pid for p in multiprocessing.active_children()}


def new_children(before: set[int]) -> set[int]:
    return {p.pid for p in multiprocessing.active_children()} - before


def context(gazetteer: Gazetteer, finder: CandidateFinder | None = None) -> IngestContext:
    return IngestContext(gazetteer, finder or CandidateFinder(model=False), BASE)


def test_two_workers_give_what_one_process_gives_in_order(gazetteer: Gazetteer,
        children_before: set[int]) -> None:
    docs = articles()
    assert len(docs) > 8
    alone = [extract(doc, context(gazetteer)) for doc in docs]
    pooled = list(extract_many(docs, context(gazetteer), jobs=2, chunksize=1))
    assert [x.document.path for x in pooled] == [doc.path for doc in docs]
    assert report_json(pooled) == report_json(alone)
    assert pooled == alone
    assert not new_children(children_before)  # the workers are gone once the run is over


def test_spawned_workers_get_the_context_pickled(gazetteer: Gazetteer) -> None:
    """Where fork is missing: the gazetteer is pickled once per worker, the finder made anew there."""
    docs = articles()[:6]
    alone = [extract(doc, context(gazetteer)) for doc in docs]
    assert list(extract_many(docs, context(gazetteer), jobs=2, chunksize=2, start_method="spawn")) == alone


def test_one_job_runs_here_and_nothing_is_read_far_ahead(gazetteer: Gazetteer,
        children_before: set[int]) -> None:
    docs = articles()
    read: list[str] = []

    def counted() -> Iterator[IngestDocument]:
        for doc in docs:
            read.append(doc.path)
            yield doc

    inline = extract_many(counted(), context(gazetteer), jobs=1)
    next(inline)
    assert not new_children(children_before) and len(read) == 1
    inline.close()
    read.clear()
    pooled = extract_many(counted(), context(gazetteer), jobs=2, chunksize=1)
    next(pooled)
    next(pooled)
    # the first document here, then at most two chunks in flight per worker (plus the one being read)
    assert len(read) <= 2 + 2 * 2 + 1 < len(docs)
    pooled.close()
    assert not new_children(children_before)


class FailingFinder(CandidateFinder):
    """A real finder that fails on the document named "bad" (how a bug in a stage would show)."""

    def find(self, doc: IngestDocument, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        if doc.path == "bad":
            raise LookupError(f"no candidates for {doc.path}")
        return super().find(doc, spans)


def test_a_workers_error_is_raised_here_as_itself(gazetteer: Gazetteer,
        children_before: set[int]) -> None:
    docs = articles()[:6]
    docs.insert(4, document("Chongqing Customs met Chengdu Customs.", "bad"))
    got = []
    with pytest.raises(LookupError, match="no candidates for bad"):
        for extraction in extract_many(docs, context(gazetteer, FailingFinder(model=False)), jobs=2,
                                       chunksize=1):
            got.append(extraction.document.path)
    assert got == [doc.path for doc in docs[:4]]
    assert not new_children(children_before)


def test_bad_arguments_are_refused(gazetteer: Gazetteer) -> None:
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        next(extract_many(articles(), context(gazetteer), jobs=0))
    with pytest.raises(ValueError, match="chunksize must be at least 1"):
        next(extract_many(articles(), context(gazetteer), jobs=2, chunksize=0))


# A run over many documents (read lazily) that prints its workers' pids once they work, then goes on.
RUN = """
import multiprocessing, sys
from coopgraph.graph.ingest.extract import IngestContext, extract_many
from coopgraph.graph.ingest.gazetteer import Gazetteer
from coopgraph.graph.ingest.model import IngestDocument
from coopgraph.graph.ingest.ner import CandidateFinder

TEXT = open(sys.argv[1], encoding="utf-8").read()

def documents():
    for n in range(100_000):
        yield IngestDocument(text=TEXT, sha256=f"{n:064x}", path=f"doc{n}", title=None, date=None,
                             publisher=None, format="text")

ctx = IngestContext(Gazetteer(entities={}), CandidateFinder(model=False), "https://example.org/")
for n, _ in enumerate(extract_many(documents(), ctx, jobs=2, chunksize=1)):
    if n == 6:
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
"""


def gone(pid: int) -> bool:
    """No such process, or a zombie (dead, waiting for whoever adopted it to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_no_worker_outlives_a_stopped_run(signum: int, tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(RUN, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script), str(sorted(ARTICLES.glob("*.txt"))[0])],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert run.stdout is not None
        workers = [int(pid) for pid in run.stdout.readline().split()]
        assert len(workers) == 2, run.stderr.read() if run.stderr else ""
        run.send_signal(signum)
        _out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=30)
    if signum == signal.SIGTERM:
        assert run.returncode == 128 + signal.SIGTERM, err
    else:
        assert run.returncode != 0
    deadline = time.monotonic() + 20
    while not all(gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(gone(pid) for pid in workers), workers
    if signum != signal.SIGKILL:
        assert err.count("Traceback") <= 1  # the parent's KeyboardInterrupt at most: no worker's


EARLY_CLOSES = """
import sys
from pathlib import Path
from coopgraph.graph.build import build_graph
from coopgraph.graph.ingest.extract import IngestContext, extract_many
from coopgraph.graph.ingest.gazetteer import Gazetteer
from coopgraph.graph.ingest.ner import CandidateFinder
from coopgraph.graph.namespaces import DEFAULT_BASE as BASE

sys.path.insert(0, "bench")
from ingest import synthetic_articles  # bench/ingest.py: news-length articles from a seeded generator

graph = build_graph(facts_dir=Path("data/facts"), documents_dir=Path("data/documents"), base=BASE).graph
ctx = IngestContext(Gazetteer.from_graph(graph), CandidateFinder(model=False), BASE)
docs = synthetic_articles(60)
for _ in range(400):
    run = extract_many(iter(docs), ctx, jobs=2, chunksize=1)
    next(run), next(run)
    run.close()  # tasks in flight, workers busy writing results
print("closed 400 runs")
"""


def test_runs_dropped_early_with_tasks_in_flight_never_hang() -> None:
    """Pool.terminate SIGTERMed workers wherever they were; one killed while holding the result
    queue's lock made terminate hang for ever (here once in 25 to 300 early closes, so 400 are made). The run is wound down
    instead: tasks in flight finish, the workers leave on their own."""
    done = subprocess.run([sys.executable, "-c", EARLY_CLOSES], cwd=REPO, capture_output=True, text=True,
                          timeout=240, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "closed 400 runs"), done.stderr[-3000:]
