"""``--review-out FILE.yaml``: the candidates of an ingest in the curated-facts format.

The file is a fact file (data/facts/README.md): ``entities`` (the new ones, and the publisher when the
graph does not have it) and ``statements`` (one per relation, with its exact quote). Each document is
saved beside it, ``<stem>.documents/<slug>.txt`` + ``<slug>.yaml`` in the data/documents format.
Accepting a candidate is keeping its entry: move the file into data/facts/ and the document's two
files into data/documents/, and ``coopgraph build`` checks every quote, id and shape like any fact's.

What a reviewer needs to judge an entry is in YAML comments beside it: the link reason and score of
each end, the other candidates (as commented-out alternatives to swap in), the rule, confidence and
date of a relation. Entries that cannot be moved as they are (an end outside the base, a new entity
without a guessed type, a quote not at its offsets) are written commented out, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from coopgraph.graph.ids import normalise_base, slug_of, slugify
from coopgraph.graph.ingest.model import Extraction, IngestDocument, LinkDecision, Relation
from coopgraph.graph.ingest.review import write_atomically

__all__ = ["write_review_file"]

PublisherId = Callable[[str], str | None]


def write_review_file(path: Path, extractions: Sequence[Extraction], *, base: str,
                      publisher_id: PublisherId | None = None) -> list[Path]:
    """Write the review file and each document beside it; returns every path written.

    ``publisher_id(name)`` gives the entity id of a publisher the graph has (else a linked mention
    of the same name is used, else the publisher is declared as a new MediaOrganisation).
    """
    base = normalise_base(base)
    path = Path(path)
    folder = path.with_name(f"{path.stem}.documents")
    writer = _Writer(base)
    written: list[Path] = []
    for extraction in extractions:
        publisher = _publisher(extraction, base, publisher_id, writer)
        written += _save_document(folder, extraction.document, publisher)
        writer.add(extraction)
    write_atomically(path, writer.text(len(extractions), folder.name))
    return [path, *written]


class _Writer:
    """Collects the entity and statement entries (as YAML lines) of every document."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.entities: list[str] = []
        self.statements: list[str] = []
        self.declared: set[str] = set()

    def text(self, documents: int, folder: str) -> str:
        head = [
            f"# coopgraph ingest --review-out: the candidates of {documents} document(s), in the",
            "# curated-facts format (data/facts/README.md). Keep the entries you accept (swap in a",
            "# commented-out alternative where the proposed link is wrong) and delete the rest; then move",
            f"# this file into data/facts/ and the files of {folder}/ into data/documents/, and run",
            "# `coopgraph build`: it checks every quote.",
            "# Ids of existing entities are those of data/facts; an entity that only an ingested document",
            "# introduced must be declared there first.",
        ]
        # A key followed by comments only reads as null, which the fact reader takes as an empty list.
        return "\n".join([*head, "entities:", *self.entities, "statements:", *self.statements, ""])

    def declare(self, entry: list[str], iri: str) -> None:
        if iri not in self.declared:
            self.declared.add(iri)
            self.entities += entry

    def add(self, extraction: Extraction) -> None:
        doc = extraction.document
        self.entities.append(f"  # --- {doc.slug}: {_one_line(doc.title or doc.path)}")
        self.statements.append(f"  # --- {doc.slug}: {_one_line(doc.title or doc.path)}")
        for decision in extraction.mentions:
            if decision.new:
                self.declare(self.new_entity(decision), decision.iri)
        for relation in extraction.relations:
            for end in (relation.subject, relation.object):
                if end is not None and end.new:
                    self.declare(self.new_entity(end), end.iri)
            self.statements += self.statement(doc, relation)

    def new_entity(self, decision: LinkDecision) -> list[str]:
        slug = slug_of(self.base, decision.iri)
        m = decision.mention
        lines = [f"id: {slug}", f"type: {_list(decision.types)}", f"label: {_scalar(decision.label)}"]
        aliases = [a for a in decision.aliases if a != decision.label]
        if aliases:
            lines.append(f"aliases: {_list(aliases)}")
        note = (f"new entity ({decision.reason}, score {decision.score:g}); mentioned as {_scalar(m.text)} "
                f"at {m.start}:{m.end} ({m.source})")
        lines[0] += f"    # {note}"
        for candidate in decision.candidates:
            lines.append(f"# or: {slug_of(self.base, candidate.iri) or candidate.iri} "
                         f"({_one_line(candidate.label)}; {candidate.reason}, score {candidate.score:g})")
        problem = None if slug else f"its IRI {decision.iri} is not under {self.base}id/"
        if problem is None and not decision.types:
            problem = "no type was guessed: give it one of the classes of data/facts/README.md"
        return _entry(lines, problem)

    def statement(self, doc: IngestDocument, relation: Relation) -> list[str]:
        lines: list[str] = []
        problem = None
        for role, end in (("subject", relation.subject), ("object", relation.object)):
            if end is None:
                continue
            slug = slug_of(self.base, end.iri)
            if slug is None:
                problem = f"the {role} {end.iri} is not an entity under {self.base}id/"
            lines.append(f"{role}: {slug or end.iri}    # {_one_line(end.label)}: {end.reason}, score "
                         f"{end.score:g}{', new' if end.new else ''}")
            if role == "subject":
                lines.append(f"predicate: {relation.predicate}")
            for candidate in end.candidates:
                if candidate.iri != end.iri:
                    lines.append(f"# {role}: {slug_of(self.base, candidate.iri) or candidate.iri}    # "
                                 f"alternative: {_one_line(candidate.label)} ({candidate.reason}, score "
                                 f"{candidate.score:g})")
        if relation.object is None:
            lines.append(f"value: {_scalar(relation.value or '')}")
        lines += [f"source: {doc.slug}", f"quote: {_scalar(relation.quote)}"]
        occurrence = _occurrence(doc.text, relation)
        if occurrence is None:
            problem = f"the quote is not the text at {relation.start}:{relation.end}"
        elif occurrence > 1:
            lines.append(f"occurrence: {occurrence}")
        lines.append(f"modality: {relation.modality}")
        when = ""
        if relation.date:
            inferred = " (inferred from the article's date)" if relation.date_inferred else ""
            when = f"; date {relation.date}{inferred}"
        lines.append(f"# confidence {relation.confidence:.2f}; rule {relation.rule or '-'}{when}")
        return _entry(lines, problem)


