"""graph/entities.py on a small hand-made store (exact expectations) and on the seed store (coverage)."""

from __future__ import annotations

import pytest
import rdflib

from coopgraph.graph.documents import document_detail
from coopgraph.graph.entities import entity_detail, entity_rdf
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.read_queries import iri_term
from coopgraph.graph.search import LabelIndex
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.graph.mini_store import BASE, COOP, ID, TEXT


def test_entity_detail_has_labels_types_and_statements_both_ways(mini: OxigraphStore) -> None:
    e = entity_detail(mini, base=BASE, slug="chongqing-customs")
    assert e.ref.label == "Chongqing Customs" and e.ref.label_zh == "重庆海关"
    assert e.labels == {"en": "Chongqing Customs", "zh": "重庆海关"}
    assert e.aliases == [("Chongqing Customs District", "en")]
    assert e.types == [COOP + "CustomsDistrict"]              # most specific only
    assert e.ref.type == "CustomsDistrict"
    assert e.comment == "The customs district of Chongqing."
    by_key = {(s.direction, s.predicate_label, s.other.slug if s.other else None): s for s in e.statements}
    assert set(by_key) == {("out", "cooperates with", "chengdu-customs"), ("out", "based in", "chongqing"),
                           ("in", "has signatory", "memo")}
    quote = by_key[("out", "cooperates with", "chengdu-customs")].evidence[0]
    assert TEXT[quote.start:quote.end] == quote.quote
    assert quote.document is not None and quote.document.slug == "doc"
    assert by_key[("out", "based in", "chongqing")].evidence == []
    assert by_key[("in", "has signatory", "memo")].other.type == "Memorandum"  # type: ignore[union-attr]
    assert [d.slug for d in e.mentioned_in] == ["doc"]


def test_literal_statement_keeps_datatype_and_note(mini: OxigraphStore) -> None:
    e = entity_detail(mini, base=BASE, slug="memo")
    signed = next(s for s in e.statements if s.value is not None)
    assert signed.value.lexical == "2019-12-17"                                 # type: ignore[union-attr]
    assert signed.value.datatype == "http://www.w3.org/2001/XMLSchema#date"     # type: ignore[union-attr]
    assert signed.evidence[0].note == "The year follows from the text."
    signatories = [s for s in e.statements if s.predicate == COOP + "hasSignatory"]
    assert len(signatories) == 2 and all(len(s.evidence) == 1 for s in signatories)


@pytest.mark.parametrize("slug", ["nowhere", "Bad_Slug", "a> } ; DROP ALL", "chongqing-customs>", ""])
def test_unknown_or_malformed_slug_is_not_found(mini: OxigraphStore, slug: str) -> None:
    with pytest.raises(EntityNotFoundError):
        entity_detail(mini, base=BASE, slug=slug)
    with pytest.raises(EntityNotFoundError):
        entity_rdf(mini, base=BASE, slug=slug)


@pytest.mark.parametrize("iri", ["urn:a> } DROP ALL {", "http://x/ y", 'http://x/"', ""])
def test_ref_refuses_iris_that_could_inject(iri: str) -> None:
    with pytest.raises(ValueError):
        iri_term(iri)


def test_entity_rdf_is_the_description_with_evidence(mini: OxigraphStore) -> None:
    g = rdflib.Graph()
    g.parse(data=entity_rdf(mini, base=BASE, slug="chongqing-customs"), format="nt")
    me = rdflib.URIRef(ID + "chongqing-customs")
    assert (me, rdflib.URIRef(COOP + "cooperatesWith"), rdflib.URIRef(ID + "chengdu-customs")) in g
    assert (rdflib.URIRef(ID + "memo"), rdflib.URIRef(COOP + "hasSignatory"), me) in g      # in-link
    assert (rdflib.URIRef(ID + "chengdu-customs"), rdflib.RDFS.label, rdflib.Literal("Chengdu Customs", lang="en")) in g
    evidence = set(g.subjects(rdflib.RDF.type, rdflib.URIRef(COOP + "Evidence")))
    assert {str(e).rsplit("/", 1)[1] for e in evidence} == {"e1", "e2"}


def test_every_seed_entity_has_a_detail(seed_store: OxigraphStore) -> None:
    """Each entity of the curated data renders; every quote sits at its offsets in its document."""
    index = LabelIndex.build(seed_store, base=BASE)
    assert len(index) > 50
    texts: dict[str, str] = {}
    for entity in index.entities.values():
        record = entity_detail(seed_store, base=BASE, slug=entity.slug)
        assert record.ref.label
        for statement in record.statements:
            for ev in statement.evidence:
                assert ev.document is not None and ev.document.slug
                if ev.document.slug not in texts:
                    texts[ev.document.slug] = document_detail(seed_store, base=BASE, slug=ev.document.slug).text or ""
                assert texts[ev.document.slug][ev.start:ev.end] == ev.quote
    assert texts, "no evidence found in the seed graph"
