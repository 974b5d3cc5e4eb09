"""Review of ingested documents in the browser: what ``coopgraph ingest`` found, decided by a person.

    GET  /review, /review/{slug}                  the pages (the text, each candidate in its sentence)
    GET  /api/review, /api/review/{slug}          the same as JSON
    POST /api/review/{slug}/decisions             {item, action, target}: accept / reject / relink / new
    POST /api/review/{slug}/accept-all            {reason}: accept every item proposed for that reason
    POST /api/review/{slug}/apply                 write the accepted facts into the graph

The queue is :class:`graph.ingest.review.ReviewQueue` in ``<store root>/review``: it keeps every
decision on disk as it is made, so nothing a reviewer decided is lost with the server. Reviewing
changes the graph, so the whole review (pages included) exists only where SPARQL Update is on
(404 otherwise), and every POST carries the update token (:mod:`api.update_token`: 401 / 403).
Applying commits one new store generation under the store's writer lock (see ``ReviewWrites``)
and has the app catch up with it before answering, so the next request sees the new facts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from contextlib import AbstractContextManager
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from coopgraph.api import urls
from coopgraph.api.deps import SettingsDep, StateDep, StoreDep, TemplatesDep, label_index
from coopgraph.api.negotiation import JSON
from coopgraph.api.settings import Settings
from coopgraph.api.update_token import check_update_token, updates_enabled
from coopgraph.graph.ingest.model import REASONS, LinkDecision
from coopgraph.graph.ingest.review import Decision, ReviewItem, ReviewQueue, ReviewSummary
from coopgraph.graph.ingest.write import WriteSummary, document_graph_iri
from coopgraph.graph.store.base import Row, Store

__all__ = ["router"]

WHAT = "the review of ingested documents"
OFF = ("the review of ingested documents is off: it changes the graph, so it needs SPARQL Update "
       "(COOPGRAPH_ALLOW_UPDATES=true with a COOPGRAPH_UPDATE_TOKEN)")
ALTERNATIVES_SHOWN = 5
DEFAULT_ACCEPTED_BY = "web review"


def _review_on(settings: SettingsDep) -> None:
    """Every route of this router: 404 while the server takes no updates (or has no queue)."""
    if not updates_enabled(settings):
        raise HTTPException(404, OFF)
    if settings.store_url is not None:
        raise HTTPException(404, "the review queue lives beside an embedded store; with a remote store, "
                                 "review in a file: coopgraph ingest PATH --review-out FILE.yaml")


def _writer(request: Request, settings: SettingsDep) -> None:
    check_update_token(request, settings, what=WHAT)


router = APIRouter(tags=["review"], dependencies=[Depends(_review_on)])
Writer = Depends(_writer)


# -- request and answer bodies ------------------------------------------------------------------
class DecisionIn(BaseModel):
    """One reviewer decision on one item (a mention or a relation) of a document."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {
        "item": "m3", "action": "relink", "target": "https://coopgraph.org/id/chongqing-customs"}})
    item: str = Field(min_length=1, max_length=200, description="The item's id, as /api/review/{slug} lists it.")
    action: Literal["accept", "reject", "relink", "new"]
    target: str | None = Field(None, max_length=2000, description="relink only: the IRI (or slug) of the "
                               "entity of the graph the mention names.")


class AcceptAllIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"reason": "exact-alias"}})
    reason: str = Field(min_length=1, max_length=100, description="A link reason code (exact-alias, fuzzy, "
                        "new ...; 'fuzzy' takes every fuzzy:<score>) or rule:<name> for relations.")


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"accepted_by": "Li Wei"}})
    accepted_by: str | None = Field(None, max_length=200, description="Who accepted the facts (recorded "
                                    "with them, prov:wasAssociatedWith); 'web review' when not given.")


_SUMMARY_EXAMPLE = {"slug": "doc-3f1c2a9b0d4e5f67", "title": "Chongqing and Singapore sign ...",
                    "date": "2024-05-20", "mentions": 14, "relations": 6, "undecided": 9,
                    "reasons": {"exact-alias": 8, "fuzzy": 2, "new": 4},
                    "url": "/review/doc-3f1c2a9b0d4e5f67", "api_url": "/api/review/doc-3f1c2a9b0d4e5f67"}
_LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Documents waiting for review", "content": {JSON: {"example": [_SUMMARY_EXAMPLE]}}},
    404: {"description": "Updates are off on this server"}}


# -- the queue and what the pages show of it ------------------------------------------------------
def _queue(settings: Settings) -> ReviewQueue:
    return ReviewQueue(Path(settings.store_path) / "review")


def _queue_lock(request: Request) -> asyncio.Lock:
    """One decision at a time per app: each one reads, changes and rewrites the document's file."""
    holder = request.app.state
    if getattr(holder, "review_lock", None) is None:  # made on the loop that serves the requests
        holder.review_lock = asyncio.Lock()
    lock: asyncio.Lock = holder.review_lock
    return lock


def _load(queue: ReviewQueue, slug: str) -> ReviewItem:
    """The document under review; EntityNotFoundError (404) when nothing is pending under ``slug``."""
    return queue.load(slug)


def _slug_of(iri: str, base: str) -> str | None:
    prefix = f"{base}id/"
    return iri[len(prefix):] if iri.startswith(prefix) else None


def _entity(d: LinkDecision, base: str) -> dict[str, Any]:
    slug = None if d.new else _slug_of(d.iri, base)
    return {"iri": d.iri, "slug": slug, "label": d.label, "types": list(d.types), "new": d.new,
            "score": d.score, "reason": d.reason, "auto": d.auto,
            "url": urls.entity(slug) if slug else None}


def _decision(decision: Decision | None) -> dict[str, Any] | None:
    """A stored decision as JSON (None: not decided yet)."""
    if decision is None:
        return None
    return {"action": decision.action, "target": decision.target, "reason": decision.reason, "at": decision.at}


def _named(decision: dict[str, Any] | None, d: LinkDecision, base: str, label_of: LabelOf) -> dict[str, Any] | None:
    """A relink decision with the label of its target (a candidate's, else the graph's, else its slug)."""
    if decision is None or decision["action"] != "relink" or not decision["target"]:
        return decision
    target = str(decision["target"])
    label = next((c.label for c in d.candidates if c.iri == target), None) or label_of(target)
    slug = _slug_of(target, base)
    return {**decision, "label": label or slug or target, "url": urls.entity(slug) if slug else None}


def _mention_id(index: int) -> str:
    """The queue's name of ``mentions[index]`` (graph.ingest.review: ``m3``, ``r5``)."""
    return f"m{index}"


def _relation_id(index: int) -> str:
    return f"r{index}"


