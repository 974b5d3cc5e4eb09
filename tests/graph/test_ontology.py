"""The ontology (ontology/coop.ttl) and the shapes (ontology/shapes.ttl), read on their own.

These tests parse the Turtle with rdflib and the fact files with plain ``yaml.safe_load``; they do
not depend on the build code, so they say "the vocabulary is broken" rather than "the build failed".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD

REPO = Path(__file__).resolve().parents[2]
COOP_TTL = REPO / "ontology" / "coop.ttl"
SHAPES_TTL = REPO / "ontology" / "shapes.ttl"
FACTS = REPO / "data" / "facts"
COOP = "https://coopgraph.org/ontology#"
ONTOLOGY_IRI = URIRef("https://coopgraph.org/ontology")

# The prefixes a fact file may use in a predicate CURIE (data/facts/README.md).
CURIE_PREFIXES = {
    "coop": COOP,
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "foaf": "http://xmlns.com/foaf/0.1/",
}
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@cache
def ontology() -> Graph:
    return Graph().parse(COOP_TTL, format="turtle")


@cache
def shapes() -> Graph:
    return Graph().parse(SHAPES_TTL, format="turtle")


def classes() -> set[URIRef]:
    return {c for c in ontology().subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}


def properties() -> set[URIRef]:
    return {p for kind in PROPERTY_KINDS for p in ontology().subjects(RDF.type, kind)
            if isinstance(p, URIRef)}


def terms() -> list[URIRef]:
    return sorted(classes() | properties())


def expand(term: str) -> str:
    """A fact file's class or predicate name -> IRI (a bare name is a coop: term)."""
    if ":" not in term:
        return COOP + term
    prefix, _, local = term.partition(":")
    assert prefix in CURIE_PREFIXES, f"unknown prefix in {term!r}"
    return CURIE_PREFIXES[prefix] + local


def fact_files() -> list[Path]:
    return sorted(FACTS.glob("*.yaml"))


def fact_records(key: str) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    records = []
    for path in fact_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        records += [(path.name, record) for record in data.get(key) or []]
    return records


# -- coop.ttl -------------------------------------------------------------------------------------

