"""Bounds on what one RDF file may cost to load: a stream guard that reads ahead of the parser.

pyoxigraph's parsers are streaming, but a few inputs make them blow up (measured on 0.5.13,
2 cores; before this guard):

- RDF/XML entities: the parser expands every ``<!ENTITY>`` of the internal DTD eagerly, at
  declaration, then again at each reference. A 962-byte "billion laughs" file took 77 s and
  9.2 GB and stored a 1 GB literal; one 50 kB entity referenced 50,000 times took 2.5 GB.
- RDF/XML nesting: each element costs time in proportion to its depth (10k deep: 1.1 s,
  20k: 3.5 s, 200k: over 200 s).
- JSON-LD nesting: super-linear too (2,000 objects deep: 1.4 s and 0.8 GB) and a stack overflow
  that kills the process (segmentation fault) at about 4,000.
- Text formats refuse a term over 16 MiB themselves, but with a bare ``MemoryError``.

``guarded(stream, fmt, limits)`` wraps the byte stream the parser reads. It looks at each chunk
*before* the parser gets it, so a refused file costs no more than the bytes read so far; it
counts lines for messages. The checks are done with C-level ``bytes``/``re`` calls per chunk,
never per byte in Python. Every check errs on the strict side where the input is ambiguous
(an entity declaration inside a comment still counts), and none can be evaded by splitting a
construct across chunks.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import IO, Protocol

import pyoxigraph as ox

__all__ = ["ByteReader", "LoadLimits", "LimitExceeded", "guarded"]

MIB = 1 << 20


@dataclass(frozen=True)
class LoadLimits:
    """What one file may cost. Defaults never bind on ordinary data (see README "Loading your own RDF")."""

    # Longest JSON-LD string, or RDF/XML tag (with its attributes), comment or CDATA section; these
    # are measured when they outlast a 1 MiB chunk, so a bound below 1 MiB is not exact for them.
    # The text formats' parser has its own fixed bound of 16 MiB per term.
    max_term_bytes: int = 64 * MIB
    # Deepest nesting of XML elements (RDF/XML) or of objects and arrays (JSON-LD).
    max_depth: int = 1_000
    # Entity expansion (RDF/XML): free up to this many bytes; beyond it, the expanded text may be
    # at most `max_entity_amplification` times the bytes read. The same rule, and the same numbers,
    # as expat's protection against billion-laughs attacks (8 MiB, 100x).
    entity_expansion_free_bytes: int = 8 * MIB
    max_entity_amplification: float = 100.0
    # Wall-clock bound of one load (None: none); checked each time the parser asks for bytes.
    max_seconds: float | None = None


class LimitExceeded(Exception):
    """A bound of LoadLimits was passed; ``line`` is the line of the file where it was noticed."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class ByteReader(Protocol):
    """What the guard reads from: any binary stream (an open file, a GzipFile, a BufferedReader)."""

    def read(self, size: int, /) -> bytes: ...


def guarded(stream: ByteReader, fmt: ox.RdfFormat, limits: LoadLimits) -> _Guard:
    """``stream`` as the parser should read it: with the checks that ``fmt`` needs."""
    if fmt == ox.RdfFormat.RDF_XML:
        return _Guard(stream, limits, _XmlCheck(limits))
    if fmt == ox.RdfFormat.JSON_LD:
        return _Guard(stream, limits, _JsonCheck(limits))
    return _Guard(stream, limits, None)


class _Guard(io.RawIOBase):
    """A read-only stream that checks each chunk before handing it on; ``failure`` keeps the reason.

    The parser may turn an exception raised from ``readinto`` into its own error type, so the
    caller must look at ``failure`` (and at ``line``) whatever the parser raised.
    """

    def __init__(self, raw: ByteReader, limits: LoadLimits, check: _XmlCheck | _JsonCheck | None) -> None:
        self._raw = raw
        self._check = check
        self._deadline = None if limits.max_seconds is None else time.monotonic() + limits.max_seconds
        self._limits = limits
        self.lines_before = 0  # newlines in the bytes handed to the parser so far
        self.failure: LimitExceeded | None = None

    def for_parser(self) -> IO[bytes]:
        """What the parser should read: this guard, behind a 1 MiB buffer when it checks chunks.

        The parsers ask for 2 KiB at a time; a regex call per 2 KiB cost more than the checks
        themselves, so checking guards see 1 MiB chunks (messages then name the line a chunk starts at).
        """
        # The parsers take typing.IO[bytes]; typeshed does not count an io.RawIOBase as one.
        return io.BufferedReader(self, buffer_size=MIB) if self._check is not None else self  # type: ignore[return-value]

    @property
    def line(self) -> int:
        """The line the parser has read up to (1-based)."""
        return self.lines_before + 1

    def readable(self) -> bool:
        return True

    # io.RawIOBase takes any writable buffer; the BufferedReader in front of this one passes a memoryview.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.failure is not None:
            raise self.failure
        data = self._raw.read(len(buffer))
        try:
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise LimitExceeded(f"the load ran past its time bound of {self._limits.max_seconds:g} s", None)
            if self._check is not None and data:
                self._check.feed(data, self.lines_before)
        except LimitExceeded as exc:
            if exc.line is None:
                exc.line = self.line
            self.failure = exc
            raise
        count = len(data)
        buffer[:count] = data
        self.lines_before += data.count(b"\n")
        return count


