"""Dataset statistics: counts of triples, entities by type, relations by predicate, documents, evidence."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from coopgraph.graph.namespaces import COOP_NS, curie
from coopgraph.graph.read_queries import PREFIXES, Selectable
from coopgraph.graph.search import LabelIndex

__all__ = ["DatasetStats", "dataset_stats"]

# Named things that are not entities: the articles (counted as documents), their evidence and the
# ingest activities. The explorer's projection leaves out the same (graph/network.py), and the
# build counts documents apart, so the three agree on "entities".
NOT_ENTITIES = frozenset({COOP_NS + "SourceDocument", COOP_NS + "Evidence", COOP_NS + "Ingest"})


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
    """Counts for /api/stats and VoID. Entities: the named things of the label index but source
    documents (and evidence, ingest activities). Relations: distinct entity-to-entity triples with
    evidence (a link quoted twice counts once; ``evidence`` counts the quotes)."""
    by_predicate = {}
    for row in store.select(PREFIXES + """SELECT ?p (COUNT(*) AS ?n) WHERE {
            { SELECT DISTINCT ?s ?p ?o WHERE { ?ev a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ;
              rdf:object ?o FILTER(isIRI(?o)) } } } GROUP BY ?p ORDER BY DESC(?n) ?p"""):
        by_predicate[curie(row["p"])] = int(row["n"])
    counts = store.select(PREFIXES + """SELECT
        (SUM(IF(?kind = "doc", 1, 0)) AS ?docs) (SUM(IF(?kind = "ev", 1, 0)) AS ?evidence) WHERE {
        { ?x a coop:SourceDocument BIND("doc" AS ?kind) } UNION { ?x a coop:Evidence BIND("ev" AS ?kind) } }""")
    first = counts[0] if counts else {}
    entities = [e for e in index.entities.values() if not e.types & NOT_ENTITIES]
    counted = Counter(e.type for e in entities if e.type)
    by_type = dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
    return DatasetStats(
        triples=triples, entities=len(entities), entities_by_type=by_type, relations=sum(by_predicate.values()),
        relations_by_predicate=by_predicate, documents=int(first.get("docs", 0)),
        evidence=int(first.get("evidence", 0)), version=version)
