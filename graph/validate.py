"""SHACL validation of a built graph against the packaged shapes (pyshacl runs here only).

pyshacl evaluates a SPARQL-based constraint once per focus node through rdflib's SPARQL engine,
which costs tens of milliseconds a call: on the seed graph the four such constraints took 42 s of
a 52 s build. So ``shapes.ttl`` stays the single statement of what valid data is, but its SPARQL
constraints whose shape has plain targets are run here as ONE whole-graph query each, in an
in-memory Oxigraph (``?this`` restricted to the shape's targets), and pyshacl checks the rest.
The results are the same (focus node, value, message); the time drops to well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from coopgraph.graph.facts import Location
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.resources import read_text, shapes_file

__all__ = ["ShapeViolation", "ValidationReport", "validate_graph", "shapes_graph"]


@dataclass(frozen=True)
class ShapeViolation:
    focus: str
    path: str | None
    message: str
    severity: str
    where: Location | None = None

    def __str__(self) -> str:
        place = f"{self.where}: " if self.where else ""
        path = f" ({self.path})" if self.path else ""
        return f"{place}{self.focus}{path}: {self.message}"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[ShapeViolation] = field(default_factory=list)
    text: str = ""


def shapes_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    graph.parse(data=read_text(shapes_file()), format="turtle")
    return graph


def validate_graph(data: Graph, *, locations: dict[str, Location] | None = None) -> ValidationReport:
    """Run pyshacl; ``locations`` maps focus-node IRIs to the fact line that made them."""
    import pyshacl  # heavy; only validation needs it

    shapes = shapes_graph()
    sparql_violations = _run_sparql_constraints(data, shapes, locations or {})
    conforms, report_graph, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=load_ontology().graph,
        inference="none",  # the build materialises superclass types already
        abort_on_first=False,
        allow_warnings=True,
        advanced=True,
    )
    violations = list(sparql_violations)
    locations = locations or {}
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(result, SH.focusNode)
        path = report_graph.value(result, SH.resultPath)
        message = report_graph.value(result, SH.resultMessage)
        severity = report_graph.value(result, SH.resultSeverity)
        violations.append(ShapeViolation(
            focus=str(focus),
            path=str(path) if isinstance(path, URIRef) else None,
            message=str(message) if message is not None else "does not conform",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            where=locations.get(str(focus)),
        ))
    violations.sort(key=lambda v: (str(v.where or ""), v.focus, v.message))
    conforms = bool(conforms) and not sparql_violations
    text = str(text) + "".join(f"\n{v}" for v in sparql_violations)
    return ValidationReport(conforms=conforms, violations=violations, text=text)


_TARGETS = {
    SH.targetClass: "?this a {0} .",
    SH.targetSubjectsOf: "?this {0} ?coop_target_value .",
    SH.targetObjectsOf: "?coop_target_subject {0} ?this .",
    SH.targetNode: "VALUES ?this {{ {0} }}",
}


def _run_sparql_constraints(data: Graph, shapes: Graph, locations: dict[str, Location]
                            ) -> list[ShapeViolation]:
    """Run (and remove from ``shapes``) each SPARQL constraint of a shape that has plain targets."""
    import pyoxigraph as ox

    store: ox.Store | None = None
    violations: list[ShapeViolation] = []
    for shape, constraint in list(shapes.subject_objects(SH.sparql)):
        targets = [_TARGETS[kind].format(node.n3()) for kind in _TARGETS for node in shapes.objects(shape, kind)]
        select = shapes.value(constraint, SH.select)
        if not targets or select is None or shapes.value(constraint, SH.deactivated) == Literal(True):
            continue  # left to pyshacl
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _declared_prefixes(shapes, constraint))
        target = " UNION ".join(f"{{ {pattern} }}" for pattern in targets)
        query = f"{prefixes}SELECT DISTINCT * WHERE {{ {{ {target} }} {{ {select} }} }}"
        if store is None:
            store = ox.Store()
            store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        message = str(shapes.value(constraint, SH.message) or shapes.value(shape, SH.message)
                      or "does not conform")
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)  # the query built above is a SELECT
        names = {v.value for v in solutions.variables}
        for solution in solutions:
            focus = str(solution["this"].value)
            value = solution["value"] if "value" in names else None
            path = solution["path"] if "path" in names else None
            detail = f"{message} (value: {value.value})" if value is not None else message
            violations.append(ShapeViolation(focus=focus, path=str(path.value) if path is not None else None,
                                             message=detail, severity="Violation",
                                             where=locations.get(focus)))
        shapes.remove((shape, SH.sparql, constraint))
    return violations


def _declared_prefixes(shapes: Graph, constraint: Node) -> list[tuple[str, str]]:
    pairs = []
    for declarer in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(declarer, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                pairs.append((str(prefix), str(namespace)))
    return pairs