def _entry(lines: list[str], problem: str | None) -> list[str]:
    """One list item; commented out, with the reason, when it cannot be moved as it is."""
    out = []
    for i, line in enumerate(lines):
        prefix = "  - " if i == 0 else "    "
        if problem is not None and not line.startswith("#"):
            prefix = "  # - " if i == 0 else "  #   "
        out.append(prefix + line)
    if problem is not None:
        out.insert(0, f"  # not usable as it is: {problem}")
    return out


def _occurrence(text: str, relation: Relation) -> int | None:
    """Which occurrence of the quote (1-based, as the build counts them) starts at its offset."""
    if text[relation.start:relation.end] != relation.quote or not relation.quote:
        return None
    count, at = 0, -1
    while True:  # bounded: each turn finds a later occurrence, and the one at start ends it
        at = text.find(relation.quote, at + 1)
        count += 1
        if at >= relation.start:
            return count


def _publisher(extraction: Extraction, base: str, publisher_id: PublisherId | None,
               writer: _Writer) -> str | None:
    """The entity id of the document's publisher (declaring it as a new entity if need be)."""
    name = extraction.document.publisher
    if not name:
        return None
    found = publisher_id(name) if publisher_id is not None else None
    if found is None:
        for decision in extraction.mentions:
            if (not decision.new and decision.label.casefold() == name.casefold()
                    and "MediaOrganisation" in decision.types):
                found = slug_of(base, decision.iri)
    if found is not None:
        return found
    slug = slugify(name) or "publisher"
    writer.declare(_entry([f"id: {slug}    # the publisher of {extraction.document.slug}, not in the graph",
                           "type: MediaOrganisation", f"label: {_scalar(name)}"], None), f"{base}id/{slug}")
    return slug


def _save_document(folder: Path, doc: IngestDocument, publisher: str | None) -> list[Path]:
    """``<slug>.txt`` (the text exactly as stored) and ``<slug>.yaml`` (graph/sources.py's keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    text_path, meta_path = folder / f"{doc.slug}.txt", folder / f"{doc.slug}.yaml"
    write_atomically(text_path, doc.text)
    title = doc.title or next((line.strip() for line in doc.text.splitlines() if line.strip()), doc.path)
    lines = [f"id: {doc.slug}", f"title: {_scalar(title)}",
             f"publisher: {publisher}" if publisher
             else "# publisher: unknown: give the entity id of its publisher",
             f"date: {_scalar(doc.date)}" if doc.date
             else "# date: unknown: give YYYY-MM-DD (or YYYY-MM / YYYY)",
             f"language: {doc.language}"]
    if doc.url:
        lines.append(f"url: {_scalar(doc.url)}")
    lines.append(f"note: {_scalar(f'ingested from {doc.path}; SHA-256 of the text {doc.sha256}')}")
    write_atomically(meta_path, "\n".join(lines) + "\n")
    return [text_path, meta_path]


def _scalar(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's), with the characters YAML would
    fold or break a line at escaped too."""
    out = json.dumps(text, ensure_ascii=False)
    for ch in ("\x85", "\u2028", "\u2029", "\ufeff"):
        out = out.replace(ch, f"\\u{ord(ch):04x}")
    return out


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_scalar(i) for i in items) + "]"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:120]