# -- RDF/XML ---------------------------------------------------------------------------------------
# Tokens that change the element depth, scanned per chunk with one regex. Comments, CDATA and
# processing instructions may hold "<" and "</" without being markup; "<!" declarations (DOCTYPE,
# ENTITY) are depth-neutral. The parser accepts "<" inside quoted attribute values, so start tags
# are matched quote-aware. Each token may also run to the end of the chunk (\\Z): such an
# unfinished token is carried to the next chunk and counted there, so no cut can hide markup.
_XML_TOKEN = re.compile(
    rb"(<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)|<![A-Za-z])"  # depth-neutral
    rb"|(</[^>]*(?:>|\Z))"  # end tag
    rb"|(<(?:[^<>\"'/]|\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z)|/(?!>))*(?:(/?)>|\Z))",  # start or empty tag
    re.S,
)
_XML_TAG = re.compile(rb"</[^>]*>|<(?:[^<>\"'/]|\"[^\"]*\"|'[^']*'|/(?!>))*/?>", re.S)  # a complete tag
_ENTITY_DECL = b"<!ENTITY"
# What the parser does with a declaration (split on "<", then: name, double-quoted value, ">").
_ENTITY_PIECE = re.compile(rb"<!ENTITY\s+%?\s*(\S+)\s+\"([^\"]*)\"\s*>")
_ENTITY_REF = re.compile(rb"&([^\s&;<>\"']{1,256});")
_PREDEFINED = {b"lt", b"gt", b"amp", b"apos", b"quot"}


class _XmlCheck:
    """Depth, tag size and entity expansion of an RDF/XML document, chunk by chunk."""

    def __init__(self, limits: LoadLimits) -> None:
        self._limits = limits
        self._depth = 0
        self._carry = b""  # an unfinished token from the previous chunk
        self._entities: dict[bytes, int] = {}  # name -> expanded size in bytes, as the parser sees it
        self._entity_carry = b""  # an unfinished declaration, or the tail where a reference may start
        self._expanded = 0
        self._read = 0

    def feed(self, data: bytes, lines_before: int) -> None:
        self._read += len(data)
        self._entities_in(data, lines_before)
        text = self._carry + data
        tokens = _XML_TOKEN.findall(text)
        self._carry = b""
        if tokens:
            neutral, close, start, _ = tokens[-1]
            last = neutral or close or start
            if text.endswith(last) and not _finished(last):
                self._carry = last
                tokens.pop()
        tail = text[-9:]  # "<![CDATA[" cut short matches no token: carry it whole
        cut = tail.rfind(b"<")
        if not self._carry and cut >= 0 and not _XML_TOKEN.match(tail, cut):
            self._carry = tail[cut:]
        if len(self._carry) > self._limits.max_term_bytes:
            raise LimitExceeded(f"a tag, comment or CDATA section is longer than {_size(self._limits.max_term_bytes)}",
                                lines_before + 1)
        deltas = [0 if n else -1 if c else 0 if e else 1 for n, c, _s, e in tokens]
        if deltas:
            peak = max(accumulate(deltas, initial=self._depth))
            if peak > self._limits.max_depth:
                raise LimitExceeded(f"XML elements are nested more than {self._limits.max_depth:,} deep",
                                    lines_before + 1)
            self._depth += sum(deltas)

    def _entities_in(self, data: bytes, lines_before: int) -> None:
        text = self._entity_carry + data
        keep = -1
        inside: list[tuple[int, int]] = []  # declarations: their references count once, in _declare
        if _ENTITY_DECL in text:
            keep = self._declare(text, lines_before, inside)
        if self._entities:
            skip = len(self._entity_carry)
            for match in _ENTITY_REF.finditer(text):
                if match.end() <= skip or any(a <= match.start() < b for a, b in inside):
                    continue  # counted with the previous chunk, or part of a declaration
                size = self._entities.get(match.group(1))
                if size:
                    self._expanded += size
            self._check_expansion(lines_before, data)
        tail = text[-258:]  # a reference cut by the chunk's end is at most 258 bytes long
        self._entity_carry = text[keep:] if keep >= 0 else tail

    def _declare(self, text: bytes, lines_before: int, inside: list[tuple[int, int]]) -> int:
        """Take the declarations in ``text``; return where an unfinished one starts (-1: none)."""
        at = text.find(_ENTITY_DECL)
        while at >= 0:
            nxt = text.find(b"<", at + 1)
            if nxt < 0:
                if len(text) - at > self._limits.max_term_bytes:
                    raise LimitExceeded(f"an entity declaration is longer than {_size(self._limits.max_term_bytes)}",
                                        lines_before + 1)
                inside.append((at, len(text)))
                return at  # the declaration may go on in the next chunk
            inside.append((at, nxt))
            piece = _ENTITY_PIECE.match(text[at:nxt])
            if piece is not None and piece.group(1) not in self._entities:
                value = piece.group(2)
                size = len(value)
                for ref in _ENTITY_REF.finditer(value):
                    name = ref.group(1)
                    if name in self._entities:
                        size += self._entities[name] - len(ref.group(0))
                    elif name in _PREDEFINED or name.startswith(b"#"):
                        size += 4 - len(ref.group(0))  # one character, at most 4 bytes of UTF-8
                self._entities[piece.group(1)] = size
                self._expanded += size
            at = text.find(_ENTITY_DECL, nxt)
        return -1

    def _check_expansion(self, lines_before: int, data: bytes) -> None:
        limits = self._limits
        if (self._expanded > limits.entity_expansion_free_bytes
                and self._expanded > limits.max_entity_amplification * self._read):
            raise LimitExceeded(
                f"XML entities expand to more than {limits.max_entity_amplification:g} times the "
                f"{self._read:,} bytes read so far (an entity-expansion bomb?)", lines_before + 1)


