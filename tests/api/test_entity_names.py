"""Every JSON API endpoint that takes an entity takes its name too: slug first, then IRI or ``id:``
CURIE, then a label or alias (any case, English or Chinese). An unknown name is 404 with the closest
ids; a name two entities bear is 409 listing both."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import app_settings, in_process_app
from tests.graph.mini_store import write_mini_store

CD = "chengdu-customs"
CQ = "chongqing-customs"


@pytest.mark.parametrize("source", [CD, "Chengdu Customs", "the chengdu-customs", "成都海关", f"id:{CD}",
                                    f"https://coopgraph.org/id/{CD}"])
def test_paths_take_an_id_iri_curie_or_name(app_client: httpx.Client, source: str) -> None:
    response = app_client.get("/api/paths", params={"source": source, "target": "Singapore", "limit": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"]["slug"] == CD and body["target"]["slug"] == "singapore" and body["shortest"]


def test_neighbourhood_graph_view_and_entity_take_a_name(app_client: httpx.Client) -> None:
    neighbourhood = app_client.get(f"/api/neighbourhood/{quote('Chongqing Customs')}", params={"limit": 3})
    assert neighbourhood.status_code == 200 and neighbourhood.json()["focus"]["slug"] == CQ
    graph = app_client.get("/api/graph", params={"focus": "重庆海关", "limit": 3})
    assert graph.status_code == 200 and graph.json()["nodes"][0]["slug"] == CQ
    view = app_client.get("/api/view", params={"focus": "Chongqing Customs", "limit": 3})
    assert view.status_code == 200 and view.json()["focus"] == CQ
    export = app_client.get("/api/export/view.csv-nodes", params={"focus": "chongqing customs", "limit": 3})
    assert export.status_code == 200 and f",{CQ}," in export.text.splitlines()[1]
    entity = app_client.get(f"/api/entities/{quote('Chengdu Customs')}")
    assert entity.status_code == 200 and entity.json()["slug"] == CD
    assert app_client.get(f"/api/entities/id:{CD}").json()["slug"] == CD


@pytest.mark.parametrize("url", ["/api/paths?source=Chengdu%20Custom&target=singapore",
                                 "/api/neighbourhood/Chengdu%20Custom", "/api/graph?focus=Chengdu%20Custom",
                                 "/api/view?focus=Chengdu%20Custom", "/api/entities/Chengdu%20Custom"])
def test_a_close_miss_is_404_naming_the_id(app_client: httpx.Client, url: str) -> None:
    response = app_client.get(url)
    assert response.status_code == 404
    assert response.json()["error"] == "no entity 'Chengdu Custom'; did you mean chengdu-customs (Chengdu Customs)?"


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """An app on the mini store, where entity ``odd`` is also labelled "Chengdu Customs"."""
    root = write_mini_store(tmp_path_factory.mktemp("twins") / "store", extra_label="Chengdu Customs")
    with in_process_app(app_settings(root)) as client:
        yield client


@pytest.mark.parametrize("url", ["/api/paths?source=Chengdu%20Customs&target=chongqing",
                                 "/api/view?focus=Chengdu%20Customs", "/api/entities/chengdu%20customs"])
def test_a_name_two_entities_bear_is_409_listing_them(twins: httpx.Client, url: str) -> None:
    response = twins.get(url)
    assert response.status_code == 409
    body = response.json()
    assert body["title"] == "Ambiguous name"
    assert "chengdu-customs (Chengdu Customs); odd (Chengdu Customs); give one of these ids" in body["error"]
    assert twins.get("/api/paths", params={"source": CD, "target": "chongqing"}).status_code == 200
