"""Entity detail for people: labels, types, statements both ways with their evidence, and its RDF.

Runs OUR fixed, bounded SPARQL (``graph.read_queries``) against any store. Listing entities and
finding them by name is the label index's (``graph.search``); documents are ``graph.documents``
and dataset counts ``graph.stats``.

    entity_detail(store, base=, slug=)     -> EntityRecord  (labels, types, statements in/out, evidence)
    entity_rdf(store, base=, slug=)        -> N-Triples of the entity's description (CBD + evidence)
    find_entity(store, text, base=)        -> the slug of the entity an id, IRI or name stands for
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Literal

from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.ids import entity_iri, is_slug
from coopgraph.graph.namespaces import COOP_NS
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.read_queries import (
    EVIDENCE_KIND,
    EVIDENCE_VARS,
    PREFIXES,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS_ALT,
    Constructable,
    Selectable,
    entity_refs,
    evidence_of_row,
    existing_entity,
    iri_term,
    is_safe_iri,
    most_specific,
    predicate_label,
)
from coopgraph.graph.records import EntityRef, Evidence
from coopgraph.graph.remote_search import bounded_index
from coopgraph.graph.search import LabelIndex, entity_ref, resolve_entity
from coopgraph.graph.store.base import Row

__all__ = ["DATA_STATEMENT_LIMIT", "EntityRecord", "StatementRecord", "Value", "entity_detail", "entity_rdf",
           "find_entity"]

DATA_STATEMENT_LIMIT = 200
MENTION_LIMIT = 200
SOURCE_DOCUMENT = COOP_NS + "SourceDocument"
# Shown in an entity's header (or on its document page), not in its list of statements.
_DESCRIPTIVE = ("rdf:type", "rdfs:label", "skos:altLabel", "rdfs:comment", "schema:mentions", "schema:text")


# -- records -------------------------------------------------------------------------------------
# EntityRef and Evidence live in graph.records (documents, paths and views share them).
@dataclass(frozen=True)
class Value:
    """A literal object: lexical form, datatype IRI (None for plain strings) and language tag."""

    lexical: str
    datatype: str | None = None
    lang: str | None = None


@dataclass
class StatementRecord:
    """One triple seen from an entity: ``out`` (entity is subject) or ``in`` (entity is object)."""

    direction: Literal["out", "in"]
    predicate: str
    predicate_label: str
    other: EntityRef | None = None      # the entity at the other end, or None for a literal
    value: Value | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class EntityRecord:
    ref: EntityRef
    labels: dict[str, str]                       # language tag -> label
    aliases: list[tuple[str, str | None]]        # (alias, language)
    types: list[str]                             # most specific classes (IRIs)
    all_types: list[str]                         # every rdf:type, superclasses included
    comment: str | None
    statements: list[StatementRecord]
    mentioned_in: list[EntityRef]
    truncated: bool = False

    @property
    def is_document(self) -> bool:
        return SOURCE_DOCUMENT in self.all_types



# -- entity detail ---------------------------------------------------------------------------------
_EVIDENCE_PATTERN = """OPTIONAL {{ ?ev rdf:subject {s} ; rdf:predicate ?p ; rdf:object {o} ;
           coop:quote ?quote ; coop:startOffset ?start ; coop:endOffset ?end ;
           prov:wasDerivedFrom ?doc . OPTIONAL {{ ?ev skos:note ?note }}
           """ + EVIDENCE_KIND.replace("{", "{{").replace("}", "}}") + " }}"


def entity_detail(store: Selectable, *, base: str, slug: str, limit: int = DATA_STATEMENT_LIMIT) -> EntityRecord:
    """Everything an entity page shows; raises EntityNotFoundError for an unknown slug."""
    iri = existing_entity(store, base, slug)
    me = iri_term(iri)
    ontology = load_ontology()
    head = store.select(PREFIXES + f"""SELECT ?p ?o ?lang WHERE {{
        {me} ?p ?o . FILTER(?p IN (rdf:type, rdfs:label, skos:altLabel, rdfs:comment))
        BIND(LANG(?o) AS ?lang) }} LIMIT 2000""")
    labels: dict[str, str] = {}
    aliases: list[tuple[str, str | None]] = []
    all_types: list[str] = []
    comment = None
    for row in head:
        p, o, lang = row["p"], row["o"], row.get("lang") or None
        if p == RDF_TYPE:
            all_types.append(o)
        elif p == RDFS_LABEL:
            labels.setdefault(lang or "", o)
        elif p == SKOS_ALT:
            aliases.append((o, lang))
        elif comment is None or lang == "en":
            comment = o
    excluded = ", ".join(_DESCRIPTIVE)
    # No ORDER BY in these bounded queries: Oxigraph sorts thousands of terms slowly (3 s for a hub
    # with 16,000 incoming links at 1M triples); the page sorts what it shows, and an entity with
    # more than ``limit`` statements is marked ``truncated`` (the same index order on every call).
    out_rows = store.select(PREFIXES + f"""SELECT ?p ?o ?isIri ?dt ?lang {EVIDENCE_VARS} WHERE {{
        {{ SELECT DISTINCT ?p ?o WHERE {{ {me} ?p ?o . FILTER(?p NOT IN ({excluded})) }} LIMIT {limit + 1} }}
        BIND(IF(isIRI(?o), "true", "false") AS ?isIri) BIND(DATATYPE(?o) AS ?dt) BIND(LANG(?o) AS ?lang)
        {_EVIDENCE_PATTERN.format(s=me, o="?o")} }}""")
    in_rows = _incoming_rows(store, me, limit)
    mention_rows = store.select(PREFIXES + f"SELECT DISTINCT ?d WHERE {{ ?d schema:mentions {me} }} "
                                           f"LIMIT {MENTION_LIMIT}")
    linked = {r["o"] for r in out_rows if r.get("isIri") == "true"} | {r["o"] for r in in_rows}
    linked |= {r["doc"] for r in out_rows + in_rows if "doc" in r} | {r["d"] for r in mention_rows}
    refs = entity_refs(store, base, linked | {iri})
    statements: dict[tuple[str, str, str], StatementRecord] = {}
    truncated = False
    directions: tuple[tuple[Literal["out", "in"], list[Row]], ...] = (("out", out_rows), ("in", in_rows))
    for direction, rows in directions:
        keys_seen: set[tuple[str, str]] = set()
        for row in rows:
            key_po = (row["p"], row["o"] + "\x1f" + row.get("dt", "") + "\x1f" + row.get("lang", ""))
            keys_seen.add(key_po)
            if len(keys_seen) > limit:
                truncated = True
                break
            key = (direction, *key_po)
            record = statements.get(key)
            if record is None:
                is_entity = direction == "in" or row.get("isIri") == "true"
                record = StatementRecord(
                    direction=direction, predicate=row["p"],
                    predicate_label=predicate_label(ontology, row["p"]),
                    other=refs.get(row["o"]) if is_entity else None,
                    value=None if is_entity else Value(
                        row["o"], None if row.get("dt") in (None, "http://www.w3.org/2001/XMLSchema#string",
                                                            "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
                        else row["dt"], row.get("lang") or None))
                statements[key] = record
            if "ev" in row:
                record.evidence.append(evidence_of_row(row, refs))
    for record in statements.values():
        record.evidence.sort(key=lambda e: (e.document.iri if e.document else "", e.start))
    ordered = sorted(statements.values(), key=lambda s: (s.direction != "out", s.predicate_label.lower(),
                                                           (s.other.label.lower() if s.other else
                                                            s.value.lexical if s.value else "")))
    specific = most_specific(ontology, all_types)
    return EntityRecord(
        ref=refs[iri], labels=labels, aliases=sorted(aliases), types=specific, all_types=sorted(all_types),
        comment=comment, statements=ordered,
        mentioned_in=sorted((refs[r["d"]] for r in mention_rows), key=lambda r: r.label),
        truncated=truncated)


def _incoming_rows(store: Selectable, me: str, limit: int) -> list[Row]:
    """``(?p ?o)`` of at most ``limit + 1`` statements pointing at ``me``, each with its evidence.

    Two queries: the bounded statements, then their evidence through ``VALUES``. One query with an
    OPTIONAL evidence pattern costs Oxigraph half a second on a hub; this costs tens of ms.
    """
    pairs = store.select(PREFIXES + f"""SELECT DISTINCT ?p ?o WHERE {{ ?o ?p {me} .
        FILTER(?p NOT IN (rdf:subject, rdf:object, schema:mentions))
        FILTER NOT EXISTS {{ ?o a coop:Evidence }} }} LIMIT {limit + 1}""")
    evidence: dict[tuple[str, str], list[Row]] = defaultdict(list)
    linkable = [r for r in pairs if r["o"].startswith(("http://", "https://", "urn:"))
                and is_safe_iri(r["o"]) and is_safe_iri(r["p"])]
    for start in range(0, len(linkable), 200):
        values = " ".join(f"({iri_term(r['o'])} {iri_term(r['p'])})" for r in linkable[start:start + 200])
        for row in store.select(PREFIXES + f"""SELECT ?o ?p {EVIDENCE_VARS} WHERE {{
                VALUES (?o ?p) {{ {values} }}
                ?ev rdf:subject ?o ; rdf:predicate ?p ; rdf:object {me} ; coop:quote ?quote ;
                    coop:startOffset ?start ; coop:endOffset ?end ; prov:wasDerivedFrom ?doc .
                OPTIONAL {{ ?ev skos:note ?note }} {EVIDENCE_KIND} }}"""):
            evidence[(row["p"], row["o"])].append(row)
    rows: list[Row] = []
    for pair in pairs:
        rows.extend(evidence.get((pair["p"], pair["o"])) or [pair])
    return rows


def entity_rdf(store: Constructable, *, base: str, slug: str, limit: int = DATA_STATEMENT_LIMIT) -> bytes:
    """The entity's description as N-Triples: its triples out and in, the labels and types of the
    entities it links to, and the evidence nodes of its statements (a symmetric CBD)."""
    if not is_slug(slug):
        raise EntityNotFoundError(f"{slug!r} is not an entity id")
    me = iri_term(entity_iri(base, slug))
    parts = [
        f"CONSTRUCT {{ {me} ?p ?o }} WHERE {{ {me} ?p ?o }} LIMIT {limit * 4}",
        PREFIXES + f"""CONSTRUCT {{ ?s ?p {me} . ?s rdfs:label ?l . ?s a ?t }} WHERE {{
            {{ SELECT ?s ?p WHERE {{ ?s ?p {me} FILTER NOT EXISTS {{ ?s a coop:Evidence }} }} LIMIT {limit} }}
            OPTIONAL {{ ?s rdfs:label ?l }} OPTIONAL {{ ?s a ?t FILTER(STRSTARTS(STR(?t), "{COOP_NS}")) }} }}""",
        PREFIXES + f"""CONSTRUCT {{ ?o rdfs:label ?l }} WHERE {{
            {{ SELECT ?o WHERE {{ {me} ?p ?o FILTER(isIRI(?o) && ?p != rdf:type) }} LIMIT {limit} }}
            ?o rdfs:label ?l }}""",
        PREFIXES + f"""CONSTRUCT {{ ?ev ?p ?o }} WHERE {{
            {{ SELECT ?ev WHERE {{ {{ ?ev rdf:subject {me} }} UNION {{ ?ev rdf:object {me} }}
               FILTER EXISTS {{ ?ev a coop:Evidence }} }} LIMIT {limit * 2} }} ?ev ?p ?o }}""",
    ]
    body = b"".join(store.construct(q) for q in parts)
    if not body.strip():
        raise EntityNotFoundError(f"no entity {slug!r}")
    return body




def find_entity(store: Selectable, text: str, *, base: str,
                index: Callable[[], LabelIndex] | None = None) -> str:
    """The slug of the entity ``text`` stands for: an existing entity's id (slug, ``id:`` CURIE, IRI)
    at the cost of one lookup, else a name, through ``graph.search.resolve_entity`` on ``index()``
    (default: the whole label index of an embedded store; a remote one's candidates of ``text``).
    Raises EntityNotFoundError (with the closest names) or AmbiguousEntityError."""
    def exists(slug: str) -> bool:
        try:
            existing_entity(store, base, slug)
        except EntityNotFoundError:
            return False
        return True

    slug = entity_ref(text, base=base)
    if slug is not None and exists(slug):
        return slug
    if index is not None:
        names = index()
    elif getattr(store, "bulk_reads", True):
        names = LabelIndex.build(store, base=base)
    else:  # a remote engine: only the names holding the words typed, not every label over HTTP
        names = bounded_index(store, base=base, query=slug.replace("-", " ") if slug is not None else text)
    return resolve_entity(names, text, base=base)
