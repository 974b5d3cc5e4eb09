"""The ontology as a readable page (class tree, properties with domain and range, counts of use)
and as Turtle; the SHACL shapes as Turtle. Both files are read through ``graph.resources``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from rdflib import Graph, URIRef
from rdflib.term import Node
from rdflib.namespace import OWL, RDF, RDFS

from coopgraph.api import urls
from coopgraph.api.deps import StoreDep, TemplatesDep, per_version
from coopgraph.api.negotiation import HTML, TURTLE, pick_format, utf8, accept_header
from coopgraph.graph.namespaces import COOP_NS, curie
from coopgraph.graph.ontology import ontology_graph
from coopgraph.graph.resources import ontology_file, shapes_file

__all__ = ["router"]

router = APIRouter(tags=["ontology"])


@dataclass
class Term:
    iri: str
    curie: str
    label: str
    comment: str | None
    kind: str = ""
    parents: list[str] = field(default_factory=list)      # CURIEs of superclasses / superproperties
    domain: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    uses: int = 0
    depth: int = 0

    @property
    def anchor(self) -> str:
        return self.curie.replace(":", "-")


def _text(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    values = list(graph.objects(node, predicate))
    for value in values:
        if getattr(value, "language", None) == "en":
            return str(value)
    return str(values[0]) if values else None


def _term(graph: Graph, node: URIRef, counts: dict[str, int]) -> Term:
    iri = str(node)
    return Term(iri=iri, curie=curie(iri), label=_text(graph, node, RDFS.label) or curie(iri),
                comment=_text(graph, node, RDFS.comment), uses=counts.get(iri, 0))


def _class_tree(graph: Graph, counts: dict[str, int]) -> list[Term]:
    """Our classes depth-first under their first declared parent (others listed as parents)."""
    ours = sorted(str(c) for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(COOP_NS))
    terms = {iri: _term(graph, URIRef(iri), counts) for iri in ours}
    children: dict[str | None, list[str]] = {}
    for iri, term in terms.items():
        parents = sorted(str(p) for p in graph.objects(URIRef(iri), RDFS.subClassOf) if isinstance(p, URIRef))
        term.parents = [curie(p) for p in parents]
        own_parents = [p for p in parents if p in terms]
        children.setdefault(own_parents[0] if own_parents else None, []).append(iri)
    ordered: list[Term] = []

    def walk(parent: str | None, depth: int) -> None:
        for iri in sorted(children.get(parent, []), key=lambda i: terms[i].label.lower()):
            terms[iri].depth = depth
            ordered.append(terms[iri])
            walk(iri, depth + 1)

    walk(None, 0)
    return ordered


def _properties(graph: Graph, counts: dict[str, int]) -> list[Term]:
    kinds = {OWL.ObjectProperty: "object", OWL.DatatypeProperty: "data", OWL.AnnotationProperty: "annotation",
             RDF.Property: "property"}
    found: dict[str, Term] = {}
    for kind, name in kinds.items():
        for node in graph.subjects(RDF.type, kind):
            if isinstance(node, URIRef) and str(node) not in found:
                term = _term(graph, node, counts)
                term.kind = name
                term.domain = sorted(curie(str(d)) for d in graph.objects(node, RDFS.domain))
                term.range = sorted(curie(str(r)) for r in graph.objects(node, RDFS.range))
                term.parents = sorted(curie(str(p)) for p in graph.objects(node, RDFS.subPropertyOf))
                found[str(node)] = term
    return sorted(found.values(), key=lambda t: (not t.iri.startswith(COOP_NS), t.curie))


def _usage(store: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in store.select("SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t"):
        counts[row["t"]] = int(row["n"])
    for row in store.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"):
        counts[row["p"]] = counts.get(row["p"], 0) + int(row["n"])
    return counts


def _turtle(resource: Any, name: str) -> Response:
    if not resource.is_file():
        raise HTTPException(404, f"{name} is not installed with this package")
    return Response(resource.read_bytes(), media_type=utf8(TURTLE), headers={"Vary": "Accept"})


@router.get("/ontology.ttl", summary="The ontology (OWL, Turtle)", response_class=Response,
            responses={200: {"content": {TURTLE: {"example": "coop:Region a owl:Class ; ..."}}}})
def ontology_turtle() -> Response:
    return _turtle(ontology_file(), "ontology/coop.ttl")


@router.get("/ontology/shapes.ttl", summary="The SHACL shapes the data is validated against (Turtle)",
            response_class=Response,
            responses={200: {"content": {TURTLE: {"example": "coop:EntityShape a sh:NodeShape ; ..."}}}})
def shapes_turtle() -> Response:
    return _turtle(shapes_file(), "ontology/shapes.ttl")


@router.get("/ontology", summary="The ontology: HTML for browsers, Turtle for machines", response_class=Response,
            responses={200: {"content": {HTML: {"example": "<h1>coopgraph ontology</h1> ..."},
                                         TURTLE: {"example": "coop:Region a owl:Class ; ..."}}}})
def ontology_page(request: Request, store: StoreDep, templates: TemplatesDep,
                  format: Annotated[str | None, Query(description="html | ttl")] = None) -> Response:
    """Classes as a tree, properties with domain and range, each with how often the data uses it."""
    fmt = format or pick_format(accept_header(request.headers), ("html", "ttl"), "html")
    if fmt == "ttl":
        return ontology_turtle()
    if fmt != "html":
        raise HTTPException(406 if format is None else 400,
                            f"the ontology is available as {HTML} or {TURTLE}")
    graph = per_version(request, "ontology_graph", ontology_graph)
    counts = per_version(request, "ontology_usage", lambda: _usage(store))
    header = next(iter(graph.subjects(RDF.type, OWL.Ontology)), None)
    info = {"title": _text(graph, header, URIRef("http://purl.org/dc/terms/title")) if header else None,
            "description": _text(graph, header, URIRef("http://purl.org/dc/terms/description")) if header else None,
            "version": _text(graph, header, OWL.versionInfo) if header else None}
    response = templates.TemplateResponse(request, "ontology.html", {
        "nav": "ontology", "info": info, "classes": _class_tree(graph, counts),
        "properties": _properties(graph, counts), "urls": urls})
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = f'<{urls.ontology("ttl")}>; rel="alternate"; type="{TURTLE}"'
    return response
