"""Issue 12 item 14 on the pages and the API description: /docs lists each operation once with
working examples, /favicon.ico answers, /documents has no stray link, class names read as words,
and the counts of the build, /api/stats, the explorer and /entities agree or say why not."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import SeedBuild

REVIEW_PREFIX = "/api/review"  # answers 404 unless updates are on: its examples are checked for presence only


def spec_of(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_operation_once_under_exactly_one_declared_tag(app_client: httpx.Client) -> None:
    spec = spec_of(app_client)
    declared = [t["name"] for t in spec["tags"]]
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(spec):
        assert len(op["tags"]) == 1 and op["tags"][0] in declared, (method, path, op["tags"])
    # Swagger UI lists an operation once per tag: count the listing as it draws it
    listed = [op["operationId"] for tag in declared for _, _, op in operations(spec) if tag in op["tags"]]
    assert sorted(listed) == sorted(ids)


def test_every_parameter_and_body_has_an_example_or_default(app_client: httpx.Client) -> None:
    missing = []
    for path, method, op in operations(spec_of(app_client)):
        for parameter in op.get("parameters", []):
            if not ("example" in parameter or "examples" in parameter or "default" in parameter["schema"]):
                missing.append(f"{method.upper()} {path} {parameter['name']}")
        if method == "post":
            body = op.get("requestBody")
            assert body, f"POST {path} describes no body"
            assert "example" in str(body) or any(
                "example" in str(spec_of(app_client)["components"]["schemas"].get(ref, {}))
                for ref in re.findall(r"#/components/schemas/(\w+)", str(body))), f"POST {path}"
    assert missing == []


def _example_request(path: str, op: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    for parameter in op.get("parameters", []):
        value = parameter.get("example", parameter["schema"].get("default"))
        if value is None:
            continue
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        else:
            params[parameter["name"]] = value
    return path, params


def test_try_it_out_values_answer(app_client: httpx.Client) -> None:
    """What Swagger UI sends with the prefilled values is a real, non-empty answer (every GET)."""
    for path, method, op in operations(spec_of(app_client)):
        if method != "get" or path.startswith(REVIEW_PREFIX):
            continue
        url, params = _example_request(path, op)
        response = app_client.get(url, params=params)
        assert response.status_code == 200, (url, params, response.status_code, response.text[:300])
        assert response.content, url
        if response.headers["content-type"].startswith("application/json"):
            body = response.json()
            assert body not in ([], {}, None), url
            if isinstance(body, dict) and "nodes" in body:
                assert body["nodes"], (url, params)
    sparql = spec_of(app_client)["paths"]["/sparql"]["post"]["requestBody"]["content"]
    answer = app_client.post("/sparql", data=sparql["application/x-www-form-urlencoded"]["example"],
                             headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200 and answer.json()["results"]["bindings"]


def test_favicon_answers_with_an_icon(app_client: httpx.Client) -> None:
    for url in ("/favicon.ico", "/static/favicon.svg"):
        response = app_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.content.lstrip().startswith(b"<svg")
    page = app_client.get("/entities").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_documents_list_has_no_stray_entity_link(app_client: httpx.Client) -> None:
    page = app_client.get("/documents").text
    links = re.findall(r"<a [^>]*>([^<]*)</a>", page.split("<table", 1)[1].split("</table>", 1)[0])
    assert links and "entity" not in links, links


def _cells(page: str, table: str, column: int) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [re.sub(r"<[^>]+>", "", c[column]).strip() for c in cells if len(c) > column]


@pytest.mark.parametrize(("url", "table", "column"), [
    ("/entities?per_page=200", "entities-table", 2), ("/search?q=customs", "search-results", 2)])
def test_type_names_read_as_words(app_client: httpx.Client, url: str, table: str, column: int) -> None:
    types = [t for t in _cells(app_client.get(url).text, table, column) if t]
    assert types
    joined = [t for t in types if re.search(r"[a-z][A-Z]", t)]  # "CustomsDistrict": two words run together
    assert joined == [], joined
    assert "Customs district" in types


def test_entity_counts_agree_or_say_why(app_client: httpx.Client, seed_build: SeedBuild) -> None:
    summary = seed_build.outcome.result.summary
    stats = app_client.get("/api/stats").json()
    view = app_client.get("/api/view").json()["counts"]
    # entities: build, /api/stats and the explorer count the same things (documents are not entities)
    assert summary.entities == stats["entities"] == view["graph_nodes"]
    assert sum(stats["entities_by_type"].values()) == stats["entities"]
    assert "SourceDocument" not in stats["entities_by_type"]
    # relations: distinct entity-to-entity links, in all three; quotes are counted apart
    assert summary.relations == stats["relations"] == view["graph_edges"]
    assert summary.evidence_quotes == stats["evidence"]
    # /entities also lists the source documents: its count says so
    page = app_client.get("/entities").text
    line = re.search(r'<p class="muted" id="entities-count">(.*?)</p>', page, re.S)
    assert line, "no count line"
    text = re.sub(r"<[^>]+>", "", line.group(1))
    assert f"{stats['entities']} entities" in text and f"{stats['documents']} source documents" in text, text
