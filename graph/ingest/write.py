"""Accepted facts of one document -> the graph, recorded in its own named graph with PROV-O
provenance; and removal.

The accepted facts join the default graph, which every reader queries (SPARQL users, entity pages,
the projection, analysis): it is the union of curated, loaded and accepted facts. The named graph
``{base}graph/ingest/{slug}`` is the exact record of what one document brought, the same triples::

    doc  a coop:SourceDocument, coop:IngestedDocument ; dcterms:title, dcterms:date, dcterms:publisher,
         dcterms:source (URL), schema:text, coop:sha256 ; schema:mentions <every linked entity> .
    new  a <its coop types and superclasses> ; rdfs:label "..."@en ; skos:altLabel ... ;
         coop:machineExtracted true .                # entities the document introduces
    s p o .                                          # each accepted statement, plain
    ev   a coop:Evidence, coop:ExtractedEvidence ; rdf:subject s ; rdf:predicate p ; rdf:object o ;
         coop:quote, coop:startOffset, coop:endOffset ; prov:wasDerivedFrom doc ; coop:modality ;
         coop:confidence ; coop:linkReason ; coop:acceptedBy ; coop:statedDate ; coop:dateInferred ;
         prov:wasGeneratedBy act .
    act  a prov:Activity, coop:Ingest ; prov:endedAtTime ; prov:wasAssociatedWith agent ; prov:used doc .
    agent a prov:Agent ; rdfs:label "who accepted"@en .

Both are written with one ``store.add_with_record`` (a new generation on the embedded store, one
SPARQL Update request on a remote one), so a failed or killed write leaves the store as it was.
Removing the document (``store.remove_with_record``, as atomic) drops its graph and deletes from the
default graph each of its triples that no other source states: a triple stays when another ingested
document's graph holds it, when curated evidence (a coop:Evidence that is not extracted) states it,
or, on the embedded store, when the last build recorded it as curated. A triple that only a
``coopgraph load`` or a SPARQL Update also added is not known to have another source: it goes.
Entities introduced by another ingested document get their type and label triples repeated here,
so removing either document never leaves the other's statements about a bare IRI.
"""

from __future__ import annotations

import datetime as dt
import hashlib  # the accepting agent's slug
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD

from coopgraph.graph.build import DATATYPE_PATTERNS
from coopgraph.graph.errors import DataError, EntityNotFoundError, QuoteNotFoundError
from coopgraph.graph.ids import entity_iri, evidence_iri, is_slug, normalise_base, slugify
from coopgraph.graph.ingest.model import Extraction, IngestDocument, LinkDecision, Relation
from coopgraph.graph.namespaces import COOP, COOP_NS, expand_curie, new_graph
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.sources import normalise_text, text_sha256
from coopgraph.graph.store.base import Row

if TYPE_CHECKING:
    from coopgraph.graph.ingest.review import Accepted

__all__ = ["DocumentStore", "NewEntityTakenError", "RemovableStore", "RemoveSummary", "WriteSummary",
           "document_graph_iri", "document_iri", "document_slug", "facts_graph", "ingest_graph_prefix", "ingested",
           "remove_document", "write_accepted"]

_DATE_TYPES = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_HEX_PREFIX = re.compile(r"^[0-9a-f]{8,64}$")
_DOC_SLUG = re.compile(r"^doc-[0-9a-f]{16}$")
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")  # nothing that could end an <IRI> in a query


class DocumentStore(Protocol):
    """What writing, finding and removing a document needs of a store. Every ``Store`` has it; the
    web app hands in a narrower object that sends the write through its own update path (the
    SPARQL Update of ``graph.store.remote.add_with_record_update``)."""

    @property
    def location(self) -> str: ...

    def select(self, sparql: str) -> list[Row]: ...

    def ask(self, sparql: str) -> bool: ...

    def construct(self, sparql: str) -> bytes: ...

    def add_with_record(self, graph: str, ntriples: bytes, *, what: str) -> None: ...


class RemovableStore(DocumentStore, Protocol):
    """What removing a document needs besides: taking a record graph out (``Store.remove_with_record``)."""

    def remove_with_record(self, graph: str, *, keep: str, what: str) -> None: ...


