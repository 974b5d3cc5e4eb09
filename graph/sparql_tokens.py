"""A flat tokenizer for SPARQL text: the one scan that the query guard, the prefix pass and the row
bound all read (:func:`graph.query_guard.inspect_query` runs it once per request and hands its
findings on).

It never recurses and never looks inside strings, IRIs or comments, so it is safe on exactly the
texts that break recursive parsers (see :mod:`graph.query_guard`). SPARQL applies ``\\uXXXX`` /
``\\UXXXXXXXX`` escapes to the whole text before parsing (Oxigraph does too), so callers scan
``decode_escapes(text)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from coopgraph.graph.errors import QueryRejectedError

__all__ = ["CLOSE", "IRI", "OPEN", "Token", "decode_escapes", "tokens"]

OPEN = "{(["
CLOSE = "})]"


class Token(NamedTuple):
    """A NamedTuple, not a dataclass: a frozen dataclass's ``__init__`` cost a cheap query about
    as much as the rest of the scan."""

    kind: str  # "word", "iri", "pname", "var", "string", "punct", "number"
    text: str
    start: int


_SPACE = re.compile(r"\s+")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PNAME = re.compile(r"(?:[^\W\d_][\w.\-]*)?:(?:[\w:%\\\-][\w.:%\\\-]*)?", re.UNICODE)
_VAR = re.compile(r"[?$][\w]+", re.UNICODE)
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?")
_STRING_LONG = {q: re.compile(q + r"(?:[^\\]|\\.)*?" + q, re.DOTALL) for q in ('"""', "'''")}
_STRING_SHORT = {q: re.compile(q + r"(?:[^\\\n\r" + q + r"]|\\.)*" + q) for q in ('"', "'")}
_TWO_CHAR = frozenset({"&&", "||", "!=", "<=", ">=", "^^"})


def decode_escapes(text: str) -> str:
    """Apply SPARQL's codepoint escapes to the whole text, as the engine does before parsing."""
    if "\\" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRejectedError(f"invalid codepoint escape {m.group(0)!r}")
        return chr(code)

    return _ESCAPE.sub(repl, text)


def tokens(text: str) -> Iterator[Token]:
    """Flat tokens of SPARQL text; never recurses, never looks at what is inside strings/IRIs."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():  # a run at once: indented texts are mostly spaces
            i = _SPACE.match(text, i).end()  # type: ignore[union-attr]  # c matches
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            triple = text.startswith(c * 3, i)
            pattern = _STRING_LONG[c * 3] if triple else _STRING_SHORT[c]
            m = pattern.match(text, i)
            if m is None:  # unterminated: let the engine report the syntax error
                yield Token("string", text[i:], i)
                return
            yield Token("string", m.group(0), i)
            i = m.end()
        elif c == "<" and (m := IRI.match(text, i)):
            yield Token("iri", m.group(0)[1:-1], i)
            i = m.end()
        elif c in "?$" and (m := _VAR.match(text, i)):
            yield Token("var", m.group(0), i)
            i = m.end()
        elif (m := _PNAME.match(text, i)) and ":" in m.group(0):
            yield Token("pname", m.group(0).rstrip("."), i)
            i += len(m.group(0).rstrip("."))
        elif m := _WORD.match(text, i):
            yield Token("word", m.group(0), i)
            i = m.end()
        elif c.isdigit() and (m := _NUMBER.match(text, i)):
            yield Token("number", m.group(0), i)
            i = m.end()
        elif text[i : i + 2] in _TWO_CHAR:
            yield Token("punct", text[i : i + 2], i)
            i += 2
        else:
            yield Token("punct", c, i)
            i += 1
