"""Count the rows of a SELECT answer the engine serialised, and cut its last row.

The engine (pyoxigraph) writes SPARQL JSON, XML, CSV and TSV itself, without holding Python's
interpreter lock, so a query worker thread serialising a big answer no longer stops the other
threads of its process. The worker asks the engine for at most ``max_rows + 1`` rows (see
:mod:`graph.row_bound`) and then needs two facts the engine does not report: how many rows the
bytes hold, and the same bytes without the last row when there is one too many.

Both are read from the bytes with byte-string searches, exact because of how each format escapes
values:

- XML escapes ``<`` in text, so ``<result>`` only ever opens a row.
- TSV writes terms in N-Triples syntax, which escapes newlines: one row per line.
- JSON: inside a string a ``"`` is always escaped, so the bytes ``},{"`` are either the start of
  a row after another row or the end of a string value that ends with ``},{`` (then a ``,`` or
  ``}`` follows, never the first letter of a variable name). A row with no bound variable is
  ``{}``, which a string may also contain: when ``{}`` occurs at all, the answer is parsed.
- CSV quotes values with newlines or quotes: when the bytes hold a ``"``, they are parsed.

Parsing is the rare path (rows with nothing bound, CSV with quoted values); it is exact too.
"""

from __future__ import annotations

import csv
import io
import json

from coopgraph.api.negotiation import CSV, SPARQL_JSON, SPARQL_XML, TSV

__all__ = ["count_rows", "drop_last_row"]


_ROW_AFTER_ROW = b'},{"'


def _is_row_start(body: bytes, at: int) -> bool:
    return body[at + 4 : at + 5] not in (b",", b"}")


def count_rows(body: bytes, media_type: str) -> int:
    """The number of solutions in ``body``, a SELECT answer as pyoxigraph serialises it."""
    if media_type == SPARQL_XML:
        return body.count(b"<result>")
    if media_type == TSV:
        return body.count(b"\n") - 1
    if media_type == CSV:
        if b'"' in body:
            return sum(1 for _ in csv.reader(io.StringIO(body.decode(), newline=""))) - 1
        return body.count(b"\r\n") - 1
    if media_type == SPARQL_JSON:
        if body.endswith(b'"bindings":[]}}'):
            return 0
        if b"{}" in body:
            return len(json.loads(body)["results"]["bindings"])
        value_ends = body.count(_ROW_AFTER_ROW + b",") + body.count(_ROW_AFTER_ROW + b"}")
        return body.count(_ROW_AFTER_ROW) - value_ends + 1
    raise ValueError(f"no SELECT format {media_type}")


def drop_last_row(body: bytes, media_type: str) -> bytes:
    """``body`` without its last solution (it holds at least two)."""
    if media_type == SPARQL_XML:
        cut = body.rindex(b"<result>")
        return body[:cut] + b"</results></sparql>"
    if media_type == TSV:
        return body[: body.rindex(b"\n", 0, len(body) - 1) + 1]
    if media_type == CSV:
        if b'"' not in body:
            return body[: body.rindex(b"\r\n", 0, len(body) - 2) + 2]
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows[:-1])
        return out.getvalue().encode()
    if media_type == SPARQL_JSON:
        if b"{}" in body:
            doc = json.loads(body)
            doc["results"]["bindings"].pop()
            return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        at = body.rindex(_ROW_AFTER_ROW)
        while not _is_row_start(body, at):
            at = body.rindex(_ROW_AFTER_ROW, 0, at)
        return body[: at + 1] + b"]}}"
    raise ValueError(f"no SELECT format {media_type}")
