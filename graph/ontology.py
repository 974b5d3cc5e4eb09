"""What the build needs to know of the ontology: declared classes, properties, ranges, superclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from coopgraph.graph.namespaces import COOP_NS
from coopgraph.graph.resources import ontology_file, read_text

__all__ = ["Ontology", "class_label", "load_ontology", "ontology_graph"]

_PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


@dataclass(frozen=True)
class Ontology:
    graph: Graph
    classes: frozenset[str]
    object_properties: frozenset[str]
    datatype_properties: frozenset[str]
    properties: frozenset[str]
    ranges: dict[str, str] = field(hash=False)
    superclasses: dict[str, frozenset[str]] = field(hash=False)  # reflexive-transitive

    def closure(self, classes: tuple[str, ...] | list[str]) -> set[str]:
        """The classes and all their superclasses."""
        result: set[str] = set()
        for cls in classes:
            result |= self.superclasses.get(cls, frozenset({cls}))
        return result

    def most_specific(self, classes: set[str]) -> list[str]:
        """Of a set of classes, those that have no subclass in the set."""
        return sorted(c for c in classes
                      if not any(c != other and c in self.superclasses.get(other, ()) for other in classes))

    def label(self, iri: str) -> str | None:
        for value in self.graph.objects(URIRef(iri), RDFS.label):
            return str(value)
        return None


@cache
def class_label(name: str) -> str:
    """A class for readers: its English rdfs:label in coop.ttl ("CustomsDistrict" -> "Customs district"),
    else its local name with the words parted ("FooBar" -> "Foo bar"), never two words run together.

    >>> class_label("CustomsDistrict"), class_label("coop:Province"), class_label("SomeNewKind")
    ('Customs district', 'Province', 'Some new kind')
    """
    local = name.rsplit(":", 1)[-1].rsplit("#", 1)[-1]
    for label in load_ontology().graph.objects(URIRef(COOP_NS + local), RDFS.label):
        if getattr(label, "language", None) in ("en", None):
            return str(label)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).split(" ")
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])])


def ontology_graph() -> Graph:
    """The packaged ontology, parsed (a fresh graph each call)."""
    graph = Graph(bind_namespaces="none")
    graph.parse(data=read_text(ontology_file()), format="turtle", publicID="https://coopgraph.org/ontology")
    return graph


@cache
def load_ontology() -> Ontology:
    graph = ontology_graph()
    classes = {str(c) for kind in (OWL.Class, RDFS.Class) for c in graph.subjects(RDF.type, kind)
               if isinstance(c, URIRef)}
    by_kind = {kind: {str(p) for p in graph.subjects(RDF.type, kind) if isinstance(p, URIRef)}
               for kind in _PROPERTY_KINDS}
    parents: dict[str, set[str]] = {}
    for child, parent in graph.subject_objects(RDFS.subClassOf):
        if isinstance(child, URIRef) and isinstance(parent, URIRef):
            parents.setdefault(str(child), set()).add(str(parent))
    superclasses = {cls: frozenset(_ancestors(cls, parents)) for cls in classes | set(parents)}
    ranges = {str(p): str(r) for p, r in graph.subject_objects(RDFS.range)
              if isinstance(p, URIRef) and isinstance(r, URIRef)}
    return Ontology(
        graph=graph,
        classes=frozenset(classes),
        object_properties=frozenset(by_kind[OWL.ObjectProperty]),
        datatype_properties=frozenset(by_kind[OWL.DatatypeProperty]),
        properties=frozenset(set().union(*by_kind.values())),
        ranges=ranges,
        superclasses=superclasses,
    )


def _ancestors(cls: str, parents: dict[str, set[str]]) -> set[str]:
    seen = {cls}
    todo = [cls]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen
