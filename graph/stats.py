"""Dataset statistics: counts of triples, entities by type, relations by predicate, documents, evidence."""

from __future__ import annotations

from dataclasses import dataclass

from coopgraph.graph.namespaces import curie
from coopgraph.graph.read_queries import PREFIXES, Selectable
from coopgraph.graph.search import LabelIndex

__all__ = ["DatasetStats", "dataset_stats"]


@dataclass
class DatasetStats:
    triples: int
    entities: int
    entities_by_type: dict[str, int]
    relations: int
    relations_by_predicate: dict[str, int]
    documents: int
    evidence: int
    version: str


def dataset_stats(store: Selectable, *, index: LabelIndex, triples: int, version: str) -> DatasetStats:
    """Counts for /api/stats and VoID. Relations are distinct entity-to-entity triples with evidence."""
    by_predicate = {}
    for row in store.select(PREFIXES + """SELECT ?p (COUNT(*) AS ?n) WHERE {
            { SELECT DISTINCT ?s ?p ?o WHERE { ?ev a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ;
              rdf:object ?o FILTER(isIRI(?o)) } } } GROUP BY ?p ORDER BY DESC(?n) ?p"""):
        by_predicate[curie(row["p"])] = int(row["n"])
    counts = store.select(PREFIXES + """SELECT
        (SUM(IF(?kind = "doc", 1, 0)) AS ?docs) (SUM(IF(?kind = "ev", 1, 0)) AS ?evidence) WHERE {
        { ?x a coop:SourceDocument BIND("doc" AS ?kind) } UNION { ?x a coop:Evidence BIND("ev" AS ?kind) } }""")
    first = counts[0] if counts else {}
    by_type = dict(sorted(index.type_counts().items(), key=lambda kv: (-kv[1], kv[0])))
    return DatasetStats(
        triples=triples, entities=len(index), entities_by_type=by_type, relations=sum(by_predicate.values()),
        relations_by_predicate=by_predicate, documents=int(first.get("docs", 0)),
        evidence=int(first.get("evidence", 0)), version=version)
