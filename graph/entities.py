"""Read side of the graph for people: entity details with evidence, documents, search, statistics.

Every function here runs OUR fixed SPARQL, each query bounded by a LIMIT, against any
``Store`` (``select``/``construct``). User input never reaches the query text: callers pass a
slug that ``graph.ids.is_slug`` accepted, and IRIs put into queries are checked by ``_ref``.
Search and listing work on a ``LabelIndex`` built once per store version and matched in Python.

    entity_detail(store, base=, slug=)     -> EntityRecord  (labels, types, statements in/out, evidence)
    entity_rdf(store, base=, slug=)        -> N-Triples of the entity's description (CBD + evidence)
    LabelIndex.build(store, base=)         -> search(q) ranked exact > prefix > token > substring > fuzzy
    list_documents / document_detail       -> SourceDocument records with their quoted spans
    dataset_stats(store, index=)           -> DatasetStats counts
"""

from __future__ import annotations

import bisect
import builtins
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.ids import entity_iri, is_slug, slug_of
from coopgraph.graph.namespaces import COOP_NS, curie, expand_curie
from coopgraph.graph.ontology import Ontology, load_ontology
from coopgraph.graph.records import EntityRef, Evidence
from coopgraph.graph.store.base import Row

__all__ = [
    "DATA_STATEMENT_LIMIT", "DatasetStats", "DocumentRecord", "EntityRecord", "EntityRef", "Evidence",
    "IndexedEntity", "LabelIndex", "SearchHit", "StatementRecord", "Value", "dataset_stats",
    "document_detail", "document_rdf", "entity_detail", "entity_rdf", "list_documents", "normalise", "resolve_class",
]

# At most this many statements per direction on one entity page (a hub in a big graph stays readable).
DATA_STATEMENT_LIMIT = 200
EVIDENCE_LIMIT = 5000
MENTION_LIMIT = 200

