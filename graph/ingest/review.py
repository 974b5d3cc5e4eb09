"""Pending extractions and what a reviewer decides about them, until the accepted part is written.

A ``ReviewQueue`` is a folder (the CLI uses ``<store root>/review``) with one JSON file per pending
document, ``<slug>.json``: the Extraction, serialised field by field, and the decisions made so far.
Every decision rewrites that file at once and atomically (a temp file, fsync, ``os.replace``, fsync
of the folder), so a crash or a kill loses no decision and never leaves half a file.

Items are named by their place in the Extraction, which never changes once queued: ``m3`` is
``mentions[3]``, ``r5`` is ``relations[5]``. Actions:

    accept   a mention: as proposed (a link, or a new entity); a relation: written if its ends are
    reject   not written; a relation with a rejected end is dropped (the summary says so)
    relink   a mention: to another entity of the graph (reason "relinked-by-reviewer"); the
             relations using that mention follow it
    new      a mention: a new entity, even if it was proposed as a link

``apply`` writes what is accepted through ``write.write_accepted`` (one atomic write) and removes
the pending file only after that write committed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from coopgraph.graph.errors import DataError, EntityNotFoundError
from coopgraph.graph.ids import entity_iri, normalise_base, slugify
from coopgraph.graph.ingest.model import (
    Candidate,
    Extraction,
    IngestDocument,
    LinkDecision,
    Mention,
    Relation,
)
from coopgraph.graph.ingest.write import DocumentStore, WriteSummary, write_accepted

__all__ = ["AUTO_NEW_SCORE", "AUTO_RELATION_CONFIDENCE", "Accepted", "Decision", "ReviewError", "ReviewItem", "ReviewQueue",
           "ReviewSummary", "auto_accepted", "reason_code",
           "write_atomically"]

Action = Literal["accept", "reject", "relink", "new"]
ACTIONS: tuple[Action, ...] = ("accept", "reject", "relink", "new")
# A new entity is "confident" enough for ``--accept`` (as the end of a relation) from this score.
AUTO_NEW_SCORE = 80.0
# Relations the rules state with this confidence or more go in with --accept; the rest need a reviewer.
AUTO_RELATION_CONFIDENCE = 0.8
RELINKED = "relinked-by-reviewer"
FORMAT = 1
_ITEM = re.compile(r"^([mr])(\d+)$")
_SLUG = re.compile(r"^doc-[0-9a-f]{16}$")
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")

End = tuple[Relation, LinkDecision, LinkDecision | None]


class ReviewError(DataError):
    """A review action that cannot be done as asked (unknown item or action, bad target, a
    pending file that cannot be read)."""


def reason_code(reason: str) -> str:
    """The code of a link reason: ``fuzzy:96`` -> ``fuzzy``; ``vetoed:type`` stays whole.

    >>> reason_code("fuzzy:96"), reason_code("vetoed:type"), reason_code("exact-alias")
    ('fuzzy', 'vetoed:type', 'exact-alias')
    """
    return reason.split(":", 1)[0] if reason.startswith("fuzzy:") else reason


# -- what is accepted ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Accepted:
    """Which mentions and relations of one Extraction are accepted, as they are to be written.

    ``mentions`` maps an index of ``extraction.mentions`` to the decision to write: the proposed one,
    or the reviewer's relink / mark-as-new of it. ``rejected``: mention indexes a reviewer rejected.
    A relation in ``relations`` is written only when both its ends resolve (see ``resolve``).
    """

    mentions: Mapping[int, LinkDecision] = field(default_factory=dict)
    relations: frozenset[int] = frozenset()
    rejected: frozenset[int] = frozenset()

    def resolve(self, extraction: Extraction) -> tuple[list[End], list[str]]:
        """The accepted relations with their ends as accepted (relinks followed), and a note for
        each accepted relation that cannot be written.

        An end is its mention's accepted decision; a mention nobody decided on counts when it links
        an entity the graph has (accepting the relation accepts that link) or the new entity another
        accepted mention proposes, not otherwise; a rejected mention drops the relation.
        """
        index = _mention_index(extraction)
        accepted_new = {extraction.mentions[i].iri: d for i, d in sorted(self.mentions.items())
                        if extraction.mentions[i].new and d.new}
        written: list[End] = []
        notes: list[str] = []
        for j in sorted(self.relations):
            if not 0 <= j < len(extraction.relations):
                raise ReviewError(f"relation r{j} does not exist (the document has "
                                  f"{len(extraction.relations)})")
            relation = extraction.relations[j]
            ends: list[LinkDecision | None] = []
            why = None
            for role, end in (("subject", relation.subject), ("object", relation.object)):
                if end is None:
                    ends.append(None)
                    continue
                resolved, problem = self._end(index.get(end), end, accepted_new)
                if problem:
                    why = (f"r{j} ({relation.predicate}, {relation.quote[:60]!r}) not written: "
                           f"its {role} {problem}")
                    break
                ends.append(resolved)
            if why is not None:
                notes.append(why)
                continue
            subject = ends[0]
            assert subject is not None  # a relation always has a subject
            written.append((relation, subject, ends[1]))
        return written, notes

    def _end(self, i: int | None, end: LinkDecision, accepted_new: Mapping[str, LinkDecision]
             ) -> tuple[LinkDecision | None, str | None]:
        name = f"m{i} {end.mention.text!r}" if i is not None else repr(end.mention.text)
        if i is not None and i in self.mentions:
            return self.mentions[i], None
        if i is not None and i in self.rejected:
            return None, f"{name} was rejected"
        if end.new and end.iri in accepted_new:
            return accepted_new[end.iri], None
        if end.new:
            return None, f"{name} is a new entity nobody accepted"
        return end, None


def _mention_index(extraction: Extraction) -> dict[LinkDecision, int]:
    index: dict[LinkDecision, int] = {}
    for i, decision in enumerate(extraction.mentions):
        index.setdefault(decision, i)
    return index


def auto_accepted(extraction: Extraction) -> Accepted:
    """What ``--accept`` takes: the auto-linked mentions, and the relations of confidence at least
    AUTO_RELATION_CONFIDENCE whose two ends are auto-linked or new entities with a score of at least
    AUTO_NEW_SCORE (those ends with them). Weaker relations (a place read from a name, a reference
    resolved to "the two sides") wait for a reviewer."""
    index = _mention_index(extraction)

    def sure(end: LinkDecision | None) -> bool:
        return end is None or end.auto or (end.new and end.score >= AUTO_NEW_SCORE)

    mentions = {i: d for i, d in enumerate(extraction.mentions) if d.auto}
    relations = set()
    for j, relation in enumerate(extraction.relations):
        if relation.confidence >= AUTO_RELATION_CONFIDENCE and sure(relation.subject) and sure(relation.object):
            relations.add(j)
            for end in (relation.subject, relation.object):
                i = index.get(end) if end is not None else None
                if i is not None:
                    mentions.setdefault(i, extraction.mentions[i])
    return Accepted(mentions=mentions, relations=frozenset(relations))


# -- the queue ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    action: Action
    target: str | None = None     # relink: the entity's IRI
    reason: str | None = None     # "relinked-by-reviewer", "accept-all:<code>"
    at: str = ""                  # when it was decided (ISO 8601, UTC)


@dataclass(frozen=True)
class ReviewSummary:
    """One pending document, for a list."""

    slug: str
    iri: str
    path: str
    title: str | None
    date: str | None
    mentions: int
    relations: int
    decided: int
    pending: int


@dataclass
class ReviewItem:
    """One pending document: its extraction and the decisions made so far."""

    slug: str
    extraction: Extraction
    decisions: dict[str, Decision] = field(default_factory=dict)
    added: str = ""

    def items(self) -> list[str]:
        return ([f"m{i}" for i in range(len(self.extraction.mentions))]
                + [f"r{j}" for j in range(len(self.extraction.relations))])

    def reason(self, item: str) -> str:
        """The reason code an item is grouped by for accept-all: a mention's link reason code,
        ``rule:<name>`` for a relation."""
        kind, n = _parse_item(item, self.extraction)
        if kind == "m":
            return reason_code(self.extraction.mentions[n].reason)
        return f"rule:{self.extraction.relations[n].rule or 'unnamed'}"

    def pending(self) -> list[str]:
        return [item for item in self.items() if item not in self.decisions]

    def summary(self) -> ReviewSummary:
        doc = self.extraction.document
        return ReviewSummary(slug=self.slug, iri=self.extraction.iri, path=doc.path, title=doc.title,
                             date=doc.date, mentions=len(self.extraction.mentions),
                             relations=len(self.extraction.relations), decided=len(self.decisions),
                             pending=len(self.pending()))


class ReviewQueue:
    """Pending documents in ``folder``, one ``<slug>.json`` each (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, slug: str) -> Path:
        if not _SLUG.match(slug):
            raise ReviewError(f"not a document slug: {slug!r} (doc-<16 hex>)")
        return self.folder / f"{slug}.json"

    def add(self, extraction: Extraction) -> str:
        """Queue a document for review; a document queued already keeps its decisions."""
        slug = extraction.document.slug
        with self._locked(slug):
            if not self.path(slug).exists():
                self._save(ReviewItem(slug=slug, extraction=extraction, added=_now()))
        return slug

    def pending(self) -> list[ReviewSummary]:
        if not self.folder.is_dir():
            return []
        return [self.load(p.stem).summary() for p in sorted(self.folder.glob("doc-*.json"))]

    def load(self, slug: str) -> ReviewItem:
        path = self.path(slug)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EntityNotFoundError(f"no document {slug} waiting for review in {self.folder}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReviewError(f"cannot read the pending review {path}: {exc}") from exc
        try:
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            item = ReviewItem(slug=slug, extraction=_extraction(data["extraction"]),
                              added=str(data.get("added", "")),
                              decisions={k: _decision(v) for k, v in data["decisions"].items()})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ReviewError(f"the pending review {path} is not one coopgraph wrote: {exc!r}") from exc
        if item.extraction.document.slug != slug:
            raise ReviewError(f"the pending review {path} holds document {item.extraction.document.slug}")
        return item

    def decide(self, slug: str, item: str, action: str, target: str | None = None) -> Decision:
        """Record one decision now (replacing an earlier one on the same item)."""
        with self._locked(slug):
            return self._decide(self.load(slug), item, action, target)

    def _decide(self, review: ReviewItem, item: str, action: str, target: str | None) -> Decision:
        kind, _n = _parse_item(item, review.extraction)
        if action not in ACTIONS:
            raise ReviewError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
        if kind == "r" and action not in ("accept", "reject"):
            raise ReviewError(f"a relation can be accepted or rejected, not {action!r}")
        if action == "relink":
            if target is None or not _IRI.match(target):
                raise ReviewError(f"relink needs the IRI of an entity of the graph, not {target!r}")
        elif target is not None:
            raise ReviewError(f"{action!r} takes no target")
        decision = Decision(action=action, target=target, at=_now(),
                            reason=RELINKED if action == "relink" else None)
        review.decisions[item] = decision
        self._save(review)
        return decision

    def accept_all(self, slug: str, reason: str) -> list[str]:
        """Accept every pending item whose reason code is ``reason`` (one write); returns their ids."""
        with self._locked(slug):
            review = self.load(slug)
            chosen = [item for item in review.pending() if review.reason(item) == reason]
            at = _now()
            for item in chosen:
                review.decisions[item] = Decision(action="accept", reason=f"accept-all:{reason}", at=at)
            if chosen:
                self._save(review)
        return chosen

    def accepted(self, slug: str, store: DocumentStore, *, base: str) -> Accepted:
        """The Accepted the decisions so far make: relink targets checked against ``store`` (an
        unknown one raises ReviewError), and every accepted new entity given an IRI the store does
        not have yet (a new entity never merges silently with one written since it was proposed)."""
        return _accepted(self.load(slug), store, base=base)

    def apply(self, slug: str, store: DocumentStore, *, base: str, accepted_by: str) -> WriteSummary:
        """Write the accepted part (one atomic write); then, and only then, drop the pending file.

        The summary's ``dropped`` lists accepted relations not written (a rejected end, a new end
        nobody accepted) and how many items were left undecided.
        """
        # Decisions wait while the write runs: one made meanwhile would go with the pending file.
        with self._locked(slug):
            review = self.load(slug)
            accepted = _accepted(review, store, base=base)
            summary = write_accepted(store, review.extraction, accepted, base=base, accepted_by=accepted_by)
            if summary.already is not None and summary.already != review.extraction.iri:
                raise ReviewError(f"the text of {slug} is in the store already as {summary.already}: nothing "
                                  "was written; discard this review")
            undecided = len(review.pending())
            if undecided:
                summary = replace(summary, dropped=(*summary.dropped, f"{undecided} item(s) left undecided "
                                                    "were not written"))
            self._remove(slug)
        return summary

    def discard(self, slug: str) -> None:
        """Forget a pending document (its decisions with it)."""
        with self._locked(slug):
            self._remove(slug)

    def _remove(self, slug: str) -> None:
        self.path(slug).unlink(missing_ok=True)
        _fsync_dir(self.folder)

    @contextmanager
    def _locked(self, slug: str) -> Iterator[None]:
        """One writer of a document's file at a time (the web app and the CLI may both decide):
        each load-change-save is whole, so no decision overwrites another made at the same time."""
        lock = self.path(slug).with_name(f".{slug}.lock")
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(lock, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _save(self, item: ReviewItem) -> None:
        data = {"format": FORMAT, "added": item.added, "extraction": _plain(item.extraction),
                "decisions": {k: asdict(v) for k, v in sorted(item.decisions.items(), key=_item_order)}}
        write_atomically(self.path(item.slug), json.dumps(data, ensure_ascii=False, indent=1))


# -- decisions turned into what is written --------------------------------------------------------------

def _accepted(review: ReviewItem, store: DocumentStore, *, base: str) -> Accepted:
    extraction = review.extraction
    mentions: dict[int, LinkDecision] = {}
    rejected, relations = set(), set()
    minted: dict[str, str] = {}
    for item, decision in review.decisions.items():
        kind, n = _parse_item(item, extraction)
        if kind == "r":
            if decision.action == "accept":
                relations.add(n)
            continue
        proposed = extraction.mentions[n]
        if decision.action == "accept" and not proposed.new:
            mentions[n] = proposed
        elif decision.action == "reject":
            rejected.add(n)
        elif decision.action == "relink":
            assert decision.target is not None  # decide() requires it
            mentions[n] = _relinked(proposed, decision.target, store)
        else:  # "new", or accepting a proposed new entity
            mentions[n] = _as_new(proposed, store, base=base, minted=minted)
    return Accepted(mentions=mentions, relations=frozenset(relations), rejected=frozenset(rejected))


def _relinked(proposed: LinkDecision, target: str, store: DocumentStore) -> LinkDecision:
    rows = store.select(
        f"SELECT ?label WHERE {{ {{ <{target}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }} UNION "
        f"{{ GRAPH ?g {{ <{target}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }} }} LIMIT 1")
    if not rows:
        raise ReviewError(f"{proposed.mention.text!r} was relinked to {target}, which is not an entity "
                          f"of the store at {store.location}: relink it again; nothing was written")
    known = next((c for c in proposed.candidates if c.iri == target), None)
    return replace(proposed, iri=target, label=rows[0]["label"], new=False, reason=RELINKED, auto=False,
                   types=known.types if known else (), score=100.0, aliases=())


def _as_new(proposed: LinkDecision, store: DocumentStore, *, base: str,
            minted: dict[str, str]) -> LinkDecision:
    """The mention as a new entity: its proposed IRI while the store does not have it, else a free one."""
    if proposed.new:
        label, types, key = proposed.label, proposed.types, proposed.iri
        if key not in minted and (proposed.iri in minted.values() or not _exists(store, proposed.iri)):
            minted[key] = proposed.iri
    else:
        label = re.sub(r"^(?i:the)\s+", "", proposed.mention.text.strip())
        types, key = proposed.mention.types or proposed.types, label.casefold()
    if key not in minted:
        minted[key] = _free_iri(store, base, label, set(minted.values()))
    return replace(proposed, iri=minted[key], label=label, new=True, types=types, auto=False,
                   reason=proposed.reason if proposed.new else "new")


def _exists(store: DocumentStore, iri: str) -> bool:
    return store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} }}")


