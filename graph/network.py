"""RDF -> networkx: the projection every analysis and view works on.

``project(store, base=...)`` turns the store's default graph into an ``nx.MultiDiGraph``:

- **nodes** are the entities under ``{base}id/`` (node key = the entity IRI), except source
  documents and evidence nodes, with attributes ``slug``, ``label``, ``label_zh``, ``aliases``,
  ``types`` (most specific ``coop:`` classes, local names, sorted), ``type`` (the first of them),
  ``date`` (the entity's xsd:date / gYearMonth / gYear literal, if any), ``documents`` (slugs of
  the documents that mention it) and ``classes`` (every ``coop:`` class incl. superclasses, for
  type filters: ``Region`` matches a province). Literals stay attributes, never nodes: they would pollute
  centrality (see ``rdflib.extras.external_graph_libs``, which makes them nodes).
- **edges** are the triples between two such nodes, keyed by predicate IRI, with ``predicate``,
  ``predicate_label`` (from the ontology) and ``evidence`` (IRIs into ``G.graph["evidence"]``), in a
  read-only ``Relation`` dict (shared by the edges of a predicate that have no evidence).
- **graph data**: ``version`` (the store version the projection was built from), ``base``,
  ``evidence`` ``{iri: EvidenceRecord}`` (read-only mappings of ``quote``, ``document``,
  ``document_title``, ``start``, ``end``, ``note``, ``origin``, ``modality``, ``confidence``,
  ``accepted_by``, ``extracted_at``, ``implied``; read as ``graph.records.Evidence`` by
  ``graph.analysis.evidence_of``; ``origin`` is "extracted" for evidence typed
  ``coop:ExtractedEvidence``, else "curated") and ``predicates`` ``{iri: label}``.

A handful of whole-graph SELECTs, streamed row by row; no query per node, so the cost grows with
the number of triples, not with round trips.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import networkx as nx

from coopgraph.graph.frozen import Record, Relation
from coopgraph.graph.ids import normalise_base
from coopgraph.graph.namespaces import COOP_NS
from coopgraph.graph.store.base import ONTOLOGY_GRAPH

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["project", "project_graph", "node_for", "iter_hop_edges", "DATE_DATATYPES", "Relation", "EvidenceRecord",
           "EVIDENCE_FIELDS"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
# Most precise first: a full date beats a year-month beats a year.
DATE_DATATYPES = (_XSD + "date", _XSD + "gYearMonth", _XSD + "gYear")
# An ingest activity is provenance, not an entity, wherever its IRI was minted.
_EXCLUDED_TYPES = frozenset({COOP_NS + "SourceDocument", COOP_NS + "Evidence", COOP_NS + "Ingest"})

_PREFIXES = """\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX coop: <https://coopgraph.org/ontology#>
"""

# On an on-disk Oxigraph, decoding the terms of a result costs far more than matching them, and
# per-row FILTERs are slow; so the projection asks simple one-predicate patterns (index range scans)
# and joins in Python. Reified evidence makes up most triples of a typical store: its predicates are
# read once each, never scanned as candidate edges.
_Q_PREDICATES = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
_Q_TYPES = _PREFIXES + "SELECT ?s ?t WHERE { ?s rdf:type ?t FILTER(?t != coop:Evidence) }"
_Q_NAMES = (
    _PREFIXES
    + """SELECT ?s ?p ?o ?lang WHERE {
  VALUES ?p { rdfs:label skos:altLabel } ?s ?p ?o BIND(LANG(?o) AS ?lang) }"""
)
_Q_MENTIONS = _PREFIXES + "SELECT ?d ?e WHERE { ?d schema:mentions ?e }"
_Q_TITLES = (
    _PREFIXES
    + """SELECT ?doc ?title WHERE {
  ?doc rdf:type coop:SourceDocument ; dcterms:title ?title }"""
)
_Q_EXTRACTED = _PREFIXES + "SELECT ?ev WHERE { ?ev rdf:type coop:ExtractedEvidence }"
_Q_PAIRS = "SELECT ?s ?o WHERE { ?s <%s> ?o }"
# The same, for stores that answer with plain strings (no term kinds): say which objects are IRIs.
_Q_PAIRS_TYPED = """SELECT ?s ?o ?dt WHERE { ?s <%s> ?o
  BIND(IF(isIRI(?o), "IRI", STR(DATATYPE(?o))) AS ?dt) }"""

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PROV = "http://www.w3.org/ns/prov#"
# Predicate -> field. ``activity`` (the ingest that wrote extracted evidence) and ``ended`` (keyed by
# that activity) give an extracted fact's time of acceptance.
_EVIDENCE_FIELDS = {
    _RDF + "subject": "s",
    _RDF + "predicate": "p",
    _RDF + "object": "o",
    COOP_NS + "quote": "quote",
    COOP_NS + "startOffset": "start",
    COOP_NS + "endOffset": "end",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "doc",
    "http://www.w3.org/2004/02/skos/core#note": "note",
    COOP_NS + "modality": "modality",
    COOP_NS + "implied": "implied",
    COOP_NS + "confidence": "confidence",
    COOP_NS + "acceptedBy": "accepted_by",
    _PROV + "wasGeneratedBy": "activity",
    _PROV + "endedAtTime": "ended",
}
# Predicates that never link two entities nor date one: not scanned for edges.
_NOT_RELATIONS = frozenset(_EVIDENCE_FIELDS) | {
    _RDF + "type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#note",
    "https://schema.org/mentions",
    "https://schema.org/text",
    COOP_NS + "sha256",
    COOP_NS + "linkReason",
    COOP_NS + "statedDate",
    COOP_NS + "dateInferred",
    COOP_NS + "machineExtracted",
    _PROV + "used",
    _PROV + "wasAssociatedWith",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/bibliographicCitation",
}
_Q_ONTOLOGY_LABELS = (
    _PREFIXES
    + f"""SELECT ?t ?label ?lang WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
  ?t rdfs:label ?label BIND(LANG(?label) AS ?lang) }} }}"""
)
_Q_SUBCLASS = (
    _PREFIXES
    + f"""SELECT ?c ?super WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
  ?c rdfs:subClassOf ?super FILTER(isIRI(?super)) }} }}"""
)


# The one empty list that every relation without evidence, and every entity without aliases or
# documents, holds (at 1M triples three in four relations have no evidence: 145,000 lists of 56
# bytes each). Shared, so never mutated in place: the projection is read-only once built, and
# code that derives a graph from it copies these lists (graph.view_export).
_NONE: list[Any] = []


EVIDENCE_FIELDS = ("quote", "document", "document_title", "start", "end", "note", "modality", "implied",
                   "origin", "confidence", "accepted_by", "extracted_at")


class EvidenceRecord(Record):
    """One piece of evidence as the projection keeps it: a read-only mapping of EVIDENCE_FIELDS
    (None when the store says nothing), a quarter of the size of a dict of them (128 bytes against
    464; 51,000 records at 1M triples).

    >>> record = EvidenceRecord(quote="A met B", document="doc", start=0, end=7, origin="curated")
    >>> record["quote"], record.get("note"), record == dict(record), len(record)
    ('A met B', None, True, 12)
    """

    __slots__ = EVIDENCE_FIELDS


def project(store: Any, *, base: str) -> nx.MultiDiGraph[str]:
    """Project the store's default graph to a MultiDiGraph of entities and their relations.

    Parameters
    ----------
    store : graph.store.oxigraph.OxigraphStore or any object with ``select(sparql)``
        Streams rows when it also has ``query`` returning pyoxigraph solutions.
    base : str
        The entity base; nodes are the IRIs under ``{base}id/``.

    Returns
    -------
    networkx.MultiDiGraph
        See the module docstring for the node, edge and graph attributes.
    """
    base = normalise_base(base)
    version = store.version() if hasattr(store, "version") else None
    return _Projector(store, base=base, version=version).run()


def project_graph(rdf: Graph, *, base: str, version: str | None = None) -> nx.MultiDiGraph[str]:
    """Project an in-memory rdflib Graph (notebooks, tests) the same way ``project`` does.

    The graph is loaded into an in-memory Oxigraph with the packaged ontology, so both paths run
    the very same queries.

    >>> from rdflib import Graph
    >>> g = Graph().parse(format="turtle", data='''
    ... @prefix coop: <https://coopgraph.org/ontology#> .
    ... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... <https://ex.org/id/a> a coop:City ; rdfs:label "A"@en ; coop:locatedIn <https://ex.org/id/b> .
    ... <https://ex.org/id/b> a coop:Province ; rdfs:label "B"@en .
    ... ''')
    >>> G = project_graph(g, base="https://ex.org/")
    >>> G.nodes["https://ex.org/id/a"]["type"], G.nodes["https://ex.org/id/b"]["label"]
    ('City', 'B')
    >>> [d["predicate_label"] for _, _, d in G.edges(data=True)]
    ['located in']
    """
    import pyoxigraph as ox

    from coopgraph.graph.resources import ontology_file

    db = ox.Store()
    db.bulk_load(rdf.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    db.bulk_load(
        ontology_file().read_bytes(),
        format=ox.RdfFormat.TURTLE,
        base_iri=ONTOLOGY_GRAPH,
        to_graph=ox.NamedNode(ONTOLOGY_GRAPH),
    )
    return _Projector(db, base=normalise_base(base), version=version).run()


def node_for(G: nx.MultiDiGraph[str], ref: str) -> str:
    """The node of ``ref`` (a node key, i.e. an entity IRI, or a slug); EntityNotFoundError if none.

    >>> G = nx.MultiDiGraph(base="https://ex.org/")
    >>> G.add_node("https://ex.org/id/a", slug="a")
    >>> node_for(G, "a")
    'https://ex.org/id/a'
    """
    from coopgraph.graph.errors import EntityNotFoundError

    if ref in G:
        return ref
    base = G.graph.get("base")
    if base is not None:
        candidate = f"{base}id/{ref}"
        if candidate in G:
            return candidate
    raise EntityNotFoundError(f"no entity {ref!r} in the graph")


class _Projector:
    def __init__(self, store: Any, *, base: str, version: str | None) -> None:
        self.store, self.base, self.version = store, base, version
        self.prefix = base + "id/"

    @property
    def typed_terms(self) -> bool:
        """True when rows come as RDF terms (pyoxigraph), False for plain strings (``select``)."""
        return hasattr(self.store, "query")

    def terms(self, sparql: str, names: tuple[str, ...]) -> list[list[str]]:
        """Solutions as lists of SPARQL-TSV terms (``<iri>``, ``"lit"@en``, ``""`` when unbound).

        The results are serialised in Rust and split in C: several times faster than building a
        Python object per term.
        """
        import pyoxigraph as ox

        text = self.store.query(sparql).serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
        lines = text.split("\n")
        header = [name.lstrip("?") for name in lines[0].split("\t")]
        positions = [header.index(name) for name in names]
        rows = [line.split("\t") for line in lines[1:] if line]
        if positions == list(range(len(header))):
            return rows
        return [[row[i] for i in positions] for row in rows]

    def rows(self, sparql: str, names: tuple[str, ...]) -> Iterator[tuple[str | None, ...]]:
        """Solutions as tuples of plain strings (IRI, literal's lexical form; None when unbound)."""
        if self.typed_terms:
            for cells in self.terms(sparql, names):
                yield tuple(_value(cell) for cell in cells)
        else:
            for row in self.store.select(sparql):
                yield tuple(row.get(name) for name in names)

    def values(self, predicate: str, *, iri: bool) -> dict[str, str]:
        """subject -> object (plain value) of one predicate; the first object when there are several."""
        found: dict[str, str] = {}
        if not self.typed_terms:
            for subject, value in self.rows(_Q_PAIRS % predicate, ("s", "o")):
                if subject is not None and value is not None:
                    found.setdefault(subject, value)
            return found
        cells = list(self.terms(_Q_PAIRS % predicate, ("s", "o")))
        cells.reverse()  # so that the first object wins in the dict below
        if iri:
            return {subject[1:-1]: value[1:-1] for subject, value in cells}
        return {subject[1:-1]: _value(value) or "" for subject, value in cells}

    def pairs(self, predicate: str) -> Iterator[tuple[str, str, str | None]]:
        """(subject, object, datatype) of one predicate; datatype None when the object is an IRI."""
        if self.typed_terms:
            for s, o in self.terms(_Q_PAIRS % predicate, ("s", "o")):
                if o.startswith("<"):
                    yield s[1:-1], o[1:-1], None
                elif o.startswith('"'):
                    yield s[1:-1], _value(o) or "", _datatype(o)
        else:
            for subject, obj, dt in self.rows(_Q_PAIRS_TYPED % predicate, ("s", "o", "dt")):
                if subject is not None and obj is not None:
                    yield subject, obj, None if dt == "IRI" else dt

    def run(self) -> nx.MultiDiGraph[str]:
        labels, parents = self.ontology()
        G: nx.MultiDiGraph[str] = nx.MultiDiGraph(version=self.version, base=self.base)
        nodes = self.nodes(G, parents)
        self.names(G)
        self.mentions(G)
        predicates = sorted(p for (p,) in self.rows(_Q_PREDICATES, ("p",)) if p is not None)
        evidence, by_triple = self.evidence(nodes, predicates)
        dates: dict[str, tuple[int, str]] = {}
        used: dict[str, str] = {}
        unsourced: dict[str, Relation] = {}  # predicate -> the data its edges without evidence share
        succ, pred = G._succ, G._pred  # type: ignore[attr-defined]  # the stubs omit them
        for p in predicates:
            if p in _NOT_RELATIONS:
                continue
            for s, o, datatype in self.pairs(p):
                subject = nodes.get(s)
                if subject is None:
                    continue
                if datatype is None:
                    target = nodes.get(o)
                    if target is not None:
                        label = used.get(p)
                        if label is None:
                            label = used[p] = labels.get(p) or _humanise(_local(p))
                        evidence_iris = by_triple.get((s, p, o))
                        if evidence_iris is None:
                            data = unsourced.get(p)
                            if data is None:
                                data = unsourced[p] = Relation(predicate=p, predicate_label=label, evidence=_NONE)
                        else:
                            data = Relation(predicate=p, predicate_label=label, evidence=evidence_iris)
                        # What G.add_edge does, but keeping the shared data object (add_edge copies
                        # the attributes into a new dict per edge). The node keys themselves, not
                        # the equal strings this row was cut into: networkx keeps the given objects
                        # as adjacency keys, and at 1M triples a fresh copy of both IRIs per
                        # relation held some 30 MB.
                        keys = succ[subject].get(target)
                        if keys is None:
                            keys = succ[subject][target] = pred[target][subject] = {}
                        keys[p] = data
                elif datatype in DATE_DATATYPES:
                    rank = (DATE_DATATYPES.index(datatype), o)
                    if s not in dates or rank < dates[s]:
                        dates[s] = rank
        for node, (_rank, value) in dates.items():
            G.nodes[node]["date"] = value
        G.graph["evidence"] = evidence
        G.graph["predicates"] = dict(sorted(used.items()))
        return G

    def ontology(self) -> tuple[dict[str, str], dict[str, set[str]]]:
        """Labels of terms (English preferred) and direct superclasses, from the ontology graph."""
        ranked: dict[str, tuple[int, str]] = {}
        for term, label, lang in self.rows(_Q_ONTOLOGY_LABELS, ("t", "label", "lang")):
            if term is not None and label is not None:
                rank = (0 if lang == "en" else 1 if not lang else 2, label)
                if term not in ranked or rank < ranked[term]:
                    ranked[term] = rank
        labels = {term: label for term, (_rank, label) in ranked.items()}
        parents: dict[str, set[str]] = defaultdict(set)
        for cls, sup in self.rows(_Q_SUBCLASS, ("c", "super")):
            if cls is not None and sup is not None:
                parents[cls].add(sup)
        if not labels and not parents:  # no ontology graph in this store: use the packaged one
            from coopgraph.graph.ontology import load_ontology

            ontology = load_ontology()
            for cls, sups in ontology.superclasses.items():
                parents[cls] |= set(sups) - {cls}
            for term in ontology.properties | ontology.classes:
                label = ontology.label(term)
                if label is not None:
                    labels[term] = label
        return labels, parents

    def nodes(self, G: nx.MultiDiGraph[str], parents: dict[str, set[str]]) -> dict[str, str]:
        """Add the entities to G; returns each node key mapped to itself (the one string object
        that edges then reuse)."""
        types: dict[str, set[str]] = defaultdict(set)
        for s, t in self.rows(_Q_TYPES, ("s", "t")):
            if s is not None and t is not None and s.startswith(self.prefix):
                types[s].add(t)
        ancestors = _Ancestors(parents)
        class_lists: dict[frozenset[str], tuple[list[str], list[str]]] = {}
        for iri, classes in types.items():
            if classes & _EXCLUDED_TYPES:
                continue
            coop = frozenset(c for c in classes if c.startswith(COOP_NS))
            # Entities of the same classes share one ``types`` and one ``classes`` list (a few
            # hundred distinct sets at 1M triples, against a list pair per entity): nothing
            # mutates them in place (graph.view_export assigns a new list to a copy's node).
            shared = class_lists.get(coop)
            if shared is None:
                shared = class_lists[coop] = (
                    sorted(_local(c) for c in coop if not any(c != other and c in ancestors(other) for other in coop)),
                    sorted(_local(c) for c in coop),
                )
            specific, every_class = shared
            G.add_node(
                iri,
                slug=iri[len(self.prefix) :],
                label=None,
                label_zh=None,
                aliases=[],
                types=specific,
                type=specific[0] if specific else None,
                date=None,
                documents=[],
                classes=every_class,
            )
        return {node: node for node in G}

    def names(self, G: nx.MultiDiGraph[str]) -> None:
        fallback: dict[str, str] = {}
        for s, p, o, lang in self.rows(_Q_NAMES, ("s", "p", "o", "lang")):
            if s is None or s not in G or o is None:
                continue
            data = G.nodes[s]
            if p is not None and p.endswith("#altLabel"):
                data["aliases"].append(o)
            elif lang == "en" and data["label"] is None:
                data["label"] = o
            elif lang == "zh" and data["label_zh"] is None:
                data["label_zh"] = o
            else:
                fallback.setdefault(s, o)
        for node, data in G.nodes(data=True):
            data["aliases"].sort()
            if not data["aliases"]:
                data["aliases"] = _NONE
            if data["label"] is None:
                data["label"] = fallback.get(node) or data["slug"]

    def mentions(self, G: nx.MultiDiGraph[str]) -> None:
        slugs: dict[str, str] = {}  # one string per document slug, however many entities it mentions
        for doc, entity in self.rows(_Q_MENTIONS, ("d", "e")):
            if entity is not None and entity in G and doc is not None and doc.startswith(self.prefix):
                slug = slugs.get(doc)
                if slug is None:
                    slug = slugs[doc] = doc[len(self.prefix) :]
                G.nodes[entity]["documents"].append(slug)
        for _node, data in G.nodes(data=True):
            data["documents"] = sorted(set(data["documents"])) if data["documents"] else _NONE

    def evidence(
        self, nodes: dict[str, str], predicates: list[str]
    ) -> tuple[dict[str, EvidenceRecord], dict[tuple[str, str, str], list[str]]]:
        """Evidence records of relations between nodes, and the evidence IRIs of each triple."""
        fields = {
            name: self.values(predicate, iri=name in ("s", "p", "o", "doc", "activity"))
            for predicate, name in _EVIDENCE_FIELDS.items()
            if predicate in predicates
        }
        if any(name not in fields for name in ("s", "p", "o", "doc")):
            return {}, {}
        subjects, props, objects, docs = fields["s"], fields["p"], fields["o"], fields["doc"]
        quotes, starts, ends = fields.get("quote", {}), fields.get("start", {}), fields.get("end", {})
        notes, modalities, implied = fields.get("note", {}), fields.get("modality", {}), fields.get("implied", {})
        confidences, accepted = fields.get("confidence", {}), fields.get("accepted_by", {})
        activities, ended = fields.get("activity", {}), fields.get("ended", {})
        extracted = {ev for (ev,) in self.rows(_Q_EXTRACTED, ("ev",)) if ev is not None}
        titles = {doc: title for doc, title in self.rows(_Q_TITLES, ("doc", "title")) if doc is not None}
        evidence: dict[str, EvidenceRecord] = {}
        by_triple: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        slugs: dict[str, str] = {}  # one string per document, not one per piece of evidence
        for ev, s in subjects.items():
            o, p, doc = objects.get(ev), props.get(ev), docs.get(ev)
            if s not in nodes or o not in nodes or p is None or doc is None:
                continue
            slug = slugs.get(doc)
            if slug is None:
                slug = slugs[doc] = doc[len(self.prefix) :] if doc.startswith(self.prefix) else doc
            common = {
                "quote": quotes.get(ev),
                "document": slug,
                "document_title": titles.get(doc),
                "start": _int(starts.get(ev)),
                "end": _int(ends.get(ev)),
                "note": notes.get(ev),
                "modality": modalities.get(ev),
                "implied": implied.get(ev),
            }
            if ev in extracted:
                activity = activities.get(ev)
                evidence[ev] = EvidenceRecord(**common, origin="extracted", confidence=_float(confidences.get(ev)),
                                              accepted_by=accepted.get(ev),
                                              extracted_at=ended.get(activity) if activity else None)
            else:
                evidence[ev] = EvidenceRecord(**common, origin="curated")
            by_triple[(s, p, o)].append(ev)
        for evs in by_triple.values():
            evs.sort(key=lambda e: (evidence[e]["document"] or "", evidence[e]["start"] or 0, e))
        return evidence, dict(by_triple)


class _Ancestors:
    """Memoised reflexive-transitive superclasses."""

    def __init__(self, parents: dict[str, set[str]]) -> None:
        self.parents = parents
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, cls: str) -> frozenset[str]:
        found = self.cache.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            found = self.cache[cls] = frozenset(seen)
        return found