class NewEntityTakenError(DataError):
    """An entity the extraction proposes as new has an IRI the store has now (written by another
    document since the extraction, e.g. an earlier article of the same run). Writing would merge the
    two silently: nothing is written, and extracting the document again links the name by the usual
    rules (the entity is in the graph now)."""

    def __init__(self, path: str, iris: list[str]) -> None:
        super().__init__(f"new entities of {path} have IRIs the store has already ({', '.join(iris)}): "
                         "writing them would merge them silently; extract the document again; nothing "
                         "was written")
        self.iris = iris


@dataclass(frozen=True)
class WriteSummary:
    """What ``write_accepted`` did for one document."""

    document: str                   # the document's IRI
    graph: str                      # the named graph recording its facts
    triples: int = 0                # triples of that graph, each in the default graph too (0: none written)
    entities: int = 0               # entities the document mentions (schema:mentions)
    new_entities: tuple[str, ...] = ()   # IRIs of the entities it introduces
    relations: int = 0              # statements written, each with its evidence
    dropped: tuple[str, ...] = ()   # accepted relations not written, and why
    already: str | None = None      # the IRI this text is stored under already: then nothing was written


@dataclass(frozen=True)
class RemoveSummary:
    """What ``remove_document`` took out of the store."""

    document: str
    graph: str
    triples: int                    # triples the graph held (all removed; from the default graph, those
                                    # no other source states)
    entities_gone: tuple[str, ...] = field(default=())  # entities no other source says anything about


def document_iri(base: str, doc: IngestDocument) -> str:
    """``{base}id/{doc.slug}``: an ingested document is named like any entity."""
    return entity_iri(base, doc.slug)


def ingest_graph_prefix(base: str) -> str:
    """``{base}graph/ingest/``: the start of every ingested document's named graph IRI.

    >>> ingest_graph_prefix("https://coopgraph.org")
    'https://coopgraph.org/graph/ingest/'
    """
    return f"{normalise_base(base)}graph/ingest/"


def document_graph_iri(base: str, slug: str) -> str:
    """``{base}graph/ingest/{slug}``: the named graph recording everything one document brought.

    >>> document_graph_iri("https://coopgraph.org", "doc-0123456789abcdef")
    'https://coopgraph.org/graph/ingest/doc-0123456789abcdef'
    """
    return f"{ingest_graph_prefix(base)}{slug}"


def ingested(store: DocumentStore, sha256: str) -> str | None:
    """The IRI of the document (ingested, or curated in the default graph) whose text has this
    SHA-256, or None: the same text is never stored twice."""
    if not _SHA256.match(sha256):
        raise DataError(f"not a SHA-256 (64 lower-case hex digits): {sha256!r}")
    rows = store.select(
        f"SELECT ?d WHERE {{ {{ ?d <{COOP.sha256}> ?h }} UNION {{ GRAPH ?g {{ ?d <{COOP.sha256}> ?h }} }}"
        f' FILTER (STR(?h) = "{sha256}") }} LIMIT 1')
    return rows[0]["d"] if rows else None


