"""The JSON API: /api/entities (paging, filters), /api/entities/{slug}, /api/search, /api/stats, OpenAPI."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SeedBuild


def get(client: httpx.Client, path: str, **params: object) -> httpx.Response:
    return client.get(path, params=params)  # type: ignore[arg-type]


def test_entities_pages_cover_every_entity_once(app_client: httpx.Client) -> None:
    first = get(app_client, "/api/entities", per_page=25).json()
    assert first["page"] == 1 and first["per_page"] == 25 and first["prev"] is None
    assert first["pages"] == -(-first["total"] // 25)
    seen: list[str] = []
    page = first
    while True:
        seen += [item["slug"] for item in page["items"]]
        if page["next"] is None:
            break
        assert page["next"].startswith("/api/entities?")
        page = app_client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == first["total"]
    labels = [i["label"].casefold() for i in first["items"]]
    assert labels == sorted(labels)


def test_entities_filter_by_type_and_name(app_client: httpx.Client) -> None:
    provinces = get(app_client, "/api/entities", type="Province", per_page=200).json()
    assert provinces["total"] >= 1 and all(i["type"] == "Province" for i in provinces["items"])
    regions = get(app_client, "/api/entities", type="coop:Region", per_page=200).json()
    assert regions["total"] > provinces["total"]          # superclass filter includes provinces
    assert {i["slug"] for i in provinces["items"]} <= {i["slug"] for i in regions["items"]}
    found = get(app_client, "/api/entities", q="customs").json()
    assert found["total"] >= 2 and any(i["slug"] == "chongqing-customs" for i in found["items"])


@pytest.mark.parametrize(("params", "status"), [({"type": "NoSuchClass"}, 400), ({"per_page": 0}, 400),
                                                 ({"per_page": 10_000}, 400), ({"page": 0}, 400)])
def test_entities_bad_parameters(app_client: httpx.Client, params: dict[str, object], status: int) -> None:
    response = get(app_client, "/api/entities", **params)
    assert response.status_code == status
    assert response.json()["ok"] is False


def test_entity_detail_json(app_client: httpx.Client) -> None:
    body = get(app_client, "/api/entities/chongqing-customs").json()
    assert body["label"] == "Chongqing Customs" and body["labels"]["zh"] == "重庆海关"
    assert "coop:CustomsDistrict" in body["types"]
    assert body["url"] == "/id/chongqing-customs" and body["formats"]["ttl"] == "/id/chongqing-customs.ttl"
    directions = {s["direction"] for s in body["statements"]}
    assert directions == {"out", "in"}
    with_evidence = [s for s in body["statements"] if s["evidence"]]
    assert with_evidence
    for statement in with_evidence:
        for ev in statement["evidence"]:
            assert ev["end"] > ev["start"] and ev["document"]
            assert ev["url"] == f"/documents/{ev['document']}#q-{ev['start']}-{ev['end']}"
            assert ev["iri"].startswith("https://coopgraph.org/evidence/")
    assert get(app_client, "/api/entities/no-such-thing").status_code == 404


def test_search_ranks_and_reports_the_matched_name(app_client: httpx.Client) -> None:
    hits = get(app_client, "/api/search", q="Chongqing Customs").json()
    assert hits[0]["slug"] == "chongqing-customs" and hits[0]["match"] == "exact" and hits[0]["score"] == 1.0
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    zh = get(app_client, "/api/search", q="重庆海关").json()
    assert zh[0]["slug"] == "chongqing-customs" and zh[0]["matched"] == "重庆海关"
    prefix = get(app_client, "/api/search", q="chongq", limit=3).json()
    assert len(prefix) == 3 and all(h["match"] == "prefix" for h in prefix)
    typo = get(app_client, "/api/search", q="Chengdu Custms").json()
    assert typo and typo[0]["slug"] == "chengdu-customs"


def test_search_type_filter_and_errors(app_client: httpx.Client) -> None:
    hits = get(app_client, "/api/search", q="chongqing", types="Municipality,City").json()
    assert hits and all(h["type"] in {"Municipality", "City"} for h in hits)
    assert get(app_client, "/api/search", q="").status_code == 400
    assert get(app_client, "/api/search", q="x", types="Nope").status_code == 400
    assert get(app_client, "/api/search", q="x", limit=1000).status_code == 400
    assert get(app_client, "/api/search", q="qqqqzzzzxxxx").json() == []


def test_stats_match_the_build(app_client: httpx.Client, seed_build: SeedBuild) -> None:
    stats = get(app_client, "/api/stats").json()
    summary = seed_build.outcome.result.summary
    assert stats["triples"] == summary.triples
    assert stats["documents"] == summary.documents
    assert stats["evidence"] == summary.evidence_quotes
    assert stats["entities"] == summary.entities  # documents are counted apart, as the build does
    assert sum(stats["entities_by_type"].values()) == stats["entities"]
    assert stats["relations"] == sum(stats["relations_by_predicate"].values()) > 0


MY_ENDPOINTS = ["/api/entities", "/api/entities/{slug}", "/api/search", "/api/documents", "/api/documents/{slug}",
                "/api/stats", "/id/{name}", "/documents/{name}", "/ontology", "/ontology.ttl",
                "/ontology/shapes.ttl", "/.well-known/void", "/void", "/api/exports/coopgraph.{fmt}"]


def test_openapi_documents_each_endpoint_with_an_example(app_client: httpx.Client) -> None:
    spec = get(app_client, "/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for path in MY_ENDPOINTS:
        operation = spec["paths"][path]["get"]
        assert operation.get("summary"), path
        content = operation["responses"]["200"].get("content", {})
        examples = []
        for media in content.values():
            schema = media.get("schema", {})
            ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
            if ref:
                examples.append(schemas[ref.rsplit("/", 1)[1]].get("examples"))
            examples.append(media.get("example"))
        assert any(examples), f"no example for {path}"
    for name in ["EntitySummary", "EntityDetail", "Statement", "EvidenceQuote", "SearchHit", "DocumentSummary",
                 "DocumentDetail", "DatasetStats"]:
        assert schemas[name].get("examples"), name
