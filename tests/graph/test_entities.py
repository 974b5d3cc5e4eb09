"""graph/entities.py on a small hand-made store (exact expectations) and on the seed store (coverage)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from coopgraph.graph.entities import (LabelIndex, _ref, dataset_stats, document_detail, document_rdf, entity_detail,
                            entity_rdf, list_documents, normalise)
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.store.oxigraph import OxigraphStore

BASE = "https://coopgraph.org/"
ID = BASE + "id/"
COOP = "https://coopgraph.org/ontology#"
TEXT = ("On December 17, Chongqing Customs and Chengdu Customs signed a memorandum of cooperation. "
        "The memorandum was signed in Chongqing.")
XSS_LABEL = "<script>alert(1)</script>"


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def mini_turtle(*, extra_label: str | None = None) -> str:
    """A dozen entities, one document, four evidence quotes; ``extra_label`` adds entity ``odd``."""
    def evidence(name: str, s: str, p: str, o: str, quote: str, note: str | None = None) -> str:
        start = TEXT.index(quote)
        extra = f" ; skos:note {_lit(note)}@en" if note else ""
        return (f"<{BASE}evidence/{name}> a coop:Evidence ; rdf:subject {s} ; rdf:predicate {p} ; rdf:object {o} ; "
                f"coop:quote {_lit(quote)} ; coop:startOffset {start} ; coop:endOffset {start + len(quote)} ; "
                f"prov:wasDerivedFrom id:doc{extra} .\n")

    ttl = f"""@prefix coop: <{COOP}> . @prefix id: <{ID}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
id:chongqing-customs a coop:CustomsDistrict, coop:GovernmentBody, org:Organization ;
  rdfs:label "Chongqing Customs"@en, "重庆海关"@zh ; skos:altLabel "Chongqing Customs District"@en ;
  rdfs:comment "The customs district of Chongqing."@en ;
  coop:cooperatesWith id:chengdu-customs ; coop:basedIn id:chongqing .
id:chengdu-customs a coop:CustomsDistrict, coop:GovernmentBody ; rdfs:label "Chengdu Customs"@en, "成都海关"@zh .
id:chongqing a coop:Municipality, coop:ProvinceLevelDivision, coop:Region ; rdfs:label "Chongqing"@en, "重庆"@zh .
id:chengdu a coop:City, coop:Region ; rdfs:label "Chengdu"@en, "成都"@zh .
id:memo a coop:Memorandum, coop:Agreement ; rdfs:label "Memorandum of cooperation"@en ;
  coop:hasSignatory id:chongqing-customs, id:chengdu-customs ; coop:signedOn "2019-12-17"^^xsd:date .
id:daily a coop:MediaOrganisation ; rdfs:label "Chongqing Daily"@en, "重庆日报"@zh .
id:doc a coop:SourceDocument ; rdfs:label "Customs sign a memorandum"@en ; dcterms:title "Customs sign a memorandum"@en ;
  dcterms:publisher id:daily ; dcterms:date "2019-12"^^xsd:gYearMonth ; dcterms:language "en" ;
  dcterms:bibliographicCitation "Text by Chongqing Daily."@en ; schema:text {_lit(TEXT)} ; coop:sha256 "abc" ;
  schema:mentions id:chongqing-customs, id:chengdu-customs, id:memo .
