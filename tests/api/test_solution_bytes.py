"""Counting and cutting the rows of answers the engine serialised (api/solution_bytes.py).

The values below are chosen to look like the byte patterns the counts rely on: literals ending in
``},{``, holding ``{}``, quotes, commas, tabs and newlines, ``<result>`` as text, blank nodes and
rows with nothing bound. Every count and cut is checked against the answer parsed back.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from coopgraph.api.negotiation import CSV, SPARQL_JSON, SPARQL_XML, TSV
from coopgraph.api.solution_bytes import count_rows, drop_last_row
from coopgraph.graph.row_bound import row_bound, with_row_limit

E = "http://example.org/"
TRICKY = [
    'ends with },{', 'ends with },{"', '},{"o":{', 'holds {} inside', 'quote " and, comma',
    "tab\there", "line\nbreak\r\nand more", "<result>not a row</result>", "plain", "汉字 ,{",
]
FORMATS = {SPARQL_JSON: ox.QueryResultsFormat.JSON, SPARQL_XML: ox.QueryResultsFormat.XML,
           CSV: ox.QueryResultsFormat.CSV, TSV: ox.QueryResultsFormat.TSV}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for i, text in enumerate(TRICKY):
        s.add(ox.Quad(ox.NamedNode(f"{E}s{i}"), ox.NamedNode(E + "p"), ox.Literal(text, language="en")))
        s.add(ox.Quad(ox.NamedNode(f"{E}s{i}"), ox.NamedNode(E + "q"), ox.BlankNode(f"b{i}")))
    return s


def parsed_rows(body: bytes, media_type: str) -> list[tuple[str | None, ...]]:
    if media_type == CSV:  # lossy, so pyoxigraph does not read it back; the csv module does
        return [tuple(row) for row in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
    solutions = ox.parse_query_results(body, format=FORMATS[media_type])
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple(None if t is None else str(t) for t in row) for row in solutions]


QUERIES = [
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s",
    "SELECT ?s ?b ?o WHERE { ?s <http://example.org/q> ?b OPTIONAL { ?s <urn:none> ?o } } ORDER BY ?s",
    # rows with nothing bound at all: JSON writes them as {}
    "SELECT ?nothing WHERE { ?s <http://example.org/p> ?o OPTIONAL { ?s <urn:none> ?nothing } }",
    "SELECT ?o WHERE { ?s <http://example.org/p> ?o FILTER(false) }",
]


@pytest.mark.parametrize("media_type", list(FORMATS))
@pytest.mark.parametrize("query", QUERIES)
def test_count_and_drop_last_agree_with_the_parsed_answer(store: ox.Store, media_type: str, query: str) -> None:
    body = store.query(query).serialize(format=FORMATS[media_type])
    rows = parsed_rows(body, media_type)
    assert count_rows(body, media_type) == len(rows)
    if len(rows) >= 2:
        cut = drop_last_row(body, media_type)
        assert parsed_rows(cut, media_type) == rows[:-1]
        assert count_rows(cut, media_type) == len(rows) - 1


@pytest.mark.parametrize(("text", "limit", "appendable"), [
    ("SELECT * { ?s ?p ?o }", None, True),
    ("SELECT * { ?s ?p ?o } ORDER BY ?s OFFSET 5", None, True),
    ("SELECT * { ?s ?p ?o } LIMIT 7 OFFSET 2", 7, False),
    ("SELECT * { ?s ?p ?o } # LIMIT 3", None, True),
    ("SELECT * { ?s ?p \"LIMIT 3\" }", None, True),
    ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 3 } }", None, True),
    ("SELECT ?s { ?s ?p ?o } VALUES ?s { <urn:a> }", None, False),
    ("SELECT * { ?s ?p ?o ", None, False),  # unbalanced: the engine reports it
    ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p HAVING (COUNT(*) > 1)", None, True),
    ("SELECT * { ?s ?p ?o } \\u004CIMIT 4", 4, False),  # escapes are decoded as the engine does
])
def test_row_bound_reads_the_top_level_limit(text: str, limit: int | None, appendable: bool) -> None:
    bound = row_bound(text)
    assert (bound.limit, bound.appendable) == (limit, appendable)


@pytest.mark.parametrize("text", [
    "SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o } # a trailing comment", "SELECT * {?s ?p ?o} ORDER BY ?s OFFSET 1",
])
def test_appended_limit_is_valid_sparql_and_bounds_the_answer(store: ox.Store, text: str) -> None:
    assert row_bound(text).appendable
    solutions = store.query(with_row_limit(text, 3))
    assert len(list(solutions)) == 3
