"""Documents (quotes marked in the text), ontology pages, VoID and the full dumps."""

from __future__ import annotations

import html
import re
import warnings

import httpx
import pytest
import rdflib

from coopgraph.api.routers.documents import mark_tokens
from coopgraph.graph.resources import shapes_file


def parse_rdf(body: bytes, fmt: str) -> rdflib.Graph:
    """rdflib parses ``body``; its JSON-LD parser warns about its own deprecated internals (rdflib 7.6)."""
    g = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        g.parse(data=body, format=fmt)
    return g


VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def _rebuild(tokens: list) -> str:  # type: ignore[type-arg]
    return "".join(t.text for t in tokens)


def _balanced(tokens: list) -> bool:  # type: ignore[type-arg]
    depth = 0
    for t in tokens:
        depth += {"open": 1, "close": -1}.get(t.kind, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("spans", [
    [],
    [(0, 3)],
    [(1, 4), (6, 9)],                 # apart
    [(1, 4), (4, 9)],                 # touching
    [(0, 10), (2, 5)],                # nested
    [(1, 6), (3, 9)],                 # crossing
    [(1, 6), (1, 6), (1, 4)],         # duplicate and shared start
    [(0, 4), (2, 8), (6, 12)],        # a chain of crossings
    [(-5, 3), (8, 99), (5, 5)],       # out of range and empty
])
def test_mark_tokens_keeps_text_and_nests_properly(spans: list[tuple[int, int]]) -> None:
    text = "abcdefghijkl"
    tokens = mark_tokens(text, spans)
    assert _rebuild(tokens) == text
    assert _balanced(tokens)
    ids = [t.id for t in tokens if t.kind == "open" and t.id]
    valid = {(max(0, a), min(len(text), b)) for a, b in spans if min(len(text), b) > max(0, a)}
    assert sorted(ids) == sorted(f"q-{a}-{b}" for a, b in valid)       # one id per span, no duplicates
    assert sum(1 for t in tokens if t.kind == "close" and t.last) == len(valid)
    # each span's pieces cover exactly its characters
    for a, b in valid:
        covered, pos, stack = set(), 0, []
        for t in tokens:
            if t.kind == "text":
                if (a, b) in stack:
                    covered |= set(range(pos, pos + len(t.text)))
                pos += len(t.text)
            elif t.kind == "open":
                stack.append(t.span)
            else:
                stack.remove(t.span)
        assert covered == set(range(a, b))


def test_documents_list(app_client: httpx.Client) -> None:
    docs = app_client.get("/api/documents").json()
    assert len(docs) == 2
    for doc in docs:
        assert doc["title"] and doc["publisher"]["slug"] and doc["date"] and doc["attribution"]
        assert doc["evidence_count"] > 0
    page = app_client.get("/documents").text
    for doc in docs:
        assert html.escape(doc["title"]) in page and f'href="/documents/{doc["slug"]}"' in page


def test_document_page_marks_every_quote(app_client: httpx.Client) -> None:
    for doc in app_client.get("/api/documents").json():
        detail = app_client.get(f"/api/documents/{doc['slug']}").json()
        page = app_client.get(f"/documents/{doc['slug']}", headers={"Accept": "text/html"}).text
        spans = {(q["start"], q["end"]) for q in detail["quotes"]}
        assert spans
        # Each quote is the one evidence shape (api.schemas.EvidenceQuote) plus the statement it supports.
        assert all(q["document"] == doc["slug"] and q["iri"] and q["url"].endswith(f"#q-{q['start']}-{q['end']}")
                   for q in detail["quotes"])
        for start, end in spans:
            assert page.count(f'id="q-{start}-{end}"') == 1
            assert detail["text"][start:end] in {q["quote"] for q in detail["quotes"]
                                                 if (q["start"], q["end"]) == (start, end)}
            assert f'href="#s-{start}-{end}"' in page and f'id="s-{start}-{end}"' in page
        body = re.search(r'<div class="doc-text"[^>]*>(.*?)</div>', page, re.S)
        assert body is not None
        assert html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<a class="evref".*?</a>', "", body.group(1)))) \
            == detail["text"]


def test_document_rdf_by_negotiation(app_client: httpx.Client) -> None:
    slug = app_client.get("/api/documents").json()[0]["slug"]
    response = app_client.get(f"/documents/{slug}", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    g = parse_rdf(response.content, "turtle")
    assert len(set(g.subjects(rdflib.RDF.type, rdflib.URIRef("https://coopgraph.org/ontology#Evidence")))) > 0
    assert app_client.get(f"/documents/{slug}").headers["content-type"].startswith("text/html")
    assert app_client.get("/documents/no-such-doc").status_code == 404
    assert app_client.get("/api/documents/chongqing-customs").status_code == 404


def test_ontology_html_and_turtle(app_client: httpx.Client) -> None:
    page = app_client.get("/ontology", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="coop-CustomsDistrict"' in page.text and "coop:Region" in page.text
    assert 'id="coop-hasSignatory"' in page.text or 'id="coop-signatoryOf"' in page.text
    for response in (app_client.get("/ontology", headers={"Accept": "text/turtle"}),
                     app_client.get("/ontology.ttl")):
        assert response.headers["content-type"].startswith("text/turtle")
        g = parse_rdf(response.content, "turtle")
        assert (rdflib.URIRef("https://coopgraph.org/ontology#Region"), rdflib.RDF.type, rdflib.OWL.Class) in g
    shapes = app_client.get("/ontology/shapes.ttl")
    if shapes_file().is_file():
        assert shapes.status_code == 200
        parse_rdf(shapes.content, "turtle")
    else:
        assert shapes.status_code == 404


def test_void_describes_the_dataset(app_client: httpx.Client) -> None:
    stats = app_client.get("/api/stats").json()
    for path, accept, fmt in [("/.well-known/void", "text/turtle", "turtle"),
                              ("/void", "application/ld+json", "json-ld")]:
        response = app_client.get(path, headers={"Accept": accept})
        assert response.headers["content-type"].startswith(accept)
        g = parse_rdf(response.content, fmt)
        ds = g.value(predicate=rdflib.RDF.type, object=VOID.Dataset, any=False)
        assert ds is not None
        assert int(g.value(ds, VOID.triples)) == stats["triples"]
        assert int(g.value(ds, VOID.entities)) == stats["entities"]
        assert str(g.value(ds, VOID.sparqlEndpoint)).endswith("/sparql")
        assert {str(d).rsplit("/", 1)[1] for d in g.objects(ds, VOID.dataDump)} == {
            "coopgraph.ttl", "coopgraph.nt", "coopgraph.jsonld"}
        assert len(list(g.objects(ds, rdflib.DCTERMS.source))) == 2
        assert len(list(g.objects(ds, VOID.classPartition))) > 10
        assert len(list(g.objects(ds, VOID.propertyPartition))) > 10


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_full_dumps_hold_every_triple(app_client: httpx.Client, fmt: str, rdflib_format: str) -> None:
    triples = app_client.get("/api/stats").json()["triples"]
    response = app_client.get(f"/api/exports/coopgraph.{fmt}")
    assert response.status_code == 200
    assert 'filename="coopgraph.' in response.headers["content-disposition"]
    g = parse_rdf(response.content, rdflib_format)
    assert len(g) == triples


def test_unknown_dump_format_is_404(app_client: httpx.Client) -> None:
    assert app_client.get("/api/exports/coopgraph.csv").status_code == 404
