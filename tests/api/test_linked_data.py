"""/id/{slug}: content negotiation, suffixes, headers, errors, escaping; every RDF body parsed by rdflib."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib

from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.api.test_negotiation import CHROME, FIREFOX
from tests.api.test_negotiation import LINKED_DATA_TABLE as ACCEPT_TABLE
from tests.conftest import app_settings, in_process_app
from tests.graph.mini_store import XSS_LABEL, write_mini_store


def parse_rdf(body: bytes, fmt: str) -> rdflib.Graph:
    """rdflib parses ``body``; its JSON-LD parser warns about its own deprecated internals (rdflib 7.6)."""
    g = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        g.parse(data=body, format=fmt)
    return g


ID = "https://coopgraph.org/id/"
COOP = "https://coopgraph.org/ontology#"
SLUG = "chongqing-customs"
RDFLIB_FORMAT = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
                 "application/rdf+xml": "xml"}


@pytest.mark.parametrize(("accept", "expected"), ACCEPT_TABLE)
def test_entity_content_negotiation(app_client: httpx.Client, accept: str | None, expected: str) -> None:
    request = app_client.build_request("GET", f"/id/{SLUG}")
    if accept is None:  # no Accept header at all (httpx sends */* by default)
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    response = app_client.send(request)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].split(";")[0] == expected
    assert "accept" in response.headers["vary"].lower()
    if expected == "text/html":
        assert "Chongqing Customs" in response.text and "<html" in response.text
    else:
        _assert_describes(response.content, RDFLIB_FORMAT[expected])


def _assert_describes(body: bytes, fmt: str) -> rdflib.Graph:
    g = parse_rdf(body, fmt)
    me = rdflib.URIRef(ID + SLUG)
    assert (me, rdflib.RDFS.label, rdflib.Literal("Chongqing Customs", lang="en")) in g
    assert (me, rdflib.RDF.type, rdflib.URIRef(COOP + "CustomsDistrict")) in g
    evidence = list(g.subjects(rdflib.RDF.subject, me))
    assert evidence, "the description carries the evidence of its statements"
    assert all(g.value(ev, rdflib.URIRef(COOP + "quote")) for ev in evidence)
    labels_of_others = [o for o in g.objects(me, None) if isinstance(o, rdflib.URIRef)
                        and str(o).startswith(ID) and g.value(o, rdflib.RDFS.label) is not None]
    assert labels_of_others, "linked entities come with their labels"
    return g


@pytest.mark.parametrize(("suffix", "media"), [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                               ("nt", "application/n-triples"), ("rdf", "application/rdf+xml")])
def test_suffix_and_format_parameter_override_accept(app_client: httpx.Client, suffix: str,
                                                     media: str) -> None:
    for url in (f"/id/{SLUG}.{suffix}", f"/id/{SLUG}?format={suffix}"):
        response = app_client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media
        _assert_describes(response.content, RDFLIB_FORMAT[media])


def test_format_html_overrides_accept(app_client: httpx.Client) -> None:
    response = app_client.get(f"/id/{SLUG}?format=html", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/html")


def test_link_header_lists_alternates(app_client: httpx.Client) -> None:
    response = app_client.get(f"/id/{SLUG}", headers={"Accept": "text/turtle"})
    link = response.headers["link"]
    for target, media in [(f"/id/{SLUG}.ttl", "text/turtle"), (f"/id/{SLUG}.jsonld", "application/ld+json"),
                          (f"/id/{SLUG}.nt", "application/n-triples"), (f"/id/{SLUG}.rdf", "application/rdf+xml"),
                          (f"/id/{SLUG}", "text/html")]:
        assert f'<{target}>; rel="alternate"; type="{media}"' in link


@pytest.mark.parametrize("path", ["/id/no-such-entity", "/id/Not_A_Slug", "/id/no-such-entity.ttl",
                                  "/id/%3Cscript%3E"])
def test_unknown_entity_is_404_json_for_machines(app_client: httpx.Client, path: str) -> None:
    response = app_client.get(path, headers={"Accept": "*/*"})
    assert response.status_code == 404
    body = response.json()
    assert body["ok"] is False and body["status"] == 404


def test_unknown_entity_is_404_html_for_browsers(app_client: httpx.Client) -> None:
    response = app_client.get("/id/no-such-entity", headers={"Accept": CHROME})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no-such-entity" in response.text


def test_unavailable_media_type_is_406_and_bad_suffix_404(app_client: httpx.Client) -> None:
    assert app_client.get(f"/id/{SLUG}", headers={"Accept": "image/png"}).status_code == 406
    assert app_client.get(f"/id/{SLUG}.pdf").status_code == 404
    assert app_client.get(f"/id/{SLUG}?format=pdf").status_code == 400


def test_html_page_shows_labels_statements_evidence_and_links(app_client: httpx.Client) -> None:
    html = app_client.get(f"/id/{SLUG}", headers={"Accept": FIREFOX}).text
    assert "重庆海关" in html and 'class="pill"' in html
    # class names read as words, the CURIE in the title
    assert 'title="coop:CustomsDistrict">Customs district</a>' in html and ">CustomsDistrict<" not in html
    assert "Chongqing Customs District" in html                       # alias
    assert 'id="statements-out"' in html and 'id="statements-in"' in html
    assert '<blockquote class="evidence">' in html
    anchors = re.findall(r'href="/documents/([a-z0-9-]+)#q-(\d+)-(\d+)"', html)
    assert anchors, "each quote links to its sentence in the document"
    assert f'src="/embed?focus={SLUG}&amp;depth=1&amp;height=420"' in html
    assert f'href="/?focus={SLUG}"' in html
    assert "/query?query=DESCRIBE+%3Chttps%3A%2F%2Fcoopgraph.org%2Fid%2Fchongqing-customs%3E" in html
    # every quoted span the page links to exists on that document page
    doc, start, end = anchors[0]
    page = app_client.get(f"/documents/{doc}").text
    assert f'id="q-{start}-{end}"' in page


def test_a_literal_valued_statement_shows_its_value(app_client: httpx.Client,
                                                    seed_store: OxigraphStore) -> None:
    rows = seed_store.select("SELECT ?s ?o WHERE { ?ev a <https://coopgraph.org/ontology#Evidence> ; "
                             "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ; "
                             "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o FILTER(isLiteral(?o)) } LIMIT 1")
    if not rows:
        pytest.skip("the seed graph has no literal-valued statement")
    slug = rows[0]["s"].rsplit("/", 1)[1]
    html = app_client.get(f"/id/{slug}", headers={"Accept": "text/html"}).text
    assert rows[0]["o"] in html


@pytest.fixture(scope="module")
def xss_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The app (in process) on a tiny store with an entity labelled ``<script>alert(1)</script>``."""
    root = tmp_path_factory.mktemp("xss")
    write_mini_store(root / "store", extra_label=XSS_LABEL)
    with in_process_app(app_settings(root / "store")) as client:
        yield client


def test_markup_in_labels_is_shown_as_text(xss_client: httpx.Client) -> None:
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in ["/id/odd", "/id/chongqing", "/entities", "/search?q=%3Cscript%3E", "/search?q=script"]:
        html = xss_client.get(path, headers={"Accept": "text/html"}).text
        assert XSS_LABEL not in html, path
        assert escaped in html, path
    hits = xss_client.get("/api/search", params={"q": "<script>"}).json()
    assert hits[0]["slug"] == "odd" and hits[0]["label"] == XSS_LABEL


def test_csp_blocks_inline_script_on_entity_page(app_client: httpx.Client) -> None:
    response = app_client.get(f"/id/{SLUG}", headers={"Accept": "text/html"})
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", response.text)


def test_ld_store_fixture_exists(tmp_path: Path) -> None:
    """write_mini_store gives a store the app can open (guards the fixture used above)."""
    store = OxigraphStore(write_mini_store(tmp_path / "s"))
    assert store.ask(f"ASK {{ <{ID}chongqing-customs> ?p ?o }}")
    store.close()
