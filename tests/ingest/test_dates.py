"""graph.ingest.dates.stated_date: the date a sentence states, in the forms the press writes it; a
missing year comes from the article's date and is marked inferred."""

from __future__ import annotations

import pytest

from coopgraph.graph.ingest.dates import stated_date

ARTICLE_DATE = "2024-03-20"


@pytest.mark.parametrize(("text", "value", "inferred"), [
    # the day first, a month written out that starts with an abbreviation ("Apr" of "April"): the
    # year that follows is the date's, never the article's
    ("They signed it in Guiyang on 15 April 2021 to support trade.", "2021-04-15", False),
    ("It opened on 3 June 2020.", "2020-06-03", False),
    ("It was signed on 4 May 2018.", "2018-05-04", False),
    ("It was signed on Sept. 3, 2020.", "2020-09-03", False),
    ("It was signed on 3 Sept 2020.", "2020-09-03", False),
    ("It runs since Dec. 2019.", "2019-12", False),
    ("It was signed in June 2019.", "2019-06", False),
    ("It was signed on 2019-12-17.", "2019-12-17", False),
    ("It was signed in 2017.", "2017", False),
    # no year: the article's
    ("It was signed on March 18.", "2024-03-18", True),
    ("It was signed on 15 April.", "2024-04-15", True),
    ("It was signed on the 5th of June.", "2024-06-05", True),
])
def test_the_date_a_sentence_states(text: str, value: str, inferred: bool) -> None:
    found = stated_date(text, ARTICLE_DATE)
    assert found is not None and (found.value, found.inferred) == (value, inferred)
    assert text[found.start:found.end].split()[-1].rstrip(".,") in text  # offsets are into the text


@pytest.mark.parametrize("text", ["It has 21 articles.", "Trade grew by 30 percent.", "The Aprilia plant opened."])
def test_no_date(text: str) -> None:
    assert stated_date(text, ARTICLE_DATE) is None