def facts_graph(extraction: Extraction, accepted: Accepted, *, base: str, accepted_by: str,
                when: dt.datetime) -> Graph:
    """The triples of the document's named graph (without the repeated triples of entities other
    ingested documents introduced: ``write_accepted`` adds those from the store).

    Raises DataError (QuoteNotFoundError for a quote) when anything accepted does not match the text:
    a quote that is not the text at its offsets, a mention likewise, an unknown predicate or class,
    a malformed date; then nothing is returned, so nothing is written.
    """
    base = normalise_base(base)
    doc = extraction.document
    _check_document(doc)
    relations, _dropped = accepted.resolve(extraction)  # the dropped ones are the caller's to report
    for relation, _subject, _object in relations:
        _check_quote(doc, relation)
    for decision in accepted.mentions.values():
        m = decision.mention
        if doc.text[m.start:m.end] != m.text:
            raise QuoteNotFoundError(f"mention {m.text!r} is not the text at {m.start}:{m.end} of {doc.path}"
                                     " (the text changed since it was extracted?); nothing was written")
    for relation, _subject, _object in relations:
        if not 0.0 <= relation.confidence <= 1.0:
            raise DataError(f"confidence {relation.confidence} of the relation quoted {relation.quote!r} is "
                            "not between 0 and 1; nothing was written")
    ontology = load_ontology()
    g = new_graph(base=base)
    doc_node = URIRef(extraction.iri)
    entities = _entities(accepted, relations)
    document_types = ontology.closure([COOP_NS + "IngestedDocument", COOP_NS + "SourceDocument"])
    _add_document(g, doc, doc_node, document_types,
                  publisher=_publisher(doc, entities.values()))
    for iri, decision in entities.items():
        g.add((doc_node, SDO.mentions, URIRef(iri)))
        if decision.new:
            _add_new_entity(g, decision, ontology.closure([_class(t) for t in decision.types]))

    activity = URIRef(f"{base}activity/ingest-{doc.slug}")
    agent = URIRef(f"{base}agent/{_agent_slug(accepted_by)}")
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDF.type, COOP.Ingest))
    g.add((activity, PROV.endedAtTime, Literal(when.astimezone(dt.UTC).replace(microsecond=0),
                                                datatype=XSD.dateTime)))
    g.add((activity, PROV.wasAssociatedWith, agent))
    g.add((activity, PROV.used, doc_node))
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, RDFS.label, Literal(accepted_by, lang="en")))  # the shapes want every label @en or @zh

    for relation, subject, obj in relations:
        predicate = expand_curie(relation.predicate)
        if predicate is None or predicate not in ontology.properties:
            raise DataError(f"unknown property {relation.predicate!r} in a relation of {doc.path} "
                            "(not declared in ontology/coop.ttl); nothing was written")
        value = URIRef(obj.iri) if obj is not None else _literal(relation, predicate, ontology.ranges)
        s, p = URIRef(subject.iri), URIRef(predicate)
        g.add((s, p, value))
        ev = URIRef(evidence_iri(base, str(s), predicate, value.n3(), doc.slug, relation.quote,
                                 str(relation.start)))
        for q, o in (
            (RDF.type, COOP.Evidence), (RDF.type, COOP.ExtractedEvidence),
            (RDF.subject, s), (RDF.predicate, p), (RDF.object, value),
            (COOP.quote, Literal(relation.quote)),
            (COOP.startOffset, Literal(relation.start)), (COOP.endOffset, Literal(relation.end)),
            (PROV.wasDerivedFrom, doc_node),
            (COOP.modality, Literal(relation.modality)),
            (COOP.confidence, Literal(f"{relation.confidence:.3f}", datatype=XSD.decimal)),
            (COOP.linkReason, Literal(f"{subject.reason} / {obj.reason if obj is not None else 'value'}")),
            (COOP.acceptedBy, Literal(accepted_by)),
            (PROV.wasGeneratedBy, activity),
        ):
            g.add((ev, q, o))
        if relation.date:
            g.add((ev, COOP.statedDate, _date(relation.date, f"the date of a relation of {doc.path}")))
            g.add((ev, COOP.dateInferred, Literal(relation.date_inferred)))
    return g


def write_accepted(store: DocumentStore, extraction: Extraction, accepted: Accepted, *, base: str,
                   accepted_by: str, when: dt.datetime | None = None) -> WriteSummary:
    """Write the accepted part of ``extraction`` into the default graph and, the same triples, into
    the document's named graph, in one atomic write.

    A text already in the store (ingested, or curated with the same SHA-256) writes nothing:
    the summary's ``already`` names it. Raises DataError before writing anything when a quote,
    mention, predicate or date does not check (see ``facts_graph``).
    """
    base = normalise_base(base)
    doc = extraction.document
    graph_iri = document_graph_iri(base, doc.slug)
    existing = ingested(store, doc.sha256)
    if existing is not None:
        return WriteSummary(document=existing, graph=graph_iri, already=existing)
    if not accepted_by.strip():
        raise DataError("who accepts the facts must be named (accepted_by)")
    when = when or dt.datetime.now(dt.UTC)
    g = facts_graph(extraction, accepted, base=base, accepted_by=accepted_by, when=when)
    relations, dropped = accepted.resolve(extraction)
    new = sorted(iri for iri, d in _entities(accepted, relations).items() if d.new)
    taken = _existing(store, new)
    if taken:
        raise NewEntityTakenError(doc.path, taken)
    linked = sorted({str(o) for o in g.objects(URIRef(extraction.iri), SDO.mentions)})
    for triple in _machine_entity_triples(store, linked):
        g.add(triple)
    store.add_with_record(graph_iri, g.serialize(format="nt", encoding="utf-8"),
                          what=f"coopgraph ingest of {doc.slug}")
    return WriteSummary(document=extraction.iri, graph=graph_iri, triples=len(g), entities=len(linked),
                        new_entities=tuple(new), relations=len(relations), dropped=tuple(dropped))


