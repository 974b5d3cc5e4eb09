"""graph.namespaces spells its prefixes as plain strings (so the endpoint does not import rdflib):
they must be the IRIs of rdflib's namespaces, and ``COOP`` still the rdflib namespace."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, XSD

from coopgraph.graph import namespaces


def test_the_prefixes_are_the_iris_of_rdflibs_namespaces() -> None:
    rdflib_names = {"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS,
                    "prov": PROV, "org": ORG, "schema": SDO, "foaf": FOAF, "sh": SH}
    assert {k: v for k, v in namespaces.PREFIXES.items() if k != "coop"} == {
        k: str(v) for k, v in rdflib_names.items()}
    assert namespaces.PREFIXES["coop"] == namespaces.COOP_NS


def test_coop_is_the_rdflib_namespace_made_once() -> None:
    from coopgraph.graph.namespaces import COOP

    assert isinstance(COOP, Namespace) and str(COOP.partOf) == namespaces.COOP_NS + "partOf"
    assert namespaces.COOP is COOP
