"""The coopgraph command: build, validate, query (through typer's CliRunner, in-process)."""

from __future__ import annotations

import json
from pathlib import Path

from coopgraph.api.cli import app
from coopgraph.graph.pipeline import DataPaths

COUNT_ENTITIES = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


def test_build_prints_a_summary_and_writes_store_and_exports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, exports = tmp_path / "store", tmp_path / "export"
    result = cli.invoke(app, ["build", "--store", str(store), "--export-dir", str(exports)])
    assert result.exit_code == 0, result.output
    for word in ("triples", "entities", "relations", "documents", "evidence quotes", "Memorandum"):
        assert word in result.output
    assert (exports / "coopgraph.ttl").stat().st_size > 0
    assert (exports / "coopgraph.nt").stat().st_size > 0
    assert json.loads((exports / "coopgraph.jsonld").read_text())


def test_validate_writes_nothing(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    data = Path(__file__).resolve().parent.parent / "data"
    result = cli.invoke(app, ["validate", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "SHACL conforms" in result.output
    assert list(tmp_path.iterdir()) == []


def test_validate_reports_broken_fact_with_file_and_line(cli, tmp_data: DataPaths) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_data.facts / "zz-broken.yaml"
    broken.write_text("entities:\n  - id: Bad_Id\n    type: Province\n    label: X\n", encoding="utf-8")
    result = cli.invoke(app, ["validate", "--data", str(tmp_data.root)])
    assert result.exit_code == 3
    assert f"{broken}:2:" in result.output and "not a slug" in result.output


def test_query_as_table_json_and_csv(cli, seed_build) -> None:  # type: ignore[no-untyped-def]
    store = str(seed_build.store_root)
    table = cli.invoke(app, ["query", COUNT_ENTITIES, "--store", store])
    assert table.exit_code == 0, table.output
    assert "1 row" in table.output
    as_json = cli.invoke(app, ["query", COUNT_ENTITIES, "--store", store, "--format", "json"])
    count = int(json.loads(as_json.output)["results"]["bindings"][0]["n"]["value"])
    assert count >= 80
    as_csv = cli.invoke(app, ["query", COUNT_ENTITIES, "--store", store, "-f", "csv"])
    assert as_csv.output.splitlines()[0] == "n"


def test_query_construct_as_turtle(cli, seed_build) -> None:  # type: ignore[no-untyped-def]
    query = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . "
             "FILTER(?s = <https://coopgraph.org/id/chongqing-customs>) }")
    result = cli.invoke(app, ["query", query, "--store", str(seed_build.store_root), "-f", "ttl"])
    assert result.exit_code == 0, result.output
    assert "chongqing-customs" in result.output


def test_malformed_query_exits_2_with_the_parser_message(cli, seed_build) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(app, ["query", "SELECT ?x WHERE { ?x ?y }", "--store", str(seed_build.store_root)])
    assert result.exit_code == 2
    assert "error" in result.output.lower()


def test_query_without_a_store_says_to_build(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(app, ["query", "ASK {}", "--store", str(tmp_path / "none")])
    assert result.exit_code == 5
    assert "coopgraph build" in result.output


def test_every_command_has_help(cli) -> None:  # type: ignore[no-untyped-def]
    for command in ("build", "validate", "query", "serve"):
        result = cli.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_serve_data_files_gives_a_quick_look_at_any_rdf(tmp_path: Path) -> None:
    """`coopgraph serve --data FILE` loads the file into a temporary store and serves it."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    from tests.conftest import free_port

    data = tmp_path / "mine.ttl"
    data.write_text('<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "Mine"@en .\n')
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    process = subprocess.Popen([sys.executable, "-m", "coopgraph", "serve", "--data", str(data), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/sparql", timeout=2, params={
                    "query": 'ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> "Mine"@en }'},
                    headers={"Accept": "application/sparql-results+json"})
                if answer.status_code == 200:
                    assert answer.json()["boolean"] is True
                    # a real uvicorn: it does not name itself, and the answer is not sniffed as HTML
                    assert "server" not in answer.headers
                    assert answer.headers["x-content-type-options"] == "nosniff"
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not answer")
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert not (tmp_path / "var").exists(), "nothing written into the working directory"


def test_query_table_prints_curies_one_line_each_in_100_columns(cli, seed_build, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from coopgraph.api import cli as cli_module

    monkeypatch.setattr(cli_module.out.get(), "width", 100)
    query = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(?s = <https://coopgraph.org/id/chengdu-customs> "
             "&& ?p IN (rdf:type, coop:basedIn, rdfs:comment)) }")
    result = cli.invoke(app, ["query", query, "--store", str(seed_build.store_root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 100 for line in lines), result.output
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    assert ["id:chengdu-customs", "coop:basedIn", "id:chengdu"] in rows
    assert ["id:chengdu-customs", "rdf:type", "coop:CustomsDistrict"] in rows
    assert "https://" not in result.output
    # The comment wraps at words onto continuation rows whose IRI cells are empty.
    assert any(row[:2] == ["", ""] and row[2] for row in rows)


def test_query_table_cuts_an_iri_it_cannot_fit_instead_of_folding_it(cli, seed_build, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from coopgraph.api import cli as cli_module

    monkeypatch.setattr(cli_module.out.get(), "width", 60)
    query = "SELECT ?ev ?q WHERE { ?ev coop:quote ?q } LIMIT 3"
    result = cli.invoke(app, ["query", query, "--store", str(seed_build.store_root)])
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in result.output.splitlines()
            if line.startswith("│")]
    evidence = [row[0] for row in rows if row[0]]
    assert len(evidence) == 3  # one line each: a folded IRI would continue on the next row
    assert all(e.startswith("https://coopgraph.org/") and e.endswith("…") for e in evidence), evidence


def test_query_format_help_lists_every_format_it_accepts(cli) -> None:  # type: ignore[no-untyped-def]
    from coopgraph.api.query_output import GRAPH_FORMATS, RESULT_FORMATS

    result = cli.invoke(app, ["query", "--help"], env={"COLUMNS": "200"})
    line = next(line for line in result.output.splitlines() if "--format" in line)
    for fmt in [*RESULT_FORMATS, *GRAPH_FORMATS]:
        assert f" {fmt}" in line, fmt


def test_a_second_build_of_unchanged_data_is_up_to_date_and_writes_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, exports = tmp_path / "store", tmp_path / "export"
    args = ["build", "--store", str(store), "--export-dir", str(exports)]
    assert cli.invoke(app, args).exit_code == 0
    state = (store / "state.json").read_text(encoding="utf-8")
    contents = sorted(p.name for p in store.iterdir())
    exported = {p.name: p.stat().st_mtime_ns for p in exports.iterdir()}
    again = cli.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "is up to date with" in again.output and "nothing to build" in again.output
    assert (store / "state.json").read_text(encoding="utf-8") == state      # the same generation
    assert sorted(p.name for p in store.iterdir()) == contents               # and no new one
    assert {p.name: p.stat().st_mtime_ns for p in exports.iterdir()} == exported
