"""bench/ingest.py: it prints every figure (not their values), its scorer gives a gold extraction full
marks, and its synthetic articles are the same for the same seed and of the promised length."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from coopgraph.graph.ingest.model import Extraction, LinkDecision, Mention, Relation

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_ingest", REPO / "bench" / "ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_ingest"] = module
    spec.loader.exec_module(module)
    return module


def test_synthetic_articles_are_seeded_and_of_realistic_length(bench: ModuleType) -> None:
    first, again, other = (bench.synthetic_articles(40, seed=s) for s in (3, 3, 4))
    assert first == again
    assert [d.text for d in first] != [d.text for d in other]
    assert all(400 <= len(d.text.split()) <= 900 for d in first)
    assert len({d.sha256 for d in first}) == 40
    seed_sentences = {
        s.strip()
        for p in (REPO / "data" / "documents").glob("*.txt")
        for s in re.split(r"(?<=[.!?])\s+", p.read_text(encoding="utf-8"))
        if len(s.split()) > 6
    }
    written = {s.strip() for d in first for s in re.split(r"(?<=[.!?])\s+", d.text)}
    assert not seed_sentences & written


def test_a_gold_extraction_scores_full_precision(bench: ModuleType) -> None:
    """The scorer against itself: the gold's own entities (at a name occurrence the judge accepts) and
    statements, as an extraction, are all right, and none is a wrong merge."""
    facts = bench.load_facts(bench.DATA / "facts")
    documents = bench.load_documents(bench.DATA / "documents")
    vocab = bench.Vocabulary.load()
    held, other = sorted(documents)
    with tempfile.TemporaryDirectory() as tmp:
        known, _ = bench.write_other_data(held, other, facts, documents, Path(tmp) / "data")
    scorer = bench.Scorer(held, documents[held], facts, known, vocab)
    text = documents[held].text
    decisions: dict[str, LinkDecision] = {}
    for entity_id in sorted(scorer.gold):
        entity = facts.entities[entity_id]
        for name in sorted(bench.names_of(entity)):
            spans = [
                (s, e) for s, e in bench.occurrences(text, name) if entity_id in scorer.judge(s, e, text[s:e])
            ]
            if spans:
                start, end = spans[0]
                new = entity_id not in known
                mention = Mention(
                    text=text[start:end], start=start, end=end, sentence=(start, end), source="label"
                )
                decisions[entity_id] = LinkDecision(
                    mention=mention,
                    iri=f"{bench.BASE}id/{entity_id}",
                    label=entity.label,
                    types=entity.types,
                    new=new,
                    score=100.0,
                    reason="new" if new else "exact-alias",
                    auto=not new,
                )
                break
    relations = [
        Relation(
            subject=decisions[s.subject],
            predicate=s.predicate,
            object=decisions[s.object] if s.object else None,
            quote=s.quote,
            start=start,
            end=end,
            modality="stated",
            confidence=1.0,
            value=s.value,
        )
        for s, (start, end) in zip(scorer.statements, scorer.quotes, strict=True)
        if s.subject in decisions and (s.object is None or s.object in decisions)
    ]
    score = scorer.score(
        Extraction(
            document=bench.ingest_document(documents[held]),
            iri="urn:x",
            mentions=list(decisions.values()),
            relations=relations,
        )
    )
    figures = score.figures()
    for name in ("known precision", "new precision", "linking precision", "relation precision (typed)"):
        num, den = figures[name]
        assert den > 0 and num == den, (name, score.lists)
    assert figures["wrong merges"][0] == 0
    assert figures["known recall"] == (len(scorer.known), len(scorer.known))


@pytest.mark.slow
def test_the_harness_prints_every_figure(bench: ModuleType) -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "ingest.py"), "--n", "20", "--runs", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert out.count("=== quality,") == 2  # with and without the statistical model
    for figure in bench.QUALITY_FIGURES:
        rows = [line for line in out.splitlines() if line.startswith(figure + " ")]
        assert len(rows) == 2, figure
        assert all(re.search(r"(\d+\.\d{3} \(\d+/\d+\)|n/a|\d+ of \d+)", row) for row in rows), rows
    for figure in bench.SPEED_FIGURES:
        assert figure in out
    speed_rows = [
        line for line in out.splitlines() if line.startswith(("with the statistical model", "rules only"))
    ]
    assert len(speed_rows) == 2 and all(re.search(r"\d+\.\d", row) for row in speed_rows)
    for listed in (
        "WRONG MERGES:",
        "known entities missed:",
        "new entities missed:",
        "gold relations missed:",
        "relations not in the gold:",
    ):
        assert listed in out
