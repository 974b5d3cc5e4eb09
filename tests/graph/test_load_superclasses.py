"""``coopgraph load`` materialises superclass types as the build does, and ``--replace`` takes them out again."""

from __future__ import annotations

from pathlib import Path

from coopgraph.api.cli import app
from coopgraph.graph.load import load_files
from coopgraph.graph.store.oxigraph import OxigraphStore

PREFIXES = """PREFIX coop: <https://coopgraph.org/ontology#>
PREFIX id: <https://coopgraph.org/id/>
"""
PROVINCE = """@prefix coop: <https://coopgraph.org/ontology#> .
@prefix id: <https://coopgraph.org/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:gansu a coop:Province ; rdfs:label "Gansu"@en .
"""
OTHER = """@prefix id: <https://coopgraph.org/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:somewhere rdfs:label "Somewhere"@en .
"""
TRIG = """@prefix coop: <https://coopgraph.org/ontology#> .
@prefix id: <https://coopgraph.org/id/> .
<https://example.org/g> { id:chengdu-customs a coop:CustomsDistrict . }
"""


def ask(root: Path, query: str) -> bool:
    with OxigraphStore(root) as store:
        return bool(store.ask(PREFIXES + query))


def test_loaded_province_is_a_region_like_curated_data(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root, ttl = tmp_path / "store", tmp_path / "gansu.ttl"
    ttl.write_text(PROVINCE, encoding="utf-8")
    result = cli.invoke(app, ["load", str(ttl), "--store", str(root)])
    assert result.exit_code == 0, result.output
    assert "superclass types added" in result.output
    assert ask(root, "ASK { id:gansu a coop:Region }")
    # every ancestor, as the build writes it: Province -> ProvinceLevelDivision -> ... -> Region -> schema:Place
    assert ask(root, "ASK { id:gansu a coop:ProvinceLevelDivision, <https://schema.org/Place> }")


def test_replace_removes_the_inferred_types_with_the_data(tmp_path: Path) -> None:
    root = tmp_path / "store"
    province, other = tmp_path / "gansu.ttl", tmp_path / "other.ttl"
    province.write_text(PROVINCE, encoding="utf-8")
    other.write_text(OTHER, encoding="utf-8")
    graph = "https://example.org/mine"
    first = load_files(root, [province], graph=graph)
    assert first.inferred > 0
    assert ask(root, f"ASK {{ GRAPH <{graph}> {{ id:gansu a coop:Region }} }}")
    load_files(root, [other], graph=graph, replace=True)
    assert not ask(root, "ASK { GRAPH ?g { id:gansu a ?type } }")  # nothing stale, asserted or inferred
    again = load_files(root, [province])  # into the default graph this time
    assert again.inferred == first.inferred and ask(root, "ASK { id:gansu a coop:Region }")


def test_quad_files_are_closed_in_their_own_graphs(tmp_path: Path) -> None:
    root, trig = tmp_path / "store", tmp_path / "customs.trig"
    trig.write_text(TRIG, encoding="utf-8")
    load_files(root, [trig])
    assert ask(root, "ASK { GRAPH <https://example.org/g> { id:chengdu-customs a coop:GovernmentBody } }")
    assert not ask(root, "ASK { id:chengdu-customs a ?t }")  # the default graph got nothing


def test_remote_load_closes_the_types_too(tmp_path: Path) -> None:
    import httpx

    from coopgraph.graph.load import load_files_remote
    from coopgraph.graph.store.remote import RemoteStore
    from tests.remote_engines import start_oxigraph

    engine = start_oxigraph(tmp_path / "engine")
    try:
        ttl, trig = tmp_path / "gansu.ttl", tmp_path / "customs.trig"
        ttl.write_text(PROVINCE, encoding="utf-8")
        trig.write_text(TRIG, encoding="utf-8")
        with RemoteStore(engine.query_url, update_url=engine.update_url) as store:
            result = load_files_remote(store, [ttl, trig])
        assert result.inferred > 0

        def remote_ask(query: str) -> bool:
            answer = httpx.post(engine.query_url, data={"query": PREFIXES + query}, timeout=10,
                                headers={"Accept": "application/sparql-results+json"})
            return bool(answer.json()["boolean"])

        assert remote_ask("ASK { id:gansu a coop:Region }")
        assert remote_ask("ASK { GRAPH <https://example.org/g> { id:chengdu-customs a coop:GovernmentBody } }")
    finally:
        engine.stop()


def test_the_engine_closure_equals_the_quad_by_quad_one() -> None:
    """A graph with nothing to skip is closed by one SPARQL update; with something to skip, quad by
    quad in Python. Both add the same types into the same graphs and count them the same."""
    import pyoxigraph as ox

    from coopgraph.graph.load import materialise_superclasses

    data = TRIG + PROVINCE.replace("rdfs:label", "a coop:Province ; rdfs:label") + """
id:chongqing-customs a coop:CustomsDistrict, coop:GovernmentBody .
<https://example.org/g> { id:sichuan a coop:Province . id:chengdu-customs a coop:GovernmentBody . }
"""
    graphs = [ox.DefaultGraph(), ox.NamedNode("https://example.org/g")]
    engine, by_quad = ox.Store(), ox.Store()
    for db in (engine, by_quad):
        db.load(data.encode(), format=ox.RdfFormat.TRIG)
    nothing_there = {ox.Quad(ox.NamedNode("https://example.org/none"), ox.NamedNode("https://example.org/p"),
                             ox.NamedNode("https://example.org/o"), graph) for graph in graphs}
    added = materialise_superclasses(engine, graphs)
    assert added > 0 and materialise_superclasses(by_quad, graphs, skip=nothing_there) == added
    assert set(engine) == set(by_quad)
    assert materialise_superclasses(engine, graphs) == 0  # closed already


def test_types_the_store_held_before_are_left_as_they_were(tmp_path: Path) -> None:
    import pyoxigraph as ox

    root, ttl = tmp_path / "store", tmp_path / "gansu.ttl"
    graph = "https://example.org/mine"
    earlier = ox.Quad(ox.NamedNode("https://coopgraph.org/id/sichuan"),
                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://coopgraph.org/ontology#Province"), ox.NamedNode(graph))
    OxigraphStore.replace(root, lambda db: db.add(earlier))
    ttl.write_text(PROVINCE, encoding="utf-8")
    load_files(root, [ttl], graph=graph)
    assert ask(root, f"ASK {{ GRAPH <{graph}> {{ id:gansu a coop:Region }} }}")
    assert not ask(root, "ASK { GRAPH ?g { id:sichuan a coop:Region } }")
