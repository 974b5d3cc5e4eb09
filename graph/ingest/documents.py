"""Paths and stdin -> IngestDocument: the article's clean text and what is known about it.

Formats, told apart by the file's suffix (stdin and unknown suffixes are sniffed):

- plain text (``.txt``): kept as it is;
- Markdown (``.md``, ``.markdown``): kept, with the markup that would break a quote stripped
  (headings' ``#``, emphasis markers, ``[text](url)`` -> ``text``, blockquote ``>``, rules);
- HTML (``.html``, ``.htm``): the main text only, found by trafilatura (navigation, cookie banners,
  footers, copyright lines and phone numbers go), with the title, date, publisher and URL of the
  page's metadata;
- a folder: its files of those suffixes, recursively, in sorted order; ``-``: standard input.

A text or Markdown file may start with a header block of ``Key: value`` lines closed by a line
``----`` (keys: title, date, url or source, publisher, language); it gives metadata and is not part
of the text. Options (``title=`` ...) win over the header block and over the HTML metadata.

The text is normalised (``\\n`` newlines, NFC, no trailing blanks) *before* it is hashed: the SHA-256
of its UTF-8 bytes is the document's identity (``graph.sources.text_sha256``, which the build uses for
curated documents too), so the same article saved twice, or a curated one ingested, is one document.

>>> import io
>>> doc = next(read_documents(["-"], stdin=io.StringIO("Title: Port news\\nDate: 3 May 2021\\n----\\n"
...                                                      "Qinzhou port grew.  \\r\\n")))
>>> (doc.title, doc.date, doc.text)
('Port news', '2021-05-03', 'Qinzhou port grew.')
>>> normalise_date("Sept. 2019"), normalise_date("2019/9/3"), normalise_date("2019-09-03T08:00:00+08:00")
('2019-09', '2019-09-03', '2019-09-03')
"""

from __future__ import annotations

import calendar
import codecs
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from coopgraph.graph.errors import DataError
from coopgraph.graph.ingest.model import IngestDocument
from coopgraph.graph.sources import normalise_text, text_sha256  # one identity for curated and ingested texts

__all__ = ["IngestInputError", "read_documents", "normalise_date", "normalise_text", "SUFFIXES",
           "MAX_TEXT_BYTES"]

# Suffix -> format. A folder contributes exactly these files.
SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
# Longest text accepted (UTF-8 bytes): far beyond any article; a bigger file is a dump or a mistake.
MAX_TEXT_BYTES = 5 * 1024 * 1024
# A saved web page carries scripts and styles besides its text: it may be this much bigger.
MAX_HTML_BYTES = 10 * MAX_TEXT_BYTES


