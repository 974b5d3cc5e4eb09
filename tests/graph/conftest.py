"""Fixtures shared by the read-side tests of graph/: the mini store and its label index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coopgraph.graph.search import LabelIndex
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.graph.mini_store import BASE, XSS_LABEL, write_mini_store


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    store = OxigraphStore(write_mini_store(tmp_path_factory.mktemp("mini") / "store", extra_label=XSS_LABEL))
    yield store
    store.close()


@pytest.fixture(scope="module")
def index(mini: OxigraphStore) -> LabelIndex:
    return LabelIndex.build(mini, base=BASE)
