"""The only place that builds route paths, for templates and JSON links.

Paths are relative to the server root (``/id/chongqing-customs``); ``absolute(base_url, path)`` makes
them absolute where a format needs it (VoID, Link headers stay relative as RFC 8288 allows).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

__all__ = [
    "absolute", "api_document", "api_documents", "api_entities", "api_entity", "api_search", "api_stats",
    "document", "documents", "embed", "entities", "entity", "explorer", "export", "ontology", "query",
    "search", "shapes", "sparql", "void",
    "review", "review_document", "api_review", "api_review_document", "api_review_decisions",
    "api_review_accept_all", "api_review_apply",
]

RDF_SUFFIXES = ("ttl", "jsonld", "nt", "rdf")


def _with_query(path: str, params: dict[str, object]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    return f"{path}?{urlencode(clean, doseq=True)}" if clean else path


def entity(slug: str, format: str | None = None) -> str:
    """``/id/{slug}``, or ``/id/{slug}.ttl`` for a machine format."""
    path = f"/id/{quote(slug, safe='')}"
    return f"{path}.{format}" if format and format != "html" else path


def entities(type: str | None = None, q: str | None = None, page: int | None = None,
             per_page: int | None = None) -> str:
    return _with_query("/entities", {"type": type, "q": q, "page": page if page and page > 1 else None,
                                     "per_page": per_page})


def document(slug: str, quote_span: tuple[int, int] | None = None, format: str | None = None) -> str:
    """``/documents/{slug}`` (``#q-{start}-{end}`` for one quoted sentence)."""
    path = f"/documents/{quote(slug, safe='')}"
    if format and format != "html":
        path = f"{path}.{format}"
    return f"{path}#{quote_anchor(*quote_span)}" if quote_span else path


def quote_anchor(start: int, end: int) -> str:
    """The element id of a quoted span on a document page."""
    return f"q-{int(start)}-{int(end)}"


def documents() -> str:
    return "/documents"


def search(q: str | None = None, types: str | None = None) -> str:
    return _with_query("/search", {"q": q, "types": types})


def explorer(focus: str | None = None) -> str:
    return _with_query("/", {"focus": focus})


def embed(focus: str, depth: int = 1, height: int = 320) -> str:
    return _with_query("/embed", {"focus": focus, "depth": depth, "height": height})


def query(sparql: str | None = None) -> str:
    return _with_query("/query", {"query": sparql})


def sparql() -> str:
    return "/sparql"


def ontology(format: str | None = None) -> str:
    return "/ontology.ttl" if format == "ttl" else "/ontology"


def shapes() -> str:
    return "/ontology/shapes.ttl"


def void() -> str:
    return "/.well-known/void"


def export(format: str) -> str:
    return f"/api/exports/coopgraph.{format}"


def api_entities(type: str | None = None, q: str | None = None, page: int | None = None,
                 per_page: int | None = None) -> str:
    return _with_query("/api/entities", {"type": type, "q": q, "page": page, "per_page": per_page})


def api_entity(slug: str) -> str:
    return f"/api/entities/{quote(slug, safe='')}"


def api_search(q: str, types: str | None = None, limit: int | None = None) -> str:
    return _with_query("/api/search", {"q": q, "types": types, "limit": limit})


def api_documents() -> str:
    return "/api/documents"


def api_document(slug: str) -> str:
    return f"/api/documents/{quote(slug, safe='')}"


def api_stats() -> str:
    return "/api/stats"


def review() -> str:
    """The review page: ingested documents waiting for a person's decisions."""
    return "/review"


def review_document(slug: str) -> str:
    return f"/review/{quote(slug, safe='')}"


def api_review() -> str:
    return "/api/review"


def api_review_document(slug: str) -> str:
    return f"/api/review/{quote(slug, safe='')}"


def api_review_decisions(slug: str) -> str:
    return f"{api_review_document(slug)}/decisions"


def api_review_accept_all(slug: str) -> str:
    return f"{api_review_document(slug)}/accept-all"


def api_review_apply(slug: str) -> str:
    return f"{api_review_document(slug)}/apply"


def absolute(base_url: str, path: str) -> str:
    """``absolute("http://host:8000/", "/sparql")`` -> ``http://host:8000/sparql``."""
    return base_url.rstrip("/") + path
