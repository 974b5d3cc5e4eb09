"""The memory replica loads its generation's snapshot (graph.store.snapshot) and answers exactly as
the disk store does, blank nodes included; a missing or stale snapshot falls back to the copy.

Real worker and replica processes on a real store, as in test_replica.py.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from coopgraph.api.executor import QueryExecutor
from coopgraph.graph.store import snapshot
from coopgraph.graph.store.oxigraph import OxigraphStore, StoreState, read_state
from tests.api.executor_runs import run_executor

DATA = """
<http://ex/a> <http://ex/p> "x" . <http://ex/b> <http://ex/p> "y"@en .
_:one <http://ex/knows> _:two . _:two <http://ex/p> "a blank node" .
GRAPH <http://ex/g1> { _:one <http://ex/p> "named" . <http://ex/d> <http://ex/p> <http://ex/e> }
"""
JSON = "application/sparql-results+json"
# Blank node labels come back as stored: the replica must give the disk store's, not new ones.
QUERIES = [
    "SELECT ?s ?p ?o ?g { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } ORDER BY STR(?s) STR(?p) STR(?o)",
    "SELECT ?s { ?s <http://ex/knows> ?o }",
    "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    OxigraphStore.replace(root, lambda db: db.update(f"INSERT DATA {{ {DATA} }}"), snapshot=True)
    return root


def state_of(root: Path) -> StoreState:
    state = read_state(root)
    assert state is not None
    return state


def replica(ex: QueryExecutor) -> dict[str, Any]:
    return ex.status()["memory_replica"]  # type: ignore[no-any-return]


async def until_ready(ex: QueryExecutor) -> None:
    deadline = time.monotonic() + 60  # a bound on the wait, not a measurement
    while replica(ex)["state"] != "ready":
        assert time.monotonic() < deadline, replica(ex)
        await asyncio.sleep(0.05)


async def answers(ex: QueryExecutor, lane: str) -> list[bytes]:
    outcomes = [await ex.query(q, media_type=JSON) for q in QUERIES]
    assert [o.lane for o in outcomes] == [lane] * len(QUERIES)
    return [o.body for o in outcomes]


def from_disk(root: Path) -> list[bytes]:
    async def body(ex: QueryExecutor) -> list[bytes]:
        return await answers(ex, "disk")

    return run_executor(root, body, workers=1)  # type: ignore[no-any-return]


def from_replica(root: Path) -> tuple[list[bytes], str]:
    async def body(ex: QueryExecutor) -> tuple[list[bytes], str]:
        await until_ready(ex)
        return await answers(ex, "memory"), replica(ex)["loaded_from"]

    return run_executor(root, body, workers=1, replica_max_triples=1000)  # type: ignore[no-any-return]


def test_the_replica_loads_the_snapshot_and_answers_as_the_disk_store_blank_nodes_included(root: Path) -> None:
    disk = from_disk(root)
    assert b'"bnode"' in disk[0]
    memory, loaded_from = from_replica(root)
    assert loaded_from == "snapshot"
    assert memory == disk


def test_without_a_snapshot_the_replica_copies_then_writes_one_for_the_next_start(root: Path) -> None:
    state = state_of(root)
    snapshot.discard(root, state.generation)
    disk = from_disk(root)

    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        assert replica(ex)["loaded_from"] == "copy"
        assert await answers(ex, "memory") == disk
        deadline = time.monotonic() + 60  # written in the background once the copy is ready
        while snapshot.find(root, state.generation, state.updates) is None:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)

    run_executor(root, body, workers=1, replica_max_triples=1000)
    memory, loaded_from = from_replica(root)
    assert (memory, loaded_from) == (disk, "snapshot")


def test_a_stale_snapshot_is_not_used(root: Path) -> None:
    """A snapshot that does not hold the database's quads (another version's, a damaged one) is
    passed over: the replica copies from the database."""
    state = state_of(root)
    found = snapshot.find(root, state.generation, state.updates)
    assert found is not None
    (found.path / snapshot.META).write_text(
        f'{{"generation": "{state.generation}", "updates": 0, "quads": 2, "exact": 0}}\n', encoding="utf-8")
    (found.path / snapshot.QUADS).write_text('<http://ex/a> <http://ex/p> "stale" .\n<http://ex/a> <http://ex/p> "x" .\n',
                                             encoding="utf-8")
    disk = from_disk(root)
    memory, loaded_from = from_replica(root)
    assert (memory, loaded_from) == (disk, "copy")


def test_a_snapshot_damaged_behind_its_record_falls_back_to_the_copy(root: Path) -> None:
    state = state_of(root)
    found = snapshot.find(root, state.generation, state.updates)
    assert found is not None
    (found.path / snapshot.QUADS).write_text('<http://ex/a> <http://ex/p> "x" .\n', encoding="utf-8")
    disk = from_disk(root)
    memory, loaded_from = from_replica(root)
    assert (memory, loaded_from) == (disk, "copy")


def test_an_update_drops_the_snapshot_and_the_replica_answers_with_the_change(root: Path) -> None:
    state = state_of(root)

    async def body(ex: QueryExecutor) -> None:
        await until_ready(ex)
        assert replica(ex)["loaded_from"] == "snapshot"
        await ex.update("INSERT DATA { _:three <http://ex/knows> <http://ex/a> }")
        assert snapshot.find(root, state.generation, 0) is None  # the generation changed in place
        await until_ready(ex)
        outcome = await ex.query("SELECT (COUNT(*) AS ?n) { ?s <http://ex/knows> ?o }", media_type="text/csv")
        assert (outcome.lane, outcome.body) == ("memory", b"n\r\n2\r\n")

    run_executor(root, body, workers=1, replica_max_triples=1000)
