"""The review of ingested documents over real HTTP: a server on a copy of the seed store, with a
review queue holding one hand-built Extraction (graph.ingest.model records).

Checked: off (404, pages too) when updates are off; 401 / 403 on every POST without / with a wrong
token; decisions answered at once and kept across a server restart; accept-all by reason; apply
writes the accepted facts (SPARQL ASK on the document's named graph) and the running app sees them.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from coopgraph.graph.ingest.model import Candidate, Extraction, IngestDocument, LinkDecision, Mention, Relation
from coopgraph.graph.ingest.review import ReviewQueue
from coopgraph.graph.namespaces import DEFAULT_BASE
from tests.conftest import LiveServer, SeedBuild, start_server, stop_server

TOKEN = "review-token-0123456789abcdef"
ID = f"{DEFAULT_BASE}id/"
COOP = "https://coopgraph.org/ontology#"

TEXT = ("Chongqing Customs and Singapore signed a memorandum on trade facilitation in May 2024. "
        "The Lianyungang Port Authority will cooperate with Chongqing Customs on rail-sea shipments. "
        "Officials from Chongqing attended the signing.")


def _span(text: str, start: int = 0) -> tuple[int, int]:
    at = TEXT.index(text, start)
    return at, at + len(text)


def _sentence(at: int) -> tuple[int, int]:
    start = TEXT.rfind(". ", 0, at)
    start = 0 if start < 0 else start + 2
    end = TEXT.find(". ", at)
    return start, (len(TEXT) if end < 0 else end + 1)


def _link(text: str, iri: str, label: str, types: tuple[str, ...], *, reason: str, score: float, auto: bool,
          new: bool = False, start_from: int = 0, candidates: tuple[Candidate, ...] = ()) -> LinkDecision:
    start, end = _span(text, start_from)
    mention = Mention(text=text, start=start, end=end, sentence=_sentence(start),
                      source="ner" if new else "label", types=types)
    return LinkDecision(mention=mention, iri=iri, label=label, types=types, new=new, score=score, reason=reason,
                        auto=auto, candidates=candidates)


def sample_extraction() -> Extraction:
    """Four names (two auto-linked, one new, one ambiguous) and two statements."""
    doc = IngestDocument(text=TEXT, sha256=hashlib.sha256(TEXT.encode("utf-8")).hexdigest(), path="review-test.txt",
                         title="Chongqing Customs and Singapore sign a trade memorandum", date="2024-05-20",
                         publisher="Test Wire")
    customs = _link("Chongqing Customs", ID + "chongqing-customs", "Chongqing Customs", ("CustomsDistrict",),
                    reason="exact-alias", score=100.0, auto=True)
    singapore = _link("Singapore", ID + "singapore", "Singapore", ("Country",), reason="exact-alias", score=100.0,
                      auto=True)
    port = _link("Lianyungang Port Authority", ID + "lianyungang-port-authority", "Lianyungang Port Authority",
                 ("GovernmentBody",), reason="new", score=85.0, auto=False, new=True)
    customs_again = _link("Chongqing Customs", ID + "chongqing-customs", "Chongqing Customs", ("CustomsDistrict",),
                          reason="exact-alias", score=100.0, auto=True, start_from=TEXT.index("cooperate"))
    city = _link("Chongqing", ID + "chongqing-customs", "Chongqing Customs", ("CustomsDistrict",),
                 reason="fuzzy:91", score=91.0, auto=False, start_from=TEXT.index("Officials"),
                 candidates=(Candidate(ID + "chongqing-customs", "Chongqing Customs", ("CustomsDistrict",), 91.0,
                                       "fuzzy:91"),
                             Candidate(ID + "chongqing", "Chongqing", ("Municipality",), 90.0, "fuzzy:90")))
    first = TEXT[:TEXT.index(". ") + 1]
    second_start = TEXT.index("The Lianyungang")
    second = TEXT[second_start:TEXT.index(". ", second_start) + 1]
    relations = [
        Relation(subject=customs, predicate="cooperatesWith", object=singapore, quote=first, start=0,
                 end=len(first), modality="done", confidence=0.9, date="2024-05", rule="signed"),
        Relation(subject=port, predicate="cooperatesWith", object=customs_again, quote=second,
                 start=second_start, end=second_start + len(second), modality="planned", confidence=0.75,
                 rule="cooperate"),
    ]
    return Extraction(document=doc, iri=ID + doc.slug, mentions=[customs, singapore, port, customs_again, city],
                      relations=relations)


@dataclass
class ReviewServer:
    server: LiveServer
    store: Path
    slug: str
    tmp: Path

    @property
    def url(self) -> str:
        return self.server.url


def store_with_review(seed_build: SeedBuild, tmp: Path) -> tuple[Path, str]:
    """A copy of the seed store with one document waiting in its review queue."""
    store = tmp / "store"
    shutil.copytree(seed_build.store_root, store)
    slug = ReviewQueue(store / "review").add(sample_extraction())
    return store, slug


def review_env(**extra: str) -> dict[str, str]:
    return {"COOPGRAPH_ALLOW_UPDATES": "true", "COOPGRAPH_UPDATE_TOKEN": TOKEN, **extra}


AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def review_server(seed_build: SeedBuild, tmp_path: Path) -> Iterator[ReviewServer]:
    store, slug = store_with_review(seed_build, tmp_path)
    running = ReviewServer(start_server(store, tmp_path, env=review_env()), store, slug, tmp_path)
    yield running
    stop_server(running.server)  # the one running now: a test may have restarted it


def ask(url: str, query: str) -> bool:
    r = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                  timeout=30)
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def _items(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {it["id"]: it for it in doc["items"]}


def test_the_queue_lists_and_shows_the_document(review_server: ReviewServer) -> None:
    listed = httpx.get(review_server.url + "/api/review").json()
    assert [d["slug"] for d in listed] == [review_server.slug]
    entry = listed[0]
    assert entry["title"] == "Chongqing Customs and Singapore sign a trade memorandum"
    assert (entry["mentions"], entry["relations"], entry["undecided"]) == (5, 2, 7)
    assert entry["reasons"] == {"exact-alias": 3, "fuzzy": 1, "new": 1}

    doc = httpx.get(review_server.url + entry["api_url"]).json()
    assert doc["text"] == TEXT
    items = _items(doc)
    city = items["m4"]
    assert (city["text"], city["reason"], city["proposed"]["reason"]) == ("Chongqing", "fuzzy", "fuzzy:91")
    assert TEXT[city["start"]:city["end"]] == "Chongqing"
    assert [a["iri"] for a in city["alternatives"]] == [ID + "chongqing"]  # the proposal is not repeated
    assert items["m2"]["proposed"]["new"] is True and items["m2"]["proposed"]["url"] is None
    assert items["r1"]["quote"] == TEXT[items["r1"]["start"]:items["r1"]["end"]]
    assert all(it["decision"] is None for it in doc["items"])
    # Every highlighted region is text of the document and covers each item's sentence.
    for it in doc["items"]:
        assert any(a <= it["sentence"][0] and it["sentence"][1] <= b for a, b in doc["regions"])

    page = httpx.get(review_server.url + "/review/" + review_server.slug, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'data-item="m4"' in page.text and 'data-accept-all="fuzzy"' in page.text
    assert "<script>" not in page.text  # only files from /static (CSP script-src 'self')
    listing = httpx.get(review_server.url + "/review", headers={"Accept": "text/html"})
    assert listing.status_code == 200 and f'/review/{review_server.slug}"' in listing.text


def test_every_post_needs_the_update_token(review_server: ReviewServer) -> None:
    base = f"{review_server.url}/api/review/{review_server.slug}"
    posts = [("/decisions", {"item": "m0", "action": "accept"}), ("/accept-all", {"reason": "exact-alias"}),
             ("/apply", {})]
    for path, body in posts:
        missing = httpx.post(base + path, json=body)
        assert missing.status_code == 401, (path, missing.text)
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert missing.json()["ok"] is False
        wrong = httpx.post(base + path, json=body, headers={"Authorization": "Bearer not-the-token-at-all-0000"})
        assert wrong.status_code == 403, (path, wrong.text)
    doc = httpx.get(base).json()
    assert all(it["decision"] is None for it in doc["items"])  # nothing was decided
    assert httpx.get(review_server.url + "/api/review").json()[0]["undecided"] == 7


def test_bad_decisions_are_refused_with_a_message(review_server: ReviewServer) -> None:
    base = f"{review_server.url}/api/review/{review_server.slug}"
    cases = [({"item": "m99", "action": "accept"}, "no item m99"),
             ({"item": "m0", "action": "relink"}, "relink needs a target"),
             ({"item": "r0", "action": "new"}, "a relation can be accepted or rejected"),
             ({"item": "m0", "action": "merge"}, "action")]
    for body, message in cases:
        r = httpx.post(base + "/decisions", json=body, headers=AUTH)
        assert 400 <= r.status_code < 500, (body, r.text)
        assert message in r.json()["error"], (body, r.json())
    assert httpx.post(base + "/accept-all", json={"reason": "nonsense"}, headers=AUTH).status_code == 400
    missing = httpx.get(f"{review_server.url}/api/review/doc-0000000000000000")
    assert missing.status_code == 404 and "doc-0000000000000000" in missing.json()["error"]


def test_decisions_persist_across_a_restart_and_apply_writes_the_facts(review_server: ReviewServer) -> None:
    base = f"/api/review/{review_server.slug}"
    url = review_server.url
    doc = httpx.post(url + base + "/decisions", json={"item": "m4", "action": "relink", "target": "chongqing"},
                     headers=AUTH).json()
    m4 = _items(doc)["m4"]["decision"]
    assert (m4["action"], m4["target"], m4["label"]) == ("relink", ID + "chongqing", "Chongqing")
    doc = httpx.post(url + base + "/decisions", json={"item": "m2", "action": "accept"}, headers=AUTH).json()
    doc = httpx.post(url + base + "/decisions", json={"item": "r1", "action": "reject"}, headers=AUTH).json()
    doc = httpx.post(url + base + "/accept-all", json={"reason": "exact-alias"}, headers=AUTH).json()
    states = {k: (v["decision"] or {}).get("action") for k, v in _items(doc).items()}
    assert states == {"m0": "accept", "m1": "accept", "m2": "accept", "m3": "accept", "m4": "relink",
                      "r0": None, "r1": "reject"}

    # A restart (a new server process on the same store) keeps every decision.
    stop_server(review_server.server)
    review_server.server = start_server(review_server.store, review_server.tmp, env=review_env())
    url = review_server.url
    again = httpx.get(url + base).json()
    assert {k: (v["decision"] or {}).get("action") for k, v in _items(again).items()} == states
    doc = httpx.post(url + base + "/decisions", json={"item": "r0", "action": "accept"}, headers=AUTH).json()

    graph = f"{DEFAULT_BASE}graph/ingest/{review_server.slug}"
    fact = f"ASK {{ GRAPH <{graph}> {{ <{ID}chongqing-customs> <{COOP}cooperatesWith> <{ID}singapore> }} }}"
    assert not ask(url, fact)
    applied = httpx.post(url + base + "/apply", json={"accepted_by": "Test Reviewer"}, headers=AUTH)
    assert applied.status_code == 200, applied.text
    answer = applied.json()
    assert answer["graph"] == graph and answer["accepted_by"] == "Test Reviewer"
    assert answer["summary"]["relations"] == 1
    # The running app sees the new facts at once: no restart, no waiting for the next poll.
    assert ask(url, fact)
    assert ask(url, f"""ASK {{ GRAPH <{graph}> {{
        ?ev a <{COOP}ExtractedEvidence> ; <{COOP}acceptedBy> "Test Reviewer" ; <{COOP}confidence> ?c ;
            <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{ID}chongqing-customs> }} }}""")
    # The rejected statement and the new entity's only statement were not written.
    assert not ask(url, f"ASK {{ GRAPH <{graph}> {{ ?s <{COOP}cooperatesWith> <{ID}chongqing-customs> }} }}")
    assert ask(url, f"ASK {{ GRAPH <{graph}> {{ <{ID}{review_server.slug}> <https://schema.org/mentions> <{ID}chongqing> }} }}")
    # Applied documents leave the queue.
    assert httpx.get(url + "/api/review").json() == []
    assert httpx.get(url + base).status_code == 404


@pytest.mark.parametrize("env", [{}, {"COOPGRAPH_ALLOW_UPDATES": "false", "COOPGRAPH_UPDATE_TOKEN": TOKEN}],
                         ids=["no-updates", "updates-off"])
def test_the_review_is_off_when_updates_are_off(seed_build: SeedBuild, tmp_path: Path,
                                                 env: dict[str, str]) -> None:
    store, slug = store_with_review(seed_build, tmp_path)
    server = start_server(store, tmp_path, env=env)
    try:
        for path in ("/review", f"/review/{slug}", "/api/review", f"/api/review/{slug}"):
            r = httpx.get(server.url + path)
            assert r.status_code == 404, (path, r.text)
            assert "COOPGRAPH_ALLOW_UPDATES" in r.json()["error"]
        page = httpx.get(server.url + "/review", headers={"Accept": "text/html"})
        assert page.status_code == 404 and "COOPGRAPH_ALLOW_UPDATES" in page.text
        for path in ("decisions", "accept-all", "apply"):
            r = httpx.post(f"{server.url}/api/review/{slug}/{path}", json={}, headers=AUTH)
            assert r.status_code == 404, (path, r.text)
        assert ReviewQueue(store / "review").load(slug).decisions == {}
    finally:
        stop_server(server)


def test_applied_facts_reach_the_explorer_and_the_entity_page(review_server: ReviewServer) -> None:
    base = f"{review_server.url}/api/review/{review_server.slug}"
    for path, body in (("/accept-all", {"reason": "exact-alias"}), ("/decisions", {"item": "r0", "action": "accept"}),
                       ("/apply", {"accepted_by": "Test Reviewer"})):
        assert httpx.post(base + path, json=body, headers=AUTH, timeout=60).status_code == 200
    view = httpx.get(review_server.url + "/api/view", params={"focus": "chongqing-customs", "depth": 1},
                     timeout=60).json()
    edges = [e for e in view["edges"] if {e["from"], e["to"]} == {"chongqing-customs", "singapore"}
             and e["predicate"] == COOP + "cooperatesWith"]
    assert [e["machine_extracted"] for e in edges] == [True]
    entity = httpx.get(review_server.url + "/api/entities/chongqing-customs", timeout=60).json()
    assert any(ev.get("origin") == "extracted" for st in entity["statements"] for ev in st["evidence"])


def test_apply_writes_a_real_article_past_the_sparql_size_limit(seed_build: SeedBuild, tmp_path: Path) -> None:
    """A seed article (extracted for real, rules only) changed by one sentence, so it is a new
    document: its facts are far over the 64 KB a SPARQL Update may have, and still land at once."""
    from coopgraph.graph.ingest.documents import read_documents
    from coopgraph.graph.ingest.extract import IngestContext, extract
    from coopgraph.graph.ingest.gazetteer import Gazetteer
    from coopgraph.graph.ingest.ner import CandidateFinder
    from coopgraph.graph.store.oxigraph import OxigraphStore

    article = tmp_path / "article.txt"
    source = Path(__file__).resolve().parents[2] / "data" / "documents" / "ichongqing-2019-05-22-opening-up.txt"
    article.write_text(source.read_text(encoding="utf-8") + "\n\nThis article was reprinted for a test.",
                       encoding="utf-8")
    store = tmp_path / "store"
    shutil.copytree(seed_build.store_root, store)
    with OxigraphStore(store) as readable:
        context = IngestContext(Gazetteer.from_store(readable), CandidateFinder(model=False), DEFAULT_BASE)
        extraction = extract(next(iter(read_documents([str(article)]))), context)
    slug = ReviewQueue(store / "review").add(extraction)
    server = start_server(store, tmp_path, env=review_env())
    try:
        base = f"{server.url}/api/review/{slug}"
        doc = httpx.post(base + "/accept-all", json={"reason": "exact-alias"}, headers=AUTH, timeout=60).json()
        for rule in sorted({it["reason"] for it in doc["items"] if it["kind"] == "relation"}):
            doc = httpx.post(base + "/accept-all", json={"reason": rule}, headers=AUTH, timeout=60).json()
        applied = httpx.post(base + "/apply", json={"accepted_by": "Test Reviewer"}, headers=AUTH, timeout=120)
        assert applied.status_code == 200, applied.text
        summary = applied.json()["summary"]
        assert summary["relations"] >= 10 and summary["triples"] >= 300, summary
        assert ask(server.url, f"""ASK {{ <{ID}{slug}> a <{COOP}IngestedDocument> ;
            <https://schema.org/text> ?text FILTER (STRLEN(?text) > 8000) }}""")
    finally:
        stop_server(server)


@pytest.mark.parametrize("updates", [True, False])
def test_the_nav_links_to_the_review_only_where_it_exists(seed_build: SeedBuild, tmp_path: Path,
                                                          updates: bool) -> None:
    from tests.conftest import app_settings, in_process_app

    store, _ = store_with_review(seed_build, tmp_path)
    extra = {"allow_updates": True, "update_token": TOKEN} if updates else {}
    with in_process_app(app_settings(store, **extra)) as client:
        page = client.get("/entities")
        assert page.status_code == 200
        assert ('<a href="/review"' in page.text) is updates
