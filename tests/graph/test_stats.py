"""graph/stats.py: the counts of the mini store."""

from __future__ import annotations

from coopgraph.graph.search import LabelIndex
from coopgraph.graph.stats import dataset_stats
from coopgraph.graph.store.oxigraph import OxigraphStore


def test_dataset_stats(mini: OxigraphStore, index: LabelIndex) -> None:
    stats = dataset_stats(mini, index=index, triples=mini.stats().triples_default_graph, version="v")
    # the source document is counted as a document, not as an entity (as the build and the explorer do)
    assert stats.documents == 1 and stats.evidence == 4 and stats.entities == 7 == len(index) - 1
    assert "SourceDocument" not in stats.entities_by_type
    assert stats.relations_by_predicate == {"coop:hasSignatory": 2, "coop:cooperatesWith": 1}
    assert stats.entities_by_type["CustomsDistrict"] == 2
