"""What a browser gets from the machine URLs: /sparql (no query) and /void are pages, not raw Turtle
or a download, while RDF clients and */* get what they always did; a format= that does not fit the
query form names the ones that do, and the query page's curl snippet names one that fits."""

from __future__ import annotations

import html
import re

import httpx
import pytest
import rdflib

from coopgraph.api.routers.query_page import default_query
from coopgraph.graph.namespaces import DEFAULT_BASE

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def test_sparql_in_a_browser_is_a_page_with_a_link_to_the_query_page(app_client: httpx.Client) -> None:
    for path in ("/sparql", "/sparql/"):
        page = app_client.get(path, headers={"accept": BROWSER})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "attachment" not in page.headers.get("content-disposition", "")
        assert 'href="/query"' in page.text and "SPARQL endpoint" in page.text
        assert "sd:Service" in page.text and "sd:endpoint" in page.text  # the description, shown
        assert re.search(r"<code>id:</code></td><td><code>" + re.escape(f"{DEFAULT_BASE}id/"), page.text)
    assert app_client.get("/sparql", params={"format": "html"}).headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "application/rdf+xml", "application/ld+json"])
def test_sparql_service_description_for_clients_is_unchanged(app_client: httpx.Client, accept: str | None) -> None:
    response = app_client.get("/sparql", headers={"accept": accept} if accept else {})
    assert response.status_code == 200
    media = response.headers["content-type"].split(";")[0]
    assert media == (accept if accept not in (None, "*/*") else "text/turtle")
    g = rdflib.Graph().parse(data=response.content, format={"text/turtle": "turtle", "application/rdf+xml": "xml",
                                                             "application/ld+json": "json-ld"}[media])
    service = g.value(predicate=rdflib.RDF.type, object=SD.Service, any=False)
    assert str(g.value(service, SD.endpoint)).endswith("/sparql")


def test_void_in_a_browser_is_shown_not_downloaded(app_client: httpx.Client) -> None:
    for path in ("/void", "/.well-known/void"):
        page = app_client.get(path, headers={"accept": BROWSER})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "attachment" not in page.headers.get("content-disposition", "")
        turtle = re.search(r'<pre id="void-turtle">(.*?)</pre>', page.text, re.S)
        assert turtle is not None
        g = rdflib.Graph().parse(data=html.unescape(turtle.group(1)), format="turtle")
        assert g.value(predicate=rdflib.RDF.type, object=VOID.Dataset, any=False) is not None
        assert f'href="{path}?format=ttl"' in page.text
    # Machine clients: as before.
    for accept, media in [(None, "text/turtle"), ("*/*", "text/turtle"), ("text/turtle", "text/turtle"),
                          ("application/ld+json", "application/ld+json")]:
        response = app_client.get("/void", headers={"accept": accept} if accept else {})
        assert response.headers["content-type"].split(";")[0] == media, accept


def test_a_format_that_does_not_fit_the_query_form_names_those_that_do(app_client: httpx.Client) -> None:
    response = app_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "ttl"})
    assert response.status_code == 406
    message = response.json()["error"]
    assert "format=ttl does not fit a SELECT query" in message and "json, xml, csv, tsv" in message, message
    construct = app_client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "format": "csv"})
    assert construct.status_code == 406 and "ttl" in construct.json()["error"]


def test_a_misspelt_query_form_is_named_with_its_place_not_taken_for_an_update(app_client: httpx.Client) -> None:
    response = app_client.get("/sparql", params={"query": "SELEC * WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    message = response.json()["error"]
    assert "error at 1:1" in message and "'SELEC'" in message and "Update" not in message, message
    ask = app_client.get("/sparql", params={"query": "ASK {}", "format": "csv"})
    assert ask.status_code == 406 and "an ASK query" in ask.json()["error"]


def test_query_page_curl_snippet_names_a_format_that_fits(app_client: httpx.Client) -> None:
    page = app_client.get("/query").text
    snippet = re.search(r'<code id="snippet-curl">(.*?)</code>', page, re.S)
    assert snippet is not None
    assert "format=ttl" not in snippet.group(1)
    default = re.search(r"format=<span id=\"snippet-format\">(\w+)</span>", snippet.group(1))
    assert default is not None and default.group(1) == "csv"
    # The editor's first query is a SELECT: the named format answers it.
    query = default_query({})
    answer = app_client.get("/sparql", params={"query": query, "format": default.group(1)})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv"), answer.text