def remove_document(store: RemovableStore, ref: str, *, base: str) -> RemoveSummary:
    """Take one ingested document out: drop its named graph and delete from the default graph the
    triples no other source states (see the module docstring), in one atomic write.

    ``ref`` is the document's IRI, its slug (``doc-<16 hex>``), its SHA-256 or a unique prefix of
    it (at least 8 hex digits), or the path of the original file (read and hashed as an ingest
    reads it). A curated document (in the default graph) is refused: it goes by editing data/.
    """
    iri = _resolve_document(store, ref, base=base)
    rows = store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{iri}> a <{COOP.IngestedDocument}> }} }}")
    graphs = [r["g"] for r in rows if "/graph/ingest/" in r["g"]]
    if not graphs:
        if store.ask(f"ASK {{ <{iri}> a <{COOP.SourceDocument}> }}"):
            raise DataError(f"{iri} is a curated document: remove its files from data/documents and "
                            "its facts from data/facts, then run `coopgraph build`")
        raise EntityNotFoundError(f"no ingested document {iri} in the store at {store.location}")
    graph = graphs[0]
    count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    # Entities this document introduced that nothing else describes: no other graph, and no triple
    # of the default graph that is not one of this document's.
    gone = store.select(
        f"SELECT DISTINCT ?e WHERE {{ GRAPH <{graph}> {{ ?e <{COOP.machineExtracted}> true }}"
        f" FILTER NOT EXISTS {{ GRAPH ?other {{ ?e ?p ?o }} FILTER (?other != <{graph}>) }}"
        f" FILTER NOT EXISTS {{ ?e ?p2 ?o2 FILTER NOT EXISTS {{ GRAPH <{graph}> {{ ?e ?p2 ?o2 }} }} }} }}")
    store.remove_with_record(graph, keep=_stated_elsewhere(graph, base=base),
                             what=f"coopgraph ingest --remove {iri}")
    return RemoveSummary(document=iri, graph=graph, triples=int(count[0]["n"]) if count else 0,
                         entities_gone=tuple(sorted(r["e"] for r in gone)))


# -- helpers ------------------------------------------------------------------------------------------

def _stated_elsewhere(graph: str, *, base: str) -> str:
    """The SPARQL pattern of the triples ``?s ?p ?o`` of ``graph`` another source states: another
    ingested document's graph, or curated evidence (curated statements all have evidence; the
    extracted evidence of documents, in the default graph too, is typed coop:ExtractedEvidence)."""
    return (f"{{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != <{graph}> && "
            f"STRSTARTS(STR(?other), \"{ingest_graph_prefix(base)}\")) }} UNION "
            f"{{ ?curated <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o ;"
            f" a <{COOP.Evidence}> "
            f"FILTER NOT EXISTS {{ ?curated a <{COOP.ExtractedEvidence}> }} }}")


def _check_document(doc: IngestDocument) -> None:
    if normalise_text(doc.text) != doc.text:
        raise DataError(f"the text of {doc.path} is not normalised as a stored text must be "
                        "(read it with read_documents); nothing was written")
    actual = text_sha256(doc.text)
    if actual != doc.sha256:
        raise DataError(f"the text of {doc.path} does not have the SHA-256 it was extracted with "
                        f"({doc.sha256[:16]}..., now {actual[:16]}...); nothing was written")


def _check_quote(doc: IngestDocument, relation: Relation) -> None:
    """The text at a relation's offsets is its quote, or the write is refused."""
    found = doc.text[relation.start:relation.end]
    if relation.start < 0 or relation.end <= relation.start or found != relation.quote:
        raise QuoteNotFoundError(
            f"the quote {relation.quote!r} is not the text at {relation.start}:{relation.end} of {doc.path} "
            f"(there: {found[:80]!r}); nothing was written")