def _free_iri(store: DocumentStore, base: str, label: str, taken: set[str]) -> str:
    """``{base}id/{slug of label}``, with -2, -3... when the store (or this review) has it already."""
    slug = slugify(label) or "entity"
    for n in range(1, 1000):
        iri = entity_iri(normalise_base(base), slug if n == 1 else f"{slug}-{n}")
        if iri not in taken and not _exists(store, iri):
            return iri
    raise ReviewError(f"no free IRI for a new entity named {label!r}")


# -- items --------------------------------------------------------------------------------------------

def _parse_item(item: str, extraction: Extraction) -> tuple[str, int]:
    match = _ITEM.match(item)
    if match is None:
        raise ReviewError(f"not an item id: {item!r} (m<N> for a mention, r<N> for a relation)")
    kind, n = match.group(1), int(match.group(2))
    size = len(extraction.mentions) if kind == "m" else len(extraction.relations)
    if n >= size:
        kinds = "mentions" if kind == "m" else "relations"
        raise ReviewError(f"no item {item}: the document has {size} {kinds}")
    return kind, n


def _item_order(pair: tuple[str, Decision]) -> tuple[str, int]:
    return pair[0][0], int(pair[0][1:])


# -- files --------------------------------------------------------------------------------------------

def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_atomically(path: Path, text: str) -> None:
    """The whole file or the old one, never half: temp file in the same folder, fsync, rename, fsync."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    if not path.is_dir():
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the Extraction as JSON, and back -------------------------------------------------------------------

def _plain(extraction: Extraction) -> dict[str, Any]:
    """asdict turns tuples into lists; the readers below turn them back."""
    return asdict(extraction)


def _check_keys(data: Mapping[str, Any], cls: type) -> None:
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s) {sorted(unknown)}")


def _mention(d: Mapping[str, Any]) -> Mention:
    _check_keys(d, Mention)
    return Mention(text=str(d["text"]), start=int(d["start"]), end=int(d["end"]),
                   sentence=(int(d["sentence"][0]), int(d["sentence"][1])), source=str(d["source"]),
                   types=tuple(map(str, d.get("types", ()))), label=d.get("label"))


def _candidate(d: Mapping[str, Any]) -> Candidate:
    _check_keys(d, Candidate)
    return Candidate(iri=str(d["iri"]), label=str(d["label"]), types=tuple(map(str, d["types"])),
                     score=float(d["score"]), reason=str(d["reason"]))


def _link(d: Mapping[str, Any]) -> LinkDecision:
    _check_keys(d, LinkDecision)
    return LinkDecision(mention=_mention(d["mention"]), iri=str(d["iri"]), label=str(d["label"]),
                        types=tuple(map(str, d["types"])), new=bool(d["new"]), score=float(d["score"]),
                        reason=str(d["reason"]), auto=bool(d["auto"]),
                        candidates=tuple(_candidate(c) for c in d.get("candidates", ())),
                        aliases=tuple(map(str, d.get("aliases", ()))))


def _relation(d: Mapping[str, Any]) -> Relation:
    _check_keys(d, Relation)
    return Relation(subject=_link(d["subject"]), predicate=str(d["predicate"]),
                    object=_link(d["object"]) if d["object"] is not None else None, quote=str(d["quote"]),
                    start=int(d["start"]), end=int(d["end"]), modality=d["modality"],
                    confidence=float(d["confidence"]), value=d.get("value"), date=d.get("date"),
                    date_inferred=bool(d.get("date_inferred", False)), rule=str(d.get("rule", "")))


def _document(d: Mapping[str, Any]) -> IngestDocument:
    _check_keys(d, IngestDocument)
    return IngestDocument(**{f.name: d[f.name] for f in fields(IngestDocument) if f.name in d})


def _extraction(d: Mapping[str, Any]) -> Extraction:
    _check_keys(d, Extraction)
    return Extraction(document=_document(d["document"]), iri=str(d["iri"]),
                      mentions=[_link(m) for m in d["mentions"]],
                      relations=[_relation(r) for r in d["relations"]],
                      warnings=[str(w) for w in d.get("warnings", [])])


def _decision(d: Mapping[str, Any]) -> Decision:
    _check_keys(d, Decision)
    if d["action"] not in ACTIONS:
        raise ValueError(f"unknown action {d['action']!r}")
    return Decision(action=d["action"], target=d.get("target"), reason=d.get("reason"),
                    at=str(d.get("at", "")))
