"""graph/views.py: specs are validated, views are bounded, the JSON is complete, the HTML is offline."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import networkx as nx
import pytest

from coopgraph.graph.errors import EntityNotFoundError, QueryError
from coopgraph.graph.views import (
    HARD_MAX_NODES,
    ViewSpec,
    ViewSpecError,
    community_colour,
    notebook_html,
    render_standalone_html,
    select_subgraph,
    type_colour,
    view_data,
    view_subgraph,
)

BASE = "https://ex.org/"
TYPES = ("City", "Province", "CustomsDistrict", "Agreement", "Person", "Corridor")
PRED = "https://coopgraph.org/ontology#relatedTo"
XSS = "<script>window.__pwned = 1</script>"


def synthetic_projection(n: int, *, seed: int = 1, hub_edges: int = 2) -> nx.MultiDiGraph:
    """A projection-shaped graph (graph/network.py's contract) grown by preferential attachment."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph(base=BASE, version="test", evidence={}, predicates={PRED: "related to"})
    for i in range(n):
        t = TYPES[i % len(TYPES)]
        G.add_node(f"{BASE}id/e{i}", slug=f"e{i}", label=f"Entity {i}", label_zh=f"实体{i}" if i % 3 == 0 else None,
                   aliases=[f"E-{i}"], types=[t], type=t, date=f"20{10 + i % 10}-0{1 + i % 9}" if t == "Agreement" else None,
                   documents=["doc-a"])
    targets: list[int] = [0]
    for i in range(1, n):
        for j in {rng.choice(targets) for _ in range(hub_edges)}:
            ev = f"{BASE}evidence/{i}-{j}"
            G.graph["evidence"][ev] = {"quote": f"Entity {i} works with Entity {j}.", "document": "doc-a",
                                       "document_title": "A document", "start": i, "end": i + 10}
            G.add_edge(f"{BASE}id/e{i}", f"{BASE}id/e{j}", key=PRED, predicate=PRED, predicate_label="related to",
                       evidence=[ev])
            targets += [i, j]
    return G


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return synthetic_projection(400)


# -- the spec -----------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, message", [
    ({"depth": 9}, "depth"), ({"depth": -1}, "depth"), ({"limit": 0}, "limit"),
    ({"limit": HARD_MAX_NODES + 1}, "limit"), ({"colour_by": "rainbow"}, "colour"), ({"size_by": "mass"}, "size"),
    ({"layout": "circle"}, "layout"), ({"theme": "pink"}, "theme"), ({"focus": "Not A Slug"}, "focus"),
    ({"types": ("City", "<b>")}, "type"), ({"since": "2019-13"}, "since"), ({"height": 20}, "height"),
    ({"since": "2020", "until": "2019"}, "since is after until"), ({"depth": True}, "depth"),
])
def test_invalid_specs_raise_a_400_error(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ViewSpecError, match=message) as info:
        ViewSpec(**changes)  # type: ignore[arg-type]
    assert isinstance(info.value, QueryError) and info.value.http_status == 400


def test_spec_from_and_to_url_params() -> None:
    spec = ViewSpec.from_params({"focus": "e1", "depth": "1", "types": "City,Province", "colour": "community",
                                 "size": "pagerank", "limit": "50", "since": "2019", "layout": ""})
    assert spec == ViewSpec(focus="e1", depth=1, types=("City", "Province"), colour_by="community",
                            size_by="pagerank", limit=50, since="2019")
    assert ViewSpec.from_params(spec.to_params()) == spec
    assert ViewSpec().to_params() == {}
    with pytest.raises(ViewSpecError, match="integer"):
        ViewSpec.from_params({"depth": "two"})


# -- selection ----------------------------------------------------------------------------------
def test_whole_graph_is_cut_to_the_most_central(G: nx.MultiDiGraph) -> None:
    nodes, edges, note = select_subgraph(G, ViewSpec(limit=40))
    assert len(nodes) == 40
    assert note is not None and "40 most central of 400" in note
    U = nx.Graph(G.to_undirected())
    by_degree = sorted(G.nodes, key=lambda n: -U.degree(n))
    assert set(by_degree[:10]) <= set(nodes)
    assert all(u in nodes and v in nodes for u, v, _ in edges)


def test_small_views_have_no_note(G: nx.MultiDiGraph) -> None:
    nodes, _edges, note = select_subgraph(G, ViewSpec(focus="e350", depth=1))
    assert note is None and nodes[0] == f"{BASE}id/e350" and len(nodes) >= 2