PREFIXES = f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX coop: <{COOP_NS}>
"""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
SOURCE_DOCUMENT = COOP_NS + "SourceDocument"
# Shown in an entity's header (or on its document page), not in its list of statements.
_DESCRIPTIVE = ("rdf:type", "rdfs:label", "skos:altLabel", "rdfs:comment", "schema:mentions", "schema:text")
_BAD_IRI_CHARS = re.compile(r'[\s<>"{}|^`\\]')


class Selectable(Protocol):
    def select(self, sparql: str) -> list[Row]: ...


class Constructable(Protocol):
    def construct(self, sparql: str) -> bytes: ...


def _ref(iri: str) -> str:
    """``<iri>`` for a query; refuses anything that could end the IRI and inject SPARQL."""
    if not iri or _BAD_IRI_CHARS.search(iri):
        raise ValueError(f"not a safe IRI: {iri!r}")
    return f"<{iri}>"


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


# -- records -------------------------------------------------------------------------------------
# EntityRef and Evidence live in graph.records (paths and views share them) and are re-exported here.
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


# -- names of things -------------------------------------------------------------------------------
def _predicate_label(ontology: Ontology, iri: str) -> str:
    return ontology.label(iri) or _local(iri)


def _most_specific(ontology: Ontology, types: Iterable[str]) -> list[str]:
    known = {t for t in types if t in ontology.classes}
    return ontology.most_specific(known) if known else sorted(types)


def _refs(store: Selectable, base: str, iris: Iterable[str]) -> dict[str, EntityRef]:
    """Labels and most specific type of each IRI, in one bounded query."""
    wanted = sorted({i for i in iris if i})
    refs: dict[str, EntityRef] = {}
    ontology = load_ontology()
    for chunk_start in range(0, len(wanted), 200):
        chunk = wanted[chunk_start:chunk_start + 200]
        rows = store.select(PREFIXES + "SELECT ?x ?label ?lang ?t WHERE { VALUES ?x { "
                            + " ".join(_ref(i) for i in chunk) + " } "
                            "OPTIONAL { ?x rdfs:label ?label BIND(LANG(?label) AS ?lang) } "
                            "OPTIONAL { ?x a ?t } }")
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        types: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if "label" in row:
                labels[row["x"]].setdefault(row.get("lang", ""), row["label"])
            if "t" in row:
                types[row["x"]].add(row["t"])
        for iri in chunk:
            names = labels.get(iri, {})
            specific = _most_specific(ontology, types.get(iri, set()))
            slug = slug_of(base, iri)
            refs[iri] = EntityRef(
                iri=iri, slug=slug,
                label=names.get("en") or names.get("") or next(iter(names.values()), None) or slug or iri,
                label_zh=names.get("zh"),
                type=_local(specific[0]) if specific else None)
    return refs


def _entity_or_404(store: Selectable, base: str, slug: str) -> str:
    if not is_slug(slug):
        raise EntityNotFoundError(f"{slug!r} is not an entity id (ids look like 'chongqing-customs')")
    iri = entity_iri(base, slug)
    if not store.select(f"SELECT ?p WHERE {{ {_ref(iri)} ?p ?o }} LIMIT 1"):
        raise EntityNotFoundError(f"no entity {slug!r}")
    return iri


# -- entity detail ---------------------------------------------------------------------------------
# What kind of fact a piece of evidence states (modality) and, for machine-extracted evidence, how
# sure the extraction was, who accepted it and when: the fields of ``graph.records.Evidence`` beyond
# the quote. ``?extracted`` is bound only on evidence typed coop:ExtractedEvidence.
_EVIDENCE_KIND = """OPTIONAL { ?ev coop:modality ?modality }
           OPTIONAL { ?ev a coop:ExtractedEvidence . BIND("true" AS ?extracted)
                      OPTIONAL { ?ev coop:confidence ?confidence }
                      OPTIONAL { ?ev coop:acceptedBy ?acceptedBy }
                      OPTIONAL { ?ev prov:wasGeneratedBy/prov:endedAtTime ?extractedAt } }"""
_EVIDENCE_VARS = "?ev ?quote ?start ?end ?doc ?note ?modality ?extracted ?confidence ?acceptedBy ?extractedAt"
_EVIDENCE_PATTERN = """OPTIONAL {{ ?ev rdf:subject {s} ; rdf:predicate ?p ; rdf:object {o} ;
           coop:quote ?quote ; coop:startOffset ?start ; coop:endOffset ?end ;
           prov:wasDerivedFrom ?doc . OPTIONAL {{ ?ev skos:note ?note }}
           """ + _EVIDENCE_KIND.replace("{", "{{").replace("}", "}}") + " }}"


def entity_detail(store: Selectable, *, base: str, slug: str, limit: int = DATA_STATEMENT_LIMIT) -> EntityRecord:
    """Everything an entity page shows; raises EntityNotFoundError for an unknown slug."""
    iri = _entity_or_404(store, base, slug)
    me = _ref(iri)
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
    out_rows = store.select(PREFIXES + f"""SELECT ?p ?o ?isIri ?dt ?lang {_EVIDENCE_VARS} WHERE {{
        {{ SELECT DISTINCT ?p ?o WHERE {{ {me} ?p ?o . FILTER(?p NOT IN ({excluded})) }} LIMIT {limit + 1} }}
        BIND(IF(isIRI(?o), "true", "false") AS ?isIri) BIND(DATATYPE(?o) AS ?dt) BIND(LANG(?o) AS ?lang)
        {_EVIDENCE_PATTERN.format(s=me, o="?o")} }}""")
    in_rows = _incoming_rows(store, me, limit)
    mention_rows = store.select(PREFIXES + f"SELECT DISTINCT ?d WHERE {{ ?d schema:mentions {me} }} "
                                           f"LIMIT {MENTION_LIMIT}")
    linked = {r["o"] for r in out_rows if r.get("isIri") == "true"} | {r["o"] for r in in_rows}
    linked |= {r["doc"] for r in out_rows + in_rows if "doc" in r} | {r["d"] for r in mention_rows}
    refs = _refs(store, base, linked | {iri})
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
                    predicate_label=_predicate_label(ontology, row["p"]),
                    other=refs.get(row["o"]) if is_entity else None,
                    value=None if is_entity else Value(
                        row["o"], None if row.get("dt") in (None, "http://www.w3.org/2001/XMLSchema#string",
                                                            "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
                        else row["dt"], row.get("lang") or None))
                statements[key] = record
            if "ev" in row:
                record.evidence.append(_evidence(row, refs))
    for record in statements.values():
        record.evidence.sort(key=lambda e: (e.document.iri if e.document else "", e.start))
    ordered = sorted(statements.values(), key=lambda s: (s.direction != "out", s.predicate_label.lower(),
                                                           (s.other.label.lower() if s.other else
                                                            s.value.lexical if s.value else "")))
    specific = _most_specific(ontology, all_types)
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
                and not _BAD_IRI_CHARS.search(r["o"] + r["p"])]
    for start in range(0, len(linkable), 200):
        values = " ".join(f"({_ref(r['o'])} {_ref(r['p'])})" for r in linkable[start:start + 200])
        for row in store.select(PREFIXES + f"""SELECT ?o ?p {_EVIDENCE_VARS} WHERE {{
                VALUES (?o ?p) {{ {values} }}
                ?ev rdf:subject ?o ; rdf:predicate ?p ; rdf:object {me} ; coop:quote ?quote ;
                    coop:startOffset ?start ; coop:endOffset ?end ; prov:wasDerivedFrom ?doc .
                OPTIONAL {{ ?ev skos:note ?note }} {_EVIDENCE_KIND} }}"""):
            evidence[(row["p"], row["o"])].append(row)
    rows: list[Row] = []
    for pair in pairs:
        rows.extend(evidence.get((pair["p"], pair["o"])) or [pair])
    return rows


def _evidence(row: Row, refs: dict[str, EntityRef]) -> Evidence:
    """One evidence record from a row of ``_EVIDENCE_VARS``; curated unless typed coop:ExtractedEvidence."""
    extracted = row.get("extracted") == "true"
    confidence = row.get("confidence")
    return Evidence(iri=row["ev"], quote=row["quote"], start=int(row["start"]), end=int(row["end"]),
                    document=refs.get(row["doc"]), note=row.get("note"),
                    origin="extracted" if extracted else "curated", modality=row.get("modality"),
                    confidence=_decimal(confidence) if extracted and confidence else None,
                    accepted_by=row.get("acceptedBy") if extracted else None,
                    extracted_at=row.get("extractedAt") if extracted else None)


def _decimal(lexical: str) -> float | None:
    # A malformed confidence in someone else's store shows as unknown rather than failing the page.
    try:
        return float(lexical)
    except ValueError:
        return None


def entity_rdf(store: Constructable, *, base: str, slug: str, limit: int = DATA_STATEMENT_LIMIT) -> bytes:
    """The entity's description as N-Triples: its triples out and in, the labels and types of the
    entities it links to, and the evidence nodes of its statements (a symmetric CBD)."""
    if not is_slug(slug):
        raise EntityNotFoundError(f"{slug!r} is not an entity id")
    me = _ref(entity_iri(base, slug))
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


# -- documents -------------------------------------------------------------------------------------
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
    refs = _refs(store, base, set(firsts) | {r.get("publisher", "") for r in firsts.values()}
                 | {r.get("creator", "") for r in firsts.values() if r.get("creator", "").startswith("http")})
    docs = [_document_record(r, refs, counts.get(d, 0)) for d, r in firsts.items()]
    return sorted(docs, key=lambda d: (d.date or "", d.title), reverse=True)


def document_detail(store: Selectable, *, base: str, slug: str) -> DocumentRecord:
    """A source document with its text and every evidence quote taken from it."""
    iri = _entity_or_404(store, base, slug)
    me = _ref(iri)
    rows = store.select(PREFIXES + f"""SELECT ?d ?title ?publisher ?date ?language ?attribution ?site ?creator
        ?dateNote ?sha ?text WHERE {{ BIND({me} AS ?d) ?d a coop:SourceDocument .
        {_DOC_FIELDS} OPTIONAL {{ ?d schema:text ?text }} }} LIMIT 1""")
    if not rows:
        raise EntityNotFoundError(f"{slug!r} is not a source document")
    quotes = store.select(PREFIXES + f"""SELECT ?s ?p ?o ?isIri ?dt ?lang {_EVIDENCE_VARS} WHERE {{
        ?ev prov:wasDerivedFrom {me} ; a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
            coop:quote ?quote ; coop:startOffset ?start ; coop:endOffset ?end .
        BIND({me} AS ?doc) OPTIONAL {{ ?ev skos:note ?note }} {_EVIDENCE_KIND}
        BIND(IF(isIRI(?o), "true", "false") AS ?isIri) BIND(DATATYPE(?o) AS ?dt) BIND(LANG(?o) AS ?lang)
    }} ORDER BY ?start ?end ?ev LIMIT {EVIDENCE_LIMIT}""")
    row = rows[0]
    iris = {iri, row.get("publisher", ""), row.get("creator", "") if row.get("creator", "").startswith("http") else ""}
    iris |= {q["s"] for q in quotes} | {q["o"] for q in quotes if q.get("isIri") == "true"}
    refs = _refs(store, base, iris)
    ontology = load_ontology()
    record = _document_record(row, refs, len(quotes))
    record.text = row.get("text", "")
    for q in quotes:
        obj: EntityRef | Value = refs[q["o"]] if q.get("isIri") == "true" else Value(
            q["o"], q.get("dt"), q.get("lang") or None)
        record.quotes.append((_evidence(q, refs), refs[q["s"]], q["p"], _predicate_label(ontology, q["p"]), obj))
    return record


# -- search ----------------------------------------------------------------------------------------
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Key for matching: NFKC, case-folded, punctuation to single spaces."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _trigrams(key: str) -> set[str]:
    padded = f" {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class IndexedEntity:
    iri: str
    slug: str
    label: str
    label_zh: str | None
    type: str | None                 # most specific class, local name
    types: frozenset[str]            # every rdf:type IRI
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    entity: IndexedEntity
    score: float                     # 0..1, higher is better
    matched: str                     # the name that matched (label, Chinese label or alias)
    match: str                       # exact | prefix | token | substring | fuzzy


# score bands: every hit of a better kind outranks every hit of a worse kind
_BANDS = {"exact": 0.86, "prefix": 0.7, "token": 0.55, "substring": 0.4, "fuzzy": 0.2}


class LabelIndex:
    """Every rdfs:label and skos:altLabel (all languages) of the entities under ``base``.

    Built once per store version (one scan of labels and types), then searched in memory:
    exact keys by dict, prefixes by bisect over sorted keys, tokens by an inverted index, substrings
    and typos by a trigram index.
    """

    def __init__(self, entities: dict[str, IndexedEntity], names: list[tuple[str, str, str]]) -> None:
        self.entities = entities
        self._names = names                          # (key, iri, original text)
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._tokens: dict[str, set[int]] = defaultdict(set)
        self._trigrams: dict[str, set[int]] = defaultdict(set)
        for i, (key, _iri, _text) in enumerate(names):
            self._exact[key].append(i)
            for token in key.split():
                self._tokens[token].add(i)
            for gram in _trigrams(key):
                self._trigrams[gram].add(i)
        self._sorted_keys = sorted((key, i) for i, (key, _, _) in enumerate(names))
        self._sorted_tokens = sorted(self._tokens)
        self._ordered = sorted(entities.values(), key=lambda e: (e.label.casefold(), e.slug))

    @classmethod
    def build(cls, store: Selectable, *, base: str) -> LabelIndex:
        rows = store.select(PREFIXES + """SELECT ?s ?l ?lang ?kind WHERE {
            { ?s rdfs:label ?l BIND("label" AS ?kind) } UNION { ?s skos:altLabel ?l BIND("alt" AS ?kind) }
            FILTER(isIRI(?s)) BIND(LANG(?l) AS ?lang) }""")
        type_rows = store.select("SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s)) }")
        types: dict[str, set[str]] = defaultdict(set)
        for row in type_rows:
            types[row["s"]].add(row["t"])
        return cls.from_rows(rows, types, base=base)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]], types: Mapping[str, set[str]], *, base: str
                  ) -> LabelIndex:
        """The index of name rows (``?s ?l ?lang ?kind``, kind ``label`` or ``alt``) and each
        subject's types; subjects outside ``{base}id/`` are left out."""
        ontology = load_ontology()
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        aliases: dict[str, list[str]] = defaultdict(list)
        names: list[tuple[str, str, str]] = []
        for row in rows:
            iri = row["s"]
            if slug_of(base, iri) is None:
                continue
            if row["kind"] == "label":
                labels[iri].setdefault(row.get("lang", ""), row["l"])
            else:
                aliases[iri].append(row["l"])
            key = normalise(row["l"])
            if key:
                names.append((key, iri, row["l"]))
        entities = {}
        for iri in set(labels) | set(aliases):
            slug = slug_of(base, iri)
            assert slug is not None
            langs = labels.get(iri, {})
            specific = _most_specific(ontology, types.get(iri, set()))
            entities[iri] = IndexedEntity(
                iri=iri, slug=slug, label=langs.get("en") or langs.get("") or next(iter(langs.values()), slug),
                label_zh=langs.get("zh"), type=_local(specific[0]) if specific else None,
                types=frozenset(types.get(iri, set())), aliases=tuple(sorted(aliases.get(iri, []))))
        return cls(entities, sorted(names))

    def __len__(self) -> int:
        return len(self.entities)

    def list(self, *, types: Iterable[str] = (), offset: int = 0, limit: int = 50) -> tuple[int, list[IndexedEntity]]:
        """Entities sorted by label, optionally of some classes (IRIs); returns (total, page)."""
        wanted = set(types)
        matching = [e for e in self._ordered if not wanted or e.types & wanted]
        return len(matching), matching[offset:offset + limit]

    def type_counts(self) -> Counter[str]:
        return Counter(e.type for e in self.entities.values() if e.type)

    # ``builtins.list``: inside this class ``list`` names the method above.
    def search(self, query: str, *, types: Iterable[str] = (), limit: int = 10) -> builtins.list[SearchHit]:
        """Ranked hits, best first; at most one hit per entity (its best-matching name)."""
        q = normalise(query)
        if not q:
            return []
        wanted = set(types)
        best: dict[str, tuple[float, int, str]] = {}

        def offer(i: int, kind: str, quality: float) -> None:
            key, iri, _text = self._names[i]
            entity = self.entities.get(iri)
            if entity is None or (wanted and not entity.types & wanted):
                return
            score = _BANDS[kind] + min(max(quality, 0.0), 1.0) * 0.14
            if score > best.get(iri, (-1.0, 0, ""))[0]:
                best[iri] = (score, i, kind)

        for i in self._exact.get(q, ()):
            offer(i, "exact", 1.0)
        start = bisect.bisect_left(self._sorted_keys, (q, -1))
        for key, i in self._sorted_keys[start:start + 2000]:
            if not key.startswith(q):
                break
            offer(i, "prefix", len(q) / len(key))
        q_tokens = q.split()
        candidate_sets = []
        for token in q_tokens:
            pos = bisect.bisect_left(self._sorted_tokens, token)
            matched: set[int] = set()
            for label_token in self._sorted_tokens[pos:pos + 500]:
                if not label_token.startswith(token):
                    break
                matched |= self._tokens[label_token]
            candidate_sets.append(matched)
        if candidate_sets:
            for i in set.intersection(*candidate_sets):
                label_tokens = self._names[i][0].split()
                whole = sum(1 for t in q_tokens if t in label_tokens) / len(q_tokens)
                offer(i, "token", 0.5 * whole + 0.5 * len(q_tokens) / len(label_tokens))
        q_grams = _trigrams(q)
        inner = {g for g in q_grams if " " not in g[1:-1] and not (g.startswith(" ") or g.endswith(" "))}
        if len(q) < 3:
            substring_candidates: Iterable[int] = range(len(self._names))
        elif inner:
            substring_candidates = set.intersection(*(self._trigrams.get(g, set()) for g in inner))
        else:
            substring_candidates = ()
        for i in substring_candidates:
            key = self._names[i][0]
            if q in key:
                offer(i, "substring", len(q) / len(key))
        overlap: Counter[int] = Counter()
        for gram in q_grams:
            postings = self._trigrams.get(gram, ())
            if len(postings) < 20000:
                overlap.update(postings)
        for i, shared in overlap.most_common(300):
            dice = 2 * shared / (len(q_grams) + len(_trigrams(self._names[i][0])))
            if dice >= 0.45:
                offer(i, "fuzzy", dice)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self.entities[kv[0]].label.casefold()))
        return [SearchHit(entity=self.entities[iri], score=round(score, 4), matched=self._names[i][2], match=kind)
                for iri, (score, i, kind) in ranked[:limit]]


