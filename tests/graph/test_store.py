"""The embedded store: generations swap atomically; versions change with the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopgraph.graph.errors import QuerySyntaxError, StoreError
from coopgraph.graph.store import open_store
from coopgraph.graph.store.oxigraph import OxigraphStore


def _fill(value: str):  # type: ignore[no-untyped-def]
    return lambda db: db.update(f'INSERT DATA {{ <urn:a> <urn:b> "{value}" }}')


def test_replace_swaps_generations_and_keeps_the_previous(tmp_path: Path) -> None:
    root = tmp_path / "store"
    OxigraphStore.replace(root, _fill("one"))
    first = OxigraphStore(root).version()
    OxigraphStore.replace(root, _fill("two"))
    assert OxigraphStore(root).version() != first
    assert OxigraphStore(root).select("SELECT ?o { ?s ?p ?o }") == [{"o": "two"}]
    OxigraphStore.replace(root, _fill("three"))
    assert len(list(root.glob("gen-*"))) == 2


def test_failed_fill_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    root = tmp_path / "store"
    OxigraphStore.replace(root, _fill("one"))

    def broken(db) -> None:  # type: ignore[no-untyped-def]
        db.update('INSERT DATA { <urn:x> <urn:y> "half" }')
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        OxigraphStore.replace(root, broken)
    assert OxigraphStore(root).select("SELECT ?o { ?s ?p ?o }") == [{"o": "one"}]
    assert len(list(root.glob("gen-*"))) == 1


def test_update_needs_a_writable_store_and_bumps_the_version(tmp_path: Path) -> None:
    root = tmp_path / "store"
    OxigraphStore.replace(root, _fill("one"))
    with pytest.raises(StoreError, match="read-only"):
        OxigraphStore(root).update('INSERT DATA { <urn:c> <urn:d> "e" }')
    before = OxigraphStore(root).version()
    with OxigraphStore(root, writable=True) as store:
        store.update('INSERT DATA { <urn:c> <urn:d> "e" }')
    assert OxigraphStore(root).version() == before.split(":")[0] + ":1"


def test_syntax_error_carries_the_parser_message(tmp_path: Path) -> None:
    root = tmp_path / "store"
    OxigraphStore.replace(root, _fill("one"))
    with pytest.raises(QuerySyntaxError, match="error"):
        OxigraphStore(root).select("SELECT ?x WHERE { ?x ?y }")


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="coopgraph build"):
        OxigraphStore(tmp_path / "nothing").select("ASK {}")


def test_open_store_picks_the_embedded_store_for_paths(tmp_path: Path) -> None:
    assert isinstance(open_store(tmp_path / "s"), OxigraphStore)
