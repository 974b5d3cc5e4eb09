"""Workload b: its generator is deterministic and has the promised shape at 10k, its queries all
answer on that graph (the large ones in proportion to their size), and the harness's arithmetic
(spread, ratios, the busy verdict) says what the README says it does."""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

REPO = Path(__file__).resolve().parents[2]
COOP = "https://coopgraph.org/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SIZE = 10_000


def load(name: str) -> ModuleType:
    # bench/ is a folder of scripts; each puts bench/ on sys.path to import its siblings by name.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen_b() -> ModuleType:
    return load("generate_b")


@pytest.fixture(scope="module")
def run() -> ModuleType:
    return load("run")


@pytest.fixture(scope="module")
def graph(gen_b: ModuleType) -> tuple[list[str], dict]:  # type: ignore[type-arg]
    return gen_b.generate(SIZE, seed=42)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def store(graph: tuple[list[str], dict]) -> ox.Store:  # type: ignore[type-arg]
    db = ox.Store()
    db.load("".join(graph[0]).encode(), format=ox.RdfFormat.N_TRIPLES)
    return db


def test_same_seed_same_bytes(gen_b: ModuleType, tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.nt.gz" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (3, 3, 4), strict=True):
        gen_b.vocab.write(*gen_b.generate(SIZE, seed=seed), path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    assert gen_b.vocab.landmarks_path(paths[0]).read_text() == gen_b.vocab.landmarks_path(paths[1]).read_text()


def test_not_generate_py_graph(gen_b: ModuleType, graph: tuple[list[str], dict]) -> None:  # type: ignore[type-arg]
    lines, _ = graph
    a_lines, _ = gen_b.vocab.generate(SIZE, seed=42)
    assert SIZE <= len(lines) < SIZE * 1.01
    assert not set(lines[:2000]) & set(a_lines)  # its own IRIs, its own structure


def edges(lines: list[str]) -> list[tuple[str, str]]:
    """Entity-to-entity edges: rdf:type and literals aside."""
    out = []
    for line in lines:
        s, p, o = line[:-3].split(" ", 2)
        if p != RDF_TYPE and o.startswith("<"):
            out.append((s, o))
    return out


def test_giant_hubs_take_a_large_share(graph: tuple[list[str], dict]) -> None:  # type: ignore[type-arg]
    lines, marks = graph
    degree: dict[str, int] = defaultdict(int)
    pairs = edges(lines)
    for s, o in pairs:
        degree[s] += 1
        degree[o] += 1
    hubs = [degree[f"<{h}>"] for h in marks["hubs"]]
    others = sorted((d for n, d in degree.items() if n[1:-1] not in marks["hubs"]), reverse=True)
    assert sum(hubs) / (2 * len(pairs)) > 0.04           # four nodes: over 4 % of all edge ends
    assert min(hubs) > others[len(others) // 2] * 10      # each far above the typical node
    assert others[len(others) // 2] <= 8                  # and a long tail of small ones


def test_many_small_components(graph: tuple[list[str], dict]) -> None:  # type: ignore[type-arg]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, o in edges(graph[0]):
        parent[find(s)] = find(o)
    sizes: dict[str, int] = defaultdict(int)
    for node in list(parent):
        sizes[find(node)] += 1
    small = [k for k in sizes.values() if 2 <= k <= 20]
    assert len(small) >= 30
    assert len(sizes) - len(small) == 1  # everything else is one main component


def test_deep_chains_long_texts_and_vocabulary(store: ox.Store, graph: tuple[list[str], dict]) -> None:  # type: ignore[type-arg]
    marks = graph[1]

    def ask(sparql: str) -> list[ox.QuerySolution]:
        return list(store.query(f"PREFIX coop: <{COOP}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                                f"PREFIX schema: <https://schema.org/> {sparql}"))  # type: ignore[arg-type]

    def n(pattern: str) -> int:
        return int(ask(f"SELECT (COUNT(*) AS ?n) {{ {pattern} }}")[0]["n"].value)

    assert marks["chain_depth"] >= 20
    assert n(f"<{marks['chain_leaf']}> coop:partOf+ ?up") >= 20
    texts = [len(r["t"].value.encode()) for r in ask("SELECT ?t { ?d schema:text ?t }")]
    assert max(texts) >= 1024 and sum(t >= 1024 for t in texts) >= 1
    assert n(f'?d schema:text ?t FILTER(CONTAINS(?t, "{marks["needle"]}"))') >= 1
    assert n("?x a coop:CustomsDistrict") > 0 and n("?x a coop:GovernmentBody") > n("?x a coop:CustomsDistrict")
    assert n("?x rdfs:label ?l FILTER(LANG(?l) = 'zh')") > 100
    assert n("?x <http://www.w3.org/2004/02/skos/core#altLabel> ?l") > 10
    rows = ask("SELECT ?a (COUNT(?o) AS ?k) { ?a a coop:Agreement ; coop:hasSignatory ?o } GROUP BY ?a")
    assert rows and min(int(r["k"].value) for r in rows) >= 2


def test_evidence_quotes_are_at_their_offsets(store: ox.Store) -> None:
    rows = list(store.query(f"""PREFIX coop: <{COOP}> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?quote ?start ?end ?text {{
        ?ev a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; coop:quote ?quote ;
            coop:startOffset ?start ; coop:endOffset ?end ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?doc .
        ?doc <https://schema.org/text> ?text ; <https://schema.org/mentions> ?s , ?o . ?s ?p ?o }}"""))
    assert len(rows) > 100
    for row in rows:
        assert row["text"].value[int(row["start"].value):int(row["end"].value)] == row["quote"].value  # type: ignore[index]


def test_every_b_query_answers(run: ModuleType, store: ox.Store, graph: tuple[list[str], dict]) -> None:  # type: ignore[type-arg]
    queries = run.query_mix_b(graph[1])
    assert [q.name for q in queries if not q.large_from] == [
        "b_label_exact", "b_text_search", "b_one_hop", "b_two_hop", "b_dates_by_month", "b_chain_ancestors",
        "b_busiest_targets", "b_construct_agreements", "b_ask_chain"]  # the nine kinds of mix a
    mix_a = {q.sparql for q in run.query_mix(load("generate").generate(SIZE, seed=42)[1])}
    for query in queries:
        assert query.sparql not in mix_a
        answer = store.query(query.prefixes + query.sparql)
        if isinstance(answer, ox.QueryBoolean):
            assert bool(answer), query.name
            continue
        rows = sum(1 for _ in answer)  # type: ignore[union-attr]
        # A large-answer query reaches 10k rows at `large_from` triples; here, in proportion.
        assert rows >= (10_000 * SIZE // query.large_from if query.large_from else 1), query.name


def test_mixes(run: ModuleType, graph: tuple[list[str], dict]) -> None:  # type: ignore[type-arg]
    queries = run.query_mix_b(graph[1])
    chosen = {mix: [q.name for q in queries if keep(q)] for mix, keep in run.MIXES.items()}
    assert len(chosen["full"]) == 9 and "b_busiest_targets" not in chosen["interactive"]
    assert len(chosen["large"]) >= 4 and not set(chosen["large"]) & set(chosen["full"])


@pytest.mark.parametrize(("ours", "theirs", "expected"), [
    ([20.0], [10.0], "2.00×"),
    ([18.0, 22.0], [9.0, 11.0], "2.00× (1.64–2.44)"),
    ([float("nan")], [10.0], "—"),
    ([0.0], [10.0], "—"),
])
def test_ratio_with_spread(run: ModuleType, ours: list[float], theirs: list[float], expected: str) -> None:
    assert run.ratio(ours, theirs) == expected


def test_spread_and_busy_verdict(run: ModuleType) -> None:
    assert run.spread([10.0, 12.0, 30.0]) == "12.0 (10.0–30.0)"
    assert run.spread([5.0]) == "5.0"
    quiet = [run.Measured("coopgraph", "b", "10k", 1, busy=[0.05, 0.1])]
    loud = [run.Measured("oxigraph", "b", "10k", 1, busy=[0.05, 0.6])]
    assert run.busy_verdict(quiet, 0.02, 0.25)[0] is False
    assert run.busy_verdict(loud, 0.02, 0.25)[0] is True
    assert run.busy_verdict(quiet, 0.9, 0.25)[0] is True  # busy at the start counts too
