"""Reviewing extractions (graph/ingest/review.py) and the --review-out file (graph/ingest/review_file.py).

The queue's files survive a reopen and a kill; relink / new / reject / accept-all / apply do what the
module docstring says, against a temp copy of the seed store; a review file moved into data/ passes
``coopgraph build``'s checks. Extractions are the hand-made ones of test_write.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from coopgraph.graph.errors import EntityNotFoundError, QuoteNotFoundError
from coopgraph.graph.ingest.model import Candidate, Extraction
from coopgraph.graph.ingest.review import (
    AUTO_NEW_SCORE,
    AUTO_RELATION_CONFIDENCE,
    ReviewError,
    ReviewQueue,
    auto_accepted,
)
from coopgraph.graph.ingest.review_file import write_review_file
from coopgraph.graph.ingest.write import document_graph_iri
from coopgraph.graph.pipeline import DataPaths, run_build
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.ingest.test_write import BASE, ID, MEMO, ask, make_extraction, read_article, snapshot, store_root

__all__ = ["store_root"]  # the fixture, shared with test_write.py

CQ, CD, ILSTC = ID + "chongqing-customs", ID + "chengdu-customs", ID + "ilstc"
TRAIN = ID + "china-europe-freight-train"


@pytest.fixture
def extraction(tmp_path: Path) -> Extraction:
    return make_extraction(read_article(tmp_path))


@pytest.fixture
def queue(tmp_path: Path) -> ReviewQueue:
    return ReviewQueue(tmp_path / "store-review")


def apply(queue: ReviewQueue, slug: str, root: Path):  # type: ignore[no-untyped-def]
    with OxigraphStore(root) as store:
        return queue.apply(slug, store, base=BASE, accepted_by="Reviewer R")


# -- the queue's files -------------------------------------------------------------------------------------

def test_the_queue_keeps_the_extraction_and_every_decision_across_a_reopen(queue: ReviewQueue,
                                                                          extraction: Extraction) -> None:
    slug = queue.add(extraction)
    assert slug == extraction.document.slug
    queue.decide(slug, "m0", "accept")
    queue.decide(slug, "m4", "relink", TRAIN)
    queue.decide(slug, "r2", "reject")
    reopened = ReviewQueue(queue.folder).load(slug)
    assert reopened.extraction == extraction  # every record, tuples and floats included, comes back equal
    assert {k: (d.action, d.target, d.reason) for k, d in reopened.decisions.items()} == {
        "m0": ("accept", None, None), "m4": ("relink", TRAIN, "relinked-by-reviewer"), "r2": ("reject", None, None)}
    # Queuing the same document again keeps what was decided.
    assert queue.add(extraction) == slug and len(queue.load(slug).decisions) == 3
    (summary,) = queue.pending()
    assert (summary.slug, summary.mentions, summary.relations, summary.decided, summary.pending) == (slug, 5, 4, 3, 6)
    left = sorted(p.name for p in queue.folder.iterdir() if p.name != f".{slug}.lock")
    assert left == [f"{slug}.json"]  # no temp file left behind


def test_decisions_made_at_the_same_time_are_all_kept(queue: ReviewQueue, extraction: Extraction) -> None:
    slug = queue.add(extraction)
    items = [f"m{i}" for i in range(5)] + [f"r{j}" for j in range(4)]

    def decide_all(action: str, mine: list[str]) -> None:
        for item in mine:
            queue.decide(slug, item, action)

    threads = [threading.Thread(target=decide_all, args=("accept", items[0::2])),
               threading.Thread(target=decide_all, args=("reject", items[1::2]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    decided = queue.load(slug).decisions
    assert {item: decided[item].action for item in items} == {
        item: "accept" if i % 2 == 0 else "reject" for i, item in enumerate(items)}


def test_a_writer_killed_between_decisions_loses_none_it_made(queue: ReviewQueue, extraction: Extraction) -> None:
    slug = queue.add(extraction)
    script = ("import sys\nfrom coopgraph.graph.ingest.review import ReviewQueue\nq = ReviewQueue(sys.argv[1])\n"
              "for n in range(2000):\n    q.decide(sys.argv[2], f'm{n % 5}', 'accept' if n % 2 else 'reject')\n"
              "    print(n, flush=True)\n")
    with subprocess.Popen([sys.executable, "-c", script, str(queue.folder), slug], stdout=subprocess.PIPE,
                          text=True) as process:
        assert process.stdout is not None
        for _ in range(50):  # the writer has made some decisions, and is making more
            if process.stdout.readline().strip() == "40":
                break
        process.kill()
        process.wait(timeout=30)
    item = queue.load(slug)  # a whole file, never half of one
    assert set(item.decisions) == {"m0", "m1", "m2", "m3", "m4"}


def test_bad_requests_are_refused_with_a_reason(queue: ReviewQueue, extraction: Extraction) -> None:
    slug = queue.add(extraction)
    for item, action, target, message in [
        ("m99", "accept", None, "the document has 5 mentions"),
        ("x1", "accept", None, "not an item id"),
        ("m1", "merge", None, "unknown action"),
        ("r0", "relink", CQ, "a relation can be accepted or rejected"),
        ("m1", "relink", "Chongqing Customs", "relink needs the IRI"),
        ("m1", "accept", CQ, "takes no target"),
    ]:
        with pytest.raises(ReviewError, match=message):
            queue.decide(slug, item, action, target)
    with pytest.raises(EntityNotFoundError):
        queue.load("doc-0000000000000000")
    with pytest.raises(ReviewError, match="not a document slug"):
        queue.load("../../etc/passwd")
    queue.path(slug).write_text('{"format": 1, "extraction": {"document": {}}}', encoding="utf-8")
    with pytest.raises(ReviewError, match="not one coopgraph wrote"):
        queue.load(slug)


# -- what each action writes ----------------------------------------------------------------------------------

def test_relink_moves_the_mention_and_the_relations_using_it(queue: ReviewQueue, extraction: Extraction,
                                                             store_root: Path) -> None:
    slug = queue.add(extraction)
    for item in ("m2", "m3", "r2"):
        queue.decide(slug, item, "accept")
    queue.decide(slug, "m4", "relink", TRAIN)
    summary = apply(queue, slug, store_root)
    graph = document_graph_iri(BASE, extraction.document.slug)
    assert summary.relations == 1
    assert ask(store_root, f"""GRAPH <{graph}> {{ <{MEMO}> coop:supports <{TRAIN}> .
        ?ev rdf:object <{TRAIN}> ; coop:linkReason "new / relinked-by-reviewer" ; coop:acceptedBy "Reviewer R" .
        <{extraction.iri}> schema:mentions <{TRAIN}> }}""")
    assert not ask(store_root, f"GRAPH <{graph}> {{ ?s ?p <{ILSTC}> }}")
    assert not queue.path(slug).exists(), "applied: the pending file is gone"


def test_a_relink_to_an_unknown_entity_writes_nothing_and_keeps_the_review(queue: ReviewQueue, extraction: Extraction,
                                                                           store_root: Path) -> None:
    slug = queue.add(extraction)
    queue.decide(slug, "m4", "relink", ID + "no-such-entity")
    queue.decide(slug, "r2", "accept")
    before = snapshot(store_root)
    with pytest.raises(ReviewError, match="not an entity of the store"):
        apply(queue, slug, store_root)
    assert snapshot(store_root) == before
    assert set(queue.load(slug).decisions) == {"m4", "r2"}


def test_mark_as_new_mints_a_free_iri_and_relations_follow(queue: ReviewQueue, extraction: Extraction,
                                                           store_root: Path) -> None:
    slug = queue.add(extraction)
    queue.decide(slug, "m0", "new")       # "Chongqing Customs" taken as another body than the graph's
    queue.decide(slug, "m2", "accept")
    queue.decide(slug, "r0", "accept")
    summary = apply(queue, slug, store_root)
    fresh = ID + "chongqing-customs-2"    # the graph has chongqing-customs: never merged with it
    assert summary.new_entities == tuple(sorted((MEMO, fresh)))
    graph = document_graph_iri(BASE, extraction.document.slug)
    assert ask(store_root, f"""GRAPH <{graph}> {{ <{MEMO}> coop:hasSignatory <{fresh}> .
        <{fresh}> a coop:CustomsDistrict ; rdfs:label "Chongqing Customs"@en ; coop:machineExtracted true }}""")
    assert not ask(store_root, f"GRAPH <{graph}> {{ <{MEMO}> coop:hasSignatory <{CQ}> }}")


def test_a_relation_whose_end_was_rejected_is_dropped_with_a_note(queue: ReviewQueue, extraction: Extraction,
                                                                  store_root: Path) -> None:
    slug = queue.add(extraction)
    queue.decide(slug, "m1", "reject")
    for item in ("m2", "r0", "r1", "r2"):
        queue.decide(slug, item, "accept")
    queue.decide(slug, "m4", "accept")
    summary = apply(queue, slug, store_root)
    # r0 and r2 (whose subject m3 is the new entity m2 proposes, accepted there); r1's object was rejected
    assert summary.relations == 2
    assert any(note.startswith("r1 ") and "its object m1 'Chengdu Customs' was rejected" in note
               for note in summary.dropped), summary.dropped
    assert any("left undecided" in note for note in summary.dropped)
    assert not ask(store_root, f"GRAPH ?g {{ <{MEMO}> coop:hasSignatory <{CD}> }}")
    assert ask(store_root, f"GRAPH ?g {{ <{MEMO}> coop:hasSignatory <{CQ}> }}")


def test_a_new_entity_nobody_accepted_keeps_its_relations_out(queue: ReviewQueue, extraction: Extraction,
                                                              store_root: Path) -> None:
    slug = queue.add(extraction)
    queue.decide(slug, "r0", "accept")  # the memorandum (m2, new) is left undecided
    summary = apply(queue, slug, store_root)
    assert summary.relations == 0
    assert any("is a new entity nobody accepted" in note for note in summary.dropped)


def test_accept_all_takes_the_pending_items_of_one_reason(queue: ReviewQueue, extraction: Extraction,
                                                          store_root: Path) -> None:
    slug = queue.add(extraction)
    queue.decide(slug, "m1", "reject")
    assert queue.accept_all(slug, "exact-alias") == ["m0", "m4"]  # m1 was decided already
    assert queue.accept_all(slug, "new") == ["m2", "m3"]
    assert queue.accept_all(slug, "rule:test") == ["r0", "r1", "r2", "r3"]
    item = queue.load(slug)
    assert item.decisions["m1"].action == "reject" and item.decisions["m0"].reason == "accept-all:exact-alias"
    assert item.pending() == []
    summary = apply(queue, slug, store_root)
    assert summary.relations == 3 and len(summary.dropped) == 1  # r1: Chengdu Customs was rejected


def test_apply_after_a_failed_write_keeps_the_review(queue: ReviewQueue, extraction: Extraction,
                                                     store_root: Path) -> None:
    bad = extraction.relations[0]
    extraction.relations[0] = replace(bad, quote=bad.quote.upper())
    slug = queue.add(extraction)
    queue.accept_all(slug, "new")
    queue.decide(slug, "r0", "accept")
    before = snapshot(store_root)
    with pytest.raises(QuoteNotFoundError):
        apply(queue, slug, store_root)
    assert snapshot(store_root) == before and set(queue.load(slug).decisions) == {"m2", "m3", "r0"}
    queue.discard(slug)
    assert queue.pending() == []


def test_auto_accepted_takes_auto_links_and_relations_between_sure_ends(extraction: Extraction) -> None:
    accepted = auto_accepted(extraction)
    assert sorted(accepted.relations) == [0, 1, 2, 3]  # the new memorandum scores 90
    # a relation stated less surely than AUTO_RELATION_CONFIDENCE waits for a reviewer
    doubtful = [replace(r, confidence=AUTO_RELATION_CONFIDENCE - 0.05) if j == 3 else r
                for j, r in enumerate(extraction.relations)]
    held = auto_accepted(Extraction(document=extraction.document, iri=extraction.iri,
                                    mentions=extraction.mentions, relations=doubtful))
    assert sorted(held.relations) == [0, 1, 2]
    assert sorted(accepted.mentions) == [0, 1, 2, 3, 4]
    unsure = [replace(d, score=AUTO_NEW_SCORE - 1) if d.new else d for d in extraction.mentions]
    relations = [replace(r, subject=unsure[extraction.mentions.index(r.subject)]) for r in extraction.relations]
    weak = auto_accepted(Extraction(document=extraction.document, iri=extraction.iri, mentions=unsure,
                                    relations=relations))
    assert sorted(weak.relations) == [] and sorted(weak.mentions) == [0, 1, 4]


# -- the review file -------------------------------------------------------------------------------------------

def test_a_review_file_moved_into_data_passes_the_build(tmp_data: DataPaths, tmp_path: Path,
                                                        extraction: Extraction) -> None:
    # An alternative for the corridor, to be shown commented out.
    corridor = replace(extraction.mentions[4], candidates=(
        Candidate(iri=TRAIN, label="China-Europe freight train", types=("RailRoute",), score=71.0, reason="fuzzy:71"),))
    extraction.mentions[4] = corridor
    extraction.relations[2] = replace(extraction.relations[2], object=corridor)
    out = tmp_path / "out" / "review.yaml"
    written = write_review_file(out, [extraction], base=BASE)
    slug = extraction.document.slug
    folder = out.parent / "review.documents"
    assert written == [out, folder / f"{slug}.txt", folder / f"{slug}.yaml"]
    text = out.read_text(encoding="utf-8")
    assert "# subject: " not in text and "# object: china-europe-freight-train" in text and "fuzzy:71" in text
    assert "new entity (new, score 90)" in text
    parsed = yaml.safe_load(text)
    assert {e["id"] for e in parsed["entities"]} == {"smart-clearance-memorandum", "example-daily"}
    assert len(parsed["statements"]) == 4
    assert (folder / f"{slug}.txt").read_text(encoding="utf-8") == extraction.document.text

    # Accepting is moving: the entries into data/facts/, the document into data/documents/.
    shutil.move(out, tmp_data.facts / "ingested-review.yaml")
    for path in folder.iterdir():
        shutil.move(path, tmp_data.documents / path.name)
    outcome = run_build(tmp_data, store_root=tmp_path / "built", export_dir=None, base=BASE, analyse=False)
    assert outcome.result is not None
    graph = outcome.result.graph
    query = f"""PREFIX coop: <https://coopgraph.org/ontology#>
        ASK {{ <{MEMO}> coop:hasSignatory <{CQ}>, <{CD}> ; coop:supports <{ILSTC}> .
               ?ev a coop:Evidence ; coop:modality "stated" ; <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}{slug}> }}"""
    assert graph.query(query).askAnswer


def test_a_review_file_entry_that_does_not_check_is_commented_out(tmp_path: Path, extraction: Extraction) -> None:
    bad = extraction.relations[1]
    extraction.relations[1] = replace(bad, start=bad.start + 1)
    extraction.mentions[2] = replace(extraction.mentions[2], iri="https://elsewhere.example/x", types=())
    out = tmp_path / "review.yaml"
    write_review_file(out, [extraction], base=BASE)
    text = out.read_text(encoding="utf-8")
    assert "# not usable as it is: the quote is not the text at" in text
    assert "# not usable as it is: its IRI https://elsewhere.example/x is not under" in text
    parsed = yaml.safe_load(text)
    assert len(parsed["statements"]) == 3 and json.dumps(parsed)  # the rest stays a valid fact file
