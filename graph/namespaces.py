"""Namespaces: our vocabulary (COOP) and the fixed set of prefixes every graph is bound with."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, XSD

__all__ = ["COOP", "COOP_NS", "DEFAULT_BASE", "PREFIXES", "bind_prefixes", "new_graph", "expand_curie", "curie"]

COOP_NS = "https://coopgraph.org/ontology#"
COOP = Namespace(COOP_NS)

# Entity IRIs are minted under a base that deployments may change (see graph/ids.py).
DEFAULT_BASE = "https://coopgraph.org/"

PREFIXES: dict[str, str] = {
    "coop": COOP_NS,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "schema": str(SDO),
    "foaf": str(FOAF),
    "sh": str(SH),
}


def bind_prefixes(graph: Graph, *, base: str | None = None) -> Graph:
    """Bind our prefix set (and ``id:`` for entities under ``base``) and nothing else."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    if base is not None:
        graph.bind("id", base + "id/", override=True, replace=True)
    return graph


def new_graph(*, base: str | None = None) -> Graph:
    """An empty rdflib Graph with only our prefixes bound (no brick/sosa/... noise in exports)."""
    return bind_prefixes(Graph(bind_namespaces="none"), base=base)


def expand_curie(term: str) -> str | None:
    """``org:holds`` -> full IRI; a bare local name -> ``coop:`` IRI; None for an unknown prefix."""
    if ":" not in term:
        return COOP_NS + term
    prefix, _, local = term.partition(":")
    namespace = PREFIXES.get(prefix)
    return None if namespace is None else namespace + local


def curie(iri: str) -> str:
    """The inverse of ``expand_curie`` for our prefixes; any other IRI comes back whole.

    >>> curie("http://www.w3.org/ns/org#holds"), curie("https://example.org/x")
    ('org:holds', 'https://example.org/x')
    """
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri
