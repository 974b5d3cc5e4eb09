"""Security headers: ``nosniff`` on every answer, the page policies on whatever a browser renders as a page.

A data answer shown in a browser is text (``nosniff``: no guessing that JSON is HTML); HTML and
XML of any kind can run script, so they carry the CSP, the framing rule and the referrer policy.
"""

from __future__ import annotations

import httpx
import pytest

from coopgraph.api.front import renders_as_document

PAGE_HEADERS = ("content-security-policy", "referrer-policy", "x-frame-options")


@pytest.mark.parametrize(("content_type", "page"), [
    (b"text/html; charset=utf-8", True),
    (b"TEXT/HTML", True),
    (b"application/sparql-results+xml", True),
    (b"application/rdf+xml", True),
    (b"application/xml", True),
    (b"text/xml; charset=utf-8", True),
    (b"image/svg+xml", True),
    (b"application/xhtml+xml", True),
    (b"", True),  # no type: treated as the worst case
    (b"application/sparql-results+json", False),
    (b"application/json", False),
    (b"text/csv; charset=utf-8", False),
    (b"text/turtle", False),
    (b"text/javascript; charset=utf-8", False),
    (b"image/png", False),
    (b"application/xml-dtd-but-not-really+json", False),
])
def test_what_renders_as_a_page(content_type: bytes, page: bool) -> None:
    assert renders_as_document(content_type) is page


def test_a_sparql_answer_carries_nosniff_and_no_page_policies(app_client: httpx.Client) -> None:
    for accept in ("application/sparql-results+json", "text/csv", "text/tab-separated-values", "text/turtle"):
        query = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3" if accept == "text/turtle" else "SELECT * { ?s ?p ?o } LIMIT 3"
        answer = app_client.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert not any(name in answer.headers for name in PAGE_HEADERS), dict(answer.headers)
    error = app_client.get("/sparql", params={"query": "SELEC"}, headers={"Accept": "application/json"})
    assert error.status_code == 400 and error.headers["x-content-type-options"] == "nosniff"


def test_xml_answers_and_pages_carry_every_policy(app_client: httpx.Client) -> None:
    xml = app_client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+xml"})
    rdf = app_client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"},
                         headers={"Accept": "application/rdf+xml"})
    page = app_client.get("/query")
    missing = app_client.get("/no/such/page", headers={"Accept": "text/html"})
    for response in (xml, rdf, page, missing):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], response.url
        assert response.headers["x-frame-options"] == "DENY" and response.headers["referrer-policy"] == "no-referrer"


def test_an_embed_may_be_framed_by_any_site(app_client: httpx.Client) -> None:
    embed = app_client.get("/embed/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5"})
    assert embed.status_code == 200 and "text/html" in embed.headers["content-type"]
    assert "frame-ancestors * file:" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers and embed.headers["x-content-type-options"] == "nosniff"
