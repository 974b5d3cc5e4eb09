"""Dates a sentence states ("on December 17", "in November 2018", "in 2019"), kept as partial as given.

A date missing its year takes the year of the article's date, and says so (``inferred``): a reader can
then tell "2019-12-17" read off the sentence from "12-17" completed from the byline.

>>> stated_date("On December 17, they signed it.", "2019-12")
StatedDate(value='2019-12-17', inferred=True, start=0, end=14)
>>> stated_date("China and Singapore inked the MOU in November 2018.", None).value
'2018-11'
>>> stated_date("It was founded in 2019 in Chongqing.", None).value
'2019'
>>> stated_date("signed by the two cities in July this year", "2019-12-20").value
'2019-07'
>>> stated_date("No date here, 21 articles.", "2019") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["StatedDate", "stated_date", "MONTHS"]

MONTHS = {name: number for number, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}

# A month's name or abbreviation, whole: without the word boundary, "on 15 April 2021" was read as
# "on 15 Apr" + "il 2021" (the day-month pattern backtracking to the abbreviation to escape its
# "no year follows" check), a date of the article's year.
_MONTH = r"(?P<{}>January|February|March|April|May|June|July|August|September|October|November|December" \
         r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
# Each pattern starts with one plain class or a month's name, so that re's search skips at C speed to
# the next character that can start a date (a pattern starting with \b or with words that ignore case
# is tried at every position). Where the old pattern started "\b(?i:on|since|...)", the class holds
# every character the first letter can be ignoring case ('\u017f' is an 's', '\u0130' and '\u0131'
# are an 'i'), then comes the word boundary before it ((?<!\w.): no word character before it) and
# each word after its own first letter ((?<=o)n); "\b\d{1,2}" is the same as "\d(?<!\w\d)\d?".
_ON = r"[BFOSUbfosu\u017f](?<!\w.)(?i:(?<=o)n|(?<=s)ince|(?<=f)rom|(?<=b)y|(?<=u)ntil)"   # \b(?i:on|since|...)
# Most specific first: a full date before a month and year before a bare year.
_PATTERNS = [
    ("mdy", re.compile(_MONTH.format("m") + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b")),
    ("dmy", re.compile(r"(?P<d>\d(?<!\w\d)\d?)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format("m")
                       + r",?\s+(?P<y>(?:19|20)\d\d)\b")),
    ("iso", re.compile(r"(?P<y>[12](?<!\w[12])(?:(?<=1)9|(?<=2)0)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")),
    ("my", re.compile(_MONTH.format("m") + r",?\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b")),
    ("md", re.compile(_ON + r"\s+" + _MONTH.format("m")
                      + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*,?\s*\d)")),
    ("dm", re.compile(_ON + r"\s+(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
                      + _MONTH.format("m") + r"(?!\s*,?\s*\d)")),
    ("m-this-year", re.compile(r"[Ii\u0130\u0131](?<!\w.)(?i:n)\s+" + _MONTH.format("m") + r"\s+this\s+year\b")),
    ("y", re.compile(r"[BDFISUbdfisu\u0130\u0131\u017f](?<!\w.)"
                     r"(?i:(?<=i)n|(?<=s)ince|(?<=b)y|(?<=u)ntil|(?<=d)uring|(?<=f)rom)"
                     r"\s+(?:the\s+year\s+)?(?P<y>(?:19|20)\d\d)\b(?![-+\d])")),
]


# a digit, or "this year" (the same matches as "\d|this\s+year", starting with one plain class)
_DATE_CUE = re.compile(r"[\dt](?:(?<=\d)|(?<=t)his\s+year)")
# Every pattern but "iso" and "y" names a month: most sentences with a digit name none ("21 articles",
# "30 percent"), and one search for a month saves six.
_MONTH_CUE = re.compile(_MONTH.format("m"))
_WITHOUT_MONTH = [(kind, pattern) for kind, pattern in _PATTERNS if kind in ("iso", "y")]


@dataclass(frozen=True)
class StatedDate:
    """A date a text states: ``value`` is YYYY, YYYY-MM or YYYY-MM-DD; offsets are of the date's words."""

    value: str
    inferred: bool
    start: int
    end: int


def stated_date(text: str, document_date: str | None, start: int = 0, end: int | None = None,
                *, deadlines: bool = True) -> StatedDate | None:
    """The first date stated in ``text[start:end]``; a missing year comes from ``document_date``.

    ``deadlines=False`` passes over a date that is a deadline ("by 2023", "before June"): what was
    done (a signing) did not happen then, though what is planned may.

    >>> stated_date("They signed it, to open a centre by 2023, in May 2022.", None, deadlines=False).value
    '2022-05'
    """
    stop = len(text) if end is None else end
    if not _DATE_CUE.search(text, start, stop):
        return None   # every pattern needs a digit, or "this year": most sentences have neither
    found: list[tuple[int, StatedDate]] = []
    for kind, pattern in _PATTERNS if _MONTH_CUE.search(text, start, stop) else _WITHOUT_MONTH:
        match = pattern.search(text, start, stop)
        while match is not None and not deadlines and _is_deadline(text, match, start):
            match = pattern.search(text, match.end(), stop)
        if match is None:
            continue
        value = _value(kind, match, document_date)
        if value is not None:
            found.append((match.start(), StatedDate(value[0], value[1], match.start(), match.end())))
    if not found:
        return None
    # The earliest date of the text; of dates starting at one place, the most specific (listed first).
    return min(found, key=lambda item: item[0])[1]


# What makes the date after it a deadline: "by", "before", "until", "no later than", "by the end of";
# before the date's own words, or as its first word ("by 2023" is one match of the "y" pattern).
_DEADLINE = re.compile(r"\b(?:by|before|until|till|no later than)\s+(?:the\s+end\s+of\s+)?(?:the\s+)?$", re.I)
_DEADLINE_WORD = re.compile(r"(?:by|until|till|before)\b", re.I)


def _is_deadline(text: str, match: re.Match[str], start: int) -> bool:
    return (_DEADLINE_WORD.match(match.group()) is not None
            or _DEADLINE.search(text, max(start, match.start() - 24), match.start()) is not None)


def _value(kind: str, match: re.Match[str], document_date: str | None) -> tuple[str, bool] | None:
    groups = match.groupdict()
    month = groups.get("m")
    number = (MONTHS.get(month.lower().rstrip(".")) if month and not month.isdigit()
              else int(month) if month else None)
    day = int(groups["d"]) if groups.get("d") else None
    year = groups.get("y")
    inferred = False
    if year is None:
        if not document_date or not re.match(r"\d{4}", document_date):
            return None  # a day without a year and no article date: too little to state
        year, inferred = document_date[:4], True
    if number is None:
        return year, inferred
    if not 1 <= number <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return (f"{year}-{number:02d}-{day:02d}" if day is not None else f"{year}-{number:02d}"), inferred
