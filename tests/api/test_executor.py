"""api.executor: worker processes, limits, errors, updates, reopen; and its latency cost."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from coopgraph.api.executor import QueryExecutor
from coopgraph.graph.errors import QueryError, QueryRejectedError, QueryResourceError, QuerySyntaxError, QueryTimeoutError
from coopgraph.graph.query_guard import inspect_query
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.api.costly_queries import BOMB, RUNAWAY
from tests.api.executor_runs import run_executor

DATA = """
<http://ex/a> <http://ex/p> "x" . <http://ex/b> <http://ex/p> "y"@en . <http://ex/c> <http://ex/p> 3 .
GRAPH <http://ex/g1> { <http://ex/d> <http://ex/p> <http://ex/e> }
"""
JSON = "application/sparql-results+json"


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    OxigraphStore.replace(root, lambda db: db.update(f"INSERT DATA {{ {DATA} }}"))
    return root


def run(store_root: Path, body: Callable[[QueryExecutor], Awaitable[Any]], **options: Any) -> Any:
    return run_executor(store_root, body, **{"workers": 1, **options})


@pytest.mark.parametrize(
    ("media_type", "check"),
    [
        (JSON, lambda b: len(json.loads(b)["results"]["bindings"]) == 3),
        ("application/sparql-results+xml", lambda b: b.count(b"<result>") == 3),
        ("text/csv", lambda b: b.startswith(b"s,o\r\n") and b.count(b"\r\n") == 4),
        ("text/tab-separated-values", lambda b: b.startswith(b"?s\t?o\n") and b'"y"@en' in b),
    ],
)
def test_select_formats_parse_back(store_root: Path, media_type: str, check: Callable[[bytes], bool]) -> None:
    outcome = run(store_root, lambda ex: ex.query("SELECT ?s ?o { ?s <http://ex/p> ?o }", media_type=media_type))
    assert check(outcome.body), outcome.body
    assert (outcome.kind, outcome.rows, outcome.truncated) == ("SELECT", 3, False)
    if media_type != "text/csv":  # CSV is lossy; pyoxigraph refuses to parse it
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        assert len(list(ox.parse_query_results(outcome.body, fmt))) == 3


def test_truncation_graph_formats_and_datasets(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        cut = await ex.query("SELECT * { ?s ?p ?o }", media_type=JSON)
        assert cut.truncated and cut.rows == 2
        for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
            out = await ex.query("CONSTRUCT WHERE { ?s ?p ?o }", media_type=media)
            assert out.kind == "CONSTRUCT" and out.truncated and out.rows == 2
            ox.parse(out.body, ox.RdfFormat.from_media_type(media))  # well-formed
        named = await ex.query("SELECT ?s { ?s ?p ?o }", media_type="text/csv", default_graph_uris=["http://ex/g1"])
        assert named.body == b"s\r\nhttp://ex/d\r\n"
        empty = await ex.query("ASK { ?s ?p ?o }", media_type=JSON, named_graph_uris=["http://ex/g1"])
        assert json.loads(empty.body)["boolean"] is False  # only named graphs given: default graph is empty

    run(store_root, body, max_rows=2)


def test_select_cut_at_max_rows_in_every_format_and_by_every_route(store_root: Path) -> None:
    """The engine stops after max_rows + 1 rows and serialises the answer itself (a LIMIT is
    appended); a query's own LIMIT within max_rows is left alone; a trailing VALUES block (where a
    LIMIT cannot be appended) takes the row-by-row route: all give the same rows and flags."""
    async def body(ex: QueryExecutor) -> None:
        for media in (JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
            cut = await ex.query("SELECT ?s ?o { ?s <http://ex/p> ?o } ORDER BY ?s # no LIMIT here", media_type=media)
            assert (cut.truncated, cut.rows) == (True, 2), media
            if media != "text/csv":
                rows = list(ox.parse_query_results(cut.body, ox.QueryResultsFormat.from_media_type(media)))
                assert [str(r["s"]) for r in rows] == ["<http://ex/a>", "<http://ex/b>"]
        own = await ex.query("SELECT ?s { ?s <http://ex/p> ?o } ORDER BY ?s LIMIT 1", media_type=JSON)
        assert (own.truncated, own.rows) == (False, 1)
        values = await ex.query("SELECT ?s ?o { ?s <http://ex/p> ?o } VALUES ?o { \"x\" \"y\"@en 3 }", media_type=JSON)
        assert (values.truncated, values.rows) == (True, 2)
        broken_text = "SELECT ?s { ?s ?p ?o } ORDER"
        with pytest.raises(QuerySyntaxError) as broken:
            await ex.query(broken_text, media_type=JSON)
        with pytest.raises(SyntaxError) as direct:
            ox.Store().query(broken_text)
        assert direct.value.msg in str(broken.value)  # about the text sent, not the LIMIT added

    run(store_root, body, max_rows=2)


def test_membership_filters_run_as_values_blocks_with_the_same_answers(store_root: Path) -> None:
    """graph/filter_values.py in the executor: the rewritten text runs; a syntax error is reported
    about the text as written (columns after the block it adds would have moved)."""
    async def body(ex: QueryExecutor) -> None:
        query = ("SELECT ?s { { ?s ?p ?o FILTER(?p IN (<http://ex/p>, <http://ex/q>)) } UNION "
                 "{ GRAPH ?g { ?s ?p ?o } FILTER(?g = <http://ex/g1>) } } ORDER BY ?s")
        sent, _ = ex._optimised(query, inspect_query(query, ex.limits))  # noqa: SLF001 - what the engine runs
        assert "VALUES ?p { <http://ex/p> <http://ex/q> } }" in sent and "VALUES ?g" not in sent
        rows = json.loads((await ex.query(query, media_type=JSON)).whole())["results"]["bindings"]
        assert [r["s"]["value"] for r in rows] == ["http://ex/a", "http://ex/b", "http://ex/c", "http://ex/d"]
        broken_text = "SELECT ?s { ?s ?p ?o FILTER(?p = <http://ex/p>) } ORDER"
        with pytest.raises(QuerySyntaxError) as broken:
            await ex.query(broken_text, media_type=JSON)
        with pytest.raises(SyntaxError) as direct:
            ox.Store().query(broken_text)
        assert direct.value.msg in str(broken.value)

    run(store_root, body)


def test_errors_are_typed(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        with pytest.raises(QuerySyntaxError, match="1:"):
            await ex.query("SELECT * {", media_type=JSON)
        with pytest.raises(QueryError, match="custom function"):
            await ex.query("SELECT * { BIND(<http://ex/nope>(1) AS ?x) }", media_type=JSON)
        with pytest.raises(QueryError):
            await ex.query("SELECT * { ?s ?p ?o }", media_type=JSON, default_graph_uris=["not an iri"])
        with pytest.raises(QueryRejectedError):
            await ex.query("DROP ALL", media_type=JSON)
        with pytest.raises(QueryRejectedError) as err:
            await ex.query("SELECT * { SERVICE <http://127.0.0.1:9/> {} }", media_type=JSON)
        assert err.value.http_status == 403
        assert (await ex.query("ASK {}", media_type=JSON)).body  # the worker is still fine

    run(store_root, body)


def test_timeout_kills_and_replaces_the_worker(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> float:
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError):
            await ex.query(RUNAWAY, media_type=JSON)
        elapsed = time.monotonic() - started
        assert (await ex.query("ASK {}", media_type=JSON)).kind == "ASK"  # a fresh worker answers
        return elapsed

    assert run(store_root, body, timeout_s=1.5) < 3


def test_memory_bound_kills_the_query_not_the_server(store_root: Path) -> None:
    async def body(ex: QueryExecutor) -> None:
        with pytest.raises(QueryResourceError):
            await ex.query(BOMB, media_type=JSON)
        assert (await ex.query("ASK {}", media_type=JSON)).kind == "ASK"

    run(store_root, body, memory_mb=96, timeout_s=30)


def test_update_drains_readers_and_reopen_switches_stores(store_root: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    OxigraphStore.replace(other, lambda db: db.update('INSERT DATA { <http://ex/z> <http://ex/p> "other" }'))

    async def body(ex: QueryExecutor) -> None:
        await ex.update('INSERT DATA { <http://ex/new> <http://ex/p> "n" }')
        out = await ex.query("SELECT ?o { <http://ex/new> ?p ?o }", media_type="text/csv")
        assert out.body == b"o\r\nn\r\n"
        with pytest.raises(QuerySyntaxError):
            await ex.update("INSERT DATA { <http://ex/new> }")
        with pytest.raises(QueryRejectedError):
            await ex.update("SELECT * {}")
        # a query in flight while the update waits is answered, then the update lands
        results = await asyncio.gather(
            ex.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", media_type="text/csv"),
            ex.update('INSERT DATA { <http://ex/new2> <http://ex/p> "n2" }'),
        )
        assert results[0].body.startswith(b"n\r\n")
        await ex.reopen(OxigraphStore(other).data_path)
        assert (await ex.query("SELECT ?o { ?s ?p ?o }", media_type="text/csv")).body == b"o\r\nother\r\n"

    run(store_root, body, workers=2)


def test_latency_executor_vs_in_process(store_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Side by side, one run: the price of the process hop for a simple SELECT."""
    query = "SELECT ?s ?o { ?s <http://ex/p> ?o } LIMIT 10"
    direct = ox.Store.read_only(str(OxigraphStore(store_root).data_path))

    async def body(ex: QueryExecutor) -> tuple[float, float]:
        pooled, local = [], []
        for _ in range(200):
            t = time.perf_counter()
            await ex.query(query, media_type=JSON)
            pooled.append(time.perf_counter() - t)
            t = time.perf_counter()
            direct.query(query).serialize(format=ox.QueryResultsFormat.JSON)
            local.append(time.perf_counter() - t)
        return statistics.median(pooled), statistics.median(local)

    pooled, local = run(store_root, body, workers=2)
    with capsys.disabled():
        print(f"\nmedian simple SELECT: executor {pooled * 1000:.2f} ms, in-process {local * 1000:.3f} ms")
    assert pooled < 0.05


def test_cancelled_query_frees_its_slot_and_big_bodies_arrive_whole(store_root: Path) -> None:
    """The pipe is read on the event loop: a cancelled exchange must not leave a half-read pipe
    behind (the worker is replaced), and a body larger than the socket buffer arrives whole."""
    big = "SELECT ?i ?pad { VALUES ?i { " + " ".join(str(i) for i in range(5_000)) + ' } BIND(CONCAT("' \
          + "x" * 500 + '", STR(?i)) AS ?pad) }'

    async def body(ex: QueryExecutor) -> None:
        task = asyncio.create_task(ex.query(BOMB, media_type=JSON))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await ex.query("ASK {}", media_type=JSON)).kind == "ASK"  # the replacement answers
        out = await ex.query(big, media_type=JSON)
        assert len(out.body) > 2_000_000 and out.rows == 5_000
        assert len(json.loads(out.body)["results"]["bindings"]) == 5_000

    run(store_root, body, workers=1, timeout_s=10)
