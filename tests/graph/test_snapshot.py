"""graph.store.snapshot: one snapshot per store version, exact blank nodes, nothing half-written used."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.graph.store import snapshot
from coopgraph.graph.store.oxigraph import OxigraphStore, read_state

DATA = """
<http://ex/a> <http://ex/p> "x" . <http://ex/b> <http://ex/p> "y"@en . <http://ex/c> <http://ex/p> 3 .
_:one <http://ex/knows> _:two . _:two <http://ex/p> "a blank node" .
GRAPH <http://ex/g1> { <http://ex/d> <http://ex/p> <http://ex/e> . _:one <http://ex/p> "in a named graph" }
<http://ex/f> <http://ex/p> "not a blank node: _:x, nor a triple term: << >>" .
"""
BLANK_GRAPH = ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/in"), ox.Literal("z"), ox.BlankNode("g"))


def quads(store: ox.Store) -> set[str]:
    """Every quad as text: blank node ids included, so two stores compare exactly."""
    return {str(q) for q in store}


def fill(db: ox.Store) -> None:
    db.update(f"INSERT DATA {{ {DATA} }}")
    db.add(BLANK_GRAPH)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    OxigraphStore.replace(root, fill, snapshot=True)
    return root


def test_a_write_that_asks_for_it_leaves_the_snapshot_of_its_generation(root: Path) -> None:
    state = read_state(root)
    assert state is not None
    found = snapshot.find(root, state.generation, 0)
    # exact.nq: the four quads with a blank node, and the one whose literal only looks like one
    assert found is not None and found.quads == 9 and found.exact == 5
    assert snapshot.find(root, state.generation, 1) is None  # another version: none


def test_a_snapshot_loads_to_exactly_the_quads_of_the_database_blank_nodes_included(root: Path) -> None:
    state = read_state(root)
    assert state is not None
    found = snapshot.find(root, state.generation, 0)
    assert found is not None
    memory = ox.Store()
    snapshot.load_into(found, memory)
    disk = ox.Store.read_only(str(root / state.generation))
    assert quads(memory) == quads(disk)
    assert any(isinstance(q.subject, ox.BlankNode) for q in memory)


def test_each_generation_has_its_own_and_pruning_drops_those_of_generations_gone(root: Path) -> None:
    first = read_state(root)
    assert first is not None
    OxigraphStore.replace(root, fill, extend=True, snapshot=True)
    second = read_state(root)
    assert second is not None
    OxigraphStore.replace(root, fill, extend=True, snapshot=True)
    third = read_state(root)
    assert third is not None
    # The first generation is pruned (neither current nor previous), and its snapshot with it.
    assert not (root / first.generation).exists()
    assert snapshot.find(root, first.generation, 0) is None
    assert snapshot.find(root, second.generation, 0) is not None
    assert snapshot.find(root, third.generation, 0) is not None


def test_a_small_write_does_not_write_one(root: Path) -> None:
    OxigraphStore.replace(root, lambda db: None, extend=True)
    state = read_state(root)
    assert state is not None and snapshot.find(root, state.generation, 0) is None


def test_an_update_in_place_removes_the_snapshots_of_its_generation(root: Path) -> None:
    state = read_state(root)
    assert state is not None
    with OxigraphStore(root, writable=True) as store:
        store.update("INSERT DATA { <http://ex/new> <http://ex/p> 1 }")
    after = read_state(root)
    assert after is not None and after.updates == 1
    assert snapshot.find(root, state.generation, 0) is None
    assert not list(root.glob(f"snapshot-{state.generation}-*"))


WRITER = """
import sys, pyoxigraph as ox
from pathlib import Path
from coopgraph.graph.store import snapshot
db = ox.Store()
db.bulk_extend(ox.Quad(ox.NamedNode(f"http://ex/s{i}"), ox.NamedNode("http://ex/p"), ox.Literal("x" * 200))
               for i in range(300_000))
print("filled", flush=True)
snapshot.write(Path(sys.argv[1]), sys.argv[2], 0, db)
"""


def test_a_killed_snapshot_write_leaves_nothing_that_is_used_and_its_leftovers_are_pruned(root: Path) -> None:
    state = read_state(root)
    assert state is not None
    snapshot.discard(root, state.generation)
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(root), state.generation],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "filled"
        tmp = root / f".snapshot-{state.generation}-u0.{child.pid}.tmp"
        deadline = time.monotonic() + 120  # a bound on the wait, not a measurement
        while not (tmp / snapshot.QUADS).exists():  # killed while it writes the quads
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.001)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert tmp.exists() and not (tmp / snapshot.META).exists()
    assert snapshot.find(root, state.generation, 0) is None  # the half-written one is never found
    snapshot.prune(root)  # its writer is dead
    assert not tmp.exists()


def test_a_snapshot_whose_files_disagree_with_its_record_is_refused(root: Path) -> None:
    state = read_state(root)
    assert state is not None
    found = snapshot.find(root, state.generation, 0)
    assert found is not None
    (found.path / snapshot.QUADS).write_text('<http://ex/a> <http://ex/p> "x" .\n', encoding="utf-8")
    with pytest.raises(ValueError, match="quads"):
        snapshot.load_into(found, ox.Store())


def test_coopgraph_load_leaves_the_snapshot_of_the_generation_it_commits(root: Path, tmp_path: Path) -> None:
    data = tmp_path / "more.nt"
    data.write_text('<http://ex/f> <http://ex/p> "loaded" .\n_:b <http://ex/p> "blank, loaded" .\n', encoding="utf-8")
    OxigraphStore(root).load([data])
    state = read_state(root)
    assert state is not None
    found = snapshot.find(root, state.generation, state.updates)
    assert found is not None
    memory = ox.Store()
    snapshot.load_into(found, memory)
    assert quads(memory) == quads(ox.Store.read_only(str(root / state.generation)))
