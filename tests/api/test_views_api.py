"""Views, answered by the app in process: /api/view, the explorer and embed pages, /embed/sparql and
view exports."""

from __future__ import annotations

import csv
import io
import re

import httpx
import networkx as nx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

COOP = "https://coopgraph.org/ontology#"


def get(client: httpx.Client, path: str, **params: object) -> httpx.Response:
    return client.get(path, params=params, timeout=30)  # type: ignore[arg-type]


def test_default_view_is_the_whole_seed_graph(app_client: httpx.Client) -> None:
    data = get(app_client, "/api/view").json()
    assert data["counts"]["nodes"] == data["counts"]["graph_nodes"] == len(data["nodes"]) <= 300
    assert data["note"] is None and data["focus"] is None
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert all(ev in data["evidence"] for e in data["edges"] for ev in e["evidence"])


def test_focused_view_carries_evidence_links(app_client: httpx.Client) -> None:
    data = get(app_client, "/api/view", focus="chengdu-customs", depth=1).json()
    assert data["nodes"][0]["id"] == "chengdu-customs" and data["nodes"][0]["label"] == "Chengdu Customs"
    quotes = list(data["evidence"].values())
    assert quotes and all(re.fullmatch(r"/documents/[a-z0-9-]+#q-\d+-\d+", q["url"]) for q in quotes)


def test_view_evidence_has_the_one_evidence_shape(app_client: httpx.Client) -> None:
    """A quote in a view is the same JSON as the same quote on the entity API (api.schemas.EvidenceQuote)."""
    from coopgraph.api.schemas import EvidenceQuote

    data = get(app_client, "/api/view", focus="chengdu-customs", depth=1).json()
    assert all(set(q) == set(EvidenceQuote.model_fields) and q["iri"] == iri for iri, q in data["evidence"].items())
    entity = get(app_client, "/api/entities/chengdu-customs").json()
    on_page = {ev["iri"]: ev for st in entity["statements"] for ev in st["evidence"]}
    shared = set(on_page) & set(data["evidence"])
    assert shared and all(data["evidence"][iri] == on_page[iri] for iri in shared)


def test_explorer_receives_the_view_defaults(app_client: httpx.Client) -> None:
    """The page's defaults are ViewSpec's (stated once), in its JSON config block (no inline script)."""
    import json

    from coopgraph.graph.views import ViewSpec

    page = get(app_client, "/").text
    block = re.search(r'<script type="application/json" id="xp-config">(.*?)</script>', page, re.S)
    assert block
    defaults = json.loads(block.group(1))["defaults"]
    assert defaults == {**ViewSpec.default_params(), "limit": defaults["limit"]}
    assert defaults["depth"] == "2" and defaults["colour"] == "type" and defaults["layout"] == "physics"


def test_limit_cuts_and_says_so(app_client: httpx.Client) -> None:
    data = get(app_client, "/api/view", limit=5).json()
    assert len(data["nodes"]) == 5 and "5 most central" in data["note"]


@pytest.mark.parametrize("params, status", [({"depth": 7}, 400), ({"limit": 5000}, 400), ({"colour": "x"}, 400),
                                            ({"focus": "no-such-entity"}, 404), ({"depth": "deep"}, 400)])
def test_bad_parameters_give_the_canonical_error(app_client: httpx.Client, params: dict[str, object],
                                                 status: int) -> None:
    response = get(app_client, "/api/view", **params)
    assert response.status_code == status
    body = response.json()
    assert body["ok"] is False and body["status"] == status and body["error"]


