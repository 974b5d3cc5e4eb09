"""The analysis API, against the app serving the seed store (in process: ``app_client``)."""

from __future__ import annotations

import httpx
import pytest

ID = "https://coopgraph.org/id/"
ENDPOINTS = [
    "/api/neighbourhood/{slug}",
    "/api/paths",
    "/api/centrality",
    "/api/communities",
    "/api/bridges",
    "/api/kcore",
    "/api/graph",
]


def test_paths_chengdu_customs_to_singapore_with_evidence(app_client: httpx.Client) -> None:
    r = app_client.get("/api/paths",
                       params={"source": "chengdu-customs", "target": "singapore", "max_length": 4})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"]["slug"] == "chengdu-customs" and body["target"]["slug"] == "singapore"
    assert body["shortest"] and body["simple"]
    assert body["shortest"][0]["length"] <= body["simple"][-1]["length"] <= 4
    for path in body["shortest"] + body["simple"]:
        assert (
            path["nodes"][0]["id"] == ID + "chengdu-customs" and path["nodes"][-1]["id"] == ID + "singapore"
        )
        assert len(path["hops"]) == path["length"] == len(path["nodes"]) - 1
        for hop in path["hops"]:
            assert hop["direction"] in ("forward", "backward")
            assert (hop["subject"], hop["object"]) in (
                (hop["source"], hop["target"]),
                (hop["target"], hop["source"]),
            )
            assert hop["evidence"] and all(e["quote"] and e["document"] for e in hop["evidence"])


def test_paths_name_entities_and_evidence_as_the_entity_api_does(app_client: httpx.Client) -> None:
    """One shape per concept: a path's nodes are entity summaries, its quotes the entity API's quotes."""
    body = app_client.get("/api/paths", params={"source": "chengdu-customs", "target": "singapore"}).json()
    entities = app_client.get("/api/entities", params={"per_page": 200}).json()["items"]
    listed = {e["slug"]: e for e in entities}
    path = body["shortest"][0]
    for node in [body["source"], body["target"], *path["nodes"]]:
        assert node == listed[node["slug"]] and node["id"] == node["iri"]
    for hop in path["hops"]:
        subject = next(n for n in path["nodes"] if n["id"] == hop["subject"])
        page = app_client.get(f"/api/entities/{subject['slug']}").json()
        on_page = {ev["iri"]: ev for st in page["statements"] for ev in st["evidence"]}
        assert hop["evidence"] and all(ev == on_page[ev["iri"]] for ev in hop["evidence"])
        assert all(ev["url"].startswith("/documents/") for ev in hop["evidence"])


def test_neighbourhood_bounded(app_client: httpx.Client) -> None:
    full = app_client.get("/api/neighbourhood/chongqing-customs", params={"depth": 2}).json()
    assert full["focus"]["slug"] == "chongqing-customs" and full["focus"]["distance"] == 0
    assert full["nodes"][0]["id"] == full["focus"]["id"]
    ids = {n["id"] for n in full["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in full["edges"])
    small = app_client.get("/api/neighbourhood/chongqing-customs", params={"depth": 2, "limit": 5}).json()
    assert len(small["nodes"]) == 5 and small["truncated"] and small["total"] == full["total"]
    assert {"pagerank", "betweenness", "community", "core_number", "degree"} <= set(small["nodes"][0])


def test_neighbourhood_types_filter(app_client: httpx.Client) -> None:
    body = app_client.get("/api/neighbourhood/chongqing-customs",
                          params={"depth": 2, "types": "Region"}).json()
    others = body["nodes"][1:]
    assert others and all(
        n["type"]
        in (
            "Region",
            "Country",
            "Province",
            "Municipality",
            "City",
            "AutonomousRegion",
            "ProvinceLevelDivision",
            "CityCluster",
            "EconomicZone",
            "NewArea",
            "FreeTradeZone",
            "BondedArea",
            "Zone",
        )
        for n in others
    )


@pytest.mark.parametrize("measure", ["degree", "pagerank", "betweenness"])
def test_centrality(app_client: httpx.Client, measure: str) -> None:
    body = app_client.get("/api/centrality", params={"measure": measure, "limit": 5}).json()
    assert body["measure"] == measure and len(body["items"]) == 5 and body["sampled"] is False
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True) and [i["rank"] for i in body["items"]] == [1, 2, 3, 4, 5]


def test_communities_bridges_kcore(app_client: httpx.Client) -> None:
    communities = app_client.get("/api/communities").json()
    assert communities["count"] == len(communities["communities"]) > 1
    assert [c["id"] for c in communities["communities"]] == list(range(communities["count"]))
    bridges = app_client.get("/api/bridges").json()
    assert bridges["bridges"] and bridges["articulation_points"]
    assert all(b["evidence"] for b in bridges["bridges"])
    core = app_client.get("/api/kcore").json()
    assert core["k"] >= 2 and core["count"] == len(core["nodes"])
    assert app_client.get("/api/kcore", params={"k": 1}).json()["count"] >= core["count"]


def test_graph_view(app_client: httpx.Client) -> None:
    top = app_client.get("/api/graph", params={"limit": 10}).json()
    assert len(top["nodes"]) == 10 and top["truncated"] and top["focus"] is None
    around = app_client.get("/api/graph", params={"focus": "singapore", "depth": 1}).json()
    assert around["focus"] == ID + "singapore" and around["directed"] and around["multigraph"]
    assert around["edges"] and {"source", "target", "key", "predicate_label", "evidence"} <= set(
        around["edges"][0]
    )


def test_errors(app_client: httpx.Client) -> None:
    r = app_client.get("/api/neighbourhood/no-such-entity")
    assert r.status_code == 404 and r.json()["ok"] is False and "no-such-entity" in r.json()["error"]
    assert app_client.get("/api/paths",
                          params={"source": "chengdu-customs", "target": "nope"}).status_code == 404
    for path, params in [
        ("/api/centrality", {"measure": "closeness"}),
        ("/api/graph", {"limit": 5000}),
        ("/api/neighbourhood/singapore", {"depth": 99}),
        ("/api/paths", {"source": "x"}),
        ("/api/kcore", {"k": -1}),
    ]:
        r = app_client.get(path, params=params)
        assert r.status_code in (400, 422), (path, r.status_code)
        assert r.json()["ok"] is False and r.json()["error"]


def test_openapi_has_an_example_for_every_endpoint(app_client: httpx.Client) -> None:
    spec = app_client.get("/openapi.json").json()
    for path in ENDPOINTS:
        operation = spec["paths"][path]["get"]
        assert "analysis" in operation["tags"]
        assert operation["responses"]["200"]["content"]["application/json"]["example"], path
