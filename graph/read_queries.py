"""What the read side's fixed SPARQL shares: prefixes, IRI quoting, entity references, evidence rows.

The read modules (``graph.entities``, ``graph.documents``, ``graph.search``, ``graph.stats``) run OUR
queries, each bounded by a LIMIT, against any store with ``select`` / ``construct``. User input
never reaches the query text: callers pass a slug that ``graph.ids.is_slug`` accepted, and every
IRI written into a query goes through ``iri_term``, which refuses what could end it and inject SPARQL.

    >>> iri_term("https://coopgraph.org/id/chongqing-customs")
    '<https://coopgraph.org/id/chongqing-customs>'
    >>> is_safe_iri("urn:a> } DROP ALL {")
    False
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.ids import entity_iri, is_slug, slug_of
from coopgraph.graph.namespaces import COOP_NS
from coopgraph.graph.ontology import Ontology, load_ontology
from coopgraph.graph.records import EntityRef, Evidence
from coopgraph.graph.store.base import Row

__all__ = [
    "EVIDENCE_KIND", "EVIDENCE_VARS", "PREFIXES", "RDFS_LABEL", "RDF_TYPE", "SKOS_ALT", "Constructable",
    "Selectable", "entity_refs", "evidence_of_row", "existing_entity", "iri_term", "is_safe_iri",
    "local_name", "most_specific", "predicate_label",
]

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

_BAD_IRI_CHARS = re.compile(r'[\s<>"{}|^`\\]')


class Selectable(Protocol):
    def select(self, sparql: str) -> list[Row]: ...


class Constructable(Protocol):
    def construct(self, sparql: str) -> bytes: ...


def is_safe_iri(iri: str) -> bool:
    """Whether ``iri`` can be written as ``<iri>`` in a query without ending it early."""
    return bool(iri) and not _BAD_IRI_CHARS.search(iri)


def iri_term(iri: str) -> str:
    """``<iri>`` for a query; refuses anything that could end the IRI and inject SPARQL."""
    if not is_safe_iri(iri):
        raise ValueError(f"not a safe IRI: {iri!r}")
    return f"<{iri}>"


def local_name(iri: str) -> str:
    """The last segment of an IRI (after its last ``#`` or ``/``).

    >>> local_name("https://coopgraph.org/ontology#CustomsDistrict")
    'CustomsDistrict'
    """
    return re.split(r"[#/]", iri)[-1]


# -- names of things -------------------------------------------------------------------------------
def predicate_label(ontology: Ontology, iri: str) -> str:
    return ontology.label(iri) or local_name(iri)


def most_specific(ontology: Ontology, types: Iterable[str]) -> list[str]:
    known = {t for t in types if t in ontology.classes}
    return ontology.most_specific(known) if known else sorted(types)


def entity_refs(store: Selectable, base: str, iris: Iterable[str]) -> dict[str, EntityRef]:
    """Labels and most specific type of each IRI, in one bounded query."""
    wanted = sorted({i for i in iris if i})
    refs: dict[str, EntityRef] = {}
    ontology = load_ontology()
    for chunk_start in range(0, len(wanted), 200):
        chunk = wanted[chunk_start:chunk_start + 200]
        rows = store.select(PREFIXES + "SELECT ?x ?label ?lang ?t WHERE { VALUES ?x { "
                            + " ".join(iri_term(i) for i in chunk) + " } "
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
            specific = most_specific(ontology, types.get(iri, set()))
            slug = slug_of(base, iri)
            refs[iri] = EntityRef(
                iri=iri, slug=slug,
                label=names.get("en") or names.get("") or next(iter(names.values()), None) or slug or iri,
                label_zh=names.get("zh"),
                type=local_name(specific[0]) if specific else None)
    return refs


def existing_entity(store: Selectable, base: str, slug: str) -> str:
    """The IRI of entity ``slug``; EntityNotFoundError when the slug is malformed or names nothing."""
    if not is_slug(slug):
        raise EntityNotFoundError(f"{slug!r} is not an entity id (ids look like 'chongqing-customs')")
    iri = entity_iri(base, slug)
    if not store.select(f"SELECT ?p WHERE {{ {iri_term(iri)} ?p ?o }} LIMIT 1"):
        raise EntityNotFoundError(f"no entity {slug!r}")
    return iri


# What kind of fact a piece of evidence states (modality) and, for machine-extracted evidence, how
# sure the extraction was, who accepted it and when: the fields of ``graph.records.Evidence`` beyond
# the quote. ``?extracted`` is bound only on evidence typed coop:ExtractedEvidence.
EVIDENCE_KIND = """OPTIONAL { ?ev coop:modality ?modality }
           OPTIONAL { ?ev coop:implied ?implied }
           OPTIONAL { ?ev a coop:ExtractedEvidence . BIND("true" AS ?extracted)
                      OPTIONAL { ?ev coop:confidence ?confidence }
                      OPTIONAL { ?ev coop:acceptedBy ?acceptedBy }
                      OPTIONAL { ?ev prov:wasGeneratedBy/prov:endedAtTime ?extractedAt } }"""
EVIDENCE_VARS = "?ev ?quote ?start ?end ?doc ?note ?modality ?extracted ?confidence ?acceptedBy ?extractedAt ?implied"


def evidence_of_row(row: Row, refs: dict[str, EntityRef]) -> Evidence:
    """One evidence record from a row of ``EVIDENCE_VARS``; curated unless typed coop:ExtractedEvidence."""
    extracted = row.get("extracted") == "true"
    confidence = row.get("confidence")
    return Evidence(iri=row["ev"], quote=row["quote"], start=int(row["start"]), end=int(row["end"]),
                    document=refs.get(row["doc"]), note=row.get("note"),
                    origin="extracted" if extracted else "curated", modality=row.get("modality"),
                    confidence=_decimal(confidence) if extracted and confidence else None,
                    accepted_by=row.get("acceptedBy") if extracted else None,
                    extracted_at=row.get("extractedAt") if extracted else None, implied=row.get("implied"))


def _decimal(lexical: str) -> float | None:
    # A malformed confidence in someone else's store shows as unknown rather than failing the page.
    try:
        return float(lexical)
    except ValueError:
        return None