def test_focus_comes_first_and_unknown_focus_is_404(G: nx.MultiDiGraph) -> None:
    nodes, _edges, _note = select_subgraph(G, ViewSpec(focus="e5", depth=2, limit=10))
    assert nodes[0] == f"{BASE}id/e5" and len(nodes) == 10
    with pytest.raises(EntityNotFoundError):
        select_subgraph(G, ViewSpec(focus="nobody"))


def test_type_and_date_filters(G: nx.MultiDiGraph) -> None:
    nodes, _edges, note = select_subgraph(G, ViewSpec(types=("City",), limit=2000))
    assert nodes and {G.nodes[n]["type"] for n in nodes} == {"City"}
    assert note is not None and "hidden by the type or date filter" in note
    nodes, _edges, _note = select_subgraph(G, ViewSpec(since="2015", until="2016-06", limit=2000))
    dated = [G.nodes[n]["date"] for n in nodes if G.nodes[n]["date"]]
    assert dated and all("2015" <= d[:4] <= "2016" for d in dated)
    assert any(not G.nodes[n]["date"] for n in nodes), "undated entities stay"


# -- the JSON -----------------------------------------------------------------------------------
def test_view_data_shape(G: nx.MultiDiGraph) -> None:
    data = view_data(G, ViewSpec(focus="e0", depth=1, size_by="pagerank"))
    assert data["counts"]["nodes"] == len(data["nodes"]) and data["counts"]["graph_nodes"] == 400
    node = data["nodes"][0]
    assert node["id"] == "e0" and node["iri"] == f"{BASE}id/e0" and node["group"] == "City"
    assert node["colour"] == type_colour("City") and all(10 <= n["size"] <= 40 for n in data["nodes"])
    assert node["title"].startswith("Entity 0  实体0\nCity") and "<" not in node["title"]
    edge = data["edges"][0]
    assert set(edge) >= {"id", "from", "to", "label", "predicate", "evidence"}
    ev = data["evidence"][edge["evidence"][0]]
    assert ev["url"] == f"/documents/doc-a#q-{ev['start']}-{ev['end']}"
    shown = [t for t in data["legend"]["types"] if t["count"]]
    assert sum(t["count"] for t in shown) == len(data["nodes"])
    json.dumps(data)


def test_colours_are_stable_and_communities_coloured(G: nx.MultiDiGraph) -> None:
    assert type_colour("Province") == type_colour("Province") != type_colour("CustomsDistrict")
    assert re.fullmatch(r"#[0-9a-f]{6}", type_colour("SomethingNew"))
    data = view_data(G, ViewSpec(colour_by="community", limit=100))
    assert {n["colour"] for n in data["nodes"]} <= {community_colour(n["community"]) for n in data["nodes"]}
    assert data["legend"]["communities"]


def test_static_layout_is_computed_here(G: nx.MultiDiGraph) -> None:
    data = view_data(G, ViewSpec(layout="static", limit=60))
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert view_data(G, ViewSpec(layout="static", limit=60))["nodes"] == data["nodes"], "deterministic"


def test_export_subgraph_has_unique_edge_ids(G: nx.MultiDiGraph) -> None:
    H = view_subgraph(G, ViewSpec(limit=80))
    keys = [k for _u, _v, k in H.edges(keys=True)]
    assert len(keys) == len(set(keys)) and H.number_of_nodes() == 80
    assert "<graphml" in "\n".join(nx.generate_graphml(H))


# -- one offline file ---------------------------------------------------------------------------
def test_standalone_html_is_offline_escaped_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    G = synthetic_projection(30)
    G.nodes[f"{BASE}id/e0"]["label"] = XSS
    monkeypatch.chdir(tmp_path)
    html = render_standalone_html(G, ViewSpec(title=f"title {XSS}"))
    assert os.listdir(tmp_path) == []
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html), "every asset is inlined"
    assert "cdnjs" not in html and "unpkg" not in html and "vis-network" in html
    assert XSS not in html and "&lt;script&gt;window.__pwned" in html
    assert '<script type="application/json" id="cg-data">' in html
    assert notebook_html(G, ViewSpec()).startswith('<div class="coopgraph-view"><iframe srcdoc="&lt;!doctype html&gt;')


def test_standalone_html_puts_the_evidence_above_a_collapsible_legend() -> None:
    """The details panel (where a clicked link's quotes appear) comes before the legend, which is
    a <details> with a bounded, scrolling box: a long legend cannot push the evidence out of view
    (tests/browser/test_embed.py clicks a link in the real file)."""
    html = render_standalone_html(synthetic_projection(30), ViewSpec())
    panel, legend = html.index('id="cg-panel"'), html.index('id="cg-legend"')
    assert panel < legend
    assert re.search(r'<details class="cg-legend-box" id="cg-legend-box">', html)
    assert re.search(r"\.cg-legend-box \{[^}]*max-height:[^}]*overflow-y: auto", html)

