"""One document -> Extraction: the stages of an ingest, in order, and nothing else.

The stages live in their own modules; this one only decides the order and what each one sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from coopgraph.graph.ingest.gazetteer import Gazetteer
from coopgraph.graph.ingest.linking import link
from coopgraph.graph.ingest.model import Extraction, IngestDocument
from coopgraph.graph.ingest.ner import CandidateFinder, defined_acronyms
from coopgraph.graph.ingest.relations import find_relations
from coopgraph.graph.ingest.text import sentences
from coopgraph.graph.ingest.write import document_iri

__all__ = ["IngestContext", "extract"]


@dataclass
class IngestContext:
    """What every document of one ingest run is matched against."""

    gazetteer: Gazetteer          # the graph's entities, labels and aliases, read once per run
    finder: CandidateFinder       # new-entity candidates (statistical model + rules, or rules only)
    base: str                     # the IRI base new entities and documents get


def extract(doc: IngestDocument, ctx: IngestContext) -> Extraction:
    spans = sentences(doc.text)
    known = ctx.gazetteer.find(doc.text, spans)
    candidates = ctx.finder.find(doc, spans)
    acronyms = defined_acronyms(doc.text)
    decisions = link(doc, known, candidates, acronyms, ctx.gazetteer, base=ctx.base)
    relations = find_relations(doc, decisions, spans)
    return Extraction(document=doc, iri=document_iri(ctx.base, doc), mentions=decisions, relations=relations)
