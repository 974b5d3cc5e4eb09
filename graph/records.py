"""The two records every read of the graph shares: a reference to an entity, and one piece of evidence.

Entity pages (``graph.entities``), documents, paths and neighbourhoods (``graph.analysis``) all
hand these out, so a quote or a linked entity has one shape wherever it is shown; the JSON API
turns each into one response model (``api.schemas.EntitySummary`` / ``EvidenceQuote``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EntityRef", "Evidence"]


@dataclass(frozen=True)
class EntityRef:
    """Another node as a page shows it: where it links and what it is called."""

    iri: str
    slug: str | None                 # None for an IRI outside this dataset
    label: str
    label_zh: str | None = None
    type: str | None = None          # local name of its most specific class, e.g. "CustomsDistrict"


@dataclass(frozen=True)
class Evidence:
    """The exact words of a source document that state a statement, with their character offsets
    in the document's text (``text[start:end] == quote``) and the curator's note, if any.

    ``quote``, ``start`` and ``end`` are None only where a store lacks them (a partial remote copy).
    """

    iri: str
    quote: str | None
    start: int | None
    end: int | None
    document: EntityRef | None
    note: str | None = None