def _entities(accepted: Accepted, relations: list[tuple[Relation, LinkDecision, LinkDecision | None]]
              ) -> dict[str, LinkDecision]:
    """Every entity the document is taken to mention, by IRI: the accepted mentions, then the ends
    of the statements written (the first decision for an IRI gives a new entity its label)."""
    entities: dict[str, LinkDecision] = {}
    for decision in accepted.mentions.values():
        entities.setdefault(decision.iri, decision)
    for _relation, subject, obj in relations:
        for end in (subject, obj):
            if end is not None:
                entities.setdefault(end.iri, end)
    return entities


def _publisher(doc: IngestDocument, entities: Iterable[LinkDecision]) -> URIRef | Literal | None:
    """The publisher as the media organisation the document names, when it names it; else its name."""
    if not doc.publisher:
        return None
    name = doc.publisher.strip().casefold()
    for decision in entities:
        if (not decision.new and decision.label.casefold() == name
                and "MediaOrganisation" in decision.types):
            return URIRef(decision.iri)
    return Literal(doc.publisher)


def _add_document(g: Graph, doc: IngestDocument, node: URIRef, types: set[str], *,
                  publisher: URIRef | Literal | None) -> None:
    for cls in sorted(types):
        g.add((node, RDF.type, URIRef(cls)))
    title = doc.title or _first_line(doc.text) or Path(doc.path).name
    g.add((node, RDFS.label, Literal(title, lang=doc.language)))
    g.add((node, DCTERMS.title, Literal(title, lang=doc.language)))
    if doc.date:
        g.add((node, DCTERMS.date, _date(doc.date, f"the date of {doc.path}")))
    if publisher is not None:
        g.add((node, DCTERMS.publisher, publisher))
    if doc.url:
        g.add((node, DCTERMS.source, Literal(doc.url)))
    g.add((node, DCTERMS.language, Literal(doc.language)))
    g.add((node, SDO.text, Literal(doc.text)))
    g.add((node, COOP.sha256, Literal(doc.sha256)))


def _add_new_entity(g: Graph, decision: LinkDecision, types: set[str]) -> None:
    node = URIRef(decision.iri)
    for cls in sorted(types):
        g.add((node, RDF.type, URIRef(cls)))
    g.add((node, RDFS.label, Literal(decision.label, lang="en")))
    for alias in decision.aliases:
        if alias != decision.label:
            g.add((node, SKOS.altLabel, Literal(alias, lang="en")))
    g.add((node, COOP.machineExtracted, Literal(True)))


def _class(name: str) -> str:
    cls = expand_curie(name)
    if cls is None or cls not in load_ontology().classes:
        raise DataError(f"unknown class {name!r} for a new entity (not declared in ontology/coop.ttl); "
                        "nothing was written")
    return cls


def _literal(relation: Relation, predicate: str, ranges: dict[str, str]) -> Literal:
    if relation.value is None:
        raise DataError(f"the relation {relation.predicate} quoted {relation.quote!r} has neither an "
                        "object nor a value; nothing was written")
    datatype = ranges.get(predicate)
    if datatype == str(XSD.date):
        return _date(relation.value, f"the {relation.predicate} value {relation.value!r}")
    pattern = DATATYPE_PATTERNS.get(datatype or "")
    if datatype is None or pattern is None:
        return Literal(relation.value)
    if not pattern.match(relation.value):
        raise DataError(f"{relation.value!r} is not a valid value of {relation.predicate} ({datatype}); "
                        "nothing was written")
    return Literal(relation.value, datatype=URIRef(datatype))


def _date(value: str, what: str) -> Literal:
    """A full or partial date, typed xsd:date / xsd:gYearMonth / xsd:gYear by its length."""
    datatype = _DATE_TYPES.get(len(value))
    if datatype is None or not DATATYPE_PATTERNS[str(datatype)].match(value):
        raise DataError(f"{what} is not YYYY, YYYY-MM or YYYY-MM-DD: {value!r}; nothing was written")
    return Literal(value, datatype=datatype)


