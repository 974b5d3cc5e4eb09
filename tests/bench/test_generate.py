"""The synthetic generator: same seed -> same bytes; the shape of graph/build.py's output at 10k."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

REPO = Path(__file__).resolve().parents[2]
COOP = "https://coopgraph.org/ontology#"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store(generate: ModuleType) -> ox.Store:
    lines, _ = generate.generate(10_000, seed=7)
    db = ox.Store()
    db.load("".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES)
    return db


def q(db: ox.Store, sparql: str) -> list[ox.QuerySolution]:
    return list(db.query(f"PREFIX coop: <{COOP}> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
                         f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> {sparql}"))  # type: ignore[arg-type]


def test_same_seed_same_bytes(generate: ModuleType, tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.nt.gz", tmp_path / "b.nt.gz", tmp_path / "c.nt.gz"
    generate.write(*generate.generate(10_000, seed=3), first)
    generate.write(*generate.generate(10_000, seed=3), second)
    generate.write(*generate.generate(10_000, seed=4), other)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert generate.landmarks_path(first).read_text() == generate.landmarks_path(second).read_text()


def test_size_is_close_to_the_target(generate: ModuleType) -> None:
    lines, _ = generate.generate(10_000, seed=7)
    assert 10_000 <= len(lines) < 10_100
    assert all(re.match(r'^<[^>]+> <[^>]+> (<[^>]+>|".*"(@[a-z-]+|\^\^<[^>]+>)?) \.\n$', line) for line in lines[:2000])


def test_shape(store: ox.Store) -> None:
    def n(sparql: str) -> int:
        return int(q(store, f"SELECT (COUNT(*) AS ?n) {{ {sparql} }}")[0]["n"].value)

    assert n("?r coop:partOf/coop:partOf/coop:partOf ?top") > 0          # a region hierarchy 3+ deep
    assert n("?o coop:locatedIn ?r . ?r a coop:Region") > 50              # organisations in regions
    assert n("?p <http://www.w3.org/ns/org#holds> ?post . ?post <http://www.w3.org/ns/org#postIn> ?o") > 10
    assert n("?a a coop:Agreement ; coop:signedOn ?d ; coop:numberOfArticles ?k") > 50
    assert n("?c a coop:Corridor ; <https://schema.org/itinerary> ?seq . ?seq rdf:_1 ?first") > 0
    assert n("?i a coop:Initiative ; coop:coversRegion ?r") > 0
    assert n("?m a coop:CooperationMechanism ; coop:hasMember ?o") > 0
    assert n("?x rdfs:label ?l FILTER(lang(?l) = 'zh')") > 100
    assert n("?x a coop:Province") > 0 and n("?x a coop:Region") > n("?x a coop:Province")  # superclasses
    # every agreement has at least two signatories
    rows = q(store, "SELECT ?a (COUNT(?o) AS ?k) { ?a a coop:Agreement ; coop:hasSignatory ?o } GROUP BY ?a")
    assert rows and min(int(r["k"].value) for r in rows) >= 2


def test_evidence_quotes_are_substrings_at_their_offsets(store: ox.Store) -> None:
    rows = q(store, """SELECT ?quote ?start ?end ?text {
        ?ev a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; coop:quote ?quote ;
            coop:startOffset ?start ; coop:endOffset ?end ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?doc .
        ?doc a coop:SourceDocument ; <https://schema.org/text> ?text ; <https://schema.org/mentions> ?s .
        ?s ?p ?o }""")
    assert len(rows) > 100
    for row in rows[:500]:
        start, end = int(row["start"].value), int(row["end"].value)
        assert row["text"].value[start:end] == row["quote"].value


def test_degree_is_skewed(store: ox.Store) -> None:
    rows = q(store, "SELECT ?o (COUNT(*) AS ?k) { ?s ?p ?o . FILTER(isIRI(?o)) ?o rdfs:label ?l "
                    "FILTER(lang(?l) = 'en') } GROUP BY ?o ORDER BY DESC(?k)")
    degrees = [int(r["k"].value) for r in rows]
    median = degrees[len(degrees) // 2]
    assert degrees[0] > 20 * max(median, 1)  # a few big hubs
    assert Counter(degrees).most_common(1)[0][0] <= 5  # a long tail of small ones
