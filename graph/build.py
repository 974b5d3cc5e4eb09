"""Facts + documents -> one rdflib Graph with reified evidence. Pure: no store, no printing.

Shape of the output, for an entity ``e`` and a statement ``s p o`` quoted from document ``d``:

    e  a <type and every superclass> ; rdfs:label "..."@en, "..."@zh ; skos:altLabel "..."@en .
    s  p  o .                                   # plain triple: plain queries stay plain
    ev a coop:Evidence ; rdf:subject s ; rdf:predicate p ; rdf:object o ;
       coop:quote "..." ; coop:startOffset 12 ; coop:endOffset 80 ; prov:wasDerivedFrom d ;
       coop:modality "done" | "planned" | "stated" ;
       coop:implied "text" | "knowledge" .     # only when the quote does not state the fact itself
    d  a coop:SourceDocument ; dcterms:title ... ; schema:text ... ; coop:sha256 ... ;
       schema:mentions e .                      # every entity a statement of d names

Superclass types are materialised so ``?x a coop:Region`` finds provinces without reasoning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD

from coopgraph.graph.errors import FactError, QuoteNotFoundError
from coopgraph.graph.evidence import find_quote, near_miss
from coopgraph.graph.facts import Entity, FactBase, Location, Statement, load_facts
from coopgraph.graph.ids import entity_iri, evidence_iri, normalise_base
from coopgraph.graph.namespaces import COOP, COOP_NS, curie, expand_curie, new_graph
from coopgraph.graph.ontology import Ontology, load_ontology
from coopgraph.graph.sources import Document, load_documents

__all__ = ["BuildResult", "BuildSummary", "build_graph", "DATATYPE_PATTERNS"]

# Lexical forms we accept for the datatypes curators use.
DATATYPE_PATTERNS: dict[str, re.Pattern[str]] = {
    str(XSD.date): re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"),
    str(XSD.gYearMonth): re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    str(XSD.gYear): re.compile(r"^\d{4}$"),
    str(XSD.integer): re.compile(r"^[+-]?\d+$"),
    str(XSD.nonNegativeInteger): re.compile(r"^\+?\d+$"),
    str(XSD.positiveInteger): re.compile(r"^\+?0*[1-9]\d*$"),
    str(XSD.decimal): re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    str(XSD.boolean): re.compile(r"^(true|false|0|1)$"),
}
_DATE_DATATYPES = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}


@dataclass
class BuildSummary:
    triples: int = 0
    entities: int = 0
    entities_by_type: dict[str, int] = field(default_factory=dict)
    # Distinct entity -> entity links (s p o), as /api/stats and the explorer count them; a link
    # quoted from two places is one relation with two evidence quotes.
    relations: int = 0
    relation_statements: int = 0    # quoted statements whose object is an entity (one per quote)
    literal_statements: int = 0     # statements whose object is a literal
    relations_by_predicate: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    evidence_quotes: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    graph: Graph
    summary: BuildSummary
    facts: FactBase
    documents: dict[str, Document]
    base: str
    # Where each entity / evidence node came from, so SHACL messages can name file:line.
    locations: dict[str, Location] = field(default_factory=dict)


def build_graph(*, facts_dir: Path, documents_dir: Path, base: str, ontology: Ontology | None = None
                ) -> BuildResult:
    """Read, check and convert the curated data. The first problem raises a FactError."""
    base = normalise_base(base)
    ontology = ontology or load_ontology()
    documents = load_documents(documents_dir)
    if not documents:
        raise FactError("no documents found (expected {id}.yaml + {id}.txt)", file=documents_dir)
    facts = load_facts(facts_dir)
    builder = _Builder(ontology=ontology, facts=facts, documents=documents, base=base)
    builder.run()
    return BuildResult(graph=builder.graph, summary=builder.summary, facts=facts, documents=documents,
                       base=base, locations=builder.locations)


class _Builder:
    def __init__(self, *, ontology: Ontology, facts: FactBase, documents: dict[str, Document], base: str):
        self.ontology, self.facts, self.documents, self.base = ontology, facts, documents, base
        self.graph = new_graph(base=base)
        self.summary = BuildSummary()
        self.locations: dict[str, Location] = {}
        self.entity_types: dict[str, set[str]] = {}
        self.links: set[tuple[str, str, str]] = set()  # (subject, predicate IRI, object) counted once

    def iri(self, slug: str) -> URIRef:
        return URIRef(entity_iri(self.base, slug))

    def run(self) -> None:
        for doc in self.documents.values():
            if doc.publisher not in self.facts.entities:
                raise FactError(f"publisher {doc.publisher!r} is not a declared entity",
                                file=doc.metadata_file, line=1)
        for entity in self.facts.entities.values():
            self.add_entity(entity)
        mentions: set[tuple[str, str]] = set()
        for statement in self.facts.statements:
            self.add_statement(statement)
            mentions.add((statement.source, statement.subject))
            if statement.object is not None:
                mentions.add((statement.source, statement.object))
        for doc in self.documents.values():
            self.add_document(doc)
        for doc_id, entity_id in sorted(mentions):
            if entity_id != doc_id:
                self.graph.add((self.iri(doc_id), SDO.mentions, self.iri(entity_id)))
        self.summary.triples = len(self.graph)
        self.summary.documents = len(self.documents)

    def add_entity(self, entity: Entity) -> None:
        types: list[str] = []
        for name in entity.types:
            cls = expand_curie(name)
            if cls is None or cls not in self.ontology.classes:
                raise FactError(f"entity {entity.id!r}: unknown class {name!r} (not declared in "
                                "ontology/coop.ttl)", file=entity.where.file, line=entity.where.line)
            types.append(cls)
        node = self.iri(entity.id)
        self.locations[str(node)] = entity.where
        closure = self.ontology.closure(types)
        self.entity_types[entity.id] = closure
        for cls in sorted(closure):
            self.graph.add((node, RDF.type, URIRef(cls)))
        self.graph.add((node, RDFS.label, Literal(entity.label, lang="en")))
        if entity.label_zh:
            self.graph.add((node, RDFS.label, Literal(entity.label_zh, lang="zh")))
        for alias in entity.aliases:
            self.graph.add((node, SKOS.altLabel, Literal(alias, lang="en")))
        if entity.comment:
            self.graph.add((node, RDFS.comment, Literal(entity.comment, lang="en")))
        self.summary.entities += 1
        for cls in self.ontology.most_specific(closure):
            name = _local(cls)
            self.summary.entities_by_type[name] = self.summary.entities_by_type.get(name, 0) + 1

    def add_statement(self, st: Statement) -> None:
        fail = _failer(st.where)
        predicate = expand_curie(st.predicate)
        if predicate is None or predicate not in self.ontology.properties:
            fail(f"unknown property {st.predicate!r} (not declared in ontology/coop.ttl)")
        assert predicate is not None
        if st.subject not in self.facts.entities:
            fail(f"unknown subject {st.subject!r}: no entity with that id")
        if st.source not in self.documents:
            fail(f"unknown source {st.source!r}: no document with that id in data/documents")
        doc = self.documents[st.source]
        offsets = find_quote(doc.text, st.quote, st.occurrence)
        if offsets is None:
            hint = near_miss(doc.text, st.quote)
            raise QuoteNotFoundError(
                f"quote not found in {st.source}: {st.quote!r}" + (f" ({hint})" if hint else ""),
                file=st.where.file, line=st.where.line)
        obj: URIRef | Literal
        if st.object is not None:
            if predicate in self.ontology.datatype_properties:
                fail(f"{st.predicate} takes a literal 'value', not an entity 'object'")
            if st.object not in self.facts.entities:
                fail(f"unknown object {st.object!r}: no entity with that id")
            obj = self.iri(st.object)
            self.check_range(st, predicate)
            self.summary.relation_statements += 1
            link = (st.subject, predicate, st.object)
            if link not in self.links:
                self.links.add(link)
                self.summary.relations += 1
                self.summary.relations_by_predicate[st.predicate] = (
                    self.summary.relations_by_predicate.get(st.predicate, 0) + 1)
        else:
            if predicate in self.ontology.object_properties:
                fail(f"{st.predicate} links to an entity: use 'object', not 'value'")
            obj = self.literal(st, predicate)
            self.summary.literal_statements += 1
        subject, pred = self.iri(st.subject), URIRef(predicate)
        self.graph.add((subject, pred, obj))
        ev = URIRef(evidence_iri(self.base, str(subject), predicate, obj.n3(), st.source, st.quote))
        self.locations[str(ev)] = st.where
        doc_node = self.iri(st.source)
        for p, o in (
            (RDF.type, COOP.Evidence),
            (RDF.subject, subject),
            (RDF.predicate, pred),
            (RDF.object, obj),
            (COOP.quote, Literal(st.quote)),
            (COOP.startOffset, Literal(offsets[0])),
            (COOP.endOffset, Literal(offsets[1])),
            (COOP.modality, Literal(st.modality)),
            (PROV.wasDerivedFrom, doc_node),
        ):
            self.graph.add((ev, p, o))
        if st.note:
            self.graph.add((ev, SKOS.note, Literal(st.note, lang="en")))
        if st.implied:
            self.graph.add((ev, COOP.implied, Literal(st.implied)))
        self.summary.evidence_quotes += 1

    def literal(self, st: Statement, predicate: str) -> Literal:
        datatype = expand_curie(st.datatype) if st.datatype else self.ontology.ranges.get(predicate)
        assert st.value is not None
        if datatype == str(XSD.date) and st.datatype is None and len(st.value) in (4, 7):
            datatype = str(_DATE_DATATYPES[len(st.value)])  # a year or year-month for a date property
        if datatype is None or datatype in (str(XSD.string), str(RDFS.Literal)) or not datatype.startswith(
                str(XSD)):
            return Literal(st.value, lang=st.lang) if st.lang else Literal(st.value)
        pattern = DATATYPE_PATTERNS.get(datatype)
        if pattern is not None and not pattern.match(st.value):
            raise FactError(f"{st.value!r} is not a valid {_shown(datatype)} (e.g. "
                            f"{_EXAMPLES.get(datatype, '?')})", file=st.where.file, line=st.where.line)
        return Literal(st.value, datatype=URIRef(datatype))

    def check_range(self, st: Statement, predicate: str) -> None:
        """Range mismatches are warnings: SHACL states what is invalid, this only points at oddities."""
        expected = self.ontology.ranges.get(predicate)
        if expected is None or not expected.startswith(COOP_NS) or st.object is None:
            return
        if expected not in self.entity_types.get(st.object, set()):
            self.summary.warnings.append(
                f"{st.where}: {st.object!r} is not a {_shown(expected)} (range of {st.predicate})")

    def add_document(self, doc: Document) -> None:
        node = self.iri(doc.id)
        self.locations[str(node)] = Location(doc.metadata_file, 1)
        g = self.graph
        g.add((node, RDF.type, COOP.SourceDocument))
        for cls in sorted(self.ontology.closure([COOP_NS + "SourceDocument"]) - {COOP_NS + "SourceDocument"}):
            g.add((node, RDF.type, URIRef(cls)))
        g.add((node, RDFS.label, Literal(doc.title, lang="en")))
        g.add((node, DCTERMS.title, Literal(doc.title, lang="en")))
        g.add((node, DCTERMS.publisher, self.iri(doc.publisher)))
        date_type = _DATE_DATATYPES.get(len(doc.date))
        if date_type is None or not DATATYPE_PATTERNS[str(date_type)].match(doc.date):
            raise FactError(f"document date {doc.date!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
                            file=doc.metadata_file, line=1)
        g.add((node, DCTERMS.date, Literal(doc.date, datatype=date_type)))
        g.add((node, DCTERMS.language, Literal(doc.language)))
        if doc.author:
            author = self.iri(doc.author) if doc.author in self.facts.entities else Literal(doc.author)
            g.add((node, DCTERMS.creator, author))
        if doc.source_site:
            g.add((node, DCTERMS.source, Literal(doc.source_site)))
        if doc.attribution:
            g.add((node, DCTERMS.bibliographicCitation, Literal(doc.attribution, lang="en")))
        if doc.date_note:
            g.add((node, SKOS.note, Literal(doc.date_note, lang="en")))
        g.add((node, SDO.text, Literal(doc.text)))
        g.add((node, COOP.sha256, Literal(doc.sha256)))


_EXAMPLES = {str(XSD.date): "2019-12-17", str(XSD.gYearMonth): "2018-11", str(XSD.gYear): "2019",
             str(XSD.integer): "21", str(XSD.positiveInteger): "21"}


def _failer(where: Location) -> Callable[[str], NoReturn]:
    def fail(message: str) -> NoReturn:
        raise FactError(message, file=where.file, line=where.line)
    return fail


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _shown(iri: str) -> str:
    """An IRI as an error message names it: a CURIE, or <iri> when no prefix of ours fits."""
    short = curie(iri)
    return short if short != iri else f"<{iri}>"
