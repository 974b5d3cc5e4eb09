"""The W3C SPARQL 1.1 Protocol tests (rdf-tests ``sparql/sparql11/protocol/manifest.ttl``), against
the real server (uvicorn in a subprocess, real HTTP).

The manifest has 34 cases: 20 for queries, 14 for updates. All 34 are transcribed below with the
manifest's inputs (method, path with its query string, Content-Type, body) and its expected outcome
(status class, result format "boolean"/"tabular"/"RDF", the ASK answer); the graph data
(data1.nt..data3.nt, one triple each) is loaded into the named graphs the manifest labels them with.
The update cases run with our bearer token added (the manifest has no authentication) on a server
of their own, since they DROP ALL. None is skipped. Not transcribed: nothing; the manifest's
``ht:connectionAuthority "www.example"`` is replaced by our 127.0.0.1 address, as the manifest says.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.conftest import LiveServer, start_server, stop_server

TOKEN = "protocol-test-token-0123456789"
D = "http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata"  # + "1.rdf" ...
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


class Req(NamedTuple):
    method: str
    path: str
    content_type: str | None = None
    body: str | None = None
    status: int = 2  # expected status class (2 = 2xx or 3xx, 4 = 4xx)
    fmt: str | None = None  # "boolean" | "tabular" | "RDF"
    boolean: bool | None = None


K = "http://kasei.us/2009/09/sparql/data/"
ASK_DATASET = f"ASK {{ <{K}data1.rdf> a ?type . <{K}data2.rdf> a ?type . }}"
ASK_NAMED = f"ASK {{ GRAPH ?g1 {{ <{K}data1.rdf> a ?type }} GRAPH ?g2 {{ <{K}data2.rdf> a ?type }} }}"
ASK_FULL = f"""ASK {{
  <{K}data3.rdf> a ?type
  GRAPH ?g1 {{ <{K}data1.rdf> a ?type }}
  GRAPH ?g2 {{ <{K}data2.rdf> a ?type }}
}}"""
Q_ASK_DATASET = ("ASK%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf%3E%20a%20%3Ftype%20.%20"
                 "%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf%3E%20a%20%3Ftype%20.%20%7D")
Q_ASK_NAMED = ("ASK%20%7B%20GRAPH%20%3Fg1%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf%3E"
               "%20a%20%3Ftype%20%7D%20GRAPH%20%3Fg2%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2F"
               "data2.rdf%3E%20a%20%3Ftype%20%7D%20%7D")

QUERY_CASES: dict[str, list[Req]] = {
    "query_post_form": [Req("POST", f"/sparql/?default-graph-uri={D}0.rdf", FORM, "query=ASK%20%7B%7D", 2, "boolean", True)],
    "query_dataset_default_graphs_get": [Req("GET", f"/sparql/?query={Q_ASK_DATASET}&default-graph-uri={D}1.rdf&default-graph-uri={D}2.rdf", fmt="boolean", boolean=True)],
    "query_dataset_default_graphs_post": [Req("POST", f"/sparql/?default-graph-uri={D}1.rdf&default-graph-uri={D}2.rdf", QUERY, ASK_DATASET, 2, "boolean", True)],
    "query_dataset_named_graphs_post": [Req("POST", f"/sparql/?named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf", QUERY, ASK_NAMED, 2, "boolean", True)],
    "query_dataset_named_graphs_get": [Req("GET", f"/sparql/?query={Q_ASK_NAMED}&named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf", fmt="boolean", boolean=True)],
    "query_dataset_full": [Req("POST", f"/sparql/?default-graph-uri={D}3.rdf&named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf", QUERY, ASK_FULL, 2, "boolean", True)],
    "query_multiple_dataset": [Req("POST", f"/sparql/?named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf", QUERY,
                                   f"ASK FROM <{K}data3.rdf> {{ GRAPH ?g1 {{ <{K}data1.rdf> a ?type }} GRAPH ?g2 {{ <{K}data2.rdf> a ?type }} }}",
                                   2, "boolean", True)],
    "query_get": [Req("GET", f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={D}0.rdf", fmt="boolean", boolean=True)],
    "query_content_type_select": [Req("POST", f"/sparql/?default-graph-uri={D}0.rdf", QUERY, "SELECT (1 AS ?value) {}", 2, "tabular")],
    "query_content_type_ask": [Req("POST", f"/sparql/?default-graph-uri={D}0.rdf", QUERY, "ASK {}", 2, "boolean")],
    "query_content_type_describe": [Req("POST", f"/sparql/?default-graph-uri={D}0.rdf", QUERY, "DESCRIBE <http://example.org/>", 2, "RDF")],
    "query_content_type_construct": [Req("POST", f"/sparql/?default-graph-uri={D}0.rdf", QUERY, "CONSTRUCT { <s> <p> 1 } WHERE {}", 2, "RDF")],
    "query_post_direct": [Req("POST", "/sparql/", QUERY, "ASK {}", 2, "boolean", True)],
    "bad_query_method": [Req("PUT", f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={D}0.rdf", FORM, None, 4)],
    "bad_multiple_queries": [Req("GET", "/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", status=4)],
    "bad_query_wrong_media_type": [Req("POST", "/sparql/", "text/plain", "ASK {}", 4)],
    "bad_query_missing_form_type": [Req("POST", "/sparql/", None, "query=ASK%20%7B%7D", 4)],
    "bad_query_missing_direct_type": [Req("POST", "/sparql/", None, "ASK {}", 4)],
    "bad_query_non_utf8": [Req("POST", "/sparql/", "application/sparql-query; charset=UTF-16", "ASK {}", 4)],
    "bad_query_syntax": [Req("GET", "/sparql/?query=ASK%20%7B", status=4)],
}

PROLOGUE = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
INSERT_THREE = f"""INSERT DATA {{
    GRAPH <{K}data1.rdf> {{ <{K}data1.rdf> a foaf:Document }}
    GRAPH <{K}data2.rdf> {{ <{K}data2.rdf> a foaf:Document }}
    GRAPH <{K}data3.rdf> {{ <{K}data3.rdf> a foaf:Document }}
}} ;
"""


def _ask_two_not_three(graph: str) -> str:
    return f"""ASK {{
    GRAPH <{graph}> {{
        <{K}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
        <{K}data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
    }}
    FILTER NOT EXISTS {{ GRAPH <{graph}> {{ <{K}data3.rdf> a <http://purl.org/dc/terms/BibliographicResource> . }} }}
}}"""


UPDATE_CASES: dict[str, list[Req]] = {
    "update_dataset_default_graph": [
        Req("POST", f"/sparql/?using-graph-uri={D}1.rdf", UPDATE, PROLOGUE + f"""CLEAR ALL ;
INSERT DATA {{ GRAPH <{K}data1.rdf> {{ <{K}data1.rdf> a foaf:Document }} }} ;
INSERT {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{ ?s a dc:BibliographicResource }} }}
WHERE {{ ?s a foaf:Document }}"""),
        Req("POST", "/sparql/", QUERY, f"""ASK {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{
    <{K}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> }} }}""", 2, "boolean", True),
    ],
    "update_dataset_default_graphs": [
        Req("POST", f"/sparql/?using-graph-uri={D}1.rdf&using-graph-uri={D}2.rdf", UPDATE, PROLOGUE + "DROP ALL ;\n"
            + INSERT_THREE + """INSERT { GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {
        ?s a dc:BibliographicResource } } WHERE { ?s a foaf:Document }"""),
        Req("POST", "/sparql/", QUERY, _ask_two_not_three("http://example.org/protocol-update-dataset-graphs-test/"),
            2, "boolean", True),
    ],
    "update_dataset_named_graphs": [
        Req("POST", f"/sparql/?using-named-graph-uri={D}1.rdf&using-named-graph-uri={D}2.rdf", UPDATE,
            PROLOGUE + "DROP ALL ;\n" + INSERT_THREE + """INSERT {
    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> { ?s a dc:BibliographicResource } }
