"""The build: what it produces from the shipped data, and how it refuses bad data.

Every refusal must name the file and line at fault and leave the previous store untouched.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from coopgraph.graph.build import build_graph
from coopgraph.graph.errors import FactError, QuoteNotFoundError, ShapeViolationError
from coopgraph.graph.facts import load_facts
from coopgraph.graph.namespaces import DEFAULT_BASE
from coopgraph.graph.pipeline import DataPaths, check_data, run_build
from coopgraph.graph.sources import load_documents
from coopgraph.graph.store.oxigraph import OxigraphStore


def _first_ids(data: DataPaths) -> tuple[str, str, str, str]:
    """From the first entity-to-entity statement: subject id, predicate, document id, quote."""
    facts = load_facts(data.facts)
    statement = next(st for st in facts.statements if st.object is not None)
    return statement.subject, statement.predicate, statement.source, statement.quote


def _write(data: DataPaths, name: str, text: str) -> Path:
    path = data.facts / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- the shipped data ----------------------------------------------------------------------------
def test_shipped_data_builds_and_conforms(seed_build) -> None:  # type: ignore[no-untyped-def]
    summary = seed_build.outcome.result.summary
    assert seed_build.outcome.report.conforms, seed_build.outcome.report.text
    assert summary.documents == 2
    assert summary.entities >= 80
    assert summary.relations >= 100
    assert summary.evidence_quotes == summary.relation_statements + summary.literal_statements
    assert summary.relations <= summary.relation_statements  # a link quoted twice is one relation


def test_every_statement_has_one_evidence_node_with_exact_offsets(seed_store, seed_build) -> None:  # type: ignore[no-untyped-def]
    docs = {f"{DEFAULT_BASE}id/{d.id}": d.text for d in seed_build.outcome.result.documents.values()}
    rows = seed_store.select("""
        PREFIX coop: <https://coopgraph.org/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?ev ?quote ?start ?end ?doc WHERE {
          ?ev a coop:Evidence ; coop:quote ?quote ; coop:startOffset ?start ; coop:endOffset ?end ;
              prov:wasDerivedFrom ?doc .
        }""")
    assert len(rows) == seed_build.outcome.result.summary.evidence_quotes
    for row in rows:
        assert docs[row["doc"]][int(row["start"]):int(row["end"])] == row["quote"]


def test_every_evidence_states_its_modality(seed_store, seed_build) -> None:  # type: ignore[no-untyped-def]
    """Every curated quote says whether it reports something done, a plan, or a description."""
    rows = seed_store.select("""
        PREFIX coop: <https://coopgraph.org/ontology#>
        SELECT ?m (COUNT(?ev) AS ?n) WHERE { ?ev a coop:Evidence . OPTIONAL { ?ev coop:modality ?m } }
        GROUP BY ?m""")
    counts = {row.get("m"): int(row["n"]) for row in rows}
    assert set(counts) == {"done", "planned", "stated"}, counts
    assert sum(counts.values()) == seed_build.outcome.result.summary.evidence_quotes
    facts = seed_build.outcome.result.facts
    signed = [st for st in facts.statements if st.predicate == "hasSignatory"]
    assert signed and all(st.modality == "done" for st in signed)


def test_plain_triples_stay_plain(seed_store) -> None:  # type: ignore[no-untyped-def]
    """Each reified statement's triple is asserted too, in the default graph."""
    missing = seed_store.select("""
        PREFIX coop: <https://coopgraph.org/ontology#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?ev WHERE { ?ev a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
                           FILTER NOT EXISTS { ?s ?p ?o } }""")
    assert missing == []


def test_ntriples_export_is_byte_identical_across_builds(tmp_path: Path, seed_build) -> None:  # type: ignore[no-untyped-def]
    data = DataPaths(Path(__file__).resolve().parents[2] / "data")
    again = run_build(data, store_root=tmp_path / "store", export_dir=tmp_path / "export", base=DEFAULT_BASE)
    first = (seed_build.export_dir / "coopgraph.nt").read_bytes()
    assert again.exports["nt"].read_bytes() == first
    lines = first.decode().splitlines()
    assert lines == sorted(lines)