def _regions(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Overlapping spans merged, so the highlighted text is a flat run of marks (valid HTML).

    >>> _regions([(5, 9), (0, 3), (2, 4), (8, 12)], 10)
    [(0, 4), (5, 10)]
    """
    merged: list[list[int]] = []
    for a, b in sorted((max(0, a), min(length, b)) for a, b in spans):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


LabelOf = Callable[[str], str | None]


def _labels(request: Request, store: Store, base: str) -> LabelOf:
    """The label of an entity of the graph by IRI (what a mention was relinked to)."""
    index = label_index(request, store, base)

    def label_of(iri: str) -> str | None:
        found = index.entities.get(iri)
        return str(found.label) if found is not None else None

    return label_of


def _no_labels(iri: str) -> str | None:
    return None


def _document_view(slug: str, item: ReviewItem, base: str, label_of: LabelOf = _no_labels) -> dict[str, Any]:
    """Everything the page and ``/api/review/{slug}`` show of one document under review."""
    extraction, decisions = item.extraction, item.decisions
    doc = extraction.document
    text = doc.text
    items: list[dict[str, Any]] = []
    for i, d in enumerate(extraction.mentions):
        m = d.mention
        items.append({
            "id": _mention_id(i), "kind": "mention", "text": m.text, "start": m.start, "end": m.end,
            "sentence": list(m.sentence), "source": m.source, "reason": item.reason(_mention_id(i)),
            "proposed": _entity(d, base),
            "alternatives": [{"iri": c.iri, "slug": _slug_of(c.iri, base), "label": c.label, "types": list(c.types),
                              "score": c.score, "reason": c.reason}
                             for c in d.candidates if c.iri != d.iri][:ALTERNATIVES_SHOWN],
            "decision": _named(_decision(decisions.get(_mention_id(i))), d, base, label_of)})
    for i, r in enumerate(extraction.relations):
        reason = " / ".join(x.reason for x in (r.subject, r.object) if x is not None)
        items.append({
            "id": _relation_id(i), "kind": "relation", "predicate": r.predicate,
            "subject": _entity(r.subject, base),
            "object": _entity(r.object, base) if r.object is not None else None,
            "value": r.value, "quote": r.quote, "start": r.start, "end": r.end,
            "sentence": [r.start, r.end], "modality": r.modality, "date": r.date,
            "date_inferred": r.date_inferred, "confidence": r.confidence, "link_reasons": reason,
            "rule": r.rule, "reason": item.reason(_relation_id(i)),
            "decision": _decision(decisions.get(_relation_id(i)))})
    undecided: dict[str, int] = {}  # what each "accept all <reason>" button would accept
    for it in items:
        if it["decision"] is None:
            undecided[it["reason"]] = undecided.get(it["reason"], 0) + 1
    spans = [tuple(it["sentence"]) for it in items]
    return {
        "slug": slug, "iri": extraction.iri, "title": doc.title or doc.path, "date": doc.date,
        "publisher": doc.publisher, "source_url": doc.url, "sha256": doc.sha256, "path": doc.path,
        "text": text, "added": item.added,
        "regions": [list(r) for r in _regions([(int(a), int(b)) for a, b in spans], len(text))],
        "reasons": dict(sorted(undecided.items())),
        "reason_notes": {k: _reason_note(k) for k in undecided},
        "items": items, "warnings": list(extraction.warnings),
        "url": urls.review_document(slug), "api_url": urls.api_review_document(slug)}


def _reason_note(code: str) -> str:
    if code.startswith("rule:"):
        return f"statements found by the extraction rule {code[5:]!r}"
    return REASONS.get(code, "")


def _summary(queue: ReviewQueue, entry: ReviewSummary) -> dict[str, Any]:
    """One line of the list: the queue's summary, and the names per link reason."""
    item = queue.load(entry.slug)
    counts: dict[str, int] = {}
    for i in range(len(item.extraction.mentions)):
        code = item.reason(_mention_id(i))
        counts[code] = counts.get(code, 0) + 1
    doc = item.extraction.document
    return {"slug": entry.slug, "iri": entry.iri, "title": entry.title or entry.path, "date": entry.date,
            "publisher": doc.publisher, "mentions": entry.mentions, "relations": entry.relations,
            "decided": entry.decided, "undecided": entry.pending, "reasons": dict(sorted(counts.items())),
            "url": urls.review_document(entry.slug), "api_url": urls.api_review_document(entry.slug)}


def _pending(settings: Settings) -> list[dict[str, Any]]:
    queue = _queue(settings)
    return [_summary(queue, entry) for entry in queue.pending()]


async def _change(request: Request, store: Store, settings: Settings, slug: str,
                  change: Callable[[ReviewQueue], object]) -> dict[str, Any]:
    """Run one change of the queue (serialised, off the event loop) and answer the document as it now is."""
    queue = _queue(settings)
    async with _queue_lock(request):
        _load(queue, slug)  # 404 before anything is attempted
        await asyncio.to_thread(change, queue)
        item = await asyncio.to_thread(_load, queue, slug)
    return await asyncio.to_thread(
        lambda: _document_view(slug, item, settings.base, _labels(request, store, settings.base)))


# -- the store the queue writes through ------------------------------------------------------------
class _ReadsTheStore(Protocol):
    """What ReviewWrites needs of the app's state (api/state.py's AppState, which routers do not import)."""

    store: Store

    def reading(self) -> AbstractContextManager[Store]: ...


class ReviewWrites:
    """The store ``ReviewQueue.apply`` is handed (graph.ingest.write's ``DocumentStore``).

    Reads go to the app's own store, under its read lock, one query at a time. The write is the
    store's ``add_with_record``: one new generation, committed under the store's writer lock (as
    ``coopgraph load`` writes beside a running server), all or nothing. Not a SPARQL Update through
    ``AppState.update``: a real article's facts make an update of 130-180 KB (both seed articles,
    measured), over the 64 KB a SPARQL text may have (COOPGRAPH_MAX_QUERY_BYTES). The route then
    has the app catch up at once (``AppState.catch_up``), so the next request sees the new facts.
    """

    def __init__(self, state: _ReadsTheStore, settings: Settings) -> None:
        self._state = state
        self._settings = settings

    def select(self, sparql: str) -> list[Row]:
        with self._state.reading() as store:
            return store.select(sparql)

    def ask(self, sparql: str) -> bool:
        with self._state.reading() as store:
            return store.ask(sparql)

    def construct(self, sparql: str) -> bytes:
        with self._state.reading() as store:
            return store.construct(sparql)

    @property
    def location(self) -> str:
        return str(self._state.store.location)

    def add_with_record(self, graph: str, ntriples: bytes, *, what: str) -> None:
        # A handle of its own: it opens no database, it only commits the next generation.
        with self._settings.open_store(writable=True) as store:
            store.add_with_record(graph, ntriples, what=what)


def _summary_json(summary: WriteSummary) -> dict[str, Any]:
    """The queue's WriteSummary (graph.ingest.write) as JSON."""
    from dataclasses import asdict

    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(summary).items()}


