"""Accepted facts join the graph every reader queries: the entity page, the networkx projection
(hence analysis and views) and plain SPARQL over the default graph see them, marked as extracted;
a rebuild keeps a triple an ingested document states even when the curated facts drop it; and a
curated article ingested again is recognised by its content hash.

Each test writes a temp copy of the seed store (extractions made by hand, as in test_write.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coopgraph.api.cli import app
from coopgraph.graph.entities import entity_detail
from coopgraph.graph.ingest.model import Extraction, IngestDocument
from coopgraph.graph.ingest.write import document_iri, remove_document
from coopgraph.graph.network import project
from coopgraph.graph.pipeline import DataPaths, run_build
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.conftest import SeedBuild
from tests.ingest.test_write import (
    BASE,
    CURATED_MEMO,
    ID,
    MEMO,
    ask,
    make_extraction,
    mention,
    read_article,
    relation,
    snapshot,
    write,
)

COOP = "https://coopgraph.org/ontology#"
DATA = Path(__file__).resolve().parents[2] / "data"
CUSTOMS = ID + "chongqing-customs"


@pytest.fixture
def store_root(seed_build: SeedBuild, tmp_path: Path) -> Path:
    """A writable copy of the seed store (the session's seed store stays read-only)."""
    root = tmp_path / "store"
    shutil.copytree(seed_build.store_root, root, symlinks=True)
    return root


def test_entity_page_and_projection_show_an_accepted_fact_as_extracted(store_root: Path,
                                                                       tmp_path: Path) -> None:
    doc = read_article(tmp_path)
    write(store_root, make_extraction(doc))
    with OxigraphStore(store_root) as store:
        memo = entity_detail(store, base=BASE, slug="smart-clearance-memorandum")
        customs = entity_detail(store, base=BASE, slug="chongqing-customs")
        network = project(store, base=BASE)

    # The new entity's page: its label, and the statement with its extracted evidence.
    assert memo.labels == {"en": "Smart Clearance Memorandum"}
    signatory = COOP + "hasSignatory"
    (signed,) = [st for st in memo.statements if st.direction == "out" and st.predicate == signatory
                 and st.other is not None and st.other.iri == CUSTOMS]
    (evidence,) = signed.evidence
    assert (evidence.origin, evidence.confidence, evidence.accepted_by, evidence.modality) == (
        "extracted", 0.9, "Test Analyst", "done")
    assert evidence.quote is not None and evidence.quote.startswith("Chongqing Customs and Chengdu Customs")
    # A curated entity's page shows the incoming statement too, beside its curated ones.
    incoming = [st for st in customs.statements if st.direction == "in" and st.other is not None
                and st.other.iri == MEMO]
    assert [ev.origin for st in incoming for ev in st.evidence] == ["extracted"]
    assert any(ev.origin == "curated" for st in customs.statements for ev in st.evidence)

    # The projection every analysis and view works on has the node and the edge.
    assert network.nodes[MEMO]["label"] == "Smart Clearance Memorandum"
    edge = network.edges[MEMO, CUSTOMS, COOP + "hasSignatory"]
    assert [network.graph["evidence"][ev]["origin"] for ev in edge["evidence"]] == ["extracted"]
    assert network.has_edge(MEMO, ID + "ilstc", key=COOP + "supports")

    # Removed again: gone from the page's graph and the projection.
    with OxigraphStore(store_root) as store:
        remove_document(store, doc.slug, base=BASE)
    with OxigraphStore(store_root) as store:
        assert MEMO not in project(store, base=BASE)


def signed_in_chongqing(doc: IngestDocument) -> Extraction:
    """The customs memorandum was signed in Chongqing: a curated fact (coop:signedAt) stated again."""
    memo = mention(doc, "memorandum of cooperation", iri=CURATED_MEMO,
                   label="Memorandum of cooperation between Chongqing Customs and Chengdu Customs",
                   types=("Memorandum",))
    place = mention(doc, "Chongqing", 2, iri=ID + "chongqing", label="Chongqing", types=("Municipality",))
    quote = doc.text.split("\n")[0]
    return Extraction(document=doc, iri=document_iri(BASE, doc), mentions=[memo, place],
                      relations=[relation(doc, memo, "signedAt", place, quote)])


def drop_statement(facts: Path, predicate: str, obj: str) -> None:
    """Delete the statement of the customs memorandum with this predicate and object from a copy of
    data/facts (its YAML block, from '- subject:' to the blank line after it)."""
    path = facts / "customs-memorandum.yaml"
    text = path.read_text(encoding="utf-8")
    block = (f"  - subject: cq-cd-customs-memorandum\n    predicate: {predicate}\n    object: {obj}\n")
    start = text.index(block)
    end = text.index("\n\n", start) + 2
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def test_a_rebuild_keeps_a_triple_an_ingested_document_states(store_root: Path, tmp_path: Path) -> None:
    signed_at = f"<{CURATED_MEMO}> coop:signedAt <{ID}chongqing>"
    promotes = f"<{CURATED_MEMO}> coop:promotes <{ID}chengdu-chongqing-economic-zone>"
    doc = read_article(tmp_path, "Chongqing Customs and Chengdu Customs signed a memorandum of cooperation "
                                 "in Chongqing.")
    write(store_root, signed_in_chongqing(doc))
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    drop_statement(data / "facts", "signedAt", "chongqing")       # an ingested document states it
    drop_statement(data / "facts", "promotes", "chengdu-chongqing-economic-zone")  # nothing else does

    run_build(DataPaths(data), store_root=store_root, export_dir=None, base=BASE, analyse=False)

    assert ask(store_root, signed_at)
    assert not ask(store_root, promotes)  # the rebuild did replace the curated triples
    # Only the extracted evidence is left for it; the curated one went with the fact.
    curated = f"?ev coop:quote ?q ; rdf:predicate coop:signedAt ; rdf:subject <{CURATED_MEMO}> "
    assert not ask(store_root, curated + "FILTER NOT EXISTS { ?ev a coop:ExtractedEvidence }")
    # ... and removing the document now takes the triple out: no source states it any more.
    with OxigraphStore(store_root) as store:
        remove_document(store, doc.slug, base=BASE)
    assert not ask(store_root, signed_at)


def test_ingesting_a_curated_article_again_adds_nothing(cli: CliRunner, store_root: Path) -> None:
    article = DATA / "documents" / "chongqing-daily-2019-12-customs-memorandum.txt"
    before = snapshot(store_root)
    result = cli.invoke(app, ["ingest", str(article), "--store", str(store_root), "--accept", "--no-model"])
    assert result.exit_code == 0, result.output
    assert f"already ingested: {ID}chongqing-daily-2019-12-customs-memorandum" in result.output
    assert snapshot(store_root) == before
