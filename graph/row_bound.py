"""How many rows a SELECT can return, read from its text: the seam that lets the engine stop at
the endpoint's row limit and serialise the answer itself.

An endpoint that cuts answers at ``max_rows`` used to take every row into Python to count and cut
them, and turning a big answer into JSON term by term held the interpreter lock for as long as the
answer was long. If the engine itself stops after ``max_rows + 1`` rows, the engine's own
serialiser (which runs without the lock) can write the answer, and only the last row may need
cutting. That is safe to ask for when the query's solution modifiers end the text: then
``LIMIT n`` may be appended. A trailing ``VALUES`` block (after which ``LIMIT`` is a syntax error)
or a text the scanner cannot follow leaves the decision to the caller.

The scan is :mod:`graph.sparql_tokens`' flat tokenizer (strings, IRIs and comments skipped), so a
``LIMIT`` inside a string, a comment or a subquery is never taken for the query's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coopgraph.graph.sparql_tokens import CLOSE, OPEN, Token, decode_escapes, tokens

__all__ = ["RowBound", "row_bound", "row_bound_of", "with_row_limit"]


@dataclass(frozen=True)
class RowBound:
    """What a SELECT text says about its number of rows.

    ``limit``: the query's own top-level ``LIMIT`` (``None`` when it has none);
    ``appendable``: a ``LIMIT`` clause may be appended to the text (it has no top-level ``LIMIT``
    and nothing after its solution modifiers).
    """

    limit: int | None
    appendable: bool


def row_bound(text: str) -> RowBound:
    """Read the top-level ``LIMIT`` and whether one can be appended; ``text`` is a SELECT that
    passed :func:`graph.query_guard.inspect_query` (so it is shallow and of bounded size).

    >>> row_bound("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s")
    RowBound(limit=None, appendable=True)
    >>> row_bound("SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 3 } } LIMIT 10 # LIMIT 99")
    RowBound(limit=10, appendable=False)
    >>> row_bound("SELECT ?x { ?x ?p ?o } VALUES ?x { <urn:a> }")
    RowBound(limit=None, appendable=False)
    """
    return row_bound_of(list(tokens(decode_escapes(text))))


def row_bound_of(toks: Sequence[Token]) -> RowBound:
    """:func:`row_bound` from the tokens of the text (:func:`graph.query_guard.inspect_query` has them)."""
    depth = 0
    seen_group = False  # the WHERE clause's group has opened: modifiers may follow it
    limit: int | None = None
    for idx, tok in enumerate(toks):
        if tok.kind == "punct" and tok.text in OPEN:
            if depth == 0 and tok.text == "{":
                seen_group = True
            depth += 1
        elif tok.kind == "punct" and tok.text in CLOSE:
            depth -= 1
            if depth < 0:
                return RowBound(None, False)
        elif depth == 0 and seen_group and tok.kind == "word":
            word = tok.text.upper()
            if word == "VALUES":
                return RowBound(limit, False)
            if word == "LIMIT":
                nxt = toks[idx + 1] if idx + 1 < len(toks) else None
                if nxt is None or nxt.kind != "number" or not nxt.text.isdigit():
                    return RowBound(None, False)  # malformed: the engine reports it
                limit = int(nxt.text)
    if depth != 0 or not seen_group:
        return RowBound(None, False)
    return RowBound(limit, limit is None)


def with_row_limit(text: str, limit: int) -> str:
    """``text`` with ``LIMIT limit`` appended, on a line of its own so that a trailing ``#``
    comment cannot swallow it. Only for texts whose :func:`row_bound` is ``appendable``."""
    return f"{text}\nLIMIT {limit}"