class IngestInputError(DataError):
    """A document that cannot be ingested as given (binary, empty, undecodable, too large...)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class _Metadata:
    title: str | None = None
    date: str | None = None
    url: str | None = None
    publisher: str | None = None
    language: str | None = None

    def over(self, other: _Metadata) -> _Metadata:
        """These values where set, ``other``'s elsewhere."""
        return _Metadata(*(mine if mine is not None else theirs for mine, theirs in
                           zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[str | None, ...]:
        return (self.title, self.date, self.url, self.publisher, self.language)


def read_documents(paths: Sequence[str], *, title: str | None = None, date: str | None = None,
                   url: str | None = None, publisher: str | None = None,
                   stdin: TextIO | None = None) -> Iterator[IngestDocument]:
    """Each document the paths name, in order (a folder: its article files, sorted, recursively).

    Raises IngestInputError (naming the path) for a path that does not exist, a folder with no
    article files, or a document that cannot be read: binary, empty, no text left after boilerplate
    removal, an unknown encoding, more than ``MAX_TEXT_BYTES`` of text, a date that is not one.
    """
    options = _Metadata(title=_clean(title), date=_option_date(date), url=_clean(url),
                        publisher=_clean(publisher))
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else _stdin()
            yield _document("-", _read_stream(stream), fmt=None, options=options)
            continue
        path = Path(raw)
        if path.is_dir():
            files = _article_files(path)
            if not files:
                raise IngestInputError(raw, f"the folder has no article files ({', '.join(SUFFIXES)})")
            for file in files:
                yield _read_file(file, options)
        elif path.exists():
            yield _read_file(path, options)
        else:
            raise IngestInputError(raw, "no such file or folder")


def _read_file(path: Path, options: _Metadata) -> IngestDocument:
    """One file as an IngestDocument; IngestInputError with the path and the reason if it cannot be."""
    name = str(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    limit = MAX_HTML_BYTES if fmt in (None, "html") else MAX_TEXT_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise IngestInputError(name, f"too large ({size:,} bytes; at most {limit:,} are read)")
        data = path.read_bytes()
    except IsADirectoryError:
        raise IngestInputError(name, "is a folder") from None
    except PermissionError:
        raise IngestInputError(name, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise IngestInputError(name, f"cannot be read ({exc.strerror or exc})") from None
    return _document(name, data, fmt=fmt, options=options)


def _stdin() -> TextIO:
    import sys

    return sys.stdin


def _read_stream(stream: TextIO) -> bytes:
    # Read the bytes where there are any, so stdin gets the same encoding checks as a file.
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read(MAX_HTML_BYTES + 1)
    else:
        data = stream.read(MAX_HTML_BYTES + 1).encode("utf-8")
    if len(data) > MAX_HTML_BYTES:
        raise IngestInputError("-", f"too large (more than {MAX_HTML_BYTES:,} bytes)")
    return data


def _article_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative):  # editors' and VCS files are not articles
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.append(path)
    return sorted(found)


def _document(name: str, data: bytes, *, fmt: str | None, options: _Metadata) -> IngestDocument:
    if not data.strip():
        raise IngestInputError(name, "is empty")
    raw = _decode(name, data, html=fmt in (None, "html"))
    if fmt is None:
        fmt = _sniff(raw)
    found: _Metadata
    if fmt == "html":
        text, found = _html_text(name, raw)
    else:
        found, body = _header_block(name, raw)
        text = _strip_markdown(body) if fmt == "markdown" else body
    text = normalise_text(text)
    if not text:
        if fmt == "html":
            raise IngestInputError(name, "no text left after boilerplate removal")
        raise IngestInputError(name, "has no text (only blank lines or a header block)")
    _check_text(name, text)
    meta = options.over(found)
    if meta.date is not None:
        meta = replace(meta, date=_metadata_date(name, meta.date))
    if meta.language is not None:
        meta = replace(meta, language=_language_tag(name, meta.language))
    return IngestDocument(
        text=text, sha256=text_sha256(text), path=name, title=meta.title,
        date=meta.date, url=meta.url, publisher=meta.publisher,
        language=meta.language or _language(text), format=fmt,
    )


# -- decoding ---------------------------------------------------------------------------------------

_MAGIC = {b"%PDF": "a PDF file", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
          b"GIF8": "a GIF image", b"PK\x03\x04": "a ZIP archive (or a .docx/.xlsx/.odt document)",
          b"\x1f\x8b": "a gzip archive", b"\xd0\xcf\x11\xe0": "an old Office document",
          b"\x7fELF": "a program", b"BZh": "a bzip2 archive", b"\xfd7zXZ": "an xz archive"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _decode(name: str, data: bytes, *, html: bool) -> str:
    """UTF-8 (a BOM allowed), UTF-16/32 with a BOM, an HTML page's declared charset, or clean GB18030
    Chinese; anything else is refused rather than decoded wrongly."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise IngestInputError(name, f"is a binary file ({what}); convert it to text or HTML first")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise IngestInputError(name, f"unknown encoding (it starts with a {codec} byte-order mark "
                                       "but does not decode as such)") from None
    if b"\x00" in data:
        raise IngestInputError(name, "is a binary file (it holds NUL bytes); "
                               "give a text, Markdown or HTML file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared is not None:
            charset = declared.group(1).decode("ascii").lower()
            try:
                return data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                raise IngestInputError(name, f"unknown encoding (the page declares {charset!r}, "
                                       "but it does not decode as such)") from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    # Latin-1 bytes often form valid GB18030 pairs too: only a text that reads as Chinese is taken.
    letters = [c for c in text if not c.isspace() and not c.isascii()]
    visible = sum(not c.isspace() for c in text)
    if letters and all(_CJK.match(c) for c in letters) and len(letters) * 3 >= visible:
        return text
    raise IngestInputError(name, "unknown encoding (not UTF-8, nor UTF-16 with a byte-order mark); "
                           "save it as UTF-8 and try again")


def _check_text(name: str, text: str) -> None:
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise IngestInputError(name, f"too large ({size:,} bytes of text; at most {MAX_TEXT_BYTES:,})")
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t")
    if controls * 100 > len(text):  # more than 1% control characters: not prose
        raise IngestInputError(name, "is a binary file (it holds control characters); "
                               "give a text, Markdown or HTML file")


def _sniff(text: str) -> str:
    head = text.lstrip()[:2048].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(html|body|article|p)[\s>]", head):
        return "html"
    return "text"


_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
_LANGUAGE_NAMES = {"english": "en", "chinese": "zh", "中文": "zh"}


def _language_tag(name: str, value: str) -> str:
    """A header's ``Language:`` as a language tag (it becomes the tag of the stored literals)."""
    tag = _LANGUAGE_NAMES.get(value.strip().lower(), value.strip().lower().replace("_", "-"))
    if not _LANGUAGE_TAG.match(tag):
        raise IngestInputError(name, f"its language {value!r} is not a language tag (en, zh, zh-hans...)")
    return tag


def _language(text: str) -> str:
    cjk = len(_CJK.findall(text))
    return "zh" if cjk * 2 > sum(1 for c in text if c.isalpha()) else "en"


# -- the header block ------------------------------------------------------------------------------

_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*)$")
_HEADER_END = re.compile(r"^-{4,}[ \t]*$")
_HEADER_KEYS = {"title": "title", "date": "date", "published": "date", "url": "url", "source": "url",
                "link": "url", "publisher": "publisher", "language": "language", "lang": "language"}


def _header_block(name: str, text: str) -> tuple[_Metadata, str]:
    """(metadata, the rest) when ``text`` starts with ``Key: value`` lines closed by ``----``; else
    (nothing, text). A block with a line that is not ``Key: value`` is not a header block."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    values: dict[str, str] = {}
    for number, line in enumerate(lines[:64]):
        if _HEADER_END.match(line):
            if not values:
                break
            return _Metadata(**values), "\n".join(lines[number + 1:])
        match = _HEADER_LINE.match(line)
        if match is None:
            break
        key = match.group(1).strip().lower().replace(" ", "_")
        value = match.group(2).strip().strip("\"'").strip()
        field = _HEADER_KEYS.get(key)
        if field is not None and value:
            values[field] = value
    return _Metadata(), text


# -- Markdown --------------------------------------------------------------------------------------

_MD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[ \t]{0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE), ""),                 # horizontal rules
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE), r"\1"),  # ATX headings
    (re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.MULTILINE), ""),                          # blockquote markers
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),                                     # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),                                      # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),                                     # [text][ref]
    (re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]+\S+.*$", re.MULTILINE), ""),              # [ref]: url
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),                                       # <autolinks>
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),                              # strong
    (re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])"), r"\1"),          # *emphasis*
    (re.compile(r"(?<![_\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![_\w])"), r"\1"),            # _emphasis_
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),                                     # ~~strike~~
    (re.compile(r"`([^`\n]+)`"), r"\1"),                                                # `code`
)


def _strip_markdown(text: str) -> str:
    """The markup that would stand between a reader and a quote, gone; the words stay as written.

    >>> _strip_markdown("## The *New* Corridor ##\\n> See [the plan](http://x.org/p) **now**, snake_case.")
    'The New Corridor\\nSee the plan now, snake_case.'
    """
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return text


# -- HTML ------------------------------------------------------------------------------------------

def _html_text(name: str, html: str) -> tuple[str, _Metadata]:
    """The page's main text (one paragraph per block) and its metadata, by trafilatura."""
    import trafilatura  # heavy: imported by the one reader that needs it

    found = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        favor_precision=True,
        # Dates from the page's metadata and markup only: no guess from the URL or the body text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    # as_dict=False (the default) gives a Document; a dict only if asked for, but the type allows it.
    fields = found if isinstance(found, dict) else {} if found is None else {
        "text": found.text, "title": found.title, "date": found.date, "url": found.url,
        "sitename": found.sitename}
    body = str(fields.get("text") or "")
    if not body.strip():
        raise IngestInputError(name, "no text left after boilerplate removal (navigation, banners, footers)")
    # trafilatura puts one block (paragraph, heading, list item) per line: a blank line between them
    # makes each one a paragraph, which the sentence splitter never runs across.
    text = "\n\n".join(line for line in body.split("\n") if line.strip())
    meta = _Metadata(title=_text_or_none(fields.get("title")), date=_text_or_none(fields.get("date")),
                     url=_text_or_none(fields.get("url")), publisher=_text_or_none(fields.get("sitename")))
    return text, meta


# -- dates -----------------------------------------------------------------------------------------

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}.*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")
_CHINESE = re.compile(r"^(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?$")


def normalise_date(value: str) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD for the usual ways of writing a date; None if it is not one.

    A partial date stays partial: "September 2019" is "2019-09", never a made-up first of the month.

    >>> normalise_date("3 September 2019"), normalise_date("Sep 3, 2019"), normalise_date("2019年9月")
    ('2019-09-03', '2019-09-03', '2019-09')
    >>> normalise_date("2019-02-30") is None, normalise_date("soon") is None
    (True, True)
    """
    value = value.strip()
    year: str | None
    month: str | int | None
    day: str | None
    if match := _ISO.match(value) or _COMPACT.match(value) or _CHINESE.match(value):
        year, month, day = match.groups()
    elif match := _DAY_MONTH_YEAR.match(value):
        day, month, year = match.group(1), _MONTHS.get(match.group(2).lower()), match.group(3)
        if month is None:
            return None
    elif match := _MONTH_DAY_YEAR.match(value):
        month, day, year = _MONTHS.get(match.group(1).lower()), match.group(2), match.group(3)
        if month is None:
            return None
    elif match := _MONTH_YEAR.match(value):
        month, day, year = _MONTHS.get(match.group(1).lower()), None, match.group(2)
        if month is None:
            return None
    else:
        return None
    return _checked(int(year), None if month is None else int(month), None if day is None else int(day))


def _checked(year: int, month: int | None, day: int | None) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _option_date(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    date = normalise_date(value)
    if date is None:
        raise IngestInputError("--date", f"{value!r} is not a date (YYYY, YYYY-MM, YYYY-MM-DD or "
                               "'3 September 2019')")
    return date


def _metadata_date(name: str, value: str) -> str:
    date = normalise_date(value)
    if date is None:
        raise IngestInputError(name, f"its date {value!r} is not a date (YYYY, YYYY-MM, YYYY-MM-DD or "
                               "'3 September 2019'); fix it or give --date")
    return date


def _text_or_none(value: object) -> str | None:
    return _clean(value) if isinstance(value, str) else None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
