"""graph.ingest.documents: real files (HTML pages with boilerplate, Markdown, header blocks, UTF-16,
GB18030, binary, empty, folders, stdin) -> IngestDocument or a clear IngestInputError."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from coopgraph.graph.errors import DataError
from coopgraph.graph.ingest.documents import (
    MAX_TEXT_BYTES,
    IngestInputError,
    normalise_date,
    read_documents,
)
from coopgraph.graph.ingest.model import IngestDocument

# A news page as sites publish them: a cookie banner, navigation, the article, related links and a
# footer with a copyright line and phone numbers; title, date, publisher and URL in the metadata.
NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chongqing and Singapore sign logistics pact | Western China Daily</title>
<meta property="og:title" content="Chongqing and Singapore sign logistics pact">
<meta property="og:site_name" content="Western China Daily">
<meta property="og:url" content="https://news.example.org/2019/chongqing-singapore-pact.html">
<meta property="article:published_time" content="2019-09-03T08:00:00+08:00">
<link rel="canonical" href="https://news.example.org/2019/chongqing-singapore-pact.html">
<style>body { font-family: serif; }</style>
<script>window.analytics = {id: "UA-1"};</script>
</head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. By continuing
to browse you accept our cookie policy. <button>Accept all cookies</button></div>
<header><nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/business">Business</a></li><li><a href="/contact">Contact us</a></li></ul></nav></header>
<main>
<article>
<h1>Chongqing and Singapore sign logistics pact</h1>
<p>The Chongqing Municipal People's Government and the Ministry of Trade and Industry of Singapore signed a
memorandum of understanding on logistics cooperation in Chongqing on 3 September 2019.</p>
<p>Under the memorandum, the two sides will expand rail-sea intermodal services along the New International
Land-Sea Trade Corridor (ILSTC), which links western China with Southeast Asia through the port of Qinzhou
in the Guangxi Zhuang Autonomous Region.</p>
<p>Officials said the corridor carried more than 2,000 train trips in the first half of the year, and that
customs clearance at the Chongqing and Qinzhou ports would be simplified further in 2020.</p>
</article>
</main>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Trade fair opens in Nanning</a></li>
<li><a href="/b">Port volumes rise</a></li></ul></aside>
<footer class="site-footer"><p>Copyright &copy; 2019 Western China Daily. All rights reserved.</p>
<p>Tel: +86 23 6388 1234 | Fax: +86 23 6388 5678</p>
<p><a href="/privacy">Privacy policy</a> &middot; <a href="/terms">Terms of use</a></p></footer>
</body>
</html>
"""

