"""Every media type we read or write, and content negotiation: Accept header (+ ``format``) -> format.

The one place for media-type strings (``tests/test_layering.py`` keeps it so) and two negotiations:

- :func:`choose_media_type`: the SPARQL endpoint's answer to a query of a kind (SELECT, CONSTRUCT, ...);
  ties go to our order of preference, so browsers get the default;
- :func:`pick_format`: a Linked Data page's format (``html``, ``ttl``, ...); ties go to the client's
  own order, so browsers, which list HTML first, get the page.

Pure functions over module constants, table-tested in ``tests/api/test_negotiation.py``.
``None`` from either means "nothing acceptable": the caller answers 406.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "FORMAT_ALIASES",
    "GRAPH_MEDIA_TYPES",
    "LINKED_DATA_FORMATS",
    "RDF_FORMATS",
    "RESULTS_MEDIA_TYPES",
    "AcceptRange",
    "accept_header",
    "choose_media_type",
    "media_types_for",
    "parse_accept",
    "pick_format",
    "utf8",
]

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"
# Bodies of SPARQL Protocol requests
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
# Pages, JSON answers and view exports
HTML = "text/html"
XHTML = "application/xhtml+xml"
JSON = "application/json"
JAVASCRIPT = "text/javascript"
PLAIN_TEXT = "text/plain"
XML = "application/xml"
TEXT_XML = "text/xml"
GRAPHML = "application/graphml+xml"
GEXF = "application/gexf+xml"
SVG = "image/svg+xml"  # the site icon
# Names some clients and engines use instead of the registered ones
X_TURTLE = "application/x-turtle"
APPLICATION_TURTLE = "application/turtle"
JSON_LD_OLD = "application/json-ld"


def utf8(media_type: str) -> str:
    """The Content-Type of a text body we write: ``utf8(TURTLE)`` -> ``text/turtle; charset=utf-8``."""
    return f"{media_type}; charset=utf-8"


# Ordered: the first is the default when the client accepts anything (*/*, text/html browsers).
RESULTS_MEDIA_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
BOOLEAN_MEDIA_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML)  # CSV/TSV cannot carry a boolean
GRAPH_MEDIA_TYPES: tuple[str, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)

# Other names clients send for the same formats.
MEDIA_TYPE_SYNONYMS: dict[str, str] = {
    # Not application/xml: browsers send it at q=0.9 and should get the default (JSON).
    JSON: SPARQL_JSON,
    X_TURTLE: TURTLE,
    PLAIN_TEXT: N_TRIPLES,  # the historic N-Triples type
    JSON_LD_OLD: JSON_LD,
}

# `format=` short names; results and graph formats share "xml"/"json" by query kind.
FORMAT_ALIASES: dict[str, dict[str, str]] = {
    "results": {"json": SPARQL_JSON, "xml": SPARQL_XML, "csv": CSV, "tsv": TSV},
    "graph": {
        "ttl": TURTLE,
        "turtle": TURTLE,
        "nt": N_TRIPLES,
        "ntriples": N_TRIPLES,
        "n-triples": N_TRIPLES,
        "jsonld": JSON_LD,
        "json-ld": JSON_LD,
        "json": JSON_LD,
        "rdfxml": RDF_XML,
        "rdf": RDF_XML,
        "xml": RDF_XML,
    },
}


# Linked Data pages (/id/{slug}, /documents/{slug}, /ontology, VoID): format name -> the media type we
# answer with; the order is our preference when the client has none. The name is also the URL suffix.
RDF_FORMATS: dict[str, str] = {"ttl": TURTLE, "jsonld": JSON_LD, "nt": N_TRIPLES, "rdf": RDF_XML}
LINKED_DATA_FORMATS: dict[str, str] = {"html": HTML, **RDF_FORMATS}
# Media types clients send that mean one of those formats.
_LINKED_DATA_ACCEPTED: dict[str, str] = {
    HTML: "html", XHTML: "html",
    TURTLE: "ttl", X_TURTLE: "ttl", APPLICATION_TURTLE: "ttl",
    JSON_LD: "jsonld", JSON: "jsonld",
    N_TRIPLES: "nt", PLAIN_TEXT: "nt",
    RDF_XML: "rdf", XML: "rdf", TEXT_XML: "rdf",
}


@dataclass(frozen=True)
class AcceptRange:
    """One media range of an Accept header, e.g. ``text/*;q=0.5``."""

    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return (self.type in ("*", main)) and (self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def accept_header(headers: Any) -> str | None:
    """The request's Accept, all of it: HTTP lets a client send the field on several lines, which
    mean the same as one comma-separated list (RFC 9110, 5.3); Starlette's ``get`` keeps the first."""
    values = headers.getlist("accept")
    return ", ".join(values) if values else None


def parse_accept(header: str | None, synonyms: dict[str, str] | None = None) -> list[AcceptRange]:
    """Parse an Accept header; malformed ranges are skipped, a missing header means ``*/*``.

    ``synonyms`` rewrites media types (default: the SPARQL endpoint's ``MEDIA_TYPE_SYNONYMS``).
    """
    synonyms = MEDIA_TYPE_SYNONYMS if synonyms is None else synonyms
    if header is None or not header.strip():
        return [AcceptRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        media = synonyms.get(media, media)
        main, _, sub = media.partition("/")
        if not main or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(AcceptRange(main, sub, q))
    return ranges


def media_types_for(kind: str) -> tuple[str, ...]:
    """The media types we can write for a query kind (SELECT/ASK/CONSTRUCT/DESCRIBE)."""
    if kind in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_MEDIA_TYPES
    if kind == "ASK":
        return BOOLEAN_MEDIA_TYPES
    return RESULTS_MEDIA_TYPES


def _quality(media_type: str, ranges: list[AcceptRange]) -> float:
    """q of the most specific range that matches (RFC 9110 §12.5.1)."""
    best: AcceptRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best is not None else 0.0


def choose_media_type(kind: str, accept: str | None, format: str | None = None) -> str | None:
    """The media type to answer a ``kind`` query with, or ``None`` when nothing is acceptable.

    ``format`` (a short name such as ``csv``/``ttl`` or a media type) wins over Accept; an unknown
    or unsuitable ``format`` gives ``None``. Among Accept ranges the highest q wins and ties go to
    our order of preference, so ``text/html,...,*/*;q=0.8`` from a browser gets the default.
    """
    offered = media_types_for(kind)
    if format is not None and format.strip():
        name = format.strip().lower()
        family = "graph" if offered is GRAPH_MEDIA_TYPES else "results"
        media = FORMAT_ALIASES[family].get(name) or MEDIA_TYPE_SYNONYMS.get(name, name)
        return media if media in offered else None
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for media in offered:
        q = _quality(media, ranges)
        if q > best_q:
            best, best_q = media, q
    return best


def pick_format(accept: str | None, offered: tuple[str, ...], default: str) -> str | None:
    """The offered Linked Data format (a key of ``LINKED_DATA_FORMATS``) the Accept header likes best;
    ``default`` for no header.

    Highest q wins; on equal q the more specific range (``text/turtle`` over ``text/*`` over
    ``*/*``), then the one the client listed first, then our order (``default`` first). None when
    nothing offered is acceptable (406). The scoring differs from :func:`choose_media_type`'s because
    here the client's own order breaks ties (browsers list HTML first).

    >>> pick_format("text/html,application/xml;q=0.9,*/*;q=0.8", ("html", "ttl"), "ttl")
    'html'
    >>> pick_format("*/*", ("html", "ttl"), "ttl")
    'ttl'
    """
    if not accept or not accept.strip():
        return default
    ranges = list(enumerate(parse_accept(accept, synonyms={})))
    best: tuple[float, int, int, int] | None = None
    choice = None
    for preference, fmt in enumerate((default, *[f for f in offered if f != default])):
        match: tuple[int, float, int] | None = None     # (specificity, q, -position) of the closest range
        for name in (m for m, f in _LINKED_DATA_ACCEPTED.items() if f == fmt):
            for position, accepted in ranges:
                if accepted.matches(name):
                    candidate = (accepted.specificity, accepted.q, -position)
                    if match is None or candidate > match:
                        match = candidate
        if match is None or match[1] <= 0:
            continue
        score = (match[1], match[0], match[2], -preference)
        if best is None or score > best:
            best, choice = score, fmt
    return choice
