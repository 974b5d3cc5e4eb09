"""api.negotiation: Accept headers real clients send -> the media type we answer with."""

from __future__ import annotations

import httpx
import pytest

from coopgraph.api.negotiation import LINKED_DATA_FORMATS, choose_media_type, parse_accept, pick_format

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
TTL = "text/turtle"

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
          "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
# SPARQLWrapper 2.x with returnFormat=JSON / XML / CSV / TURTLE
SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SPARQLWRAPPER_XML = "application/sparql-results+xml"
SPARQLWRAPPER_CSV = "text/csv"
SPARQLWRAPPER_TURTLE = "application/turtle,text/turtle"
# Apache Jena (ARQ) remote query defaults
JENA_SELECT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
               "text/tab-separated-values;q=0.7, text/csv;q=0.5, application/json;q=0.2, application/xml;q=0.2, */*;q=0.1")
JENA_GRAPH = ("text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,"
              "*/*;q=0.5")
RDFLIB_SPARQLSTORE = "application/sparql-results+xml"
CURL = "*/*"

# Linked Data pages (/id/{slug}): (Accept header, media type served). tests/api/test_linked_data.py
# asks a real server with the same table.
LINKED_DATA_TABLE = [
    ("*/*", "text/turtle"),                                   # curl's default: a machine
    (None, "text/turtle"),                                    # no header at all
    (CHROME, "text/html"),
    (FIREFOX, "text/html"),
    ("text/html", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/ld+json;q=0.8, text/turtle;q=0.9", "text/turtle"),
    ("text/html;q=0.1, application/n-triples;q=0.2", "application/n-triples"),
    ("text/*", "text/turtle"),                                # equal ranges: our default wins
    ("application/rdf+xml;q=1.0, text/html;q=0.9, */*;q=0.1", "application/rdf+xml"),
    ("image/png, */*;q=0.01", "text/turtle"),
]


@pytest.mark.parametrize(
    ("kind", "accept", "expected"),
    [
        ("SELECT", None, JSON),
        ("SELECT", "", JSON),
        ("SELECT", CURL, JSON),
        ("SELECT", FIREFOX, JSON),  # browsers get the default, not an error
        ("SELECT", CHROME, JSON),
        ("SELECT", SPARQLWRAPPER_JSON, JSON),
        ("SELECT", SPARQLWRAPPER_XML, XML),
        ("SELECT", SPARQLWRAPPER_CSV, "text/csv"),
        ("SELECT", JENA_SELECT, JSON),
        ("SELECT", RDFLIB_SPARQLSTORE, XML),
        ("SELECT", "text/tab-separated-values", "text/tab-separated-values"),
        ("SELECT", "application/json", JSON),
        ("SELECT", "text/csv;q=0.9, application/sparql-results+xml;q=0.95", XML),
        ("SELECT", "text/*", "text/csv"),
        ("SELECT", "application/*;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
        ("SELECT", "*/*;q=0.5, application/sparql-results+json;q=0", XML),  # json explicitly refused
        ("SELECT", "text/turtle", None),
        ("SELECT", "image/png", None),
        ("ASK", "text/csv", None),  # a boolean has no CSV form
        ("ASK", "text/csv, */*;q=0.1", JSON),
        ("ASK", SPARQLWRAPPER_XML, XML),
        ("CONSTRUCT", None, TTL),
        ("CONSTRUCT", FIREFOX, TTL),
        ("CONSTRUCT", SPARQLWRAPPER_TURTLE, TTL),
        ("CONSTRUCT", JENA_GRAPH, TTL),
        ("CONSTRUCT", "application/n-triples", "application/n-triples"),
        ("CONSTRUCT", "application/ld+json", "application/ld+json"),
        ("DESCRIBE", "application/rdf+xml", "application/rdf+xml"),
        ("DESCRIBE", "text/plain", "application/n-triples"),
        ("CONSTRUCT", SPARQLWRAPPER_JSON, None),
        ("CONSTRUCT", "application/sparql-results+json", None),
        ("SELECT", "garbage, ,;;", None),
        ("SELECT", "application/sparql-results+json;q=abc, text/csv", "text/csv"),
    ],
)
def test_accept(kind: str, accept: str | None, expected: str | None) -> None:
    assert choose_media_type(kind, accept) == expected


@pytest.mark.parametrize(
    ("kind", "fmt", "expected"),
    [
        ("SELECT", "json", JSON),
        ("SELECT", "XML", XML),
        ("SELECT", "csv", "text/csv"),
        ("SELECT", "tsv", "text/tab-separated-values"),
        ("SELECT", "text/csv", "text/csv"),
        ("SELECT", "ttl", None),
        ("ASK", "csv", None),
        ("CONSTRUCT", "ttl", TTL),
        ("CONSTRUCT", "turtle", TTL),
        ("CONSTRUCT", "nt", "application/n-triples"),
        ("CONSTRUCT", "jsonld", "application/ld+json"),
        ("CONSTRUCT", "rdfxml", "application/rdf+xml"),
        ("CONSTRUCT", "application/ld+json", "application/ld+json"),
        ("DESCRIBE", "csv", None),
        ("SELECT", "yaml", None),
    ],
)
def test_format_parameter_wins_over_accept(kind: str, fmt: str, expected: str | None) -> None:
    assert choose_media_type(kind, "application/sparql-results+json, text/turtle", fmt) == expected


def test_parse_accept_clamps_q() -> None:
    ranges = parse_accept("text/csv;q=7, */*;q=-1")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "csv", 1.0), ("*", "*", 0.0)]


@pytest.mark.parametrize(("accept", "expected"), [(a, e) for a, e in LINKED_DATA_TABLE if a is not None])
def test_pick_format_table(accept: str, expected: str) -> None:
    """The Linked Data table, against the pure function."""
    names = {media: name for name, media in LINKED_DATA_FORMATS.items()}
    assert pick_format(accept, ("html", "ttl", "jsonld", "nt", "rdf"), "ttl") == names[expected]


def test_pick_format_refuses_what_is_not_offered() -> None:
    assert pick_format("image/png", ("html", "ttl"), "ttl") is None
    assert pick_format("text/turtle;q=0", ("ttl",), "ttl") is None
    assert pick_format("", ("html", "ttl"), "html") == "html"


def test_accept_sent_on_several_lines_counts_as_one_list(app_client: httpx.Client) -> None:
    """RFC 9110: several Accept lines are one comma-separated list; the second line counts too."""
    headers = [("Accept", "text/csv"), ("Accept", "application/sparql-results+json;q=0.5")]
    ask = app_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=headers)
    assert ask.status_code == 200 and ask.headers["content-type"].startswith("application/sparql-results+json")
    select = app_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"}, headers=headers)
    assert select.status_code == 200 and select.headers["content-type"].startswith("text/csv")
    page = app_client.get("/id/chongqing-customs", headers=[("Accept", "image/png"), ("Accept", "text/turtle")])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/turtle")
