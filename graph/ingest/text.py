"""Text helpers every stage of an ingest shares: one folding for matching, one sentence splitter.

``fold`` keeps the length of the text (one character in, one character out), so an offset found in
the folded text is the same offset in the original: no stage ever has to map offsets back.

>>> fold("The Land–Sea Corridor’s “Hub”")
'the land-sea corridor\\'s "hub"'
>>> text = "Mr. Li met Dr. Wang on 5 Jan. 2019. They signed it!  Next, the U.S. side spoke."
>>> [text[s:e] for s, e in sentences(text)]
['Mr. Li met Dr. Wang on 5 Jan. 2019.', 'They signed it!', 'Next, the U.S. side spoke.']
"""

from __future__ import annotations

import re

__all__ = ["fold", "sentences", "sentence_of"]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u00b4`"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_FOLD = {**{ord(c): "-" for c in _DASHES}, **{ord(c): "'" for c in _SINGLE_QUOTES},
         **{ord(c): '"' for c in _DOUBLE_QUOTES}, ord("\u00a0"): " ", ord("\t"): " ", ord("\n"): " ",
         ord("\r"): " ", ord("\u3000"): " "}


def fold(text: str) -> str:
    """Lower case, one dash, one single and one double quote, spaces for any blank; same length.

    Character by character: 'İ' (whose lower case is two characters) stays as it is, and a capital
    sigma becomes 'σ' wherever it stands.

    >>> fold("İzmir ΟΔΟΣ")
    'İzmir οδοσ'
    """
    translated = text.translate(_FOLD)
    lowered = translated.lower()
    # The whole string at once when that is what the character-by-character rule gives: same length (no
    # 'İ' growing into two characters) and no capital sigma (whose lower case depends on the next letter).
    if len(lowered) == len(translated) and "\u03a3" not in translated:
        return lowered
    out = []
    for char in translated:
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)  # 'İ'.lower() is two characters: keep it as is
    return "".join(out)


# Words after which a full stop does not end a sentence (titles, months, "No. 5", initials).
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "vol", "fig", "art", "arts", "co", "corp", "inc",
    "ltd", "jr", "sr", "gen", "gov", "sen", "rep", "rev", "hon", "vs", "etc", "e.g", "i.e", "approx",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "p.r", "u.s",
    "u.k", "u.n", "e.u",
}
# A candidate end: terminal punctuation (Latin or CJK), closing quotes/brackets, then blank space; or
# one CJK full stop alone. Written to start with one plain class (the first mark) so that re's search
# skips to the next mark at C speed (a pattern starting with alternatives is tried at every position):
# the rest of the marks, closers and a blank; or else, the mark being CJK, that mark alone.
_END = re.compile(r"[.!?\u3002\uff01\uff1f](?:[.!?\u3002\uff01\uff1f]*[\"'\u201d\u2019)\]]*(?=\s)"
                  r"|(?<=[\u3002\uff01\uff1f]))")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[-*\u2022]\s)")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, blanks trimmed; paragraph breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        start = block_start
        for match in _END.finditer(text, block_start, block_end):
            end = match.end()
            if _is_abbreviation(text, start, match.start()) or not _next_starts_sentence(text, end, block_end):
                continue
            spans.append((start, end))
            start = end
        spans.append((start, block_end))
    return [t for t in (_trim(text, s, e) for s, e in spans) if t is not None]


def sentence_of(spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    """The sentence (from ``sentences``) holding ``offset``; (offset, offset) when none does."""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid][1] <= offset:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(spans) and spans[lo][0] <= offset < spans[lo][1]:
        return spans[lo]
    return (offset, offset)


def _blocks(text: str) -> list[tuple[int, int]]:
    blocks, start = [], 0
    for match in _PARAGRAPH.finditer(text):
        blocks.append((start, match.start()))
        start = match.end() if match.group().startswith("\n\n") or "\n\n" in match.group() else match.start() + 1
    blocks.append((start, len(text)))
    # A single newline inside a block is a line break (wrapped text, a heading without a full stop):
    # a line that ends without punctuation and is short is its own sentence (a title, a byline).
    out = []
    for s, e in blocks:
        line_start = s
        for nl in re.finditer(r"\n", text[s:e]):
            at = s + nl.start()
            line = text[line_start:at].strip()
            if line and (len(line) < 80 and not line.endswith((",", ";", ":")) or line.endswith((".", "!", "?"))):
                out.append((line_start, at))
                line_start = at + 1
        out.append((line_start, e))
    return out


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # Only the last few characters before the dot: a longer word is no abbreviation, and a regex
    # anchored at the end of the whole sentence would scan all of it for every full stop.
    word = _WORD_BEFORE.search(text, max(start, dot - _LONGEST_ABBREVIATION - 2), dot)
    if word is None:
        return False
    token = word.group(1).lower()
    # "Jan." "No." "P.R." and single initials ("Xi J. Li") do not end a sentence
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha() and word.group(1).isupper())


_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LONGEST_ABBREVIATION = max(len(a) for a in _ABBREVIATIONS)


def _next_starts_sentence(text: str, end: int, block_end: int) -> bool:
    nonblank = _NONBLANK.search(text, end, block_end)   # not a copy of the rest of the block per full stop
    if nonblank is None:
        return True
    first = nonblank.group()
    return first.isupper() or first.isdigit() or first in "\"'\u201c\u2018([" or not first.isascii()


_NONBLANK = re.compile(r"\S")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