def test_ontology_parses_and_has_a_header() -> None:
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    for predicate in (OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert g.value(ONTOLOGY_IRI, predicate) is not None, predicate


def test_ontology_declares_the_core_vocabulary() -> None:
    names = {str(t)[len(COOP):] for t in terms() if str(t).startswith(COOP)}
    expected = {
        # regions
        "Region", "Country", "Province", "Municipality", "AutonomousRegion", "City", "CityCluster",
        "EconomicZone", "NewArea", "FreeTradeZone", "BondedArea",
        # organisations and people
        "CustomsDistrict", "CustomsAdministration", "Government", "PartyCommittee", "PartyBody",
        "AdministrativeCommittee", "AdministrativeBureau", "Association", "MediaOrganisation",
        "Person", "Post",
        # corridors, initiatives, agreements, mechanisms
        "Corridor", "RailRoute", "SeaRoute", "RiverRoute", "RoadRoute", "MultimodalRoute",
        "Initiative", "Strategy", "Plan", "PilotProgramme", "Policy", "Agreement", "Memorandum",
        "FrameworkPlan", "CooperationArea", "CooperationMechanism", "JointMeeting", "ConsultationMechanism",
        "MultilateralMechanism",
        # platforms, industries, events, provenance
        "Platform", "Facility", "Port", "ConventionCentre", "FinancialCentre", "IndustrialPark",
        "LogisticsCentre", "Industry", "Event", "Signing", "Visit", "SourceDocument", "Evidence",
        # properties
        "locatedIn", "partOf", "hasSignatory", "signatoryOf", "signedOn", "numberOfArticles", "coversArea",
        "establishesMechanism", "hasMember", "memberOf", "connects", "supports", "promotes", "implements",
        "leadsMechanism", "administers", "cooperatesWith", "hasIndustry", "pillarIndustry",
        "quote", "startOffset", "endOffset", "sha256",
    }
    assert expected <= names, sorted(expected - names)


@pytest.mark.parametrize("term", terms(), ids=lambda t: ontology().namespace_manager.normalizeUri(t))
def test_every_term_has_an_english_label_and_comment(term: URIRef) -> None:
    g = ontology()
    labels = [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
    comments = [o for o in g.objects(term, RDFS.comment) if isinstance(o, Literal) and o.language == "en"]
    assert len(labels) == 1, f"{term} needs exactly one rdfs:label @en"
    assert len(comments) == 1 and len(str(comments[0])) > 10, f"{term} needs an rdfs:comment @en"


def test_coop_terms_are_camel_case() -> None:
    for term in terms():
        name = str(term)
        if not name.startswith(COOP):
            continue
        local = name[len(COOP):]
        assert local.isalnum(), local
        if term in classes():
            assert local[0].isupper(), f"class {local} should be UpperCamelCase"
        else:
            assert local[0].islower(), f"property {local} should be lowerCamelCase"


def test_coop_properties_have_a_kind_and_no_class_is_a_property() -> None:
    assert not classes() & properties()
    g = ontology()
    for prop in properties():
        kinds = set(g.objects(prop, RDF.type)) & set(PROPERTY_KINDS)
        assert len(kinds) == 1, f"{prop} is declared as {kinds}"


def test_domains_and_ranges_are_known() -> None:
    g = ontology()
    local_classes = {str(c) for c in classes()}
    for predicate in (RDFS.domain, RDFS.range):
        for prop, cls in g.subject_objects(predicate):
            if str(cls).startswith(COOP):
                assert str(cls) in local_classes, f"{prop} {predicate} {cls}: not declared"


def test_datatype_properties_have_xsd_ranges() -> None:
    g = ontology()
    for prop in g.subjects(RDF.type, OWL.DatatypeProperty):
        if not str(prop).startswith(COOP):
            continue
        ranges = list(g.objects(prop, RDFS.range))
        assert len(ranges) == 1 and str(ranges[0]).startswith(str(XSD)), prop


def test_the_class_hierarchy_is_acyclic_and_local_parents_are_declared() -> None:
    g = ontology()
    local = {str(c) for c in classes()}
    parents: dict[str, set[str]] = {}
    for child, parent in g.subject_objects(RDFS.subClassOf):
        parents.setdefault(str(child), set()).add(str(parent))
        if str(parent).startswith(COOP):
            assert str(parent) in local, f"{child} subClassOf undeclared {parent}"

    def ancestors(cls: str, path: tuple[str, ...]) -> None:
        for parent in parents.get(cls, ()):
            assert parent not in path, f"cycle: {path + (parent,)}"
            ancestors(parent, path + (parent,))

    for cls in local:
        ancestors(cls, (cls,))


def test_evidence_is_a_reified_statement_and_a_prov_entity() -> None:
    g = ontology()
    evidence = URIRef(COOP + "Evidence")
    assert (evidence, RDFS.subClassOf, RDF.Statement) in g
    assert (evidence, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in g
    for name in ("startOffset", "endOffset"):
        assert g.value(URIRef(COOP + name), RDFS.range) == XSD.integer


# -- the fact files use declared terms ------------------------------------------------------------

def test_every_class_used_in_facts_is_declared() -> None:
    declared = {str(c) for c in classes()}
    for file, entity in fact_records("entities"):
        types = entity["type"] if isinstance(entity["type"], list) else [entity["type"]]
        for name in types:
            assert expand(name) in declared, f"{file}: {entity['id']}: class {name} not in coop.ttl"


def test_every_predicate_used_in_facts_is_declared() -> None:
    declared = {str(p) for p in properties()}
    for file, statement in fact_records("statements"):
        name = statement["predicate"]
        assert expand(name) in declared, f"{file}: predicate {name} not in coop.ttl"


def test_facts_use_object_properties_with_objects_and_datatype_properties_with_values() -> None:
    g = ontology()
    for file, statement in fact_records("statements"):
        prop = URIRef(expand(statement["predicate"]))
        if "object" in statement:
            assert (prop, RDF.type, OWL.DatatypeProperty) not in g, f"{file}: {statement}"
        else:
            assert (prop, RDF.type, OWL.ObjectProperty) not in g, f"{file}: {statement}"


# -- shapes.ttl -----------------------------------------------------------------------------------

def test_shapes_parse_and_every_shape_is_documented() -> None:
    g = shapes()
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) >= 8
    for shape in node_shapes:
        assert g.value(shape, RDFS.label) is not None, shape
        assert g.value(shape, RDFS.comment) is not None, shape


def test_shape_targets_exist_in_the_ontology() -> None:
    g = shapes()
    known_classes = {str(c) for c in classes()} | {"http://www.w3.org/ns/org#Post"}
    known_properties = {str(p) for p in properties()}
    known_properties |= {str(RDF.subject), str(RDF.predicate), str(RDF.object)}
    for target in g.objects(None, SH.targetClass):
        assert str(target) in known_classes, f"sh:targetClass {target} is not a class of coop.ttl"
    for kind in (SH.targetSubjectsOf, SH.targetObjectsOf):
        for target in g.objects(None, kind):
            assert str(target) in known_properties, f"{kind} {target} is not a declared property"


def test_shape_paths_and_classes_exist_in_the_ontology() -> None:
    g = shapes()
    local_classes = {str(c) for c in classes()}
    local_properties = {str(p) for p in properties()}
    for path in g.objects(None, SH.path):
        if str(path).startswith(COOP):
            assert str(path) in local_properties, f"sh:path {path} is not declared"
    for cls in g.objects(None, SH["class"]):
        if str(cls).startswith(COOP):
            assert str(cls) in local_classes, f"sh:class {cls} is not declared"


def test_every_constraint_has_a_message() -> None:
    g = shapes()
    constrained = set(g.objects(None, SH.property)) | set(g.objects(None, SH.sparql))
    for node in constrained:
        described = list(g.predicate_objects(node))
        assert g.value(node, SH.message) is not None, f"a constraint without sh:message: {described}"