def _agent_slug(name: str) -> str:
    """A readable, collision-free slug for who accepted: names differing only in case or in
    characters slugify() drops (e.g. Chinese names) still get different agents."""
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return f"{slugify(name) or 'agent'}-{digest}"


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return None


def _existing(store: DocumentStore, iris: list[str]) -> list[str]:
    """Those of ``iris`` the store says anything about, in any graph."""
    if not iris:
        return []
    values = " ".join(f"<{iri}>" for iri in iris)
    rows = store.select(f"SELECT DISTINCT ?e WHERE {{ VALUES ?e {{ {values} }} "
                        "{ ?e ?p ?o } UNION { GRAPH ?g { ?e ?p ?o } } }")
    return sorted(r["e"] for r in rows)


def _machine_entity_triples(store: DocumentStore, iris: Iterable[str]) -> Graph:
    """Type, label and alias triples of the linked entities another ingested document introduced."""
    values = " ".join(f"<{iri}>" for iri in iris)
    found = new_graph()
    if not values:
        return found
    data = store.construct(
        f"CONSTRUCT {{ ?e ?p ?o }} WHERE {{ VALUES ?e {{ {values} }} GRAPH ?g {{ "
        f"?e <{COOP.machineExtracted}> true . ?e ?p ?o "
        f"FILTER (?p IN (<{RDF.type}>, <{RDFS.label}>, <{SKOS.altLabel}>, <{COOP.machineExtracted}>)) }} }}")
    if data.strip():
        found.parse(data=data.decode("utf-8"), format="nt")
    return found


def _resolve_document(store: DocumentStore, ref: str, *, base: str) -> str:
    """The IRI of the document ``ref`` names (see ``remove_document``)."""
    ref = ref.strip()
    if ref.startswith(("http://", "https://")):
        if not _IRI.match(ref):
            raise DataError(f"not an IRI: {ref!r}")
        return ref
    path = Path(ref)
    if path.is_file():
        sha = _file_sha256(path)
        found = ingested(store, sha)
        if found is None:
            raise EntityNotFoundError(f"{ref} (SHA-256 {sha[:16]}...) is not in the store at "
                                      f"{store.location}")
        return found
    if _DOC_SLUG.match(ref):
        return entity_iri(base, ref)
    if _HEX_PREFIX.match(ref):
        rows = store.select(
            f"SELECT DISTINCT ?d WHERE {{ {{ ?d <{COOP.sha256}> ?h }} UNION "
            f"{{ GRAPH ?g {{ ?d <{COOP.sha256}> ?h }} }}"
            f' FILTER (STRSTARTS(STR(?h), "{ref}")) }} LIMIT 3')
        if len(rows) > 1:
            raise DataError(f"the SHA-256 prefix {ref} names more than one document: give more digits")
        if not rows:
            raise EntityNotFoundError(f"no document whose SHA-256 starts with {ref} in the store at "
                                      f"{store.location}")
        return rows[0]["d"]
    if is_slug(ref):  # another entity's slug: a curated document is refused by the caller with a reason
        return entity_iri(base, ref)
    raise DataError(f"not a document: {ref!r} (give its IRI, its slug doc-<16 hex>, its SHA-256 or a prefix "
                    "of 8+ hex digits, or the path of the file that was ingested)")


def document_slug(ref: str) -> str | None:
    """The slug (``doc-<16 hex>``) ``ref`` names without asking a store: the slug itself, an IRI that
    ends in it, or the file that was ingested; None for anything else (a SHA-256 prefix, another
    entity)."""
    ref = ref.strip()
    tail = ref.rsplit("/", 1)[-1]
    if _DOC_SLUG.match(tail):
        return tail
    if Path(ref).is_file():
        return f"doc-{_file_sha256(Path(ref))[:16]}"
    return None


def _file_sha256(path: Path) -> str:
    """The SHA-256 an ingest gives the file: of the text it reads from it."""
    from coopgraph.graph.ingest.documents import read_documents  # reading HTML is heavy; only here

    docs = list(read_documents([str(path)]))
    if len(docs) != 1:
        raise DataError(f"{path} holds {len(docs)} documents, not one: name the document by its slug")
    return docs[0].sha256