# -- JSON API ---------------------------------------------------------------------------------------
_DOC_EXAMPLE = {**_SUMMARY_EXAMPLE, "text": "Chongqing Customs and Singapore Customs signed ...",
                "items": [{"id": "m0", "kind": "mention", "text": "Chongqing Customs", "start": 0, "end": 17,
                           "sentence": [0, 52], "reason": "exact-alias",
                           "proposed": {"iri": "https://coopgraph.org/id/chongqing-customs", "label": "Chongqing Customs",
                                        "new": False, "score": 100.0, "reason": "exact-alias", "auto": True},
                           "alternatives": [], "decision": {"action": "accept", "target": None}}]}
_DOC_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The document under review: its text and every item with its decision",
          "content": {JSON: {"example": _DOC_EXAMPLE}}},
    401: {"description": "No bearer token (POST)"}, 403: {"description": "Wrong token (POST)"},
    404: {"description": "No such document in the queue, or updates are off"}}


@router.get("/api/review", summary="Ingested documents waiting for review",
            responses=_LIST_RESPONSES)
def api_review(settings: SettingsDep) -> list[dict[str, Any]]:
    """Each pending document with its number of mentions and relations, undecided items, and mentions per link reason."""
    return _pending(settings)


@router.get("/api/review/{slug}", summary="One document under review: text, candidates, decisions",
            responses=_DOC_RESPONSES)