"""
    ttl += evidence("e1", "id:chongqing-customs", "coop:cooperatesWith", "id:chengdu-customs",
                    "Chongqing Customs and Chengdu Customs signed a memorandum of cooperation")
    ttl += evidence("e2", "id:memo", "coop:hasSignatory", "id:chongqing-customs",
                    "Chongqing Customs and Chengdu Customs signed")
    ttl += evidence("e3", "id:memo", "coop:hasSignatory", "id:chengdu-customs",
                    "Chongqing Customs and Chengdu Customs signed")
    ttl += evidence("e4", "id:memo", "coop:signedOn", '"2019-12-17"^^xsd:date', "On December 17",
                    note="The year follows from the text.")
    if extra_label is not None:
        ttl += f"id:odd a coop:Platform ; rdfs:label {_lit(extra_label)}@en ; coop:basedIn id:chongqing ; " \
               f"rdfs:comment {_lit(extra_label)}@en .\n"
    return ttl


def write_mini_store(root: Path, *, extra_label: str | None = None) -> Path:
    """A store root holding ``mini_turtle()`` in its default graph."""
    data = mini_turtle(extra_label=extra_label).encode()
    OxigraphStore.replace(root, lambda db: db.load(data, format=ox.RdfFormat.TURTLE))
    return root


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    store = OxigraphStore(write_mini_store(tmp_path_factory.mktemp("mini") / "store", extra_label=XSS_LABEL))
    yield store
    store.close()


@pytest.fixture(scope="module")
def index(mini: OxigraphStore) -> LabelIndex:
    return LabelIndex.build(mini, base=BASE)


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
        _ref(iri)


def test_entity_rdf_is_the_description_with_evidence(mini: OxigraphStore) -> None:
    g = rdflib.Graph()
    g.parse(data=entity_rdf(mini, base=BASE, slug="chongqing-customs"), format="nt")
    me = rdflib.URIRef(ID + "chongqing-customs")
    assert (me, rdflib.URIRef(COOP + "cooperatesWith"), rdflib.URIRef(ID + "chengdu-customs")) in g
    assert (rdflib.URIRef(ID + "memo"), rdflib.URIRef(COOP + "hasSignatory"), me) in g      # in-link
    assert (rdflib.URIRef(ID + "chengdu-customs"), rdflib.RDFS.label, rdflib.Literal("Chengdu Customs", lang="en")) in g
    evidence = set(g.subjects(rdflib.RDF.type, rdflib.URIRef(COOP + "Evidence")))
    assert {str(e).rsplit("/", 1)[1] for e in evidence} == {"e1", "e2"}


def test_documents_list_and_detail(mini: OxigraphStore) -> None:
    [doc] = list_documents(mini, base=BASE)
    assert doc.title == "Customs sign a memorandum" and doc.publisher.slug == "daily"  # type: ignore[union-attr]
    assert doc.date == "2019-12" and doc.evidence_count == 4 and doc.attribution == "Text by Chongqing Daily."
    detail = document_detail(mini, base=BASE, slug="doc")
    assert detail.text == TEXT
    assert [(ev.start, ev.end) for ev, *_ in detail.quotes] == sorted((ev.start, ev.end) for ev, *_ in detail.quotes)
    for ev, subject, _p, _label, _obj in detail.quotes:
        assert TEXT[ev.start:ev.end] == ev.quote and subject.slug
    with pytest.raises(EntityNotFoundError):
        document_detail(mini, base=BASE, slug="memo")       # an entity, not a document
    g = rdflib.Graph()
    g.parse(data=document_rdf(mini, base=BASE, slug="doc"), format="nt")
    assert len(set(g.subjects(rdflib.RDF.type, rdflib.URIRef(COOP + "Evidence")))) == 4


def test_search_ranks_exact_then_prefix_then_token_then_substring_then_fuzzy(index: LabelIndex) -> None:
    hits = index.search("Chongqing")
    assert hits[0].entity.slug == "chongqing" and hits[0].match == "exact" and hits[0].score == 1.0
    assert {(h.entity.slug, h.match) for h in hits[1:3]} == {("chongqing-customs", "prefix"), ("daily", "prefix")}
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert index.search("customs chengdu")[0].entity.slug == "chengdu-customs"          # every word, any order
    assert index.search("customs chengdu")[0].match == "token"
    assert index.search("chongqnig")[0].entity.slug == "chongqing"                       # a typo
    assert index.search("chongqnig")[0].match == "fuzzy"
    assert index.search("ustoms dis")[0].match == "substring"


def test_search_matches_aliases_and_chinese(index: LabelIndex) -> None:
    alias = index.search("Chongqing Customs District")[0]
    assert alias.entity.slug == "chongqing-customs" and alias.matched == "Chongqing Customs District"
    assert alias.match == "exact"
    assert index.search("重庆")[0].entity.slug == "chongqing"
    assert {h.entity.slug for h in index.search("海关")} == {"chongqing-customs", "chengdu-customs"}
    assert index.search("海关")[0].match == "substring"
    assert {h.entity.slug for h in index.search("重庆", limit=10)} >= {"chongqing", "chongqing-customs", "daily"}


def test_search_filters_by_type_and_limits(index: LabelIndex) -> None:
    region = COOP + "Region"
    assert {h.entity.slug for h in index.search("ch", types=[region], limit=20)} == {"chongqing", "chengdu"}
    assert len(index.search("c", limit=2)) == 2
    assert index.search("   ") == [] and index.search("zzzzqqq") == []


def test_list_pages_by_label_and_type(index: LabelIndex) -> None:
    total, first = index.list(offset=0, limit=3)
    assert total == len(index) == 8
    assert [e.label for e in first] == sorted((e.label for e in index.entities.values()), key=str.casefold)[:3]
    total, regions = index.list(types=[COOP + "Region"])
    assert total == 2 and {e.slug for e in regions} == {"chongqing", "chengdu"}
    assert index.list(offset=100)[1] == []


def test_normalise_folds_case_width_and_punctuation() -> None:
    assert normalise("  Land-Sea  Corridor! ") == "land sea corridor"
    assert normalise("ＡＢＣ（重庆）") == "abc 重庆"


def test_dataset_stats(mini: OxigraphStore, index: LabelIndex) -> None:
    stats = dataset_stats(mini, index=index, triples=mini.stats().triples_default_graph, version="v")
    assert stats.documents == 1 and stats.evidence == 4 and stats.entities == 8
    assert stats.relations_by_predicate == {"coop:hasSignatory": 2, "coop:cooperatesWith": 1}
    assert stats.entities_by_type["CustomsDistrict"] == 2


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
