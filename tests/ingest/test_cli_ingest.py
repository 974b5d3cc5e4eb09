"""`coopgraph ingest` end to end (typer's CliRunner, in-process) on a temp copy of the seed store,
and on a real Oxigraph server as a remote store; the whole pipeline runs (rules only: --no-model).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from coopgraph.api.cli import app
from coopgraph.graph.store.oxigraph import OxigraphStore
from coopgraph.graph.store.remote import META_GRAPH
from tests.conftest import SeedBuild
from tests.remote_engines import Engine, push_nquads, start_oxigraph

# An article in the style of the seed sources, naming entities the seed graph has, with a header block.
ARTICLE = """Title: Chongqing and Chengdu customs deepen clearance cooperation
Date: 2020-06-18
Source: https://news.example.org/2020/06/chongqing-chengdu-customs.html
Publisher: Example Daily
----
Chongqing Customs and Chengdu Customs signed a new agreement on 18 June 2020 to simplify clearance along the
New International Land-Sea Trade Corridor (ILSTC).

Under the agreement, the two customs will share inspection results for goods carried by the China-Europe
freight train and by rail-sea intermodal transport through the Chongqing Multimodal Transport Center.

The Association of Southeast Asian Nations is the main destination of the corridor's cargo, officials said.
"""

MENTION_FIELDS = {"text", "start", "end", "sentence", "entity"}
ENTITY_FIELDS = {"iri", "label", "types", "new", "score", "reason"}
RELATION_FIELDS = {"subject", "predicate", "object", "quote", "start", "end", "modality", "date",
                   "confidence"}
END_FIELDS = {"iri", "label", "new"}
DOCUMENT_FIELDS = {"path", "iri", "sha256", "title", "date", "url", "mentions", "relations"}


@pytest.fixture
def store_root(seed_build: SeedBuild, tmp_path: Path) -> Path:
    """A writable copy of the seed store (the session's seed store stays read-only)."""
    root = tmp_path / "store"
    shutil.copytree(seed_build.store_root, root, symlinks=True)
    return root


def snapshot(root: Path) -> tuple[int, str]:
    """(quads, version) of the store: equal before and after means nothing was written."""
    with OxigraphStore(root) as store:
        stats = store.stats()
    return stats.quads, stats.version


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def ingest(cli: CliRunner, *args: str, input: str | None = None) -> Result:
    return cli.invoke(app, ["ingest", *args], input=input)


def said(result: Result) -> str:
    """The output as one line: typer draws usage errors in a wrapped box."""
    return " ".join(result.output.replace("\u2502", " ").split())


# -- end to end --------------------------------------------------------------------------------------

def test_accept_writes_the_document_and_the_report_has_every_field(
        cli: CliRunner, store_root: Path, article: Path, tmp_path: Path) -> None:
    before = snapshot(store_root)
    report = tmp_path / "r.json"
    result = ingest(cli, str(article), "--store", str(store_root), "--accept", "--no-model",
                    "--accepted-by", "Test Analyst", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "written:" in result.output and "accepted by Test Analyst" in result.output
    after = snapshot(store_root)
    assert after[0] > before[0] and after[1] != before[1]

    body = json.loads(report.read_text(encoding="utf-8"))
    (doc,) = body["documents"]
    assert DOCUMENT_FIELDS <= set(doc)
    assert (doc["path"], doc["title"], doc["date"], doc["url"]) == (
        str(article), "Chongqing and Chengdu customs deepen clearance cooperation", "2020-06-18",
        "https://news.example.org/2020/06/chongqing-chengdu-customs.html")
    assert doc["iri"] == f"https://coopgraph.org/id/doc-{doc['sha256'][:16]}"
    assert doc["mentions"], "the article names entities the seed graph has"
    text = ARTICLE.split("----\n", 1)[1].strip()
    for mention in doc["mentions"]:
        assert MENTION_FIELDS <= set(mention) and ENTITY_FIELDS <= set(mention["entity"])
        assert text[mention["start"]:mention["end"]] == mention["text"]
    known = {m["entity"]["iri"] for m in doc["mentions"] if not m["entity"]["new"]}
    assert "https://coopgraph.org/id/chongqing-customs" in known
    for relation in doc["relations"]:
        assert RELATION_FIELDS <= set(relation)
        assert END_FIELDS <= set(relation["subject"])
        assert relation["object"] is None or END_FIELDS <= set(relation["object"])
        assert text[relation["start"]:relation["end"]] == relation["quote"]

    # The document node carries the header block's metadata; the ingest activity says who accepted.
    with OxigraphStore(store_root) as store:
        assert store.ask(f'ASK {{ GRAPH ?g {{ <{doc["iri"]}> <http://purl.org/dc/terms/title> ?t }} '
                         'FILTER (STR(?t) = "Chongqing and Chengdu customs deepen clearance cooperation") }')
        assert store.ask(f'ASK {{ GRAPH ?g {{ ?activity <http://www.w3.org/ns/prov#used> <{doc["iri"]}> ; '
                         '<http://www.w3.org/ns/prov#wasAssociatedWith> ?agent . '
                         '?agent <http://www.w3.org/2000/01/rdf-schema#label> "Test Analyst"@en } }')


def test_the_same_article_twice_adds_nothing_and_remove_restores_the_store(
        cli: CliRunner, store_root: Path, article: Path, tmp_path: Path) -> None:
    original = snapshot(store_root)
    first = ingest(cli, str(article), "--store", str(store_root), "--accept", "--no-model")
    assert first.exit_code == 0, first.output
    once = snapshot(store_root)

    # The same text again, saved elsewhere with other line ends: the same document.
    copy = tmp_path / "copy.txt"
    copy.write_bytes(ARTICLE.replace("\n", "\r\n").encode("utf-8"))
    second = ingest(cli, str(copy), "--store", str(store_root), "--accept", "--no-model")
    assert second.exit_code == 0, second.output
    assert "already ingested: https://coopgraph.org/id/doc-" in second.output
    assert snapshot(store_root) == once
    review = tmp_path / "review.yaml"
    third = ingest(cli, str(article), "--store", str(store_root), "--no-model", "--review-out", str(review))
    assert third.exit_code == 0 and "nothing new to review" in third.output and not review.exists()
    assert snapshot(store_root) == once and not (store_root / "review").exists()

    removed = ingest(cli, "--remove", str(article), "--store", str(store_root))
    assert removed.exit_code == 0, removed.output
    assert "removed:" in removed.output
    assert snapshot(store_root)[0] == original[0]


def test_by_default_the_findings_wait_in_the_review_queue(cli: CliRunner, store_root: Path,
                                                          article: Path) -> None:
    before = snapshot(store_root)
    result = ingest(cli, str(article), "--store", str(store_root), "--no-model")
    assert result.exit_code == 0, result.output
    assert "queued:" in result.output and "/review" in result.output
    assert snapshot(store_root) == before  # nothing lands before a person accepts it
    assert any((store_root / "review").iterdir())


def test_review_out_writes_a_facts_file_and_leaves_the_store(cli: CliRunner, store_root: Path, article: Path,
                                                             tmp_path: Path) -> None:
    before = snapshot(store_root)
    out = tmp_path / "review.yaml"
    result = ingest(cli, str(article), "--store", str(store_root), "--no-model", "--review-out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    assert snapshot(store_root) == before
    assert not (store_root / "review").exists()


def test_stdin_with_options(cli: CliRunner, store_root: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    body = ARTICLE.split("----\n", 1)[1]
    result = ingest(cli, "-", "--store", str(store_root), "--no-model", "--review-out",
                    str(tmp_path / "r.yaml"), "--title", "From a pipe", "--date", "June 2020",
                    "--report", str(report), input=body)
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(report.read_text(encoding="utf-8"))["documents"]
    assert (doc["path"], doc["title"], doc["date"]) == ("-", "From a pipe", "2020-06")


def test_a_folder_of_articles_in_order_without_a_bar_off_a_terminal(cli: CliRunner, store_root: Path,
                                                                    tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "b.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "a.html").write_text(
        '<html><head><meta charset="utf-8"><title>Qinzhou port</title>'
        '<meta property="og:site_name" content="Port News"></head><body><nav><a href="/">Home</a></nav>'
        "<article><p>Qinzhou port handled more rail-sea intermodal transport containers in 2020, and "
        "Chongqing Customs said clearance along the New International Land-Sea Trade Corridor was faster."
        "</p></article><footer>Copyright 2020 Port News. Tel: 0771-1234567</footer></body></html>",
        encoding="utf-8")
    report = tmp_path / "r.json"
    result = ingest(cli, str(folder), "--store", str(store_root), "--no-model", "--review-out",
                    str(tmp_path / "review.yaml"), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "ingesting" not in result.output  # the progress bar is for a terminal only
    documents = json.loads(report.read_text(encoding="utf-8"))["documents"]
    assert [Path(d["path"]).name for d in documents] == ["a.html", "b.txt"]
    assert (documents[0]["title"], documents[0]["publisher"]) == ("Qinzhou port", "Port News")
    assert result.output.count("found:") == 2


# -- refusals: nothing changes ---------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "reason"), [
    ("binary.txt", b"\x00\x01\x02\x03binary\x00\xff" * 20, "is a binary file"),
    ("scan.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    ("empty.txt", b"", "is empty"),
    ("latin1.txt", "Le caf\u00e9 sign\u00e9 \u00e0 Chongqing.".encode("latin-1"), "unknown encoding"),
])
def test_bad_input_exits_non_zero_names_the_path_and_changes_nothing(
        cli: CliRunner, store_root: Path, article: Path, tmp_path: Path, name: str, content: bytes,
        reason: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    before = snapshot(store_root)
    # A good article before the bad one: it is not written either (every document is read first).
    result = ingest(cli, str(article), str(bad), "--store", str(store_root), "--accept", "--no-model")
    assert result.exit_code == 3, result.output
    assert str(bad) in said(result) and reason in said(result)
    assert snapshot(store_root) == before
    assert not (store_root / "review").exists()


def test_no_text_after_boilerplate_is_refused(cli: CliRunner, store_root: Path, tmp_path: Path) -> None:
    page = tmp_path / "home.html"
    page.write_text('<html><head><meta charset="utf-8"><title>Home</title></head><body><nav><a href="/">Home'
                    '</a> <a href="/news">News</a></nav><footer>Copyright 2021 Example. Tel: 0771-1234567'
                    "</footer></body></html>", encoding="utf-8")
    before = snapshot(store_root)
    result = ingest(cli, str(page), "--store", str(store_root))
    assert result.exit_code == 3, result.output
    assert str(page) in said(result) and "no text left after boilerplate removal" in said(result)
    assert snapshot(store_root) == before


def test_a_remote_store_has_no_review_queue(cli: CliRunner, article: Path) -> None:
    result = ingest(cli, str(article), "--store", "http://127.0.0.1:9/sparql")
    assert result.exit_code == 2
    assert "--accept" in said(result) and "--review-out" in said(result) and "remote" in said(result)


def test_option_mixes_that_make_no_sense_are_refused(cli: CliRunner, store_root: Path, article: Path,
                                                     tmp_path: Path) -> None:
    both = ingest(cli, str(article), "--remove", "doc-0123456789abcdef", "--store", str(store_root))
    assert both.exit_code == 2 and "not both" in said(both)
    nothing = ingest(cli, "--store", str(store_root))
    assert nothing.exit_code == 2 and "at least one article" in said(nothing)
    other = tmp_path / "other.txt"
    other.write_text("Another article about Qinzhou port.", encoding="utf-8")
    one_title = ingest(cli, str(article), str(other), "--title", "T", "--store", str(store_root))
    assert one_title.exit_code == 2 and "single file" in said(one_title)
    bad_date = ingest(cli, str(article), "--date", "someday", "--store", str(store_root))
    assert bad_date.exit_code == 3 and "--date" in said(bad_date)


def test_removing_what_is_not_there_says_so(cli: CliRunner, store_root: Path) -> None:
    before = snapshot(store_root)
    result = ingest(cli, "--remove", "doc-0123456789abcdef", "--store", str(store_root))
    assert result.exit_code != 0
    assert "doc-0123456789abcdef" in result.output
    assert snapshot(store_root) == before


# -- a remote store ------------------------------------------------------------------------------

def remote_quads(engine: Engine) -> int:
    """Quads of the engine but the store's version marker (a write adds it to a store loaded directly)."""
    query = (f"SELECT (COUNT(*) AS ?n) {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} "
             f"FILTER (?g != <{META_GRAPH}>) }} }}")
    response = httpx.post(engine.query_url, data={"query": query},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.slow
def test_accept_and_remove_on_a_remote_store(cli: CliRunner, seed_build: SeedBuild, article: Path,
                                             tmp_path: Path) -> None:
    engine = start_oxigraph(tmp_path / "oxigraph")
    try:
        with OxigraphStore(seed_build.store_root) as seed:
            push_nquads(engine, seed.dump())
        remote = ["--store", engine.query_url, "--update-url", engine.update_url]
        before = remote_quads(engine)
        report = tmp_path / "r.json"
        first = ingest(cli, str(article), *remote, "--accept", "--no-model", "--report", str(report))
        assert first.exit_code == 0, first.output
        assert "written:" in first.output
        once = remote_quads(engine)
        assert once > before
        (doc,) = json.loads(report.read_text(encoding="utf-8"))["documents"]
        again = ingest(cli, str(article), *remote, "--accept", "--no-model")
        assert again.exit_code == 0 and f"already ingested: {doc['iri']}" in again.output
        assert remote_quads(engine) == once
        removed = ingest(cli, "--remove", doc["iri"], *remote)
        assert removed.exit_code == 0, removed.output
        assert remote_quads(engine) == before
    finally:
        engine.stop()


def test_two_jobs_report_what_one_job_reports_in_the_same_order(cli: CliRunner, store_root: Path,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for source in sorted((Path(__file__).parent / "articles").glob("*.txt")):
        shutil.copy(source, folder / source.name)
    paragraphs = ARTICLE.split("\n\n")
    for n in range(1, len(paragraphs) + 1):
        (folder / f"part{n}.txt").write_text("\n\n".join(paragraphs[:n]), encoding="utf-8")
    (folder / "same.txt").write_text(ARTICLE.split("\n\n")[0], encoding="utf-8")  # a duplicate of part1
    reports = []
    for jobs in ("1", "2"):
        report = tmp_path / f"r{jobs}.json"
        result = ingest(cli, str(folder), "--store", str(store_root), "--no-model", "--jobs", jobs,
                        "--review-out", str(tmp_path / f"review{jobs}.yaml"), "--report", str(report))
        assert result.exit_code == 0, result.output
        assert result.output.count("found:") == len(paragraphs) + 3
        lines = [line for line in result.output.splitlines() if line.startswith(("found:", "skipped:"))]
        reports.append((json.loads(report.read_text(encoding="utf-8")), lines))
    (one, said_one), (two, said_two) = reports
    assert len(one["documents"]) == len(paragraphs) + 3 and one["skipped"][0]["reason"] == "duplicate"
    assert two == one
    assert said_two == said_one and len(said_one) == len(paragraphs) + 4


def test_two_articles_of_one_run_that_name_the_same_new_entity_both_land(cli: CliRunner, store_root: Path,
                                                                         tmp_path: Path) -> None:
    """Both articles propose "Vientiane" as new (extracted before either is written); the
    second is extracted again once the first is in, so it links to that entity instead of failing
    (or minting a second entity of the same name)."""
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "a.txt").write_text("The Yangtze River golden waterway connects Chongqing with Vientiane and "
                                  "Hungary, and 5795 trains ran on it in 2022.\n", encoding="utf-8")
    (folder / "b.txt").write_text("The New International Land-Sea Trade Corridor connects Chengdu with "
                                  "Vientiane and Laos, and 434 trains ran on it in 2016.\n", encoding="utf-8")
    result = ingest(cli, str(folder), "--store", str(store_root), "--accept", "--no-model", "--jobs", "1",
                    "--accepted-by", "tester")
    assert result.exit_code == 0, result.output
    assert result.output.count("written:") == 2
    with OxigraphStore(store_root) as store:
        rows = store.select('SELECT ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> '
                            '"Vientiane"@en }')
    assert len(rows) == 1  # one entity, written by a.txt, linked by b.txt