def _value(cell: str) -> str | None:
    """The plain value of one SPARQL-TSV term: IRI, lexical form of a literal, blank node id."""
    if not cell:
        return None
    first = cell[0]
    if first == "<":
        return cell[1:-1]
    if first == '"':
        lexical = cell[1 : cell.rindex('"')]
        return _unescape(lexical) if "\\" in lexical else lexical
    return cell  # a number or boolean written bare, or a blank node


def _datatype(cell: str) -> str:
    """The datatype IRI of a quoted SPARQL-TSV literal (xsd:string when it has none)."""
    tail = cell[cell.rindex('"') + 1 :]
    if tail.startswith("^^<"):
        return tail[3:-1]
    return _RDF + "langString" if tail.startswith("@") else "http://www.w3.org/2001/XMLSchema#string"


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE_RE.sub(replace, text)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _humanise(name: str) -> str:
    """``signatoryOf`` -> ``signatory of`` (for predicates the ontology has no label for)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def iter_hop_edges(G: nx.MultiDiGraph[str], u: str, v: str) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
    """Every edge between ``u`` and ``v`` in either direction, as (subject, object, key, data)."""
    # Edge keys are predicate IRIs (strings); networkx types them only as Hashable.
    for key, data in (G.get_edge_data(u, v) or {}).items():
        yield u, v, str(key), data
    if u != v:
        for key, data in (G.get_edge_data(v, u) or {}).items():
            yield v, u, str(key), data
