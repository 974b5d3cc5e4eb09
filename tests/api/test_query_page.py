"""The SPARQL page and the example queries, answered by the app in process (``app_client``); the
pure parts (parsing an ``.rq`` header, binding a parameter) are tests/graph/test_examples.py. The
page's Python snippets run with real clients against a real server (``live_server``)."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import httpx
import pytest

from coopgraph.api.routers.query_page import shipped_examples
from tests.conftest import LiveServer

BASE = "https://coopgraph.org/"
EXAMPLES = [e.name for e in shipped_examples()]


class _Scripts(HTMLParser):
    """Collects every <script> tag's attributes and body, and every stylesheet link."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._in: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append((self._in, ""))
        elif tag == "link" and dict(attrs).get("rel") == "stylesheet":
            self.styles.append(dict(attrs).get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = None


def _page(client: httpx.Client, **params: str) -> tuple[httpx.Response, _Scripts, dict]:  # type: ignore[type-arg]
    response = client.get("/query", params=params)
    parser = _Scripts()
    parser.feed(response.text)
    config = next(json.loads(body) for attrs, body in parser.scripts if attrs.get("id") == "query-config")
    return response, parser, config


# -- the page -------------------------------------------------------------------------------------
def test_query_page_serves_editor_with_local_assets(app_client: httpx.Client) -> None:
    response, parser, config = _page(app_client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert 'id="editor"' in response.text and 'id="examples"' in response.text
    # No inline code under our CSP: every script is a file of ours or a JSON data block.
    for attrs, body in parser.scripts:
        if attrs.get("src") is None:
            assert attrs.get("type") == "application/json", body[:80]
        else:
            assert attrs["src"].startswith("/static/"), attrs["src"]
    srcs = [attrs["src"] for attrs, _ in parser.scripts if attrs.get("src")]
    assert any(re.fullmatch(r"/static/vendor/yasgui-\d+\.\d+\.\d+/yasgui\.min\.js", s) for s in srcs), srcs
    for url in srcs + parser.styles:
        asset = app_client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000 or url.endswith(".css"), url
    assert config["endpoint"] == "/sparql"
    server_url = str(app_client.base_url).rstrip("/")
    assert config["absoluteEndpoint"] == f"{server_url}/sparql"
    assert config["prefixes"]["id"] == BASE + "id/"
    preset = {"coop", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "org", "schema"}
    assert preset <= set(config["prefixes"])
    assert config["terms"]["class"] and config["terms"]["property"], "ontology terms for autocompletion"
    assert [e["name"] for e in config["examples"]] == EXAMPLES
    # The Python snippet names this server's endpoint.
    assert f'SPARQLWrapper("{server_url}/sparql")' in response.text
    assert f'SPARQLStore("{server_url}/sparql")' in response.text


def test_query_page_opens_a_shared_query_escaped(app_client: httpx.Client) -> None:
    hostile = 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>" }'
    response, _, config = _page(app_client, query=hostile)
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert config["query"] == hostile


# -- /api/examples --------------------------------------------------------------------------------
def test_examples_are_listed_with_everything_a_client_needs(app_client: httpx.Client) -> None:
    response = app_client.get("/api/examples")
    assert response.status_code == 200
    examples = response.json()
    assert [e["name"] for e in examples] == EXAMPLES and len(examples) >= 2
    for example in examples:
        assert example["title"] and example["description"].endswith(".")
        assert example["form"] in {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
        assert example["query"].lstrip().startswith("#")
        assert example["links"]["run"] == f"/api/examples/{example['name']}"
        assert example["links"]["page"] == f"/query#example={example['name']}"
        assert example["links"]["sparql"].startswith("/sparql?query=")
        for param in example["params"]:
            assert set(param) == {"name", "kind", "default"}
    assert any(e["params"] for e in examples), "at least one example takes a parameter"
    assert any(e["form"] == "CONSTRUCT" for e in examples), "at least one CONSTRUCT example"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_runs_with_its_defaults(app_client: httpx.Client, name: str) -> None:
    response = app_client.get(f"/api/examples/{name}")
    assert response.status_code == 200, response.text
    example = next(e for e in shipped_examples() if e.name == name)
    body = response.json()
    if example.form == "SELECT":
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert body["results"]["bindings"], f"{name} returns no rows on the seed graph"
    elif example.form == "ASK":
        assert isinstance(body["boolean"], bool)
    else:
        assert response.headers["content-type"].startswith("application/ld+json")
        assert body, f"{name} builds an empty graph on the seed data"


def test_example_runs_with_an_entity_parameter(app_client: httpx.Client) -> None:
    example = next(e for e in shipped_examples() if any(p.kind == "entity" for p in e.params))
    param = next(p for p in example.params if p.kind == "entity")
    other = "chengdu-customs" if param.default != "chengdu-customs" else "chongqing-customs"
    default = app_client.get(f"/api/examples/{example.name}")
    chosen = app_client.get(f"/api/examples/{example.name}", params={param.name: other})
    assert chosen.status_code == 200, chosen.text
    assert f"{BASE}id/{other}" in chosen.text
    assert chosen.content != default.content


def test_example_runs_with_date_parameters(app_client: httpx.Client) -> None:
    example = next((e for e in shipped_examples() if any(p.kind == "date" for p in e.params)), None)
    if example is None:
        pytest.skip("no example takes a date")
    names = [p.name for p in example.params if p.kind == "date"]
    wide = app_client.get(f"/api/examples/{example.name}",
                          params={names[0]: "1900-01-01", names[-1]: "2100-12-31"})
    narrow = app_client.get(f"/api/examples/{example.name}",
                            params={names[0]: "1900-01-01", names[-1]: "1900-01-02"})
    assert wide.status_code == narrow.status_code == 200
    assert len(wide.json()["results"]["bindings"]) > len(narrow.json()["results"]["bindings"]) == 0


@pytest.mark.parametrize(("query", "status", "fragment"), [
    ("entity=Not%20A%20Slug", 400, "is not an entity id"),
    ("entity=no-such-entity-anywhere", 404, "no entity 'no-such-entity-anywhere'"),
    ("entity=chongqing-customs&limit=5", 400, "unknown parameter limit"),
])
def test_bad_parameters_are_4xx_with_the_canonical_body(app_client: httpx.Client, query: str, status: int,
                                                        fragment: str) -> None:
    example = next(e for e in shipped_examples() if any(p.name == "entity" for p in e.params))
    response = app_client.get(f"/api/examples/{example.name}?{query}")
    assert response.status_code == status
    body = response.json()
    assert body["ok"] is False and body["status"] == status and fragment in body["error"]


def test_unknown_example_is_404(app_client: httpx.Client) -> None:
    response = app_client.get("/api/examples/no-such-example")
    assert response.status_code == 404
    assert "GET /api/examples" in response.json()["error"]


@pytest.mark.parametrize("snippet", ["sparqlwrapper", "rdflib"])
def test_python_snippets_on_the_page_work(live_server: LiveServer, snippet: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The "use this endpoint" code is what a reader copies: it must run as shown."""
    page = httpx.get(f"{live_server.url}/query").text
    found = re.search(rf'<code id="snippet-{snippet}">(.*?)</code>', page, re.S)
    assert found is not None
    exec(compile(html.unescape(found[1]), f"snippet-{snippet}", "exec"), {})  # noqa: S102 - our own page
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and all(line.startswith(BASE + "id/") for line in lines)