WHERE { GRAPH ?g { ?s a foaf:Document } }"""),
        Req("POST", "/sparql/", QUERY,
            _ask_two_not_three("http://example.org/protocol-update-dataset-named-graphs-test/"), 2, "boolean", True),
    ],
    "update_dataset_full": [
        Req("POST", f"/sparql/?using-graph-uri={D}1.rdf&using-named-graph-uri={D}2.rdf", UPDATE,
            PROLOGUE + "DROP ALL ;\n" + INSERT_THREE + """INSERT {
    GRAPH <http://example.org/protocol-update-dataset-full-test/> { ?s <http://example.org/in> ?in } }
WHERE {
    { GRAPH ?g { ?s a foaf:Document } BIND(?g AS ?in) }
    UNION
    { ?s a foaf:Document . BIND("default" AS ?in) }
}"""),
        Req("POST", "/sparql/", QUERY, f"""ASK {{
    GRAPH <http://example.org/protocol-update-dataset-full-test/> {{
        <{K}data1.rdf> <http://example.org/in> "default" .
        <{K}data2.rdf> <http://example.org/in> <{K}data2.rdf> .
    }}
    FILTER NOT EXISTS {{ GRAPH <http://example.org/protocol-update-dataset-full-test/> {{ <{K}data3.rdf> ?p ?o }} }}
}}""", 2, "boolean", True),
    ],
    "update_post_form": [Req("POST", "/sparql/", FORM, "update=CLEAR+ALL")],
    "update_post_direct": [Req("POST", "/sparql/", UPDATE, "CLEAR ALL")],
    "update_base_uri": [
        Req("POST", "/sparql/", UPDATE, """CLEAR SILENT GRAPH <http://example.org/protocol-base-test/> ;
INSERT DATA { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }"""),
        Req("POST", "/sparql/", QUERY, """ASK {
    GRAPH <http://example.org/protocol-base-test/> {
        <http://example.org/s> <http://example.org/p> ?o
        FILTER (isIRI(?o) && STR(?o) != "test")
    }
}""", 2, "boolean", True),
    ],
    "bad_update_get": [Req("GET", "/sparql/?update=CLEAR%20ALL", status=4)],
    "bad_multiple_updates": [Req("POST", "/sparql/", FORM, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", 4)],
    "bad_update_wrong_media_type": [Req("POST", "/sparql/", "text/plain", "CLEAR NAMED", 4)],
    "bad_update_missing_form_type": [Req("POST", "/sparql/", None, "update=CLEAR%20NAMED", 4)],
    "bad_update_non_utf8": [Req("POST", "/sparql/", "application/sparql-update; charset=UTF-16", "CLEAR NAMED", 4)],
    "bad_update_syntax": [Req("POST", "/sparql/", FORM, "update=CLEAR%20XYZ", 4)],
    "bad_update_dataset_conflict": [Req("POST", "/sparql/?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople", UPDATE,
                                        """PREFIX foaf:  <http://xmlns.com/foaf/0.1/>
