"""Evidence quotes: find a quote in its document as an exact substring."""

from __future__ import annotations

import re

__all__ = ["find_quote", "near_miss", "sentence_around"]


def find_quote(text: str, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
    """Character offsets ``(start, end)`` of the ``occurrence``-th exact match, or None.

    >>> find_quote("a cat and a cat", "cat", 2)
    (12, 15)
    """
    if not quote:
        return None
    start = -1
    for _ in range(occurrence):
        start = text.find(quote, start + 1)
        if start < 0:
            return None
    return start, start + len(quote)


def near_miss(text: str, quote: str) -> str | None:
    """Why an inexact quote almost matches (case, spacing, quote marks), to help the curator."""
    def squash(s: str) -> str:
        s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
        return re.sub(r"\s+", " ", s).lower()

    if squash(quote) in squash(text):
        return "a match exists if case, spacing or quote marks are ignored: copy the text exactly"
    words = quote.split()
    for size in range(len(words) - 1, 2, -1):
        for begin in range(len(words) - size + 1):
            fragment = " ".join(words[begin:begin + size])
            if fragment in text:
                return f"the text has {fragment!r} but not the whole quote"
    return None


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence (or line) that contains ``text[start:end]``."""
    left = max(text.rfind(". ", 0, start) + 2, text.rfind("\n", 0, start) + 1, 0)
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return left, right