def test_exports_parse_back_to_the_same_graph(seed_build) -> None:  # type: ignore[no-untyped-def]
    from rdflib import Graph
    from rdflib.compare import isomorphic

    built = seed_build.outcome.result.graph
    for fmt, rdflib_format in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        parsed = Graph().parse(seed_build.export_dir / f"coopgraph.{fmt}", format=rdflib_format)
        assert isomorphic(parsed, built), fmt


def test_ontology_is_in_its_own_named_graph(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert seed_store.ask("""ASK { GRAPH <https://coopgraph.org/ontology> {
        <https://coopgraph.org/ontology#Evidence> ?p ?o } }""")
    assert not seed_store.ask("""ASK { <https://coopgraph.org/ontology#Evidence>
        <http://www.w3.org/2000/01/rdf-schema#label> ?l }""")


# -- bad input -----------------------------------------------------------------------------------
def test_typo_in_entity_id_names_file_and_line(tmp_data: DataPaths) -> None:
    subject, predicate, source, quote = _first_ids(tmp_data)
    path = _write(tmp_data, "zz-broken.yaml", f"""\
        statements:
          - subject: {subject}
            predicate: {predicate}
            object: chongqing-custom-typo
            source: {source}
            quote: "{quote}"
            modality: stated
        """)
    with pytest.raises(FactError) as caught:
        build_graph(facts_dir=tmp_data.facts, documents_dir=tmp_data.documents, base=DEFAULT_BASE)
    assert caught.value.file == str(path) and caught.value.line == 2
    assert "chongqing-custom-typo" in str(caught.value)


def test_quote_not_in_the_text_is_refused_with_a_hint(tmp_data: DataPaths) -> None:
    subject, predicate, source, quote = _first_ids(tmp_data)
    path = _write(tmp_data, "zz-broken.yaml", f"""\
        statements:
          - subject: {subject}
            predicate: {predicate}
            object: {subject}
            source: {source}
            quote: "{quote.upper()}"
            modality: stated
        """)
    with pytest.raises(QuoteNotFoundError) as caught:
        build_graph(facts_dir=tmp_data.facts, documents_dir=tmp_data.documents, base=DEFAULT_BASE)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: quote not found in {source}")
    assert "case, spacing" in message


@pytest.mark.parametrize("value", ["2019-13-01", "17 December 2019", "2019-12-32"])
def test_malformed_date_is_refused(tmp_data: DataPaths, value: str) -> None:
    subject, predicate, source, quote = _first_ids(tmp_data)
    path = _write(tmp_data, "zz-broken.yaml", f"""\
        statements:
          - subject: {subject}
            predicate: dcterms:date
            value: "{value}"
            datatype: xsd:date
            source: {source}
            quote: "{quote}"
            modality: stated
        """)
    with pytest.raises(FactError) as caught:
        build_graph(facts_dir=tmp_data.facts, documents_dir=tmp_data.documents, base=DEFAULT_BASE)
    assert caught.value.file == str(path) and caught.value.line == 2
    assert "not a valid xsd:date" in str(caught.value)


def test_yaml_syntax_error_names_the_line(tmp_data: DataPaths) -> None:
    path = _write(tmp_data, "zz-broken.yaml", "entities:\n  - id: x\n    label: [unclosed\n")
    with pytest.raises(FactError) as caught:
        load_facts(tmp_data.facts)
    assert caught.value.file == str(path) and caught.value.line is not None


def test_duplicate_entity_id_names_both_places(tmp_data: DataPaths) -> None:
    facts = load_facts(tmp_data.facts)
    existing = next(iter(facts.entities.values()))
    _write(tmp_data, "zz-broken.yaml", f"""\
        entities:
          - id: {existing.id}
            type: {existing.types[0]}
            label: Again
        """)
    with pytest.raises(FactError, match=f"duplicate entity id '{existing.id}'.*first declared at"):
        load_facts(tmp_data.facts)


@pytest.mark.parametrize(("line", "problem"), [("modality: maybe", "unknown modality 'maybe'"),
                                               ("note: no modality given", "missing 'modality'")])
def test_unknown_or_missing_modality_names_file_and_line(tmp_data: DataPaths, line: str,
                                                         problem: str) -> None:
    subject, predicate, source, quote = _first_ids(tmp_data)
    path = _write(tmp_data, "zz-broken.yaml", f"""\
        # a statement whose modality is not one of done / planned / stated
        statements:
          - subject: {subject}
            predicate: {predicate}
            object: {subject}
            source: {source}
            quote: "{quote}"
            {line}
        """)
    with pytest.raises(FactError) as caught:
        build_graph(facts_dir=tmp_data.facts, documents_dir=tmp_data.documents, base=DEFAULT_BASE)
    assert caught.value.file == str(path) and caught.value.line == 3
    assert problem in str(caught.value) and "done, planned, stated" in str(caught.value)


def test_evidence_without_a_modality_breaks_the_shapes(seed_build) -> None:  # type: ignore[no-untyped-def]
    """SHACL checks what any writer of evidence (the build, ingest) must give: one known modality."""
    from rdflib import Graph, Literal

    from coopgraph.graph.namespaces import COOP
    from coopgraph.graph.validate import validate_graph

    data = Graph()
    for triple in seed_build.outcome.result.graph:
        data.add(triple)
    first, second = sorted(set(data.subjects(COOP.modality, None)))[:2]
    data.remove((first, COOP.modality, None))
    data.set((second, COOP.modality, Literal("maybe")))
    report = validate_graph(data)
    assert not report.conforms
    assert {str(first), str(second)} <= {v.focus for v in report.violations if "modality" in v.message}


def test_unknown_class_and_property_are_refused(tmp_data: DataPaths) -> None:
    _write(tmp_data, "zz-broken.yaml", "entities:\n  - id: zz-thing\n    type: Spaceship\n    label: Z\n")
    with pytest.raises(FactError, match="unknown class 'Spaceship'"):
        build_graph(facts_dir=tmp_data.facts, documents_dir=tmp_data.documents, base=DEFAULT_BASE)


def test_shape_violation_names_the_fact_line(tmp_data: DataPaths) -> None:
    """An entity with two English labels breaks the shapes; the message points at its file:line."""
    subject, predicate, source, quote = _first_ids(tmp_data)
    path = _write(tmp_data, "zz-broken.yaml", f"""\
        statements:
          - subject: {subject}
            predicate: rdfs:label
            value: A second English label
            lang: en
            source: {source}
            quote: "{quote}"
            modality: stated
        """)
    with pytest.raises(ShapeViolationError) as caught:
        check_data(tmp_data, base=DEFAULT_BASE)
    assert "SHACL violation" in str(caught.value)
    facts = load_facts(tmp_data.facts)
    assert str(facts.entities[subject].where) in str(caught.value)
    assert path.exists()


def test_failed_build_leaves_the_previous_store_intact(tmp_data: DataPaths, tmp_path: Path) -> None:
    root = tmp_path / "store"
    run_build(tmp_data, store_root=root, export_dir=None, base=DEFAULT_BASE)
    before_version = OxigraphStore(root).version()
    with OxigraphStore(root) as store:
        before = store.stats().quads
    subject, predicate, source, _ = _first_ids(tmp_data)
    _write(tmp_data, "zz-broken.yaml", f"""\
        statements:
          - subject: {subject}
            predicate: {predicate}
            object: {subject}
            source: {source}
            quote: "this sentence is in no document"
            modality: stated
        """)
    with pytest.raises(QuoteNotFoundError):
        run_build(tmp_data, store_root=root, export_dir=None, base=DEFAULT_BASE)
    assert OxigraphStore(root).version() == before_version
    with OxigraphStore(root) as store:
        assert store.stats().quads == before
    assert len(list(root.glob("gen-*"))) == 1, "the half-built generation was removed"


def test_documents_carry_hash_and_metadata(tmp_data: DataPaths) -> None:
    documents = load_documents(tmp_data.documents)
    assert len(documents) == 2
    for doc in documents.values():
        assert len(doc.sha256) == 64 and doc.title and doc.publisher and doc.date
