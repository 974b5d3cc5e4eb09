"""`coopgraph analyse`: each kind of analysis, both formats, and writing the measures back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from coopgraph.api.cli import app
from coopgraph.graph.store.oxigraph import OxigraphStore


def run(cli, *args: str):  # type: ignore[no-untyped-def]
    return cli.invoke(app, ["analyse", *args])


def test_centrality_table_and_json(cli, seed_build) -> None:
    store = str(seed_build.store_root)
    table = run(cli, "centrality", "--store", store, "--limit", "3")
    assert table.exit_code == 0, table.output
    assert "pagerank" in table.output and "rank" in table.output
    result = run(
        cli, "centrality", "--measure", "betweenness", "--limit", "3", "--format", "json", "--store", store
    )
    rows = json.loads(result.stdout)
    assert [r["rank"] for r in rows] == [1, 2, 3] and "betweenness" in rows[0]


def test_paths_json_has_evidence_on_every_hop(cli, seed_build) -> None:
    result = run(
        cli,
        "paths",
        "--source",
        "chengdu-customs",
        "--target",
        "singapore",
        "--format",
        "json",
        "--store",
        str(seed_build.store_root),
    )
    assert result.exit_code == 0, result.output
    paths = json.loads(result.stdout)
    assert paths and all(hop["evidence"] for path in paths for hop in path["hops"])


def test_communities_bridges_neighbourhood(cli, seed_build) -> None:
    store = str(seed_build.store_root)
    for args in (["communities"], ["bridges"], ["neighbourhood", "--focus", "singapore", "--depth", "2"]):
        result = run(cli, *args, "--store", store, "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)


def test_bad_input(cli, seed_build) -> None:
    store = str(seed_build.store_root)
    assert run(cli, "paths", "--source", "chengdu-customs", "--store", store).exit_code == 2
    assert run(cli, "nonsense", "--store", store).exit_code == 2
    missing = run(cli, "neighbourhood", "--focus", "no-such-entity", "--store", store)
    assert missing.exit_code == 2 and "no-such-entity" in missing.output


def test_write_puts_measures_in_their_own_graph(cli, seed_build, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(seed_build.store_root, root, symlinks=True)
    before = OxigraphStore(root).version()
    result = run(cli, "centrality", "--write", "--limit", "1", "--store", str(root))
    assert result.exit_code == 0, result.output
    with OxigraphStore(root) as store:
        assert store.version() != before
        rows = store.select("""PREFIX coop: <https://coopgraph.org/ontology#>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT ?e ?rank ?label WHERE { GRAPH <https://coopgraph.org/graph/analysis> {
              ?e coop:pagerank ?rank ; coop:degree ?d ; coop:betweenness ?b ; coop:coreNumber ?k ;
                 coop:community ?c . ?c rdfs:label ?label } } ORDER BY DESC(?rank) LIMIT 3""")
        assert len(rows) == 3 and rows[0]["label"].startswith("Community ")
        # the curated default graph is untouched
        assert not store.ask("ASK { ?e <https://coopgraph.org/ontology#pagerank> ?r }")


def test_entities_are_taken_by_name_and_a_close_miss_names_the_id(cli, seed_build, tmp_path: Path) -> None:
    store = str(seed_build.store_root)
    by_name = run(cli, "paths", "--source", "Chengdu Customs", "--target", "新加坡", "--format", "json",
                  "--store", store)
    by_id = run(cli, "paths", "--source", "chengdu-customs", "--target", "singapore", "--format", "json",
                "--store", store)
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout) == json.loads(by_id.stdout)
    focus = run(cli, "neighbourhood", "--focus", "the chongqing-customs", "--format", "json", "--store", store)
    assert json.loads(focus.stdout)[0]["slug"] == "chongqing-customs"
    miss = run(cli, "paths", "--source", "Chengdu Custom", "--target", "singapore", "--store", store)
    assert miss.exit_code == 2
    assert "no entity 'Chengdu Custom'; did you mean chengdu-customs (Chengdu Customs)?" in miss.output
    view = cli.invoke(app, ["view", "-o", str(tmp_path / "v.html"), "--focus", "Chongqing Customs", "--depth", "1",
                            "--store", store])
    assert view.exit_code == 0, view.output
    assert "Chongqing Customs: connections within 1 step" in (tmp_path / "v.html").read_text(encoding="utf-8")


def test_paths_table_names_the_document_by_its_id(cli, seed_build) -> None:
    table = run(cli, "paths", "--source", "chengdu-customs", "--target", "chongqing-customs", "--limit", "1",
                "--store", str(seed_build.store_root))
    assert table.exit_code == 0, table.output
    assert "EntityRef(" not in table.output
