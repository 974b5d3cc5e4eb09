"""The two records every read of the graph shares: a reference to an entity, and one piece of evidence.

Entity pages (``graph.entities``), documents, paths and neighbourhoods (``graph.analysis``) all
hand these out, so a quote or a linked entity has one shape wherever it is shown; the JSON API
turns each into one response model (``api.schemas.EntitySummary`` / ``EvidenceQuote``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EntityRef", "Evidence", "Origin"]


@dataclass(frozen=True)
class EntityRef:
    """Another node as a page shows it: where it links and what it is called."""

    iri: str
    slug: str | None                 # None for an IRI outside this dataset
    label: str
    label_zh: str | None = None
    type: str | None = None          # local name of its most specific class, e.g. "CustomsDistrict"


Origin = Literal["curated", "extracted"]


@dataclass(frozen=True)
class Evidence:
    """The exact words of a source document that state a statement, with their character offsets
    in the document's text (``text[start:end] == quote``) and the curator's note, if any.

    ``origin`` says who made it: ``"curated"`` (a fact file, reviewed like code) or ``"extracted"``
    (``coopgraph ingest`` found it and a person or pipeline accepted it; the node is typed
    ``coop:ExtractedEvidence``). ``modality`` is how the quote states the fact: ``"done"``,
    ``"planned"`` or ``"stated"``. ``confidence``, ``accepted_by`` and ``extracted_at`` (the end of
    the ingest activity, an ISO date-time) describe extracted evidence and are None for curated.

    ``quote``, ``start``, ``end`` and ``modality`` are None only where a store lacks them (a partial
    remote copy, a graph built before modalities existed).
    """

    iri: str
    quote: str | None
    start: int | None
    end: int | None
    document: EntityRef | None
    note: str | None = None
    origin: Origin = "curated"
    modality: str | None = None
    confidence: float | None = None
    accepted_by: str | None = None
    extracted_at: str | None = None
    # "text" when the quote only implies the fact, "knowledge" when it is general knowledge the quote
    # does not state (coop:implied); None when the quote states it. ``note`` then says what the text says.
    implied: str | None = None

    @property
    def machine_extracted(self) -> bool:
        """True for evidence that machine extraction found (``origin == "extracted"``)."""
        return self.origin == "extracted"
