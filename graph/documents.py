"""Source documents for people: the list, one document with its text and every quote taken from
it, and its RDF.

Runs OUR fixed, bounded SPARQL (``graph.read_queries``) against any store. A document is an entity
too (``graph.entities`` shows its statements); this module adds what only documents have.

    list_documents(store, base=)           -> DocumentRecord per document, newest first
    document_detail(store, base=, slug=)   -> DocumentRecord with its text and quoted spans
    document_rdf(store, base=, slug=)      -> N-Triples of the document and its evidence nodes
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coopgraph.graph.entities import Value
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.ids import entity_iri, is_slug
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.read_queries import (
    EVIDENCE_KIND,
    EVIDENCE_VARS,
    PREFIXES,
    Constructable,
    Selectable,
    entity_refs,
    evidence_of_row,
    existing_entity,
    iri_term,
    predicate_label,
)
from coopgraph.graph.records import EntityRef, Evidence
from coopgraph.graph.store.base import Row

__all__ = ["EVIDENCE_LIMIT", "DocumentRecord", "document_detail", "document_rdf", "list_documents"]

# At most this many evidence quotes of one document are read (its page and its RDF).
EVIDENCE_LIMIT = 5000


@dataclass
class DocumentRecord:
    ref: EntityRef
    title: str
    publisher: EntityRef | None
    date: str | None
    language: str | None
    attribution: str | None
    source_site: str | None
    creator: str | None
    date_note: str | None
    sha256: str | None
    evidence_count: int
    text: str | None = None
    # (evidence, subject, predicate IRI, predicate label, object ref or literal) per quote
    quotes: list[tuple[Evidence, EntityRef, str, str, EntityRef | Value]] = field(default_factory=list)


_DOC_FIELDS = """OPTIONAL { ?d dcterms:title ?title } OPTIONAL { ?d dcterms:publisher ?publisher }
    OPTIONAL { ?d dcterms:date ?date } OPTIONAL { ?d dcterms:language ?language }
    OPTIONAL { ?d dcterms:bibliographicCitation ?attribution } OPTIONAL { ?d dcterms:source ?site }
    OPTIONAL { ?d dcterms:creator ?creator } OPTIONAL { ?d skos:note ?dateNote }
    OPTIONAL { ?d coop:sha256 ?sha } """


def _document_record(row: Row, refs: dict[str, EntityRef], count: int) -> DocumentRecord:
    creator = row.get("creator")
    if creator and creator in refs:
        creator = refs[creator].label
    return DocumentRecord(
        ref=refs[row["d"]], title=row.get("title") or refs[row["d"]].label,
        publisher=refs.get(row.get("publisher", "")), date=row.get("date"), language=row.get("language"),
        attribution=row.get("attribution"), source_site=row.get("site"), creator=creator,
        date_note=row.get("dateNote"), sha256=row.get("sha"), evidence_count=count)


def list_documents(store: Selectable, *, base: str, limit: int = 1000) -> list[DocumentRecord]:
    """Every source document (bounded), newest first, with its number of evidence quotes."""
    # No ORDER BY: Oxigraph sorts thousands of IRIs slowly; the list is sorted here (by date).
    rows = store.select(PREFIXES + f"SELECT ?d ?title ?publisher ?date ?language ?attribution ?site ?creator "
                                   f"?dateNote ?sha WHERE {{ {{ SELECT ?d WHERE {{ ?d a coop:SourceDocument }} "
                                   f"LIMIT {limit} }} {_DOC_FIELDS} }}")
    firsts: dict[str, Row] = {}
    for row in rows:
        firsts.setdefault(row["d"], row)
    # What is derived from a document is its evidence quotes (nothing else carries prov:wasDerivedFrom);
    # checking ``a coop:Evidence`` too makes Oxigraph join two large sets: 2.3 s instead of 0.2 s at 1M.
    counts = {r["d"]: int(r["n"]) for r in store.select(
        PREFIXES + "SELECT ?d (COUNT(?ev) AS ?n) WHERE { ?ev prov:wasDerivedFrom ?d } GROUP BY ?d")}
    refs = entity_refs(store, base, set(firsts) | {r.get("publisher", "") for r in firsts.values()}
                 | {r.get("creator", "") for r in firsts.values() if r.get("creator", "").startswith("http")})
    docs = [_document_record(r, refs, counts.get(d, 0)) for d, r in firsts.items()]
    return sorted(docs, key=lambda d: (d.date or "", d.title), reverse=True)


def document_detail(store: Selectable, *, base: str, slug: str) -> DocumentRecord:
    """A source document with its text and every evidence quote taken from it."""
    iri = existing_entity(store, base, slug)
    me = iri_term(iri)
    rows = store.select(PREFIXES + f"""SELECT ?d ?title ?publisher ?date ?language ?attribution ?site ?creator
        ?dateNote ?sha ?text WHERE {{ BIND({me} AS ?d) ?d a coop:SourceDocument .
        {_DOC_FIELDS} OPTIONAL {{ ?d schema:text ?text }} }} LIMIT 1""")
    if not rows:
        raise EntityNotFoundError(f"{slug!r} is not a source document")
    quotes = store.select(PREFIXES + f"""SELECT ?s ?p ?o ?isIri ?dt ?lang {EVIDENCE_VARS} WHERE {{
        ?ev prov:wasDerivedFrom {me} ; a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
            coop:quote ?quote ; coop:startOffset ?start ; coop:endOffset ?end .
        BIND({me} AS ?doc) OPTIONAL {{ ?ev skos:note ?note }} {EVIDENCE_KIND}
        BIND(IF(isIRI(?o), "true", "false") AS ?isIri) BIND(DATATYPE(?o) AS ?dt) BIND(LANG(?o) AS ?lang)
    }} ORDER BY ?start ?end ?ev LIMIT {EVIDENCE_LIMIT}""")
    row = rows[0]
    iris = {iri, row.get("publisher", ""), row.get("creator", "") if row.get("creator", "").startswith("http") else ""}
    iris |= {q["s"] for q in quotes} | {q["o"] for q in quotes if q.get("isIri") == "true"}
    refs = entity_refs(store, base, iris)
    ontology = load_ontology()
    record = _document_record(row, refs, len(quotes))
    record.text = row.get("text", "")
    for q in quotes:
        obj: EntityRef | Value = refs[q["o"]] if q.get("isIri") == "true" else Value(
            q["o"], q.get("dt"), q.get("lang") or None)
        record.quotes.append((evidence_of_row(q, refs), refs[q["s"]], q["p"], predicate_label(ontology, q["p"]),
                              obj))
    return record


def document_rdf(store: Constructable, *, base: str, slug: str, limit: int = EVIDENCE_LIMIT) -> bytes:
    """A source document's triples, the labels of what it names, and every evidence node derived from it."""
    if not is_slug(slug):
        raise EntityNotFoundError(f"{slug!r} is not an entity id")
    me = iri_term(entity_iri(base, slug))
    parts = [
        PREFIXES + f"CONSTRUCT {{ {me} ?p ?o }} WHERE {{ {me} a coop:SourceDocument ; ?p ?o }}",
        PREFIXES + f"""CONSTRUCT {{ ?o rdfs:label ?l }} WHERE {{ {me} a coop:SourceDocument ; ?p ?o .
            FILTER(isIRI(?o) && ?p != rdf:type) ?o rdfs:label ?l }}""",
        PREFIXES + f"""CONSTRUCT {{ ?ev ?p ?o }} WHERE {{
            {{ SELECT ?ev WHERE {{ ?ev prov:wasDerivedFrom {me} ; a coop:Evidence }} LIMIT {limit} }} ?ev ?p ?o }}""",
    ]
    body = b"".join(store.construct(q) for q in parts)
    if not body.strip():
        raise EntityNotFoundError(f"no source document {slug!r}")
    return body