# A page that is all chrome: nothing of it is an article.
CHROME_ONLY_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Home</title></head><body>
<div id="cookie-notice" class="cookie-banner">We use cookies. <button>Accept</button></div>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About</a></nav>
<footer>Copyright 2021 Port News. All rights reserved. Tel: 0771-1234567</footer>
</body></html>
"""

ARTICLE = ("The Chongqing Municipal People's Government signed a memorandum with Singapore on "
           "3 September 2019.\n\nBoth sides will expand rail-sea services.")


def one(paths: list[str], **options: Any) -> IngestDocument:
    documents = list(read_documents(paths, **options))
    assert len(documents) == 1
    return documents[0]


def refused(path: Path | str, **options: Any) -> IngestInputError:
    with pytest.raises(IngestInputError) as caught:
        list(read_documents([str(path)], **options))
    assert str(path) in caught.value.message
    return caught.value


# -- HTML ----------------------------------------------------------------------------------------

def test_html_keeps_the_article_and_drops_the_boilerplate(tmp_path: Path) -> None:
    page = tmp_path / "pact.html"
    page.write_text(NEWS_PAGE, encoding="utf-8")
    doc = one([str(page)])
    assert doc.format == "html"
    assert "memorandum of understanding on logistics cooperation in Chongqing on 3 September 2019." \
        in doc.text
    assert "New International Land-Sea Trade Corridor (ILSTC)" in doc.text
    assert "simplified further in 2020." in doc.text
    for boilerplate in ("cookie", "Cookie", "Contact us", "Business", "Related stories", "Nanning",
                        "Copyright", "All rights reserved", "6388", "Tel:", "Privacy policy", "analytics",
                        "font-family"):
        assert boilerplate not in doc.text, boilerplate
    # Each paragraph is its own block: the splitter never runs a sentence across two of them.
    assert "3 September 2019.\n\nUnder the memorandum" in doc.text


def test_html_metadata_comes_from_the_page(tmp_path: Path) -> None:
    page = tmp_path / "pact.html"
    page.write_text(NEWS_PAGE, encoding="utf-8")
    doc = one([str(page)])
    assert doc.title == "Chongqing and Singapore sign logistics pact"
    assert doc.date == "2019-09-03"
    assert doc.publisher == "Western China Daily"
    assert doc.url == "https://news.example.org/2019/chongqing-singapore-pact.html"
    assert doc.path == str(page)
    assert doc.language == "en"


def test_options_win_over_the_page_metadata(tmp_path: Path) -> None:
    page = tmp_path / "pact.htm"
    page.write_text(NEWS_PAGE, encoding="utf-8")
    doc = one([str(page)], title="Logistics MoU", date="Sept 2019", url="https://example.com/a",
              publisher="Xinhua")
    assert (doc.title, doc.date, doc.url, doc.publisher) == (
        "Logistics MoU", "2019-09", "https://example.com/a", "Xinhua")


def test_html_with_nothing_but_boilerplate_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "home.html"
    page.write_text(CHROME_ONLY_PAGE, encoding="utf-8")
    assert "no text left after boilerplate removal" in refused(page).reason


def test_html_in_its_declared_legacy_charset(tmp_path: Path) -> None:
    page = tmp_path / "latin.html"
    body = NEWS_PAGE.replace('charset="utf-8"', 'charset="iso-8859-1"').replace(
        "Chongqing on 3 September", "Chongqing (caf\u00e9 talks) on 3 September")
    page.write_bytes(body.encode("iso-8859-1"))
    assert "(caf\u00e9 talks)" in one([str(page)]).text


# -- plain text, header blocks, Markdown -------------------------------------------------------------

def test_header_block_gives_metadata_and_is_not_text(tmp_path: Path) -> None:
    file = tmp_path / "article.txt"
    file.write_text("Title: Chongqing signs with Singapore\nDate: 3 September 2019\n"
                    "Source: https://example.org/a\nPublisher: Xinhua\nAuthor: someone\n----\n"
                    + ARTICLE + "\n",
                    encoding="utf-8")
    doc = one([str(file)])
    assert doc.text == ARTICLE
    assert (doc.title, doc.date, doc.url, doc.publisher) == (
        "Chongqing signs with Singapore", "2019-09-03", "https://example.org/a", "Xinhua")
    assert doc.sha256 == hashlib.sha256(ARTICLE.encode("utf-8")).hexdigest()
    assert doc.format == "text"


def test_options_win_over_the_header_block(tmp_path: Path) -> None:
    file = tmp_path / "article.txt"
    file.write_text("Title: Old\nDate: 2019\n----\n" + ARTICLE, encoding="utf-8")
    doc = one([str(file)], title="New", date="2019-09-03")
    assert (doc.title, doc.date) == ("New", "2019-09-03")


def test_a_text_without_a_closing_line_has_no_header_block(tmp_path: Path) -> None:
    file = tmp_path / "article.txt"
    text = "Note: this article starts with a colon.\n" + ARTICLE
    file.write_text(text, encoding="utf-8")
    doc = one([str(file)])
    assert doc.text == text and doc.title is None


def test_a_partial_date_stays_partial(tmp_path: Path) -> None:
    file = tmp_path / "article.txt"
    file.write_text("Date: September 2019\n----\n" + ARTICLE, encoding="utf-8")
    assert one([str(file)]).date == "2019-09"
    file.write_text("Date: 2019\n----\n" + ARTICLE, encoding="utf-8")
    assert one([str(file)]).date == "2019"


def test_a_bad_date_in_the_header_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "article.txt"
    file.write_text("Date: 31 February 2019\n----\n" + ARTICLE, encoding="utf-8")
    assert "is not a date" in refused(file).reason


def test_the_language_of_a_header_is_a_tag(tmp_path: Path) -> None:
    file = tmp_path / "article.txt"
    file.write_text("Language: English\n----\n" + ARTICLE, encoding="utf-8")
    assert one([str(file)]).language == "en"
    file.write_text("Language: zh_Hans\n----\n" + ARTICLE, encoding="utf-8")
    assert one([str(file)]).language == "zh-hans"
    file.write_text("Language: the local one\n----\n" + ARTICLE, encoding="utf-8")
    assert "not a language tag" in refused(file).reason


def test_a_bad_date_option_is_refused() -> None:
    with pytest.raises(IngestInputError, match="--date"):
        list(read_documents(["-"], date="next week", stdin=io.StringIO(ARTICLE)))


@pytest.mark.parametrize(("value", "expected"), [
    ("2019", "2019"), ("2019-9", "2019-09"), ("2019-09-03", "2019-09-03"), ("2019/09/03", "2019-09-03"),
    ("20190903", "2019-09-03"), ("3 September 2019", "2019-09-03"), ("3rd Sept. 2019", "2019-09-03"),
    ("September 3, 2019", "2019-09-03"), ("Sep 2019", "2019-09"),
    ("2019-09-03T08:00:00+08:00", "2019-09-03"),
    ("2019年9月3日", "2019-09-03"), ("2019-13", None), ("2019-02-29", None), ("2020-02-29", "2020-02-29"),
    ("Smarch 2019", None), ("", None),
])
def test_normalise_date(value: str, expected: str | None) -> None:
    assert normalise_date(value) == expected


def test_text_is_normalised_before_it_is_hashed(tmp_path: Path) -> None:
    # CRLF, a decomposed accent, trailing blanks, a BOM and extra blank lines: the same document.
    messy = tmp_path / "messy.txt"
    messy.write_bytes(b"\xef\xbb\xbf" + "Cafe\u0301 talks.  \r\n\r\n\r\n\r\nNext day.\t\r\n".encode())
    clean = tmp_path / "clean.txt"
    clean.write_text("Caf\u00e9 talks.\n\nNext day.", encoding="utf-8")
    a, b = one([str(messy)]), one([str(clean)])
    assert a.text == "Caf\u00e9 talks.\n\nNext day."
    assert a.sha256 == b.sha256 == hashlib.sha256(a.text.encode("utf-8")).hexdigest()
    assert a.slug == f"doc-{a.sha256[:16]}"


def test_markdown_keeps_the_words_and_drops_the_markup(tmp_path: Path) -> None:
    file = tmp_path / "note.md"
    file.write_text(
        "Title: Corridor note\nDate: 2021-05\n----\n"
        "# The *New* International Land-Sea Trade Corridor\n\n"
        "The corridor links **Chongqing** with the port of [Qinzhou](https://example.org/qinzhou) and "
        "_Singapore_.\n\n> Officials called it a `priority`.\n\n---\n\n"
        "- a list item stays a list item\n- the variable snake_case_name keeps its underscores\n",
        encoding="utf-8")
    doc = one([str(file)])
    assert doc.format == "markdown" and doc.title == "Corridor note" and doc.date == "2021-05"
    assert doc.text == (
        "The New International Land-Sea Trade Corridor\n\n"
        "The corridor links Chongqing with the port of Qinzhou and Singapore.\n\n"
        "Officials called it a priority.\n\n"
        "- a list item stays a list item\n- the variable snake_case_name keeps its underscores")


# -- encodings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_and_utf8_with_a_bom(tmp_path: Path, codec: str) -> None:
    file = tmp_path / "article.txt"
    data = ("Title: \u91cd\u5e86 news\n----\n" + ARTICLE).encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    file.write_bytes(data)
    doc = one([str(file)])
    assert doc.text == ARTICLE and doc.title == "\u91cd\u5e86 news"


def test_chinese_in_gb18030_is_read(tmp_path: Path) -> None:
    text = "重庆市人民政府与新加坡签署合作备忘录。"
    file = tmp_path / "zh.txt"
    file.write_bytes(text.encode("gb18030"))
    doc = one([str(file)])
    assert doc.text == text and doc.language == "zh"


def test_latin1_text_is_refused_not_guessed(tmp_path: Path) -> None:
    file = tmp_path / "latin1.txt"
    file.write_bytes("Le caf\u00e9 \u00e0 Chongqing a sign\u00e9 un accord d\u00e9j\u00e0.".encode("latin-1"))
    assert "unknown encoding" in refused(file).reason


# -- bad input -------------------------------------------------------------------------------------

def test_binary_files_are_refused(tmp_path: Path) -> None:
    pdf = tmp_path / "report.txt"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert "PDF" in refused(pdf).reason
    blob = tmp_path / "blob.txt"
    blob.write_bytes(bytes(range(256)) * 4)
    assert "binary" in refused(blob).reason
    controls = tmp_path / "controls.txt"
    controls.write_bytes(b"text \x01\x02\x03\x04\x05\x06 more \x07\x08\x0b\x0e text" * 10)
    assert "binary" in refused(controls).reason


def test_empty_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty" in refused(empty).reason
    blank = tmp_path / "blank.md"
    blank.write_text("  \n\n\t\n", encoding="utf-8")
    assert "empty" in refused(blank).reason
    header_only = tmp_path / "header.txt"
    header_only.write_text("Title: Nothing\n----\n\n", encoding="utf-8")
    assert "no text" in refused(header_only).reason


def test_too_large_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (MAX_TEXT_BYTES // 5 + 1))
    assert "too large" in refused(big).reason


def test_a_missing_path_is_refused(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "nope.txt").reason


def test_the_error_is_a_data_error_naming_the_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    error = refused(empty)
    assert isinstance(error, DataError) and error.exit_code == 3
    assert error.path == str(empty) and error.message.startswith(f"{empty}: ")


# -- folders and stdin -----------------------------------------------------------------------------

def test_a_folder_gives_its_article_files_sorted_and_recursively(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "b-sub").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "c.txt").write_text("Third article about Chongqing.", encoding="utf-8")
    (folder / "a.md").write_text("# First\n\nFirst article about **Qinzhou**.", encoding="utf-8")
    (folder / "b-sub" / "page.HTML").write_text(NEWS_PAGE, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    (folder / "data.json").write_text("{}", encoding="utf-8")
    (folder / ".git" / "HEAD.txt").write_text("ref: refs/heads/main", encoding="utf-8")
    documents = list(read_documents([str(folder)]))
    assert [Path(d.path).name for d in documents] == ["a.md", "page.HTML", "c.txt"]
    assert [d.format for d in documents] == ["markdown", "html", "text"]
    assert documents[0].text == "First\n\nFirst article about Qinzhou."


def test_a_folder_without_articles_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    assert "no article files" in refused(tmp_path).reason


def test_stdin_text_with_a_header_block() -> None:
    stdin = io.StringIO("Title: From a pipe\nURL: https://example.org/p\n----\n" + ARTICLE)
    doc = one(["-"], stdin=stdin)
    assert (doc.path, doc.title, doc.url, doc.text, doc.format) == (
        "-", "From a pipe", "https://example.org/p", ARTICLE, "text")


def test_stdin_bytes_are_checked_like_a_file() -> None:
    stdin = io.TextIOWrapper(io.BytesIO(NEWS_PAGE.encode("utf-8")), encoding="utf-8")
    doc = one(["-"], stdin=stdin)
    assert doc.format == "html" and doc.title == "Chongqing and Singapore sign logistics pact"
    binary = io.TextIOWrapper(io.BytesIO(b"\x00\x01\x02binary\x00"), encoding="utf-8")
    with pytest.raises(IngestInputError, match="^-: is a binary file"):
        list(read_documents(["-"], stdin=binary))
    with pytest.raises(IngestInputError, match="^-: is empty"):
        list(read_documents(["-"], stdin=io.StringIO("")))