def api_review_document(slug: str, request: Request, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """The text, and for each mention its proposed link (reason, score, alternatives) and each relation with its quote."""
    return _document_view(slug, _load(_queue(settings), slug), settings.base,
                          _labels(request, store, settings.base))


@router.post("/api/review/{slug}/decisions", summary="Decide one item: accept, reject, relink or mark as new",
             responses=_DOC_RESPONSES, dependencies=[Writer])
async def api_review_decide(slug: str, request: Request, store: StoreDep, settings: SettingsDep,
                            decision: Annotated[DecisionIn, Body()]) -> dict[str, Any]:
    """Needs ``Authorization: Bearer <update token>``. Answers the document with every item's decision."""
    if decision.action == "relink" and not (decision.target or "").strip():
        raise HTTPException(400, "relink needs a target: the IRI or slug of the entity the mention names")
    target = (decision.target or "").strip() or None
    if decision.action == "relink" and target and not target.startswith(("http://", "https://")):
        target = f"{settings.base}id/{target}"  # a slug from the entity picker
    return await _change(request, store, settings, slug,
                         lambda q: q.decide(slug, decision.item, decision.action, target))


@router.post("/api/review/{slug}/accept-all", summary="Accept every undecided mention proposed for one reason",
             responses=_DOC_RESPONSES, dependencies=[Writer])
async def api_review_accept_all(slug: str, request: Request, store: StoreDep, settings: SettingsDep,
                                body: Annotated[AcceptAllIn, Body()]) -> dict[str, Any]:
    """Needs the update token. ``reason``: ``exact-alias``, ``acronym-defined-here``, ``fuzzy``, ``new`` ..."""
    reason = body.reason.strip()
    if reason not in REASONS and not reason.startswith("rule:"):
        raise HTTPException(400, f"unknown reason {reason!r}: one of {', '.join(sorted(REASONS))}, "
                                 "or rule:<name> for the statements of one extraction rule")
    return await _change(request, store, settings, slug, lambda q: q.accept_all(slug, reason))


@router.post("/api/review/{slug}/apply", summary="Write the accepted facts of a document into the graph",
             dependencies=[Writer],
             responses={**_DOC_RESPONSES, 200: {"description": "What was written", "content": {JSON: {"example": {
                 "ok": True, "slug": "doc-3f1c2a9b0d4e5f67", "graph": "https://coopgraph.org/graph/ingest/doc-3f1c2a9b0d4e5f67",
                 "summary": {"triples": 57, "entities": 9, "new_entities": 3, "relations": 5}}}}}})
async def api_review_apply(slug: str, request: Request, settings: SettingsDep, state: StateDep,
                           body: Annotated[ApplyIn | None, Body()] = None) -> dict[str, Any]:
    """Needs the update token. The accepted facts land in the document's own named graph, as one update."""
    queue = _queue(settings)
    accepted_by = ((body.accepted_by if body else None) or "").strip() or DEFAULT_ACCEPTED_BY
    async with _queue_lock(request):
        _load(queue, slug)
        store = ReviewWrites(state, settings)
        # A library error (a quote that no longer matches, the store busy) reaches the app's one mapping.
        try:
            summary = await asyncio.to_thread(queue.apply, slug, store, base=settings.base, accepted_by=accepted_by)
        finally:
            await state.catch_up()  # the new generation, if one was committed, for the very next request
    return {"ok": True, "slug": slug, "graph": document_graph_iri(settings.base, slug),
            "accepted_by": accepted_by, "summary": _summary_json(summary),
            "explorer": urls.explorer(), "review": urls.review()}


# -- pages ------------------------------------------------------------------------------------------
@router.get("/review", summary="Review page: documents waiting", response_class=Response, include_in_schema=False)
def review_page(request: Request, settings: SettingsDep, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "review.html", {
        "nav": "review", "docs": _pending(settings), "reasons": REASONS, "urls": urls})


@router.get("/review/{slug}", summary="Review page of one document", response_class=Response,
            include_in_schema=False)
def review_document_page(slug: str, request: Request, store: StoreDep, settings: SettingsDep,
                         templates: TemplatesDep) -> Response:
    view = _document_view(slug, _load(_queue(settings), slug), settings.base, _labels(request, store, settings.base))
    text, pieces, pos = view["text"], [], 0
    for a, b in view["regions"]:
        if a > pos:
            pieces.append({"text": text[pos:a]})
        pieces.append({"text": text[a:b], "span": (a, b)})
        pos = b
    if pos < len(text):
        pieces.append({"text": text[pos:]})
    region_of = {}
    for it in view["items"]:
        start = it["sentence"][0]
        region_of[it["id"]] = next((f"t-{a}" for a, b in view["regions"] if a <= start < b), None)
    config = {"slug": slug, "api": {"document": urls.api_review_document(slug),
                                    "decisions": urls.api_review_decisions(slug),
                                    "accept_all": urls.api_review_accept_all(slug),
                                    "apply": urls.api_review_apply(slug),
                                    "search": urls.api_search("")},
              "explorer": urls.explorer()}
    return templates.TemplateResponse(request, "review_document.html", {
        "nav": "review", "doc": view, "pieces": pieces, "region_of": region_of, "reasons": REASONS,
        "config": config, "urls": urls})
