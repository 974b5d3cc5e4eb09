"""How well and how fast `coopgraph ingest` reads an article: leave-one-out quality and throughput.

    .venv/bin/python bench/ingest.py                  # both parts: about 5 minutes on 2 cores
    .venv/bin/python bench/ingest.py --quality-only   # the two seed articles, seconds
    .venv/bin/python bench/ingest.py --speed-only --n 1000

**Quality (leave one out).** For each seed article (data/documents/*.txt), the graph is built from
the *other* article's curated facts only, with the real build (graph.pipeline.run_build into a
temporary store). The filtered facts hold:

- the other article's statements (``source:`` the other article);
- the entities those statements name, plus the entities its document metadata names (publisher,
  author: the build requires them). An entity no statement uses is left out: nothing says which
  article it came from;
- each kept entity with its label and Chinese label, and every alias except those that occur in
  the held-out article and not in the other one: such an alias was added for the held-out article,
  and keeping it would hand the gazetteer the answer.

Then the held-out article is ingested with the real pipeline (graph.ingest.extract.extract with a
Gazetteer.from_store of that store and a CandidateFinder, with and without the statistical model)
and scored against its own curated facts (the gold): the entities its statements name and the
statements with their quotes. Names are compared after ``norm`` (fold(), a leading "the" and a
trailing "'s" dropped, blanks collapsed).

- **Known entities** (gold entities the other article's graph has). Recall: share of them some
  mention is linked to (automatically or proposed for review). Precision, per linked mention: the
  entity is one the mention's text names in the curated data (*judge* below).
- **New entities** (gold entities the graph lacks). An extracted new entity matches a gold entity
  when its mention text or proposed label equals one of the gold entity's names, or (when no name is
  equal) its span overlaps an occurrence of one of those names in the text by at least half of the
  longer of the two spans. Recall: share of gold new entities matched by at least one new entity,
  for the classes the issue targets (organisations, places, people, agreements, mechanisms,
  corridors) and for all classes, over the gold new entities the article names on its own (as for
  known entities: a name that occurs in the text other than inside another entity's name); the
  ones it does not name (the curated "CPC Chengdu Municipal Committee" behind "the parties and
  government of the two cities") are listed, and recall counting them too is printed beside
  ("unnamed too"). Precision: share of distinct new IRIs that match a gold new entity, named or not
  (one that matches a known gold entity is a missed link, not a right answer).
- **Linking precision**: automatic links whose entity the judge accepts / automatic links.
  The judge of a mention: if its span lies strictly inside a longer occurrence of the name of a
  curated organisation, place, facility, corridor or person, the entities of that name (a leftover
  such as "Chongqing" of "Chongqing Customs" is wrong; inside an agreement's, a mechanism's or an
  area of cooperation's name, such as "implementing the overall national security concept", it is
  not);
  otherwise the curated entities whose names equal its text, narrowed to those a gold statement
  whose quote holds the mention names, when there are some. A mention no curated name fits is
  counted wrong (and listed).
- **Wrong merges**: automatic links to an entity other than the gold entity of the article the
  mention's own text names (by its names, narrowed by the gold quotes as above): the mention is
  another entity the article talks about. A leftover is a wrong link but not a merge. Listed.
- **Relations**: an extracted relation matches a gold statement when its quote overlaps the gold
  quote and its ends map to the gold subject and object (either direction), a known end by its IRI
  and a new end by the matching above; a literal statement matches on subject and value. *Typed*
  also needs the same predicate in the same direction, or its owl:inverseOf reversed, or either
  direction for a symmetric one. A relation that states a gold statement's fact with another quote
  (the title, a later sentence) does not match; the list marks it "quoted elsewhere".

**Throughput.** 1,000 synthetic articles (``--n``) of 400-900 words, written from templates over the
region's vocabulary by a seeded generator (same seed, same articles), none of them sentences of the
seed articles; the gazetteer is the whole seed graph. For each mode (with and without the statistical
model) and each number of jobs (1: extract() in one process; 2: extract_many on two forked workers,
as `coopgraph ingest --jobs 2` runs) a child process loads everything, then runs the whole set three
times through one extract_many stream: docs/s is the median run, with the slowest-fastest spread;
peak memory is the one-job child's own peak RSS (VmHWM), model loading included. The machine's load
average is printed first: on a busy machine the figures are lower bounds.

Figures only: nothing is asserted (tests/bench/test_ingest_bench.py checks every figure is printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coopgraph.graph.facts import Entity, FactBase, Statement, load_facts  # noqa: E402
from coopgraph.graph.ingest.model import Extraction, IngestDocument, LinkDecision, Relation  # noqa: E402
from coopgraph.graph.ingest.text import fold  # noqa: E402
from coopgraph.graph.namespaces import DEFAULT_BASE  # noqa: E402
from coopgraph.graph.sources import Document, load_documents  # noqa: E402

DATA = REPO / "data"
BASE = DEFAULT_BASE
COOP = "https://coopgraph.org/ontology#"

# The targets, printed beside the figures.
TARGETS = {
    "known recall": 0.95,
    "known precision": 0.97,
    "new recall (target classes)": 0.80,
    "linking precision": 0.98,
    "relation precision (typed)": 0.85,
    "relation recall (typed)": 0.50,
}
# The figures every run prints (the smoke test checks each label appears).
QUALITY_FIGURES = (
    "known recall",
    "known precision",
    "new recall (target classes)",
    "new recall (all classes)",
    "new recall (target, unnamed too)",
    "new precision",
    "linking precision",
    "wrong merges",
    "relation precision (typed)",
    "relation recall (typed)",
    "relation precision (untyped)",
    "relation recall (untyped)",
)
SPEED_FIGURES = ("docs/s", "words/s", "peak RSS MiB", "load s", "1 job (1 process)", "2 jobs (2 workers)")
# Worker processes the throughput is measured with (extract_many's jobs), side by side: 2 on 2 cores.
JOBS = (1, 2)
# The classes whose new entities the issue sets a recall target for (and their subclasses).
TARGET_CLASSES = (
    "foaf:Organization",
    "org:Organization",
    "Region",
    "Facility",
    "Person",
    "Agreement",
    "CooperationMechanism",
    "Corridor",
)
# The classes whose names hold no other entity's mention (see Scorer.proper).
LEFTOVER_CLASSES = ("foaf:Organization", "org:Organization", "Region", "Facility", "Person", "Corridor")


def say(*parts: object) -> None:
    print(*parts, flush=True)  # noqa: T201  (a benchmark prints its figures)


# --------------------------------------------------------------------------------------------------
# Names and the curated data


def norm(name: str) -> str:
    """A name as compared: fold(), blanks collapsed, a leading "the" and a trailing "'s" dropped."""
    text = re.sub(r"\s+", " ", fold(name)).strip().strip(".,;:")
    text = re.sub(r"^the ", "", text)
    return re.sub(r"'s$", "", text)


def names_of(entity: Entity) -> set[str]:
    found = {norm(entity.label), *(norm(a) for a in entity.aliases)}
    if entity.label_zh:
        found.add(norm(entity.label_zh))
    return {n for n in found if n}


def occurrences(text: str, name: str) -> list[tuple[int, int]]:
    """Where ``name`` occurs in ``text`` (folded, whole words): fold() keeps offsets."""
    folded = fold(text)
    pattern = re.compile(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)")
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def quote_span(text: str, statement: Statement) -> tuple[int, int]:
    at = -1
    for _ in range(statement.occurrence):
        at = text.find(statement.quote, at + 1)
    if at < 0:
        raise SystemExit(f"quote not found in its document: {statement.quote!r} ({statement.where})")
    return at, at + len(statement.quote)


def slug_of(iri: str) -> str:
    prefix = f"{BASE}id/"
    return iri[len(prefix) :] if iri.startswith(prefix) else iri


@dataclass
class Vocabulary:
    """What the scorer needs of the ontology: superclasses, inverses, symmetric properties."""

    superclasses: dict[str, frozenset[str]]
    inverse: dict[str, str]
    symmetric: set[str]

    @classmethod
    def load(cls) -> Vocabulary:
        from rdflib import OWL, RDF

        from coopgraph.graph.ontology import load_ontology

        onto = load_ontology()
        inverse: dict[str, str] = {}
        for a, _, b in onto.graph.triples((None, OWL.inverseOf, None)):
            inverse[short(str(a))], inverse[short(str(b))] = short(str(b)), short(str(a))
        symmetric = {short(str(p)) for p in onto.graph.subjects(RDF.type, OWL.SymmetricProperty)}
        return cls(
            {short(k): frozenset(short(c) for c in v) for k, v in onto.superclasses.items()},
            inverse,
            symmetric,
        )

    def in_classes(self, entity: Entity, classes: tuple[str, ...]) -> bool:
        closure = set().union(*(self.superclasses.get(t, frozenset({t})) for t in entity.types))
        return any(t in closure for t in classes)

    def compatible(self, guessed: tuple[str, ...], types: tuple[str, ...]) -> bool:
        """One of the guessed classes is one of the types, or a sub- or superclass of one."""
        for g in guessed:
            for t in types:
                if t in self.superclasses.get(g, frozenset({g})) or g in self.superclasses.get(
                    t, frozenset({t})
                ):
                    return True
        return False

    def in_target_classes(self, entity: Entity) -> bool:
        return self.in_classes(entity, TARGET_CLASSES)


def short(iri: str) -> str:
    """A coop term by its local name, others as a CURIE (as fact files and Relation.predicate write them)."""
    for prefix, ns in (
        ("", COOP),
        ("org:", "http://www.w3.org/ns/org#"),
        ("foaf:", "http://xmlns.com/foaf/0.1/"),
        ("schema:", "https://schema.org/"),
        ("prov:", "http://www.w3.org/ns/prov#"),
    ):
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return iri.removeprefix("coop:")


# --------------------------------------------------------------------------------------------------
# Leave one out: the other article's facts, built into a store of their own


def entities_named(facts: FactBase, article: str, documents: dict[str, Document]) -> set[str]:
    named: set[str] = set()
    for s in facts.statements:
        if s.source == article:
            named.add(s.subject)
            if s.object is not None:
                named.add(s.object)
    doc = documents[article]
    named.update(x for x in (doc.publisher, doc.author) if x and x in facts.entities)
    return named


def write_other_data(
    held_out: str, other: str, facts: FactBase, documents: dict[str, Document], root: Path
) -> tuple[set[str], list[str]]:
    """data/ for a build from ``other``'s facts only; returns the kept entity ids and the dropped aliases."""
    raw = [
        yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in sorted((DATA / "facts").glob("*.yaml"))
    ]
    keep = entities_named(facts, other, documents)
    held_text, other_text = documents[held_out].text, documents[other].text
    entities, dropped = [], []
    for item in (e for part in raw for e in part.get("entities") or []):
        if item["id"] not in keep:
            continue
        aliases = []
        for alias in item.get("aliases") or []:
            if occurrences(held_text, alias) and not occurrences(other_text, alias):
                dropped.append(f"{item['id']}: {alias}")
            else:
                aliases.append(alias)
        entities.append(
            {**item, "aliases": aliases} if aliases else {k: v for k, v in item.items() if k != "aliases"}
        )
    statements = [s for part in raw for s in part.get("statements") or [] if s["source"] == other]
    (root / "facts").mkdir(parents=True)
    (root / "documents").mkdir()
    (root / "facts" / "facts.yaml").write_text(
        yaml.safe_dump({"entities": entities, "statements": statements}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    for suffix in (".txt", ".yaml"):
        shutil.copy(DATA / "documents" / f"{other}{suffix}", root / "documents" / f"{other}{suffix}")
    return keep, dropped


def build_store(data_root: Path, store_root: Path) -> Any:
    from coopgraph.graph.pipeline import DataPaths, run_build
    from coopgraph.graph.store import open_store

    run_build(DataPaths(data_root), store_root=store_root, export_dir=None, base=BASE, analyse=False)
    return open_store(store_root)


def ingest_document(doc: Document) -> IngestDocument:
    """The article exactly as the curated build stores it, so gold quotes index the same text."""
    return IngestDocument(
        text=doc.text,
        sha256=doc.sha256,
        path=doc.text_file,
        title=doc.title,
        date=doc.date,
        publisher=doc.publisher,
        format="text",
    )


def context(store: Any, *, model: bool) -> Any:
    from coopgraph.graph.ingest.extract import IngestContext
    from coopgraph.graph.ingest.gazetteer import Gazetteer
    from coopgraph.graph.ingest.ner import CandidateFinder

    return IngestContext(Gazetteer.from_store(store), CandidateFinder(model=model), BASE)


# --------------------------------------------------------------------------------------------------
# Scoring one article


@dataclass
class Score:
    """Counts (summed over articles for the total) and the lists the engineers tune with."""

    known_gold: int = 0
    known_found: int = 0
    known_linked: int = 0  # linked mentions (auto or review)
    known_linked_ok: int = 0
    new_gold_target: int = 0
    new_found_target: int = 0
    new_gold_all: int = 0
    new_found_all: int = 0
    new_gold_every: int = 0  # target classes, with the gold entities the article never names
    new_found_every: int = 0
    new_proposed: int = 0  # distinct new IRIs
    new_proposed_ok: int = 0
    auto_links: int = 0
    auto_links_ok: int = 0
    wrong_merges: int = 0
    gold_relations: int = 0
    extracted_relations: int = 0
    rel_tp_typed: int = 0  # extracted relations that match a gold statement
    rel_tp_untyped: int = 0
    rel_found_typed: int = 0  # gold statements matched by an extracted relation
    rel_found_untyped: int = 0
    lists: dict[str, list[str]] = field(default_factory=dict)

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        for name, items in other.lists.items():
            self.lists.setdefault(name, []).extend(items)

    def note(self, name: str, item: str) -> None:
        self.lists.setdefault(name, []).append(item)

    def figures(self) -> dict[str, tuple[int, int]]:
        """figure -> (numerator, denominator); wrong merges is a count (denominator: auto-links)."""
        return {
            "known recall": (self.known_found, self.known_gold),
            "known precision": (self.known_linked_ok, self.known_linked),
            "new recall (target classes)": (self.new_found_target, self.new_gold_target),
            "new recall (all classes)": (self.new_found_all, self.new_gold_all),
            "new recall (target, unnamed too)": (self.new_found_every, self.new_gold_every),
            "new precision": (self.new_proposed_ok, self.new_proposed),
            "linking precision": (self.auto_links_ok, self.auto_links),
            "wrong merges": (self.wrong_merges, self.auto_links),
            "relation precision (typed)": (self.rel_tp_typed, self.extracted_relations),
            "relation recall (typed)": (self.rel_found_typed, self.gold_relations),
            "relation precision (untyped)": (self.rel_tp_untyped, self.extracted_relations),
            "relation recall (untyped)": (self.rel_found_untyped, self.gold_relations),
        }


class Scorer:
    """The gold of one held-out article and the judge of its mentions."""

    def __init__(self, article: str, doc: Document, facts: FactBase, known: set[str], vocab: Vocabulary):
        self.article, self.text, self.facts, self.vocab = article, doc.text, facts, vocab
        self.statements = [s for s in facts.statements if s.source == article]
        self.quotes = [quote_span(doc.text, s) for s in self.statements]
        self.gold = {s.subject for s in self.statements} | {s.object for s in self.statements if s.object}
        self.known = self.gold & known
        self.new = self.gold - known
        self.by_name: dict[str, set[str]] = {}
        for entity in facts.entities.values():
            for name in names_of(entity):
                self.by_name.setdefault(name, set()).add(entity.id)
        # Entities with compound proper names (organisations, places, facilities, corridors, people): a
        # mention inside one of their names is a leftover of it ("Chongqing" of "Chongqing Customs").
        # Agreements, mechanisms, areas of cooperation, posts and instructions name other entities
        # inside their names, rightly ("the ILSTC" in the memorandum on co-building the ILSTC).
        self.proper = {
            e for e, entity in facts.entities.items() if vocab.in_classes(entity, LEFTOVER_CLASSES)
        }
        # every occurrence in the text of every curated name: (start, end, entity ids)
        self.spans: list[tuple[int, int, frozenset[str]]] = []
        for name, ids in self.by_name.items():
            for start, end in occurrences(doc.text, name):
                self.spans.append((start, end, frozenset(ids)))
        # A known entity the article names only inside another entity's name ("Sichuan" in "the
        # Customs of Sichuan", an alias of Chengdu Customs) has no mention of its own to link:
        # it is not counted as a known entity to find (nested_only says which were left out).
        self.nested_only = {e for e in self.known if not self._named_on_its_own(e)}
        self.known -= self.nested_only
        # Likewise a new entity the article never names on its own: a name only inside another's
        # ("Chengdu" of "Chengdu Customs"), or none at all (the curated "CPC Chengdu Municipal
        # Committee" for "the parties and government of the two cities", a statement marked
        # implied). No mention states it, so no extraction can find it: not counted for recall
        # (listed as such); recall over every gold new entity is printed beside it.
        self.new_unnamed = {e for e in self.new if not self._named_on_its_own(e)}

    def _named_on_its_own(self, entity_id: str) -> bool:
        return any(entity_id in self.judge(start, end, self.text[start:end])
                   for name in names_of(self.facts.entities[entity_id])
                   for start, end in occurrences(self.text, name))

    def label(self, entity_id: str) -> str:
        entity = self.facts.entities.get(entity_id)
        return entity.label if entity else entity_id

    def leftover_of(self, start: int, end: int) -> set[str]:
        """The entities of the longest proper name that strictly holds [start, end), if one does."""
        covering = [
            s
            for s in self.spans
            if s[0] <= start and end <= s[1] and (s[1] - s[0]) > (end - start) and s[2] & self.proper
        ]
        return set(max(covering, key=lambda s: s[1] - s[0])[2]) if covering else set()

    def judge(self, start: int, end: int, text: str) -> set[str]:
        """The curated entities a mention at [start, end) names (see the module docstring)."""
        return self.leftover_of(start, end) or self.named(start, end, text)

    def named(self, start: int, end: int, text: str) -> set[str]:
        """The curated entities whose names are the mention's text, narrowed by the gold quotes holding it."""
        ids = set(self.by_name.get(norm(text), set()))
        quoted = {
            x
            for s, (qs, qe) in zip(self.statements, self.quotes, strict=True)
            if qs <= start and end <= qe
            for x in (s.subject, s.object)
            if x
        }
        return ids & quoted or ids

    def match_new(self, d: LinkDecision) -> set[str]:
        """The curated entities an extracted new entity is (by name, or by span overlap with a name)."""
        m = d.mention
        ids = set(self.by_name.get(norm(m.text), set())) | set(self.by_name.get(norm(d.label), set()))
        if ids:
            return ids
        for start, end, entity_ids in self.spans:
            overlap = min(end, m.end) - max(start, m.start)
            if overlap > 0 and overlap * 2 >= max(end - start, m.end - m.start):
                ids |= entity_ids
        if ids or not d.types:
            return ids
        # A short form ("the MOU") inside the quote of a gold statement about an entity of its class.
        for statement, (qs, qe) in zip(self.statements, self.quotes, strict=True):
            if qs <= m.start and m.end <= qe:
                ids |= {
                    e
                    for e in (statement.subject, statement.object)
                    if e and self.vocab.compatible(d.types, self.facts.entities[e].types)
                }
        return ids

    def ends(self, d: LinkDecision | None) -> set[str]:
        if d is None:
            return set()
        return self.match_new(d) if d.new else {slug_of(d.iri)}

    def predicate_matches(self, r: Relation, g: Statement, forward: bool) -> bool:
        mine, theirs = short(r.predicate), short(g.predicate)
        if mine == theirs:
            return forward or mine in self.vocab.symmetric
        return not forward and self.vocab.inverse.get(mine) == theirs

    def relation_match(self, r: Relation, g: Statement, span: tuple[int, int], *, typed: bool) -> bool:
        if not (r.start < span[1] and span[0] < r.end):
            return False
        subjects = self.ends(r.subject)
        if g.object is None:
            return (
                r.object is None
                and r.value is not None
                and g.value is not None
                and norm(r.value) == norm(g.value)
                and g.subject in subjects
                and (not typed or short(r.predicate) == short(g.predicate))
            )
        objects = self.ends(r.object)
        forward = g.subject in subjects and g.object in objects
        backward = g.object in subjects and g.subject in objects
        if not typed:
            return forward or backward
        return (forward and self.predicate_matches(r, g, True)) or (
            backward and self.predicate_matches(r, g, False)
        )

    def score(self, x: Extraction) -> Score:
        counted = self.new - self.new_unnamed  # the gold new entities the article names
        sc = Score(known_gold=len(self.known), new_gold_all=len(counted))
        where = self.article
        linked = {slug_of(d.iri) for d in x.mentions if not d.new}
        sc.known_found = len(self.known & linked)
        for missing in sorted(self.known - linked):
            sc.note("known entities missed", f"{where}: {self.label(missing)} ({missing})")
        for nested in sorted(self.nested_only):
            sc.note("known entities named only inside another's name (not counted)",
                    f"{where}: {self.label(nested)} ({nested})")
        new_found: set[str] = set()
        proposed: dict[str, bool] = {}
        for d in x.mentions:
            m = d.mention
            shown = f"{where}: {m.text!r} @{m.start} -> {d.label} [{d.reason}]"
            if d.new:
                matched = self.match_new(d)
                new_found |= matched & self.new
                proposed[d.iri] = proposed.get(d.iri, False) or bool(matched & self.new)
                if matched & self.known and not matched & self.new:
                    sc.note(
                        "new but known (missed links)",
                        f"{shown} is {', '.join(sorted(matched & self.known))}",
                    )
                continue
            judged = self.judge(m.start, m.end, m.text)
            ok = slug_of(d.iri) in judged
            sc.known_linked += 1
            sc.known_linked_ok += ok
            if not ok:
                sc.note(
                    "links judged wrong", f"{shown}; the text names {sorted(judged) or 'no curated entity'}"
                )
            if d.auto:
                sc.auto_links += 1
                sc.auto_links_ok += ok
                named = self.named(m.start, m.end, m.text)
                if not ok and named & self.gold and slug_of(d.iri) not in named:
                    sc.wrong_merges += 1
                    sc.note("WRONG MERGES", f"{shown}; the text names {sorted(named & self.gold)}")
        sc.new_found_all = len(new_found & counted)
        every = {e for e in self.new if self.vocab.in_target_classes(self.facts.entities[e])}
        target = every & counted
        sc.new_gold_target, sc.new_found_target = len(target), len(new_found & target)
        sc.new_gold_every, sc.new_found_every = len(every), len(new_found & every)
        for unnamed in sorted(self.new_unnamed):
            entity = self.facts.entities[unnamed]
            sc.note("new entities the article does not name on its own (not counted)",
                    f"{where}: {entity.label} ({'/'.join(entity.types)})")
        for missing in sorted(
            counted - new_found, key=lambda e: (e not in target, e)
        ):  # target classes first
            entity = self.facts.entities[missing]
            tag = "" if missing in target else " (not a target class)"
            sc.note("new entities missed", f"{where}: {entity.label} ({'/'.join(entity.types)}){tag}")
        sc.new_proposed, sc.new_proposed_ok = len(proposed), sum(proposed.values())
        for d in x.mentions:
            if d.new and not proposed[d.iri]:
                proposed[d.iri] = True  # list each false new entity once
                sc.note(
                    "new entities not in the gold",
                    f"{where}: {d.label!r} ({'/'.join(d.types) or '?'}) "
                    f"from {d.mention.text!r} [{d.mention.source}]",
                )
        self.score_relations(x, sc)
        return sc

    def score_relations(self, x: Extraction, sc: Score) -> None:
        where = self.article
        gold = self.statements
        sc.gold_relations, sc.extracted_relations = len(gold), len(x.relations)
        found_typed, found_untyped = set(), set()
        for r in x.relations:
            typed = [i for i, g in enumerate(gold) if self.relation_match(r, g, self.quotes[i], typed=True)]
            untyped = [
                i for i, g in enumerate(gold) if self.relation_match(r, g, self.quotes[i], typed=False)
            ]
            found_typed.update(typed)
            found_untyped.update(untyped)
            sc.rel_tp_typed += bool(typed)
            sc.rel_tp_untyped += bool(untyped)
            if not typed:
                obj = r.object.label if r.object is not None else repr(r.value)
                elsewhere = [g for g in gold if self.relation_match(r, g, (r.start, r.end), typed=True)]
                kind = (
                    "wrong predicate or direction"
                    if untyped
                    else "a gold statement's fact, quoted elsewhere"
                    if elsewhere
                    else "no gold statement"
                )
                sc.note(
                    "relations not in the gold",
                    f"{where}: {r.subject.label} {r.predicate} {obj} ({kind}; "
                    f"rule {r.rule or '?'}) in {shorten(r.quote)!r}",
                )
        sc.rel_found_typed, sc.rel_found_untyped = len(found_typed), len(found_untyped)
        for i, g in enumerate(gold):
            if i not in found_typed:
                obj = self.label(g.object) if g.object else repr(g.value)
                sc.note(
                    "gold relations missed",
                    f"{where}: {self.label(g.subject)} {g.predicate} {obj} "
                    f"in {shorten(g.quote)!r}{' (found untyped)' if i in found_untyped else ''}",
                )


def shorten(text: str, width: int = 90) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def quality(args: argparse.Namespace) -> None:
    from coopgraph.graph.ingest.extract import extract

    facts = load_facts(DATA / "facts")
    documents = load_documents(DATA / "documents")
    vocab = Vocabulary.load()
    articles = sorted(documents)
    if len(articles) != 2:
        raise SystemExit(f"leave-one-out expects the two seed articles, found {len(articles)}")
    modes = [False] if args.no_model else [True, False]
    results: dict[bool, list[tuple[str, Score]]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-ingest-") as tmp:
        for held_out in articles:
            other = next(a for a in articles if a != held_out)
            root = Path(tmp) / held_out
            known, dropped = write_other_data(held_out, other, facts, documents, root / "data")
            say(
                f"\n{held_out}: graph from {other}'s facts ({len(known)} entities; aliases dropped as "
                f"held-out only: {len(dropped)}{': ' + '; '.join(dropped) if dropped else ''})"
            )
            store = build_store(root / "data", root / "store")
            try:
                scorer = Scorer(held_out, documents[held_out], facts, known, vocab)
                say(
                    f"  gold: {len(scorer.known)} known entities, {len(scorer.new)} new, "
                    f"{len(scorer.statements)} statements"
                )
                for mode in modes:
                    extraction = extract(ingest_document(documents[held_out]), context(store, model=mode))
                    results[mode].append((held_out, scorer.score(extraction)))
            finally:
                close = getattr(store, "close", None)
                if close is not None:
                    close()
    for mode in modes:
        say(f"\n=== quality, {'with' if mode else 'without'} the statistical model ===")
        total = Score()
        rows = results[mode]
        for _, score in rows:
            total.add(score)
        print_table([(name, sc) for name, sc in rows] + [("total", total)])
        if mode == modes[0]:
            print_lists(total, args.show)


def print_table(rows: list[tuple[str, Score]]) -> None:
    width = 30
    header = f"{'figure':<{width}}" + "".join(f"{short_name(n):>22}" for n, _ in rows) + f"{'target':>9}"
    say(header)
    figures = [sc.figures() for _, sc in rows]
    for name in QUALITY_FIGURES:
        cells = []
        for fig in figures:
            num, den = fig[name]
            if name == "wrong merges":
                cells.append(f"{num} of {den}")
            else:
                cells.append(f"{num / den:.3f} ({num}/{den})" if den else "n/a (0/0)")
        target = TARGETS.get(name)
        tail = f"≥{target:.2f}" if target is not None else ("0" if name == "wrong merges" else "")
        say(f"{name:<{width}}" + "".join(f"{c:>22}" for c in cells) + f"{tail:>9}")


def short_name(article: str) -> str:
    return article if len(article) <= 20 else article[:19] + "…"


def print_lists(total: Score, show: int) -> None:
    order = [
        "WRONG MERGES",
        "links judged wrong",
        "known entities missed",
        "known entities named only inside another's name (not counted)",
        "new but known (missed links)",
        "new entities missed",
        "new entities the article does not name on its own (not counted)",
        "new entities not in the gold",
        "gold relations missed",
        "relations not in the gold",
    ]
    for name in order:
        items = total.lists.get(name, [])
        say(f"\n{name}: {len(items)}" + (f" (first {show})" if len(items) > show else ""))
        for item in items[:show]:
            say(f"  - {item}")


# --------------------------------------------------------------------------------------------------
# Synthetic articles: the region's vocabulary in templates of our own


PROVINCES = [
    "Sichuan Province",
    "Yunnan Province",
    "Guizhou Province",
    "Shaanxi Province",
    "Gansu Province",
    "Qinghai Province",
    "Hunan Province",
    "Hubei Province",
    "Guangxi Zhuang Autonomous Region",
    "Ningxia Hui Autonomous Region",
    "Xinjiang Uygur Autonomous Region",
    "Inner Mongolia Autonomous Region",
    "Tibet Autonomous Region",
    "Hainan Province",
    "Guangdong Province",
    "Shanxi Province",
]
CITIES = [
    "Chengdu",
    "Kunming",
    "Guiyang",
    "Nanning",
    "Xi'an",
    "Lanzhou",
    "Xining",
    "Yinchuan",
    "Urumqi",
    "Lhasa",
    "Hohhot",
    "Changsha",
    "Wuhan",
    "Luzhou",
    "Yibin",
    "Mianyang",
    "Zunyi",
    "Liuzhou",
    "Qinzhou",
    "Beihai",
    "Fangchenggang",
    "Wanzhou",
    "Fuling",
    "Yongchuan",
    "Dazhou",
    "Nanchong",
    "Zigong",
    "Pingxiang",
    "Ruili",
]
COUNTRIES = [
    "Singapore",
    "Laos",
    "Vietnam",
    "Thailand",
    "Myanmar",
    "Malaysia",
    "Cambodia",
    "Germany",
    "Poland",
    "Kazakhstan",
    "Russia",
    "Indonesia",
    "the Philippines",
    "Hungary",
]
CORRIDORS = [
    "the New International Land-Sea Trade Corridor",
    "the China-Europe Railway Express",
    "the China-Laos Railway",
    "the Yangtze River golden waterway",
    "the Western Land-Sea Corridor",
    "the Chongqing-Xinjiang-Europe railway",
    "the Nanning-Hanoi cross-border road route",
    "the rail-sea intermodal route via Qinzhou Port",
    "the Beibu Gulf shipping lane",
    "the China-Myanmar Economic Corridor",
]
ZONE_KINDS = [
    "Pilot Free Trade Zone",
    "Comprehensive Bonded Zone",
    "High-tech Industrial Development Zone",
    "Economic and Technological Development Zone",
    "Bonded Logistics Center",
    "International Logistics Park",
    "Cross-border E-commerce Comprehensive Pilot Zone",
]
TOPICS = [
    "customs clearance",
    "cross-border e-commerce",
    "cold-chain logistics",
    "bonded maintenance",
    "the digital economy",
    "new energy vehicles",
    "integrated circuits",
    "trade facilitation",
    "port services",
    "agricultural exports",
    "inland shipping",
    "financial services for trade",
    "the single window for international trade",
    "inspection and quarantine",
    "talent exchange",
]
SURNAMES = [
    "Zhang",
    "Wang",
    "Li",
    "Zhao",
    "Chen",
    "Yang",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Gao",
    "Liang",
    "Tang",
    "Deng",
    "Feng",
    "Cao",
    "Peng",
]
GIVEN = [
    "Wei",
    "Jun",
    "Min",
    "Hong",
    "Lei",
    "Jing",
    "Qiang",
    "Hua",
    "Yan",
    "Bo",
    "Tao",
    "Xiaoming",
    "Jianguo",
    "Lihua",
    "Guoqing",
    "Haiyan",
    "Zhiqiang",
    "Yuming",
    "Dongmei",
    "Xinyi",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
GOODS = ["laptops", "motorcycles", "auto parts", "tea", "machinery"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"]


class ArticleWriter:
    """Writes one synthetic article: a seeded random walk over sentence templates."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.year = rng.randint(2015, 2024)

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def province(self) -> str:
        return self.pick(PROVINCES)

    def short_province(self) -> str:
        return short_province(self.province())

    def customs(self) -> str:
        return f"{self.pick(CITIES + [short_province(p) for p in PROVINCES])} Customs"

    def government(self) -> str:
        return self.pick(
            [
                f"the {self.pick(CITIES)} Municipal People's Government",
                f"the People's Government of {self.province()}",
                f"the {self.pick(CITIES)} Commerce Bureau",
                f"the {self.short_province()} Department of Commerce",
                f"the {self.pick(CITIES)} Port and Logistics Office",
            ]
        )

    def party(self) -> str:
        return self.rng.choice(
            [self.customs(), self.government(), self.zone(), f"the government of {self.pick(COUNTRIES)}"]
        )

    def zone(self) -> str:
        return f"the {self.pick(CITIES)} {self.pick(ZONE_KINDS)}"

    def date(self) -> str:
        month = self.pick(MONTHS)
        return self.rng.choice(
            [
                f"on {month} {self.rng.randint(1, 28)}, {self.year}",
                f"on {month} {self.rng.randint(1, 28)}",
                f"in {month} {self.year}",
                f"in {self.year}",
                f"last {month}",
            ]
        )

    def person(self) -> str:
        name = f"{self.pick(SURNAMES)} {self.pick(GIVEN)}"
        post = self.rng.choice(
            [
                f"director of {self.customs()}",
                f"mayor of {self.pick(CITIES)}",
                f"secretary of the CPC {self.pick(CITIES)} Municipal Committee",
                f"vice governor of {self.province()}",
                f"deputy director of the {self.pick(CITIES)} {self.pick(ZONE_KINDS)} "
                "Administrative Committee",
                f"general manager of the {self.pick(CITIES)} Port Group",
            ]
        )
        return self.rng.choice([f"{name}, {post},", f"{cap(post)} {name},", f"{name}, the {post},"])

    def sentence(self) -> str:
        r = self.rng
        a, b = self.party(), self.party()
        templates = [
            lambda: (
                f"{cap(a)} and {b} signed a memorandum of understanding on {self.pick(TOPICS)} {self.date()}."
            ),
            lambda: (
                f"{cap(self.date())}, {a} signed a framework agreement with {b}, covering {r.randint(5, 30)} "
                f"articles of cooperation in {self.pick(TOPICS)} and {self.pick(TOPICS)}."
            ),
            lambda: (
                f"According to {self.person()} the two sides will set up a joint meeting mechanism "
                "that meets "
                f"every {self.pick(['quarter', 'half year', 'year'])} to review progress."
            ),
            lambda: (
                f"{cap(a)} will build a {self.pick(TOPICS)} platform in {self.zone()} "
                f"by {self.year + r.randint(1, 5)}."
            ),
            lambda: (
                f"{cap(self.pick(CORRIDORS))} connects {self.pick(CITIES)} with {self.pick(COUNTRIES)} and "
                f"{self.pick(COUNTRIES)}, and {r.randint(100, 9000)} trains ran on it in {self.year}."
            ),
            lambda: (
                f"{cap(self.zone())} is located in {self.pick(CITIES)}, {self.province()}, and covers "
                f"{r.randint(5, 120)} square kilometres."
            ),
            lambda: (
                f"{self.person()} said that {a} would further promote {self.pick(TOPICS)} along "
                f"{self.pick(CORRIDORS)}."
            ),
            lambda: (
                f"The customs clearance cooperation mechanism of the {self.pick(ORDINALS)} group of "
                f"{r.randint(3, 13)} western provincial regions now includes {self.short_province()} and "
                f"{self.short_province()}."
            ),
            lambda: (
                f"Under the plan, {a} and {b} are expected to cut the time of {self.pick(TOPICS)} by "
                f"{r.randint(10, 60)} percent within {r.randint(2, 5)} years."
            ),
            lambda: (
                f"In {self.year}, foreign trade through {self.pick(CITIES)} reached "
                f"{r.randint(10, 900)}.{r.randint(0, 9)} "
                f"billion yuan, up {r.randint(2, 40)}.{r.randint(0, 9)} percent year on year."
            ),
            lambda: (
                f"{cap(a)} supports the construction of {self.pick(CORRIDORS)} and will open a new logistics "
                f"hub in {self.pick(CITIES)}."
            ),
            lambda: (
                f"The {self.pick(ORDINALS)} joint conference of {a} and {b} was held in {self.pick(CITIES)} "
                f"{self.date()}."
            ),
            lambda: (
                f"{cap(b)} is a member of the "
                f"{self.short_province()}-{self.pick(COUNTRIES).removeprefix('the ')} "
                f"cooperation council, which was founded {self.date()}."
            ),
            lambda: (
                f"Officials from {a} visited {self.pick(COUNTRIES)} {self.date()} "
                f"to discuss {self.pick(TOPICS)}."
            ),
            lambda: (
                f"Next year, {a} plans to launch a pilot program for {self.pick(TOPICS)} in {self.zone()}."
            ),
            lambda: (
                f"Companies in {self.pick(CITIES)} exported {self.pick(GOODS)} worth {r.randint(1, 90)} "
                f"million US dollars to {self.pick(COUNTRIES)} through {self.pick(CORRIDORS)}."
            ),
        ]
        return r.choice(templates)()

    def article(self, index: int) -> tuple[str, str]:
        words = self.rng.randint(400, 900)
        title = f"{cap(self.party())} and {self.party()} deepen cooperation on {self.pick(TOPICS)}"
        paragraphs: list[list[str]] = [[]]
        count = len(title.split())
        while count < words:
            sentence = self.sentence()
            if count + len(sentence.split()) > 900:
                break
            if len(paragraphs[-1]) >= self.rng.randint(3, 6):
                paragraphs.append([])
            paragraphs[-1].append(sentence)
            count += len(sentence.split())
        return title, title + "\n\n" + "\n\n".join(" ".join(p) for p in paragraphs) + "\n"


def short_province(name: str) -> str:
    """The short name of a province-level division: "Guangxi" of "Guangxi Zhuang Autonomous Region"."""
    return re.sub(r" (Province|(Zhuang |Hui |Uygur )?Autonomous Region)$", "", name)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def synthetic_articles(n: int, *, seed: int = 11) -> list[IngestDocument]:
    """``n`` articles, the same for the same seed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title, text = ArticleWriter(rng).article(i)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        out.append(
            IngestDocument(
                text=text,
                sha256=digest,
                path=f"synthetic/{i:04d}.txt",
                title=title,
                date=f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                format="text",
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Throughput: one child process per mode, so each peak RSS is its own


def speed_worker(mode: str, n: int, runs: int, seed: int, jobs: int) -> dict[str, Any]:
    from coopgraph.graph.build import build_graph
    from coopgraph.graph.ingest.extract import IngestContext, extract, extract_many
    from coopgraph.graph.ingest.gazetteer import Gazetteer
    from coopgraph.graph.ingest.ner import CandidateFinder

    docs = synthetic_articles(n, seed=seed)
    started = time.perf_counter()
    graph = build_graph(facts_dir=DATA / "facts", documents_dir=DATA / "documents", base=BASE).graph
    ctx = IngestContext(Gazetteer.from_graph(graph), CandidateFinder(model=mode == "model"), BASE)
    extract(docs[0], ctx)  # loads what is loaded lazily (the model), outside the timed runs
    load = time.perf_counter() - started
    # One stream of all the runs through extract_many, as `coopgraph ingest --jobs` uses it: with
    # jobs=2 the same two workers serve every run, so they keep what they learn across runs just as
    # one process does; a run's time is from the previous run's last result to its own last one.
    stream = extract_many((doc for _ in range(runs) for doc in docs), ctx, jobs=jobs)
    times, mentions, relations = [], 0, 0
    t0 = time.perf_counter()
    for _ in range(runs):
        mentions = relations = 0
        for _doc in docs:
            x = next(stream)
            mentions += len(x.mentions)
            relations += len(x.relations)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
    stream.close()
    words = sum(len(d.text.split()) for d in docs)
    return {
        "mode": mode,
        "jobs": jobs,
        "n": n,
        "words": words,
        "runs": times,
        "load": load,
        "mentions": mentions,
        "relations": relations,
        "peak_rss_mib": peak_rss_mib(),
        "stages": stage_seconds(docs, ctx) if jobs == 1 else {},
    }


def peak_rss_mib() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: a child keeps its parent's peak across
    fork + exec, so a child started after the quality part would report the parent's model."""
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_seconds(docs: list[IngestDocument], ctx: Any) -> dict[str, float]:
    """One more pass, stage by stage in extract()'s order, to say where the time goes (for tuning)."""
    from coopgraph.graph.ingest.linking import link
    from coopgraph.graph.ingest.ner import defined_acronyms
    from coopgraph.graph.ingest.relations import find_relations
    from coopgraph.graph.ingest.text import sentences

    spent = dict.fromkeys(("sentences", "gazetteer", "candidates", "acronyms", "link", "relations"), 0.0)
    for doc in docs:
        t0 = time.perf_counter()
        spans = sentences(doc.text)
        t1 = time.perf_counter()
        known = ctx.gazetteer.find(doc.text, spans)
        t2 = time.perf_counter()
        candidates = ctx.finder.find(doc, spans)
        t3 = time.perf_counter()
        acronyms = defined_acronyms(doc.text)
        t4 = time.perf_counter()
        decisions = link(doc, known, candidates, acronyms, ctx.gazetteer, base=ctx.base)
        t5 = time.perf_counter()
        find_relations(doc, decisions, spans)
        t6 = time.perf_counter()
        for name, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            spent[name] += seconds
    return spent


def speed(args: argparse.Namespace) -> None:
    docs = synthetic_articles(args.n, seed=args.seed)
    words = [len(d.text.split()) for d in docs]
    say(
        f"\n=== throughput: {args.n} synthetic articles (seed {args.seed}), {min(words)}-{max(words)} words, "
        f"median {statistics.median(words):.0f}; median of {args.runs} runs of the whole set ==="
    )
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    modes = ("rules",) if args.no_model else ("model", "rules")
    for mode in modes:
        for jobs in JOBS:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--speed-worker",
                    mode,
                    "--jobs",
                    str(jobs),
                    "--n",
                    str(args.n),
                    "--runs",
                    str(args.runs),
                    "--seed",
                    str(args.seed),
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=3600,
            )
            if child.returncode != 0:
                raise SystemExit(f"the {mode} run with {jobs} job(s) failed:\n{child.stderr[-3000:]}")
            rows[mode, jobs] = json.loads(child.stdout.strip().splitlines()[-1])
    target = {"model": 20, "rules": 200}
    say(
        f"{'mode':<26}{'docs/s':>9}{'min-max':>13}{'docs/s':>9}{'min-max':>13}{'×':>6}{'words/s':>10}"
        f"{'peak RSS MiB':>14}{'load s':>8}{'mentions':>10}{'relations':>11}{'target':>8}"
    )
    say(f"{'':<26}{'1 job (1 process)':>22}{'2 jobs (2 workers)':>22}{'':>6}{'2 jobs':>10}{'1 job':>14}")
    for mode in modes:
        one, two = rows[mode, 1], rows[mode, 2]
        rate = {jobs: row["n"] / statistics.median(row["runs"]) for jobs, row in ((1, one), (2, two))}
        spread = {
            jobs: f"{min(row['n'] / t for t in row['runs']):.1f}-{max(row['n'] / t for t in row['runs']):.1f}"
            for jobs, row in ((1, one), (2, two))
        }
        name = "with the statistical model" if mode == "model" else "rules only (model=False)"
        say(
            f"{name:<26}{rate[1]:>9.1f}{spread[1]:>13}{rate[2]:>9.1f}{spread[2]:>13}{rate[2] / rate[1]:>6.2f}"
            f"{rate[2] * two['words'] / two['n']:>10.0f}{one['peak_rss_mib']:>14.0f}{one['load']:>8.1f}"
            f"{one['mentions']:>10}{one['relations']:>11}{'≥' + str(target[mode]):>8}"
        )
        if (two["mentions"], two["relations"]) != (one["mentions"], one["relations"]):
            say(
                f"  {mode}: 2 jobs found {two['mentions']} mentions, {two['relations']} relations "
                "(the model's answer for a name is kept from its first document, which differs per worker)"
            )
    say(
        "where the time goes (one more pass, 1 job, stage by stage): "
        + " | ".join(
            f"{mode}: "
            + ", ".join(
                f"{name} {100 * sec / sum(rows[mode, 1]['stages'].values()):.0f}%"
                for name, sec in rows[mode, 1]["stages"].items()
            )
            for mode in modes
        )
    )


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--quality-only", action="store_true", help="only the leave-one-out quality scores")
    parts.add_argument("--speed-only", action="store_true", help="only the throughput on synthetic articles")
    parser.add_argument("--n", type=int, default=1000, help="synthetic articles for the throughput (1000)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs over the whole set; docs/s is the median (3)"
    )
    parser.add_argument("--seed", type=int, default=11, help="seed of the synthetic articles (11)")
    parser.add_argument("--no-model", action="store_true", help="skip the statistical model (rules only)")
    parser.add_argument("--show", type=int, default=25, help="items listed per list of misses (25)")
    parser.add_argument("--dump", type=Path, help="write N synthetic articles to this folder and stop")
    parser.add_argument("--speed-worker", choices=["model", "rules"], help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)  # the speed worker's
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.n < 1 or args.runs < 1:
        parser.error("--n and --runs must be at least 1")
    if args.speed_worker:
        print(json.dumps(speed_worker(args.speed_worker, args.n, args.runs, args.seed, args.jobs)))  # noqa: T201
        return
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for doc in synthetic_articles(args.n, seed=args.seed):
            (args.dump / Path(doc.path).name).write_text(doc.text, encoding="utf-8")
        say(f"wrote {args.n} articles to {args.dump}")
        return
    load = os.getloadavg()
    say(
        f"machine: nproc {os.cpu_count()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        + ("  (busy: the throughput figures are lower bounds)" if load[0] > (os.cpu_count() or 1) else "")
    )
    if not args.speed_only:
        quality(args)
    if not args.quality_only:
        speed(args)


if __name__ == "__main__":
    main()
