"""The SPARQL page in real Chromium: examples load and run, entity links open on this server, a
malformed query shows the parser's message, shared links reload, and nothing leaves 127.0.0.1.
Screenshots: query.png, query-error.png in the artifacts folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from coopgraph.api.routers.query_page import shipped_examples
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

# Chromium logs an HTTP error status of a fetch as a console error; the malformed-query test expects one.
EXPECTED_400 = "Failed to load resource: the server responded with a status of 400"


@dataclass
class Session:
    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def editor_text(self) -> str:
        return str(self.page.evaluate("document.querySelector('#editor .CodeMirror').CodeMirror.getValue()"))

    def wait_for_rows(self) -> int:
        cell = "#results table.dataTable tbody tr td:not(.dataTables_empty)"
        self.page.wait_for_selector(cell, timeout=15_000)
        return int(self.page.locator("#results table.dataTable tbody tr").count())


def completion_hints(page: Any) -> list[str]:
    """Ask the editor to complete at the cursor (Ctrl+Space); the offered words."""
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li", timeout=5_000)
    return list(page.eval_on_selector_all(".CodeMirror-hints li", "els => els.map(e => e.textContent)"))


@pytest.fixture
def session(browser: Any) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 1360, "height": 940})
    page = context.new_page()
    state = Session(page)

    def route(r: Any) -> None:
        if urlparse(r.request.url).hostname != "127.0.0.1":
            state.outside.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: state.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: state.errors.append(str(exc)))
    yield state
    context.close()
    assert state.outside == [], f"requests left 127.0.0.1: {state.outside}"


def _example(kind: str) -> Any:
    return next(e for e in shipped_examples() if e.form == "SELECT" and any(p.kind == kind for p in e.params))


def test_example_click_runs_and_entity_links_open_here(session: Session, live_server: LiveServer,
                                                       artifacts_dir: Path) -> None:
    page = session.page
    page.goto(f"{live_server.url}/query", wait_until="networkidle")
    assert page.locator("#editor .CodeMirror").count() == 1, "Yasqe did not start"
    assert "PREFIX id: <https://coopgraph.org/id/>" in session.editor_text()

    example = _example("date")
    total = page.locator(".qp-example").count()
    page.fill("#example-filter", "dated period")
    assert page.locator(".qp-example:visible").count() == 1 < total
    page.fill("#example-filter", "")
    page.click(f".qp-example-load[data-example='{example.name}']")
    rows = session.wait_for_rows()
    assert rows >= 1
    assert page.url.endswith(f"/query#example={example.name}&start=2019-01-01&end=2019-12-31") or \
        f"#example={example.name}" in page.url
    assert session.editor_text().startswith("# title: " + example.title)
    assert "result" in page.inner_text("#status")
    # Downloads offer every results format, on our endpoint.
    formats = page.eval_on_selector_all("#downloads a", "els => els.map(a => a.dataset.format)")
    assert formats == ["json", "xml", "csv", "tsv"]
    csv_href = page.get_attribute("#downloads a[data-format='csv']", "href") or ""
    assert csv_href.startswith("/sparql?query=")
    download = httpx.get(live_server.url + csv_href)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    # Our IRIs link to the entity pages of this server.
    link = page.locator("#results a.qp-entity").first
    href = link.get_attribute("href") or ""
    assert href.startswith("/id/"), href
    page.screenshot(path=str(artifacts_dir / "query.png"), full_page=True)
    assert session.errors == []
    with page.expect_navigation():
        link.click(position={"x": 8, "y": 6})  # the visible start: an ellipsed link is clipped
    assert urlparse(page.url).path == href
    assert page.locator("h1").count() >= 1 and "404" not in page.title()


def test_entity_parameter_and_shared_link(session: Session, live_server: LiveServer) -> None:
    page = session.page
    example = _example("entity") if any(
        e.form == "SELECT" and any(p.kind == "entity" for p in e.params) for e in shipped_examples()) else \
        next(e for e in shipped_examples() if any(p.kind == "entity" for p in e.params))
    param = next(p for p in example.params if p.kind == "entity")
    page.goto(f"{live_server.url}/query", wait_until="networkidle")
    field = page.locator(f"form.qp-params[data-example='{example.name}'] input[name='{param.name}']")
    field.fill("Chengdu Cus")  # a name, not an id: the datalist offers ids, the form resolves names
    # (wait_for_function would evaluate a string: our CSP forbids that, as it should)
    page.wait_for_selector("#entity-options option[value='chengdu-customs']", state="attached")
    options = page.eval_on_selector_all("#entity-options option", "els => els.map(o => o.value)")
    assert "chengdu-customs" in options
    field.fill("Chengdu Customs")
    field.press("Enter")
    page.wait_for_url("**#example=*chengdu-customs*")
    assert "id:chengdu-customs" in session.editor_text() or "/id/chengdu-customs>" in session.editor_text()
    page.wait_for_selector("#results .yasr_results *", timeout=15_000)
    shared = page.input_value("#share-url")
    assert f"#example={example.name}" in shared and "chengdu-customs" in shared

    # The shared link reloads the same query in a fresh page, and runs it.
    page.goto("about:blank")
    page.goto(shared, wait_until="networkidle")
    page.wait_for_selector("#results .yasr_results *", timeout=15_000)
    assert "chengdu-customs" in session.editor_text()
    assert page.locator(f".qp-example.active[data-example='{example.name}']").count() == 1

    # So does /query?query=... for a query typed by hand.
    typed = "SELECT ?label WHERE { <https://coopgraph.org/id/chengdu-customs> rdfs:label ?label }"
    page.goto(f"{live_server.url}/query?" + httpx.QueryParams({"query": "PREFIX rdfs: "
              "<http://www.w3.org/2000/01/rdf-schema#>\n" + typed}).__str__(), wait_until="networkidle")
    assert session.wait_for_rows() >= 1
    assert typed in session.editor_text()
    assert session.errors == []


def test_malformed_query_shows_the_parser_message(session: Session, live_server: LiveServer,
                                                  artifacts_dir: Path) -> None:
    page = session.page
    page.goto(f"{live_server.url}/query", wait_until="networkidle")
    broken = "SELECT ?s WHERE { ?s ?p ?o "
    page.click("#editor .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(broken)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".qp-error-message", timeout=15_000)
    expected = httpx.post(f"{live_server.url}/sparql", data={"query": broken}).json()["error"]
    assert page.inner_text(".qp-error-message").strip() == expected.strip()
    assert "400" in page.inner_text(".qp-error-title")
    assert "failed" in page.inner_text("#status")
    page.screenshot(path=str(artifacts_dir / "query-error.png"), full_page=True)
    assert [e for e in session.errors if EXPECTED_400 not in e] == []


def test_autocompletion_stays_on_this_server(session: Session, live_server: LiveServer) -> None:
    page = session.page
    page.goto(f"{live_server.url}/query", wait_until="networkidle")
    page.click("#editor .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text("PREFIX coop: <https://coopgraph.org/ontology#>\n"
                              "SELECT * WHERE { ?s a coop:Cust")
    hints = completion_hints(page)
    assert any("CustomsDistrict" in h for h in hints), hints
    page.keyboard.press("Escape")
    page.keyboard.insert_text(" . ?s coop:signed")
    hints = completion_hints(page)
    assert any("signedOn" in h for h in hints), hints
    assert session.errors == []


# -- predefined prefixes, the endpoint's own page, VoID (issue 12) -------------------------------------
SHOTS = Path("/tmp/shots/h1")


def test_query_without_prefix_lines_runs_and_completes(session: Session, live_server: LiveServer) -> None:
    """The README's first example, as written (no PREFIX lines), opened by link and run; completion
    knows the predefined prefixes; the curl snippet's format follows the query form."""
    page = session.page
    readme_query = ("SELECT ?signatory ?date WHERE {\n"
                    "  id:cq-cd-customs-memorandum coop:hasSignatory ?signatory ; coop:signedOn ?date . }")
    page.goto(f"{live_server.url}/query?" + str(httpx.QueryParams({"query": readme_query})),
              wait_until="networkidle")
    assert session.wait_for_rows() >= 2
    assert "PREFIX" not in session.editor_text()
    # The editor's own syntax check knows the predefined prefixes too: no "Prefix 'id' is not defined".
    assert page.locator("#editor .parseErrorIcon").count() == 0
    assert page.text_content("#snippet-format") == "csv"
    # Completion of a class through a prefix the query does not declare.
    page.click("#editor .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text("CONSTRUCT WHERE { ?s a coop:Cust")
    hints = completion_hints(page)
    assert any("CustomsDistrict" in h for h in hints), hints
    page.keyboard.press("Escape")
    page.keyboard.insert_text(" }")
    assert page.locator("#editor .parseErrorIcon").count() == 0
    assert page.text_content("#snippet-format") == "ttl"  # a CONSTRUCT: a graph format
    ttl = page.get_attribute("#downloads a[data-format='ttl']", "href") or ""
    assert httpx.get(live_server.url + ttl).status_code == 200
    page.screenshot(path=str(SHOTS / "query-no-prefixes.png"), full_page=False)
    assert session.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_sparql_endpoint_page_in_a_browser(browser: Any, live_server: LiveServer, width: int) -> None:
    """/sparql opened in a browser: a page (not Turtle text) saying what it is, linking to /query."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        response = page.goto(f"{live_server.url}/sparql", wait_until="networkidle")
        assert response is not None and response.headers["content-type"].startswith("text/html")
        assert page.locator("h1").inner_text() == "SPARQL endpoint"
        assert "sd:Service" in page.inner_text("#service-description")
        assert page.locator("#predefined-prefixes tbody tr").count() >= 11
        # Nothing wider than the window (long IRIs wrap).
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"sparql-page-{width}.png"), full_page=True)
        with page.expect_navigation():
            page.click("#query-page-link")
        assert urlparse(page.url).path == "/query"

        void = page.goto(f"{live_server.url}/void", wait_until="networkidle")  # a download would raise here
        assert void is not None and void.headers["content-type"].startswith("text/html")
        assert "void:Dataset" in page.inner_text("#void-turtle")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"void-page-{width}.png"), full_page=False)
        assert errors == []
    finally:
        context.close()


def test_a_large_answer_streams_into_the_results_table(session: Session, live_server: LiveServer,
                                                       artifacts_dir: Path) -> None:
    """An answer over the server's streaming threshold (api.ipc.STREAM_OVER) comes chunk by chunk
    with its Content-Length; the page reads it like any other and shows every row."""
    from coopgraph.api.ipc import STREAM_OVER

    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"  # every triple of the seed graph
    direct = httpx.get(live_server.url + "/sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert int(direct.headers["content-length"]) == len(direct.content) > STREAM_OVER
    rows = len(direct.json()["results"]["bindings"])
    assert rows > 1000
    page = session.page
    page.goto(f"{live_server.url}/query?" + str(httpx.QueryParams({"query": query})), wait_until="networkidle")
    assert session.wait_for_rows() >= 1
    shown = (f"{rows:,}", str(rows))
    page.wait_for_function("shown => shown.some(n => document.querySelector('#status').textContent.includes(n))",
                           arg=list(shown), timeout=15_000)
    page.screenshot(path=str(artifacts_dir / "query-large.png"), full_page=False)
    assert session.errors == []
