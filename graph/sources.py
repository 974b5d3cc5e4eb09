"""Source documents: the article text (``{id}.txt``) and its metadata (``{id}.yaml``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from coopgraph.graph.errors import FactError
from coopgraph.graph.ids import is_slug
from coopgraph.graph.yamlfile import LINE_KEY, load_yaml

__all__ = ["Document", "load_documents", "normalise_text", "parse_date_value", "text_sha256"]

REQUIRED_KEYS = ("id", "title", "publisher", "date", "language")
KNOWN_KEYS = set(REQUIRED_KEYS) | {
    "source_site", "author", "date_note", "raw_file", "attribution", "url", "source_section", "note",
}


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    publisher: str          # an entity id
    date: str               # YYYY, YYYY-MM or YYYY-MM-DD
    language: str
    text: str
    metadata_file: str
    text_file: str
    author: str | None = None
    source_site: str | None = None
    attribution: str | None = None
    raw_file: str | None = None
    date_note: str | None = None

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


# A document's identity is the SHA-256 of its normalised text, the same for a curated document and
# an ingested one: so an article ingested again (from data/documents or saved elsewhere) is found.
_TRAILING_BLANKS = re.compile(r"[ \t\u00a0\u3000]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """``\\n`` newlines, NFC, no byte-order mark, no blanks at line ends, at most one empty line
    in a row, none at either end: the text that is stored, quoted from and hashed.

    >>> normalise_text("\\ufeffCafe\\u0301 \\r\\n\\r\\n\\r\\n\\r\\nNext\\t\\n")
    'Café\\n\\nNext'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_BLANKS.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip("\n").strip()


def text_sha256(text: str) -> str:
    """The identity of a document: the SHA-256 of the UTF-8 bytes of its normalised text (coop:sha256).

    The one definition the build (curated documents) and ingest (new articles) share; a text
    stored normalised hashes to the SHA-256 of its own bytes, which is what the shapes check.

    >>> text_sha256("Port news\\n") == text_sha256("Port news") == text_sha256("\\ufeffPort news  \\r\\n")
    True
    """
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def parse_date_value(value: object) -> str:
    """YAML gives dates as ``datetime.date`` and years as ``int``; we keep the lexical form."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def load_documents(directory: Path) -> dict[str, Document]:
    """Every ``*.yaml`` in ``directory`` with the ``.txt`` of the same name beside it."""
    documents: dict[str, Document] = {}
    for meta_path in sorted(directory.glob("*.yaml")):
        meta = load_yaml(meta_path)
        if not isinstance(meta, dict):
            raise FactError("a document's metadata must be a mapping", file=meta_path, line=1)
        line = meta.get(LINE_KEY, 1)
        missing = [key for key in REQUIRED_KEYS if not meta.get(key)]
        if missing:
            raise FactError(f"document metadata lacks {', '.join(missing)}", file=meta_path, line=line)
        unknown = sorted(set(meta) - KNOWN_KEYS - {LINE_KEY})
        if unknown:
            raise FactError(f"unknown document key {unknown[0]!r}", file=meta_path, line=line)
        doc_id = str(meta["id"])
        if not is_slug(doc_id):
            raise FactError(f"document id {doc_id!r} is not a slug", file=meta_path, line=line)
        if doc_id != meta_path.stem:
            raise FactError(f"document id {doc_id!r} differs from its file name", file=meta_path, line=line)
        if doc_id in documents:
            raise FactError(f"duplicate document id {doc_id!r}", file=meta_path, line=line)
        text_path = meta_path.with_suffix(".txt")
        if not text_path.exists():
            raise FactError(f"no text file {text_path.name} beside the metadata", file=meta_path, line=line)
        documents[doc_id] = Document(
            id=doc_id,
            title=str(meta["title"]),
            publisher=str(meta["publisher"]),
            date=parse_date_value(meta["date"]),
            language=str(meta["language"]),
            # Stored normalised, like an ingested text, so coop:sha256 is the hash of schema:text.
            text=normalise_text(text_path.read_text(encoding="utf-8")),
            metadata_file=str(meta_path),
            text_file=str(text_path),
            author=_optional(meta.get("author")),
            source_site=_optional(meta.get("source_site")),
            attribution=_optional(meta.get("attribution")),
            raw_file=_optional(meta.get("raw_file")),
            date_note=_optional(meta.get("date_note")),
        )
    return documents


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
