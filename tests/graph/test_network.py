"""The RDF -> networkx projection: what becomes a node, an edge, an attribute."""

from __future__ import annotations

import doctest

import pytest
from rdflib import Graph

from coopgraph.graph import network
from coopgraph.graph.network import node_for, project, project_graph

BASE = "https://coopgraph.org/"
ID = BASE + "id/"
COOP = "https://coopgraph.org/ontology#"

TINY = f"""
@prefix coop: <{COOP}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{ID}a> a coop:CustomsDistrict, coop:GovernmentBody ; rdfs:label "A <b>\\"quoted\\"\\ttab"@en, "甲"@zh ;
    skos:altLabel "Alpha"@en, "Aleph"@en ; coop:signatoryOf <{ID}memo> .
<{ID}memo> a coop:Memorandum, coop:Agreement ; rdfs:label "Memo"@en ;
    coop:signedOn "2019-12-17"^^xsd:date ; coop:numberOfArticles 21 .
<{ID}b> a coop:City, coop:Region ; rdfs:label "B"@en ; coop:locatedIn <{ID}a> .
<{ID}doc> a coop:SourceDocument ; rdfs:label "Doc"@en ; dcterms:title "The document"@en ;
    dcterms:date "2019-12"^^xsd:gYearMonth ; schema:mentions <{ID}a>, <{ID}memo> ;
    dcterms:publisher <{ID}a> .
<{BASE}evidence/1> a coop:Evidence ; rdf:subject <{ID}a> ; rdf:predicate coop:signatoryOf ;
    rdf:object <{ID}memo> ; coop:quote "A signed the memo" ; coop:startOffset 5 ; coop:endOffset 22 ;
    prov:wasDerivedFrom <{ID}doc> ; skos:note "Signed at the ceremony."@en ; coop:modality "done" .
<https://elsewhere.org/x> coop:locatedIn <{ID}a> .
"""


@pytest.fixture(scope="module")
def tiny():
    return project_graph(Graph().parse(data=TINY, format="turtle"), base=BASE, version="v1")


def test_nodes_are_entities_but_not_documents_evidence_or_foreign_iris(tiny) -> None:
    assert sorted(tiny.nodes) == [ID + "a", ID + "b", ID + "memo"]


def test_node_attributes(tiny) -> None:
    a = tiny.nodes[ID + "a"]
    assert a["slug"] == "a"
    assert a["label"] == 'A <b>"quoted"\ttab'  # escapes round-trip through the TSV reader
    assert a["label_zh"] == "甲"
    assert a["aliases"] == ["Aleph", "Alpha"]
    assert a["types"] == ["CustomsDistrict"] and a["type"] == "CustomsDistrict"  # most specific only
    assert "GovernmentBody" in a["classes"]
    assert a["documents"] == ["doc"]
    assert tiny.nodes[ID + "memo"]["date"] == "2019-12-17"
    assert tiny.nodes[ID + "b"]["date"] is None


def test_literals_stay_attributes(tiny) -> None:
    assert all(isinstance(n, str) and n.startswith(ID) for n in tiny.nodes)
    assert tiny.number_of_edges() == 2


def test_edges_keyed_by_predicate_with_label_and_evidence(tiny) -> None:
    data = tiny.get_edge_data(ID + "a", ID + "memo")[COOP + "signatoryOf"]
    assert data["predicate"] == COOP + "signatoryOf"
    assert data["predicate_label"] == "signatory of"
    assert data["evidence"] == [BASE + "evidence/1"]
    assert tiny.graph["evidence"][BASE + "evidence/1"] == {
        "quote": "A signed the memo",
        "document": "doc",
        "document_title": "The document",
        "start": 5,
        "end": 22,
        "note": "Signed at the ceremony.",
        "implied": None,
        "modality": "done",
        "origin": "curated",
        "confidence": None,
        "accepted_by": None,
        "extracted_at": None,
    }
    assert tiny.get_edge_data(ID + "b", ID + "a")[COOP + "locatedIn"]["evidence"] == []


def test_graph_data(tiny) -> None:
    assert tiny.graph["version"] == "v1"
    assert tiny.graph["base"] == BASE
    assert tiny.graph["predicates"][COOP + "locatedIn"] == "located in"


def test_node_for_accepts_iri_or_slug(tiny) -> None:
    from coopgraph.graph.errors import EntityNotFoundError

    assert node_for(tiny, "memo") == node_for(tiny, ID + "memo") == ID + "memo"
    with pytest.raises(EntityNotFoundError):
        node_for(tiny, "nope")


def test_seed_projection(seed_store) -> None:
    G = project(seed_store, base=BASE)
    assert G.graph["version"] == seed_store.version()
    assert G.number_of_nodes() > 50 and G.number_of_edges() > 50
    customs = G.nodes[ID + "chongqing-customs"]
    assert customs["label"] == "Chongqing Customs" and customs["type"] == "CustomsDistrict"
    assert not any("SourceDocument" in d["classes"] for _, d in G.nodes(data=True))
    # every evidenced edge's quote is known, with a document and offsets
    for _u, _v, data in G.edges(data=True):
        for iri in data["evidence"]:
            record = G.graph["evidence"][iri]
            assert record["quote"] and record["document"] and record["end"] > record["start"]


def test_doctests() -> None:
    assert doctest.testmod(network).failed == 0


def test_a_store_that_only_answers_select_projects_the_same(seed_store) -> None:
    """Remote SPARQL endpoints give plain strings, not terms: the projection must not differ."""

    class SelectOnly:
        def select(self, sparql: str) -> list[dict[str, str]]:
            return seed_store.select(sparql)

        def version(self) -> str:
            return seed_store.version()

    fast, plain = project(seed_store, base=BASE), project(SelectOnly(), base=BASE)
    assert dict(fast.nodes(data=True)) == dict(plain.nodes(data=True))
    assert sorted(fast.edges(keys=True, data=True)) == sorted(plain.edges(keys=True, data=True))
    assert fast.graph == plain.graph


EXTRACTED = TINY + f"""
<{BASE}evidence/2> a coop:Evidence, coop:ExtractedEvidence ;
    rdf:subject <{ID}b> ; rdf:predicate coop:locatedIn ; rdf:object <{ID}a> ; coop:quote "B lies in A" ; coop:startOffset 30 ; coop:endOffset 41 ;
    prov:wasDerivedFrom <{ID}doc> ; coop:modality "stated" ; coop:confidence "0.9"^^xsd:decimal ;
    coop:acceptedBy "analyst" ; prov:wasGeneratedBy <{ID}ingest-1> .
<{ID}ingest-1> a prov:Activity, coop:Ingest ; rdfs:label "ingest of doc"@en ;
    prov:endedAtTime "2026-12-03T12:00:00Z"^^xsd:dateTime ; prov:used <{ID}doc> .
"""


def test_extracted_evidence_is_marked_and_ingest_activities_are_not_entities() -> None:
    G = project_graph(Graph().parse(data=EXTRACTED, format="turtle"), base=BASE)
    assert ID + "ingest-1" not in G
    assert G.get_edge_data(ID + "b", ID + "a")[COOP + "locatedIn"]["evidence"] == [BASE + "evidence/2"]
    assert G.graph["evidence"][BASE + "evidence/2"] == {
        "quote": "B lies in A", "document": "doc", "document_title": "The document", "start": 30, "end": 41,
        "note": None, "implied": None, "modality": "stated", "origin": "extracted", "confidence": 0.9,
        "accepted_by": "analyst", "extracted_at": "2026-12-03T12:00:00Z",
    }
    assert G.graph["evidence"][BASE + "evidence/1"]["origin"] == "curated"
