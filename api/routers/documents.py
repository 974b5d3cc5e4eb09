"""Source documents: the list with attribution, and each text with its evidence quotes highlighted.

On ``/documents/{slug}`` every quoted span is a ``<mark id="q-{start}-{end}">``. Spans may nest or
cross; ``mark_tokens`` turns them into properly nested pieces (a crossing span is split where its
parent ends, and only its first piece carries the id), so the page is valid HTML whatever the
offsets. The text itself is only ever emitted through Jinja's autoescape.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from coopgraph.api import urls
from coopgraph.api.convert import evidence_of, summary_of, value_of
from coopgraph.api.deps import SettingsDep, StoreDep, TemplatesDep
from coopgraph.api.linked_data import alternates, negotiated, rdf_response
from coopgraph.api.negotiation import HTML, JSON, RDF_FORMATS
from coopgraph.api.schemas import DocumentDetail, DocumentQuote, DocumentSummary
from coopgraph.graph.documents import DocumentRecord, document_detail, document_rdf, list_documents
from coopgraph.graph.entities import Value

__all__ = ["Token", "mark_tokens", "router"]

router = APIRouter(tags=["documents"])


@dataclass(frozen=True)
class Token:
    """``text`` (a slice of the document), ``open`` or ``close`` of one mark piece."""

    kind: str
    text: str = ""
    span: tuple[int, int] = (0, 0)
    id: str | None = None          # on the first piece of a span only
    last: bool = False             # on the close of the last piece: where the footnote link goes


def mark_tokens(text: str, spans: list[tuple[int, int]]) -> list[Token]:
    """Text split into tokens so that every span is marked by properly nested pieces.

    >>> [t.kind + (t.text or '') for t in mark_tokens("abcdef", [(1, 4), (2, 6)])]
    ['texta', 'open', 'textb', 'open', 'textcd', 'close', 'close', 'open', 'textef', 'close']
    """
    n = len(text)
    unique = sorted({(max(0, a), min(n, b)) for a, b in spans if min(n, b) > max(0, a)})
    heap: list[tuple[int, int, int, tuple[int, int], bool]] = []
    for seq, (a, b) in enumerate(unique):
        heapq.heappush(heap, (a, -b, seq, (a, b), True))
    seq = len(unique)
    tokens: list[Token] = []
    stack: list[tuple[int, tuple[int, int], bool]] = []     # (end, span, is_last_piece)
    pos = 0

    def emit_text(upto: int) -> None:
        nonlocal pos
        if upto > pos:
            tokens.append(Token("text", text[pos:upto]))
            pos = upto

    while heap or stack:
        next_start = heap[0][0] if heap else n + 1
        if stack and stack[-1][0] <= next_start:
            end, span, is_last = stack.pop()
            emit_text(end)
            tokens.append(Token("close", span=span, last=is_last))
            continue
        start, neg_end, _, span, first = heapq.heappop(heap)
        end = -neg_end
        emit_text(start)
        is_last = True
        if stack and end > stack[-1][0]:          # crosses its parent: split at the parent's end
            seq += 1
            heapq.heappush(heap, (stack[-1][0], -end, seq, span, False))
            end, is_last = stack[-1][0], False
        if end <= start:
            continue
        tokens.append(Token("open", span=span, id=urls.quote_anchor(*span) if first else None))
        stack.append((end, span, is_last))
    emit_text(n)
    return tokens


def _summary(doc: DocumentRecord) -> dict[str, Any]:
    slug = doc.ref.slug or ""
    return {"slug": slug, "iri": doc.ref.iri, "title": doc.title,
            "publisher": summary_of(doc.publisher) if doc.publisher else None, "date": doc.date,
            "language": doc.language, "creator": doc.creator, "attribution": doc.attribution,
            "source_site": doc.source_site, "evidence_count": doc.evidence_count,
            "url": urls.document(slug), "api_url": urls.api_document(slug)}


def _detail(doc: DocumentRecord) -> DocumentDetail:
    quotes = [DocumentQuote(**evidence_of(ev).model_dump(), subject=summary_of(subject),
                            predicate=predicate, predicate_label=label,
                            entity=summary_of(obj) if not isinstance(obj, Value) else None,
                            value=value_of(obj) if isinstance(obj, Value) else None)
              for ev, subject, predicate, label, obj in doc.quotes]
    return DocumentDetail(**_summary(doc), text=doc.text or "", date_note=doc.date_note, sha256=doc.sha256,
                          quotes=quotes)


@router.get("/api/documents", summary="Source documents with publisher, date and attribution",
            response_model=list[DocumentSummary])
def api_documents(store: StoreDep, settings: SettingsDep) -> list[DocumentSummary]:
    """Every source document, newest first, with its number of evidence quotes."""
    return [DocumentSummary(**_summary(d)) for d in list_documents(store, base=settings.base)]


@router.get("/api/documents/{slug}", summary="A source document: text and every quoted span",
            response_model=DocumentDetail)
def api_document(slug: str, store: StoreDep, settings: SettingsDep) -> DocumentDetail:
    """The full text and, for each evidence quote, its offsets and the statement it supports."""
    return _detail(document_detail(store, base=settings.base, slug=slug))


@router.get("/documents", summary="Source documents (HTML)", response_class=Response, include_in_schema=False)
def documents_page(request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    docs = list_documents(store, base=settings.base)
    return templates.TemplateResponse(request, "documents.html", {"nav": "documents", "docs": docs, "urls": urls})


@router.get("/documents/{name}", summary="A source document with its quotes highlighted (HTML or RDF)",
            response_class=Response, responses={200: {"content": {
                HTML: {"example": '<mark id="q-117-201">Chongqing Customs and Chengdu Customs ...</mark>'},
                **{m: {} for m in RDF_FORMATS.values()}}}})
def document_page(name: str, request: Request, store: StoreDep, settings: SettingsDep, templates: TemplatesDep,
                  format: Annotated[str | None, Query(description="html | ttl | jsonld | nt | rdf")] = None
                  ) -> Response:
    """HTML for browsers (``<mark id="q-{start}-{end}">`` per quote); RDF by content negotiation."""
    slug, fmt = negotiated(request, name, format, default="html")
    headers = {"Vary": "Accept", "Link": alternates(urls.document, slug)
               + f', <{urls.api_document(slug)}>; rel="alternate"; type="{JSON}"'}
    if fmt != "html":
        return rdf_response(document_rdf(store, base=settings.base, slug=slug), fmt, headers=headers,
                            base=settings.base)
    doc = document_detail(store, base=settings.base, slug=slug)
    spans: dict[tuple[int, int], list[Any]] = {}
    for ev, subject, predicate, label, obj in doc.quotes:
        if ev.start is not None and ev.end is not None:   # always, for a document's own quotes
            spans.setdefault((ev.start, ev.end), []).append((ev, subject, predicate, label, obj))
    ordered = sorted(spans)
    numbers = {span: i + 1 for i, span in enumerate(ordered)}
    tokens = mark_tokens(doc.text or "", ordered)
    return templates.TemplateResponse(request, "document.html", {
        "nav": "documents", "doc": doc, "tokens": tokens, "spans": [(s, spans[s]) for s in ordered],
        "numbers": numbers, "urls": urls}, headers=headers)