def resolve_class(name: str) -> str | None:
    """``CustomsDistrict`` / ``coop:CustomsDistrict`` / a full IRI -> the class IRI, if declared."""
    ontology = load_ontology()
    iri = name if name.startswith(("http://", "https://")) else expand_curie(name)
    return iri if iri in ontology.classes else None


# -- statistics ------------------------------------------------------------------------------------
@dataclass
class DatasetStats:
    triples: int
    entities: int
    entities_by_type: dict[str, int]
    relations: int
    relations_by_predicate: dict[str, int]
    documents: int
    evidence: int
    version: str


def dataset_stats(store: Selectable, *, index: LabelIndex, triples: int, version: str) -> DatasetStats:
    """Counts for /api/stats and VoID. Relations are distinct entity-to-entity triples with evidence."""
    by_predicate = {}
    for row in store.select(PREFIXES + """SELECT ?p (COUNT(*) AS ?n) WHERE {
            { SELECT DISTINCT ?s ?p ?o WHERE { ?ev a coop:Evidence ; rdf:subject ?s ; rdf:predicate ?p ;
              rdf:object ?o FILTER(isIRI(?o)) } } } GROUP BY ?p ORDER BY DESC(?n) ?p"""):
        by_predicate[curie(row["p"])] = int(row["n"])
    counts = store.select(PREFIXES + """SELECT
        (SUM(IF(?kind = "doc", 1, 0)) AS ?docs) (SUM(IF(?kind = "ev", 1, 0)) AS ?evidence) WHERE {
        { ?x a coop:SourceDocument BIND("doc" AS ?kind) } UNION { ?x a coop:Evidence BIND("ev" AS ?kind) } }""")
    first = counts[0] if counts else {}
    by_type = dict(sorted(index.type_counts().items(), key=lambda kv: (-kv[1], kv[0])))
    return DatasetStats(
        triples=triples, entities=len(index), entities_by_type=by_type, relations=sum(by_predicate.values()),
        relations_by_predicate=by_predicate, documents=int(first.get("docs", 0)),
        evidence=int(first.get("evidence", 0)), version=version)


def document_rdf(store: Constructable, *, base: str, slug: str, limit: int = EVIDENCE_LIMIT) -> bytes:
    """A source document's triples, the labels of what it names, and every evidence node derived from it."""
    if not is_slug(slug):
        raise EntityNotFoundError(f"{slug!r} is not an entity id")
    me = _ref(entity_iri(base, slug))
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