WITH <http://example/addresses>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE {
    ?person foaf:givenName 'Bill'
}""", 4)],
}


def _fill(db: object) -> None:
    for n in (1, 2, 3):
        db.update(f"INSERT DATA {{ GRAPH <{K}data{n}.rdf> {{ <{K}data{n}.rdf> a <http://xmlns.com/foaf/0.1/Document> }} }}")  # type: ignore[attr-defined]


def _server(tmp: Path) -> LiveServer:
    OxigraphStore.replace(tmp / "store", _fill)
    env = {"COOPGRAPH_QUERY_TIMEOUT_S": "10", "COOPGRAPH_QUERY_MEMORY_MB": "256",
           "COOPGRAPH_ALLOW_UPDATES": "true", "COOPGRAPH_UPDATE_TOKEN": TOKEN}
    return start_server(tmp / "store", tmp, env=env, memory_limit_mb=6144)


@pytest.fixture(scope="module")
def query_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = _server(tmp_path_factory.mktemp("protocol-query"))
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def update_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = _server(tmp_path_factory.mktemp("protocol-update"))
    yield server
    stop_server(server)


def _check(server: LiveServer, req: Req, *, token: bool) -> None:
    headers = {"content-type": req.content_type} if req.content_type else {}
    if token:
        headers["authorization"] = f"Bearer {TOKEN}"
    content = req.body.encode("utf-8") if req.body is not None else None
    # httpx would add a Content-Type of its own for some bodies; build the request by hand.
    request = httpx.Request(req.method, server.url + req.path, headers=headers, content=content)
    if req.content_type is None:
        request.headers.pop("content-type", None)
    with httpx.Client(timeout=30) as client:
        response = client.send(request)
    assert response.status_code // 100 in ((2, 3) if req.status == 2 else (4,)), (response.status_code, response.text)
    media = response.headers.get("content-type", "").split(";")[0]
    if req.fmt is not None:
        allowed = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": RDF_TYPES}[req.fmt]
        assert media in allowed, media
    if req.boolean is not None:
        assert response.json()["boolean"] is req.boolean, response.text


@pytest.mark.parametrize("name", list(QUERY_CASES))
def test_query_case(query_server: LiveServer, name: str) -> None:
    for req in QUERY_CASES[name]:
        _check(query_server, req, token=False)


@pytest.mark.parametrize("name", list(UPDATE_CASES))
def test_update_case(update_server: LiveServer, name: str) -> None:
    for req in UPDATE_CASES[name]:
        _check(update_server, req, token=True)


def test_case_count() -> None:
    assert (len(QUERY_CASES), len(UPDATE_CASES)) == (20, 14)


def test_update_text_in_the_url_is_refused(update_server: LiveServer) -> None:
    """Update text travels in the body only: in the URL it would be written to access logs (ours,
    a proxy's). Refused with 400 whatever the body holds, and nothing is written."""
    marker = "<urn:coopgraph:test:update-in-url>"
    insert = f"INSERT DATA {{ {marker} <urn:p> <urn:o> }}"
    bodies = [(FORM, ""), (FORM, "using-graph-uri=urn%3Ag"), (UPDATE, insert), (QUERY, "ASK {}")]
    with httpx.Client(base_url=update_server.url, timeout=30,
                      headers={"authorization": f"Bearer {TOKEN}"}) as client:
        for path in ("/sparql", "/sparql/"):
            for content_type, body in bodies:
                r = client.post(path, params={"update": insert}, content=body, headers={"content-type": content_type})
                assert r.status_code == 400, (content_type, r.status_code, r.text)
                assert "in the request body" in r.json()["error"], r.text
        r = client.get("/sparql", params={"query": f"ASK {{ {marker} ?p ?o }}"},
                       headers={"accept": "application/sparql-results+json"})
        assert r.json()["boolean"] is False
        # The same update in the body is accepted: the refusal is about where the text is, not what it says.
        r = client.post("/sparql", content=insert, headers={"content-type": UPDATE})
        assert r.status_code == 204, r.text
