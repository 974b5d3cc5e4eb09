"""Namespaces: our vocabulary (COOP) and the fixed set of prefixes every graph is bound with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Graph, Namespace

    COOP: Namespace  # made on first use, by __getattr__ below

__all__ = ["COOP", "COOP_NS", "DEFAULT_BASE", "PREFIXES", "bind_prefixes", "new_graph", "expand_curie", "curie"]

COOP_NS = "https://coopgraph.org/ontology#"

# Entity IRIs are minted under a base that deployments may change (see graph/ids.py).
DEFAULT_BASE = "https://coopgraph.org/"

# Plain strings (the IRIs rdflib's namespace objects stand for), so that the modules that need
# only these, such as the settings and the SPARQL endpoint, do not import rdflib: a fifth of a
# second of ``coopgraph serve``'s start-up. tests/graph/test_namespaces_prefixes.py checks them
# against rdflib's.
PREFIXES: dict[str, str] = {
    "coop": COOP_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
}


def __getattr__(name: str) -> Any:
    """``COOP``, the rdflib namespace, made (and rdflib imported) on first use."""
    if name == "COOP":
        from rdflib import Namespace

        namespace = globals()["COOP"] = Namespace(COOP_NS)
        return namespace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bind_prefixes(graph: Graph, *, base: str | None = None) -> Graph:
    """Bind our prefix set (and ``id:`` for entities under ``base``) and nothing else."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    if base is not None:
        graph.bind("id", base + "id/", override=True, replace=True)
    return graph


def new_graph(*, base: str | None = None) -> Graph:
    """An empty rdflib Graph with only our prefixes bound (no brick/sosa/... noise in exports)."""
    from rdflib import Graph

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