def test_pages_use_no_inline_script_and_embeds_are_framable(app_client: httpx.Client) -> None:
    explorer = get(app_client, "/")
    embed = get(app_client, "/embed", focus="chongqing-customs", depth=1, theme="dark")
    for page in (explorer, embed):
        assert page.status_code == 200
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert "https://" not in "".join(re.findall(r'(?:src|href)="[^"]*"', page.text))
    assert explorer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in explorer.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    # Any website, and a page opened from disk (Chromium's "*" leaves file: out); nothing more.
    assert "frame-ancestors * file:" in embed.headers["content-security-policy"]
    script = get(app_client, "/assets/graphview.js")
    assert script.headers["content-type"].startswith("text/javascript") and "CoopgraphGraphView" in script.text


def test_embed_sparql_draws_a_construct(app_client: httpx.Client) -> None:
    query = ("PREFIX coop: <https://coopgraph.org/ontology#> CONSTRUCT { ?a coop:cooperatesWith ?b } "
             "WHERE { ?a coop:cooperatesWith ?b }")
    page = get(app_client, "/embed/sparql", query=query)
    assert page.status_code == 200 and "frame-ancestors * file:" in page.headers["content-security-policy"]
    assert "Chengdu Customs" in page.text  # labels come from the projection
    select = get(app_client, "/embed/sparql", query="SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 40", limit=10)
    assert select.status_code == 200 and "partial view" in select.text


@pytest.mark.parametrize("query", ["ASK { ?s ?p ?o }", "SELECT ?x WHERE { ?x ?y ?z }",
                                   "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
                                   "DELETE WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o"])
def test_embed_sparql_refuses_what_it_cannot_draw(app_client: httpx.Client, query: str) -> None:
    response = app_client.get("/embed/sparql", params={"query": query},
                              headers={"Accept": "application/json"}, timeout=30)
    assert response.status_code in (400, 403) and response.json()["ok"] is False


def test_every_export_format_of_the_library_is_served() -> None:
    """The router names a media type and a file suffix for each of graph.view_export's formats."""
    from coopgraph.api.routers.views import EXPORT_FORMATS
    from coopgraph.graph.view_export import FORMATS

    assert tuple(EXPORT_FORMATS) == FORMATS


def test_exports_hold_the_same_view(app_client: httpx.Client) -> None:
    params = {"focus": "chengdu-customs", "depth": 1}
    view = get(app_client, "/api/view", **params).json()
    slugs = {n["id"] for n in view["nodes"]}
    graphml = get(app_client, "/api/export/view.graphml", **params)
    assert graphml.headers["content-disposition"].endswith('.graphml"')
    H = nx.parse_graphml(graphml.text)
    assert {d["slug"] for _, d in H.nodes(data=True)} == slugs and H.number_of_edges() == len(view["edges"])
    gexf = nx.read_gexf(io.BytesIO(get(app_client, "/api/export/view.gexf", **params).content))
    assert gexf.number_of_nodes() == len(slugs)
    nodes = list(csv.DictReader(io.StringIO(get(app_client, "/api/export/view.csv-nodes", **params).text)))
    edges = list(csv.DictReader(io.StringIO(get(app_client, "/api/export/view.csv-edges", **params).text)))
    assert {r["slug"] for r in nodes} == slugs and len(edges) == len(view["edges"])
    assert all(r["quote"] for r in edges)
    ttl = get(app_client, "/api/export/view.ttl", **params)
    assert ttl.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=ttl.text, format="turtle")
    evidence = set(g.subjects(RDF.type, URIRef(COOP + "Evidence")))
    assert evidence and len(evidence) == len(view["evidence"])
    assert all(g.value(ev, URIRef(COOP + "quote")) for ev in evidence)
    assert (URIRef("https://coopgraph.org/id/chengdu-customs"), None, None) in g
    assert get(app_client, "/api/export/view.xlsx").status_code == 404


def test_versioned_assets_are_cached_for_good(app_client: httpx.Client) -> None:
    """vis-network and YASGUI live under versioned folders: browsers may keep them."""
    response = app_client.get("/static/lib/vis-9.1.2/vis-network.min.js", timeout=10)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in app_client.get("/static/app.css", timeout=10).headers.get(
        "cache-control", "")
