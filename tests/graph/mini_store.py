"""A small hand-made store for the read-side tests (entities, documents, search, stats) and the
Linked Data tests: a dozen entities, one document, four evidence quotes with exact expectations."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

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