# -- JSON-LD ---------------------------------------------------------------------------------------
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"', re.S)  # the end of a string begun earlier
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


class _JsonCheck:
    """Nesting depth and string length of a JSON document, chunk by chunk."""

    def __init__(self, limits: LoadLimits) -> None:
        self._limits = limits
        self._depth = 0
        self._string = b""  # the part of a string begun in an earlier chunk, or b"" outside strings
        self._in_string = False

    def feed(self, data: bytes, lines_before: int) -> None:
        limit = self._limits.max_term_bytes
        text = data
        if self._in_string:
            text = self._string + data
            match = _JSON_STRING_REST.match(text, 1)
            if match is None:
                self._keep_string(text, lines_before)
                return
            if match.end() > limit:
                raise LimitExceeded(f"a JSON string is longer than {_size(limit)}", lines_before + 1)
            self._in_string = False
            self._string = b""
            text = text[match.end():]
        longest = max(map(len, _JSON_STRING.findall(text)), default=0)
        if longest > limit:
            raise LimitExceeded(f"a JSON string is longer than {_size(limit)}", lines_before + 1)
        outside = _JSON_STRING.sub(b"", text)
        quote = outside.find(b'"')
        if quote >= 0:  # a string that goes on in the next chunk
            self._in_string = True
            self._keep_string(text[_last_open_quote(text):], lines_before)
            outside = outside[:quote]
        brackets = outside.translate(None, _NOT_BRACKETS)
        if brackets:
            deltas = [1 if b in b"[{" else -1 for b in brackets]
            peak = max(accumulate(deltas, initial=self._depth))
            if peak > self._limits.max_depth:
                raise LimitExceeded(f"JSON objects and arrays are nested more than {self._limits.max_depth:,} deep",
                                    lines_before + 1)
            self._depth += sum(deltas)

    def _keep_string(self, text: bytes, lines_before: int) -> None:
        if len(text) > self._limits.max_term_bytes:
            raise LimitExceeded(f"a JSON string is longer than {_size(self._limits.max_term_bytes)}", lines_before + 1)
        self._string = text


def _last_open_quote(text: bytes) -> int:
    """Where the string left unterminated at the end of ``text`` begins."""
    pos = 0
    start = -1
    while True:
        quote = text.find(b'"', pos)
        if quote < 0:
            return start
        match = _JSON_STRING.match(text, quote)
        if match is None:
            return quote
        pos = match.end()


def _finished(token: bytes) -> bool:
    """Whether a token that reaches the end of a chunk is complete (else more of it follows)."""
    if token.startswith(b"<!--"):
        return len(token) >= 7 and token.endswith(b"-->")
    if token.startswith(b"<![CDATA["):
        return len(token) >= 12 and token.endswith(b"]]>")
    if token.startswith(b"<?"):
        return len(token) >= 4 and token.endswith(b"?>")
    if token[:2] == b"<!" and len(token) == 3:
        return True
    return _XML_TAG.fullmatch(token) is not None


def _size(count: int) -> str:
    return f"{count / MIB:g} MiB" if count >= MIB else f"{count:,} bytes"
