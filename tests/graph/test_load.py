"""``coopgraph load``: every format, gzip, named graphs, --replace, and all-or-nothing on bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.api.cli import app
from coopgraph.graph.errors import FactError
from coopgraph.graph.load import format_of, load_files
from coopgraph.graph.store.base import ONTOLOGY_GRAPH
from coopgraph.graph.store.oxigraph import OxigraphStore

EX = "https://example.org/"
TRIPLES = {
    "data.ttl": f'@prefix ex: <{EX}> .\nex:a ex:p ex:b ; ex:label "A"@en .\n',
    "data.nt": f'<{EX}c> <{EX}p> <{EX}d> .\n<{EX}c> <{EX}label> "C" .\n',
    "data.rdf": (f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                 f'xmlns:ex="{EX}">\n <rdf:Description rdf:about="{EX}e"><ex:p rdf:resource="{EX}f"/>'
                 f'<ex:label>E</ex:label></rdf:Description>\n</rdf:RDF>\n'),
    "data.jsonld": json.dumps([{"@id": f"{EX}g", f"{EX}p": [{"@id": f"{EX}h"}],
                                f"{EX}label": [{"@value": "G"}]}]),
}
QUADS = {
    "data.nq": f'<{EX}i> <{EX}p> <{EX}j> <{EX}graph1> .\n<{EX}i> <{EX}label> "I" .\n',
    "data.trig": f'@prefix ex: <{EX}> .\nex:graph2 {{ ex:k ex:p ex:l ; ex:label "K" }}\n',
}


def count(root: Path, where: str = "{ ?s ?p ?o }") -> int:
    with OxigraphStore(root) as store:
        return int(store.select(f"SELECT (COUNT(*) AS ?n) {where}")[0]["n"])


def write(folder: Path, name: str, text: str, *, gz: bool = False) -> Path:
    path = folder / (name + (".gz" if gz else ""))
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("name", sorted(TRIPLES))
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_triple_formats(tmp_path: Path, name: str, gz: bool) -> None:
    root = tmp_path / "store"
    result = load_files(root, [write(tmp_path, name, TRIPLES[name], gz=gz)])
    assert count(root) == 2
    assert count(root, f"{{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}") > 0  # a fresh store gets the ontology
    assert result.quads_added == result.quads_after and result.files == 1


def test_quad_formats_keep_their_graphs(tmp_path: Path) -> None:
    root = tmp_path / "store"
    load_files(root, [write(tmp_path, name, text) for name, text in QUADS.items()])
    assert count(root) == 1
    assert count(root, f"{{ GRAPH <{EX}graph1> {{ ?s ?p ?o }} }}") == 1
    assert count(root, f"{{ GRAPH <{EX}graph2> {{ ?s ?p ?o }} }}") == 2


def test_loads_add_to_the_store_and_graph_option(tmp_path: Path) -> None:
    root = tmp_path / "store"
    load_files(root, [write(tmp_path, "data.ttl", TRIPLES["data.ttl"])])
    version = OxigraphStore(root).version()
    load_files(root, [write(tmp_path, "data.nt", TRIPLES["data.nt"])], graph=f"{EX}mine")
    assert count(root) == 2
    assert count(root, f"{{ GRAPH <{EX}mine> {{ ?s ?p ?o }} }}") == 2
    assert OxigraphStore(root).version() != version


def test_replace_clears_only_the_target_graph(tmp_path: Path) -> None:
    root = tmp_path / "store"
    load_files(root, [write(tmp_path, "data.ttl", TRIPLES["data.ttl"])])
    load_files(root, [write(tmp_path, "data.nt", TRIPLES["data.nt"])], graph=f"{EX}mine")
    load_files(root, [write(tmp_path, "data.rdf", TRIPLES["data.rdf"])], replace=True)
    assert count(root, f"{{ <{EX}e> ?p ?o }}") == 2 and count(root) == 2
    assert count(root, f"{{ GRAPH <{EX}mine> {{ ?s ?p ?o }} }}") == 2
    assert count(root, f"{{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}") > 0


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_malformed_file_names_the_line_and_loads_nothing(tmp_path: Path, gz: bool) -> None:
    root = tmp_path / "store"
    load_files(root, [write(tmp_path, "data.ttl", TRIPLES["data.ttl"])])
    version = OxigraphStore(root).version()
    good = write(tmp_path, "more.nt", TRIPLES["data.nt"])
    bad = write(tmp_path, "bad.ttl", f"@prefix ex: <{EX}> .\n\nex:x ex:p ex:y .\nex:x ex:p [ .\n", gz=gz)
    with pytest.raises(FactError) as caught:
        load_files(root, [good, bad])  # the good file comes first: it must not land either
    assert caught.value.line == 4
    assert f"{bad}:4:" in caught.value.message
    assert count(root) == 2
    assert OxigraphStore(root).version() == version
    assert len(list(root.glob("gen-*"))) == 1  # the half-written generation is gone


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FactError, match="cannot tell the RDF format"):
        format_of(tmp_path / "data.csv")
    assert format_of(Path("x.ttl.gz")) == ox.RdfFormat.TURTLE
    with pytest.raises(FactError, match="no such file"):
        load_files(tmp_path / "store", [tmp_path / "missing.ttl"])
    assert not (tmp_path / "store" / "current").exists()


def test_cli_load(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "store"
    path = write(tmp_path, "data.ttl", TRIPLES["data.ttl"], gz=True)
    result = cli.invoke(app, ["load", str(path), "--store", str(root)])
    assert result.exit_code == 0, result.output
    assert "loaded 1 file(s)" in result.output
    bad = write(tmp_path, "bad.nt", f'<{EX}a> <{EX}b> "open .\n')
    result = cli.invoke(app, ["load", str(bad), "--store", str(root)])
    assert result.exit_code == 3
    assert "bad.nt:1:" in result.output
    assert count(root) == 2
