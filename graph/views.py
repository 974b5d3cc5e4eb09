"""Graph views: a ``ViewSpec`` -> a bounded subgraph -> the JSON a page draws, or one offline HTML file.

The same view is drawn in three places, by the same script (``graph/templates/graphview.js``):

- the explorer page and ``/embed`` iframes, which fetch or inline ``view_data(G, spec)``;
- ``render_standalone_html(G, spec)``: one self-contained file (vis-network from pyvis's package,
  inlined) for ``coopgraph view`` and notebooks; no CDN, nothing written to the working directory.

Views are bounded server-side: never more than ``spec.limit`` nodes (hard maximum
``HARD_MAX_NODES``); beyond it the most central nodes are kept and ``note`` says so.
Colours come from one palette, by type family, so a type keeps its colour across views.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from coopgraph.graph.errors import ViewSpecError
from coopgraph.graph.resources import read_text, vis_network_asset
from coopgraph.graph.ids import is_slug
from coopgraph.graph.records import Evidence

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "COLOUR_BY", "HARD_MAX_NODES", "LAYOUTS", "SIZE_BY", "THEMES", "ViewSpec", "ViewSpecError",
    "community_colour", "evidence_json", "notebook_html", "render_standalone_html", "select_subgraph", "type_colour",
    "view_data", "view_subgraph",
]

HARD_MAX_NODES = 2000
DEFAULT_LIMIT = 300
MAX_DEPTH = 4
COLOUR_BY = ("type", "community")
SIZE_BY = ("degree", "pagerank", "betweenness", "none")
LAYOUTS = ("physics", "hierarchical", "static")
THEMES = ("light", "dark")
_TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
# Edges drawn at most per node kept: a dense graph must not send a million edges to a browser.
_EDGES_PER_NODE = 6
# ViewSpec fields whose URL parameter has another name.
_PARAM_NAMES = {"colour_by": "colour", "size_by": "size"}


@dataclass(frozen=True)
class ViewSpec:
    """What to draw. Every field is validated on construction (``ViewSpecError``).

    >>> ViewSpec(focus="chongqing-customs", depth=2).limit
    300
    >>> ViewSpec.from_params({"types": "City,Province", "size": "pagerank"}).types
    ('City', 'Province')
    """

    focus: str | None = None
    depth: int = 2
    types: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    colour_by: str = "type"
    size_by: str = "degree"
    layout: str = "physics"
    height: int = 600
    theme: str = "light"
    since: str | None = None
    until: str | None = None
    title: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.focus is not None and not is_slug(self.focus):
            raise ViewSpecError(f"focus must be an entity slug such as 'chongqing-customs', not {self.focus!r}")
        _check_int("depth", self.depth, 0, MAX_DEPTH)
        _check_int("limit", self.limit, 1, HARD_MAX_NODES)
        _check_int("height", self.height, 150, 4000)
        if not isinstance(self.types, tuple) or len(self.types) > 200:
            raise ViewSpecError("types must be a tuple of at most 200 class names")
        for name in self.types:
            if not isinstance(name, str) or not _TYPE_RE.match(name):
                raise ViewSpecError(f"unknown type name {name!r} (expected a class local name like 'City')")
        for name, value, allowed in (("colour", self.colour_by, COLOUR_BY), ("size", self.size_by, SIZE_BY),
                                     ("layout", self.layout, LAYOUTS), ("theme", self.theme, THEMES)):
            if value not in allowed:
                raise ViewSpecError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        for name, date in (("since", self.since), ("until", self.until)):
            if date is not None and not _DATE_RE.match(date):
                raise ViewSpecError(f"{name} must be a date YYYY, YYYY-MM or YYYY-MM-DD; got {date!r}")
        if self.since and self.until and _date_bounds(self.since)[0] > _date_bounds(self.until)[1]:
            raise ViewSpecError("since is after until")

    @classmethod
    def from_params(cls, params: Mapping[str, str | None], *, default_limit: int = DEFAULT_LIMIT) -> ViewSpec:
        """A spec from URL query parameters (``focus, depth, types, limit, colour, size, layout,
        height, theme, since, until, title``); empty values mean "default"."""
        def get(name: str) -> str | None:
            value = params.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        def integer(name: str, default: int) -> int:
            value = get(name)
            if value is None:
                return default
            try:
                return int(value)
            except ValueError:
                raise ViewSpecError(f"{name} must be an integer; got {value!r}") from None

        types = tuple(t for t in (get("types") or "").replace(" ", ",").split(",") if t)
        default = cls()     # the field defaults above are the only statement of each default
        return cls(
            focus=get("focus"), depth=integer("depth", default.depth), types=types,
            limit=integer("limit", min(default_limit, HARD_MAX_NODES)),
            colour_by=get("colour") or get("color") or default.colour_by, size_by=get("size") or default.size_by,
            layout=get("layout") or default.layout, height=integer("height", default.height),
            theme=get("theme") or default.theme,
            since=get("since"), until=get("until"), title=(get("title") or None),
        )

    @classmethod
    def default_params(cls) -> dict[str, str]:
        """The URL parameters that have a default, with it: what pages and API docs show.

        >>> ViewSpec.default_params()["colour"], ViewSpec.default_params()["depth"]
        ('type', '2')
        """
        return {_PARAM_NAMES.get(key, key): str(value) for key, value in asdict(cls()).items()
                if value is not None and value != ()}

    def to_params(self) -> dict[str, str]:
        """The non-default fields as URL parameters (the inverse of ``from_params``)."""
        defaults = ViewSpec()
        params: dict[str, str] = {}
        for key, value in asdict(self).items():
            if value == getattr(defaults, key) or value is None:
                continue
            name = _PARAM_NAMES.get(key, key)
            params[name] = ",".join(value) if isinstance(value, tuple) else str(value)
        return params

    def with_(self, **changes: Any) -> ViewSpec:
        return replace(self, **changes)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ViewSpecError(f"{name} must be an integer from {low} to {high}; got {value!r}")


# -- colours ------------------------------------------------------------------------------------
# One hue per family of classes; members of a family get shades of it, so a reader sees "a place",
# "a government body", "an agreement" at a glance and the legend still tells the exact type.
_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("#2f6fb0", "#5b93cf", "#1f4e82", "#86b3e3"),
     ("Region", "Country", "ProvinceLevelDivision", "Province", "Municipality", "AutonomousRegion", "City",
      "CityCluster")),
    (("#1b9e8f", "#4cc1b2", "#137266"), ("Zone", "EconomicZone", "NewArea", "FreeTradeZone", "BondedArea")),
    (("#e07b00", "#f5a33c", "#b35f00"),
     ("GovernmentBody", "Government", "CustomsAdministration", "CustomsDistrict", "AdministrativeCommittee",
      "AdministrativeBureau", "PartyBody", "PartyCommittee")),
    (("#8c6d4f", "#b08f6e", "#6a5038"), ("Association", "InternationalOrganisation", "MediaOrganisation",
                                         "Organisation", "Organization")),
    (("#8e5bb5", "#b48ad6"), ("Person", "Post")),
    (("#c9372c", "#e8675d", "#9b2018"), ("Corridor", "RailRoute", "SeaRoute", "RiverRoute", "RoadRoute",
                                         "MultimodalRoute")),
    (("#3e9a3a", "#6cc067", "#2a7127"), ("Initiative", "Strategy", "Plan", "FrameworkPlan", "Policy",
                                         "PilotProgramme", "Instruction")),
    (("#c79a00", "#e3bd3a", "#957300"), ("Agreement", "Memorandum", "CooperationArea", "AgreementArticle")),
    (("#6b8e23", "#93b548"), ("CooperationMechanism", "JointMeeting", "ConsultationMechanism",
                              "MultilateralMechanism", "BilateralCooperation")),
    (("#0f8fb8", "#47b3d6", "#0a6a89"), ("Platform", "Facility", "Port", "ConventionCentre", "FinancialCentre",
                                         "IndustrialPark", "LogisticsCentre", "TradingCentre")),
    (("#7a7f87", "#a3a8af"), ("Industry", "IndustrialCluster")),
    (("#d6449a", "#ea7bbd", "#a32a72"), ("Event", "Signing", "Visit", "Meeting")),
)
_TYPE_COLOURS: dict[str, str] = {
    name: shades[i % len(shades)] for shades, names in _FAMILIES for i, name in enumerate(names)
}
_FALLBACK = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
             "#9c755f", "#bab0ac")
_COMMUNITY = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7",
              "#9c755f", "#1f77b4", "#8cd17d", "#d37295")
_UNTYPED = "#9aa5b1"


def type_colour(type_name: str | None) -> str:
    """The colour of a type: its family's shade, or a stable hash into the fallback palette.

    >>> type_colour("Province") == type_colour("Province") != type_colour("CustomsDistrict")
    True
    """
    if not type_name:
        return _UNTYPED
    known = _TYPE_COLOURS.get(type_name)
    if known is not None:
        return known
    digest = int(hashlib.sha1(type_name.encode("utf-8")).hexdigest()[:8], 16)
    return _FALLBACK[digest % len(_FALLBACK)]


def community_colour(index: int | None) -> str:
    """Communities are numbered largest first; the twelve largest get distinct colours."""
    if index is None or index < 0 or index >= len(_COMMUNITY):
        return _UNTYPED
    return _COMMUNITY[index]


# -- measures (computed once per projection) ----------------------------------------------------
# Like the orderings and layouts below, kept in G's one entry of derived data (graph.analysis.per_projection).
_MEASURES_LOCK = threading.Lock()
T = TypeVar("T")


def _measures(G: nx.MultiDiGraph[str]) -> dict[str, dict[str, Any]]:
    """``{node: {degree, pagerank, betweenness, community, core}}`` from graph.analysis, cached per G."""
    from coopgraph.graph.analysis import per_projection, summary_measures

    with _MEASURES_LOCK:
        table = per_projection(G, "views: measures")
        found: dict[str, dict[str, Any]] | None = table.get("per node")
        if found is None:
            found = table["per node"] = _normalise_measures(summary_measures(G))
        return found


def _normalise_measures(raw: Any) -> dict[str, dict[str, Any]]:
    """Accept ``{node: {measure: v}}`` or ``{measure: {node: v}}``; return the former."""
    if isinstance(raw, Mapping) and raw and all(k in {"degree", "pagerank", "betweenness", "community", "core"}
                                                for k in raw):
        per_node: dict[str, dict[str, Any]] = {}
        for measure, values in raw.items():
            for node, value in values.items():
                per_node.setdefault(node, {})[measure] = value
        return per_node
    return {node: dict(values) for node, values in dict(raw).items()}


# -- selection ----------------------------------------------------------------------------------
def _date_bounds(value: str) -> tuple[str, str]:
    """``"2019-12"`` -> ``("2019-12-01", "2019-12-31")``: the interval a partial date covers."""
    parts = value.split("-")
    if len(parts) == 1:
        return f"{value}-01-01", f"{value}-12-31"
    if len(parts) == 2:
        return f"{value}-01", f"{value}-31"
    return value, value


def _in_period(date: str | None, since: str | None, until: str | None) -> bool:
    """Undated nodes always pass; a dated one passes when its interval meets [since, until]."""
    if not date or not _DATE_RE.match(date):
        return True
    start, end = _date_bounds(date)
    if since and end < _date_bounds(since)[0]:
        return False
    return not (until and start > _date_bounds(until)[1])


def _rank_key(measures: Mapping[str, Mapping[str, Any]], G: nx.MultiDiGraph[str], size_by: str
              ) -> Any:
    measure = size_by if size_by in ("pagerank", "betweenness") else "degree"

    relations = graph_degrees(G)

    def key(node: str) -> tuple[float, float, str]:
        m = measures.get(node, {})
        return (-float(m.get(measure) or 0.0), -float(relations[node]), str(G.nodes[node].get("label") or node))
    return key


# Above this many nodes a view's candidates are ordered by their place in the cached whole-graph
# ranking (the same order, ties aside) rather than by recomputing every key.
_RANK_BY_PLACE_ABOVE = 20_000
# Whole-graph orderings and maxima, per projection: O(n) work that a view of 300 nodes of a graph
# of 200,000 must not repeat. Keyed by the measure table's identity (kept alive with it).
def _per_graph(G: nx.MultiDiGraph[str], key: tuple[Any, ...], owner: object, compute: Callable[[], T]) -> T:
    from coopgraph.graph.analysis import per_projection

    with _MEASURES_LOCK:
        cache = per_projection(G, "views: whole-graph")
        found = cache.get(key)
    if found is not None and found[0] is owner:
        return cast(T, found[1])  # one key is always filled by the same ``compute``
    value = compute()
    with _MEASURES_LOCK:
        cache[key] = (owner, value)
    return value


def graph_degrees(G: nx.MultiDiGraph[str]) -> dict[str, int]:
    """``{node: relations in and out}``, counted once per projection (networkx sums a multigraph
    node's adjacency on every ``G.degree(n)``: a hub with thousands of relations costs each time)."""
    return _per_graph(G, ("relations",), None, lambda: dict(G.degree()))


def _ranking(G: nx.MultiDiGraph[str], measures: Mapping[str, Mapping[str, Any]], size_by: str) -> list[str]:
    """Every node, most central first (the order ``_rank_key`` gives)."""
    measure = size_by if size_by in ("pagerank", "betweenness") else "degree"
    return _per_graph(G, ("ranking", measure, id(measures)), measures,
                      lambda: sorted(G.nodes, key=_rank_key(measures, G, size_by)))


def _rank_of(G: nx.MultiDiGraph[str], measures: Mapping[str, Mapping[str, Any]], size_by: str) -> dict[str, int]:
    """``{node: place in _ranking}``: sorting a view's candidates by it costs a dict look-up each."""
    measure = size_by if size_by in ("pagerank", "betweenness") else "degree"
    return _per_graph(G, ("rank of", measure, id(measures)), measures,
                      lambda: {n: i for i, n in enumerate(_ranking(G, measures, size_by))})


def warm_rankings(G: nx.MultiDiGraph[str], measures: Mapping[str, Mapping[str, Any]]) -> None:
    """Compute the per-projection orderings views rank by (a server calls this off the request path)."""
    graph_degrees(G)
    _per_graph(G, ("edge count",), None, G.number_of_edges)
    for size_by in ("degree", "pagerank", "betweenness"):
        if size_by == "degree" or any(size_by in m for m in list(measures.values())[:1]):
            _rank_of(G, measures, size_by)


def _classes(data: Mapping[str, Any]) -> set[str]:
    """The class names a type filter matches: superclasses too when the projection lists them."""
    return set(data.get("classes") or ()) | set(data.get("types") or ()) | {data.get("type") or ""}


def select_subgraph(G: nx.MultiDiGraph[str], spec: ViewSpec, measures: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> tuple[list[str], list[tuple[str, str, str]], str | None]:
    """The nodes and edges ``spec`` asks for, bounded by ``spec.limit``.

    Returns ``(nodes, edges, note)``: node keys (most central first, the focus first of all),
    ``(u, v, key)`` edge triples among them, and a sentence for the reader when something was left
    out (else None). Raises EntityNotFoundError for an unknown focus.
    """
    from coopgraph.graph.network import node_for

    measures = _measures(G) if measures is None else measures
    notes: list[str] = []
    focus = node_for(G, spec.focus) if spec.focus else None
    if focus is not None:
        from coopgraph.graph.analysis import neighbourhood

        # Ask for more than we draw so the ranking below, not BFS order, decides what is cut.
        found = neighbourhood(G, focus, depth=spec.depth, max_nodes=min(10 * spec.limit, 20_000),
                              types=list(spec.types) or None, exact_total=False)
        candidates = list(found.nodes)
        capped = found.truncated  # more entities lie around it than we ranked
        if focus not in candidates:
            candidates.insert(0, focus)
    else:
        # The whole graph: its ranking is sorted once per projection and measure table, not per view.
        candidates = _ranking(G, measures, spec.size_by)
        capped = False
    wanted = set(spec.types)
    if not wanted and not spec.since and not spec.until:
        kept = list(candidates)
    else:
        kept = [n for n in candidates
                if n == focus or ((not wanted or wanted & _classes(G.nodes[n]))
                                  and _in_period(G.nodes[n].get("date"), spec.since, spec.until))]
    dropped_by_filter = len(candidates) - len(kept)
    if focus is not None:
        if G.number_of_nodes() > _RANK_BY_PLACE_ABOVE:
            kept.sort(key=_rank_of(G, measures, spec.size_by).__getitem__)
        else:
            kept.sort(key=_rank_key(measures, G, spec.size_by))
    if focus is not None:
        kept.remove(focus)
        kept.insert(0, focus)
    if len(kept) > spec.limit:
        measure = spec.size_by if spec.size_by in ("pagerank", "betweenness") else "degree"
        notes.append(f"Showing the {spec.limit} most central of {'more than ' if capped else ''}{len(kept)} "
                     f"entities (by {measure}); "
                     "focus an entity or filter by type to see the rest.")
        kept = kept[:spec.limit]
    if dropped_by_filter and (spec.types or spec.since or spec.until):
        notes.append(f"{dropped_by_filter} entities hidden by the type or date filter.")
    keep = set(kept)
    edges = [(u, v, k) for u in kept for _, v, k in G.out_edges(u, keys=True) if v in keep]
    max_edges = _EDGES_PER_NODE * max(len(kept), 10)
    if len(edges) > max_edges:
        rank = {n: i for i, n in enumerate(kept)}
        edges.sort(key=lambda e: max(rank[e[0]], rank[e[1]]))
        notes.append(f"Showing {max_edges} of {len(edges)} relations (those between the most central entities).")
        edges = edges[:max_edges]
    return kept, edges, " ".join(notes) or None


def view_subgraph(G: nx.MultiDiGraph[str], spec: ViewSpec, measures: Mapping[str, Mapping[str, Any]] | None = None
                  ) -> nx.MultiDiGraph[str]:
    """The selected view as a new MultiDiGraph with flat, serialisable attributes (for GraphML, GEXF
    and CSV exports): node ``slug, label, label_zh, type, date, aliases, community, degree, pagerank,
    betweenness``; edge ``predicate, label, evidence`` (space-separated IRIs), ``quote`` (first)."""
    import networkx as nx

    measures = _measures(G) if measures is None else measures
    nodes, edges, note = select_subgraph(G, spec, measures)
    H: nx.MultiDiGraph[str] = nx.MultiDiGraph(note=note or "", base=G.graph.get("base") or "")
    for node in nodes:
        data, m = G.nodes[node], measures.get(node, {})
        community = m.get("community")
        H.add_node(node, slug=data.get("slug") or "", label=data.get("label") or "",
                   label_zh=data.get("label_zh") or "", type=data.get("type") or "",
                   types=" ".join(data.get("types") or []), date=data.get("date") or "",
                   aliases="; ".join(data.get("aliases") or []),
                   community=int(community) if community is not None else -1,
                   degree=float(m.get("degree") or 0.0), pagerank=float(m.get("pagerank") or 0.0),
                   betweenness=float(m.get("betweenness") or 0.0))
    evidence = G.graph.get("evidence", {})
    for u, v, k in edges:
        data = G.edges[u, v, k]
        evs = list(data.get("evidence") or [])
        first = evidence.get(evs[0], {}) if evs else {}
        H.add_edge(u, v, key=_edge_id(u, v, k), predicate=data.get("predicate") or k,
                   label=data.get("predicate_label") or "", evidence=" ".join(evs),
                   quote=first.get("quote") or "", document=first.get("document") or "")
    return H


def _edge_id(u: str, v: str, key: str) -> str:
    """A short id for a relation, stable across views (the same in JSON, GraphML and CSV)."""
    return hashlib.sha1(f"{u}\x1f{key}\x1f{v}".encode()).hexdigest()[:16]


# -- the JSON a page draws ----------------------------------------------------------------------
def _node_title(data: Mapping[str, Any], type_label: str) -> str:
    """The hover tooltip: plain text (vis-network sets it with innerText, never as HTML)."""
    lines = [str(data.get("label") or data.get("slug") or "")]
    if data.get("label_zh"):
        lines[0] += f"  {data['label_zh']}"
    lines.append(type_label)
    if data.get("date"):
        lines.append(f"date: {data['date']}")
    aliases = [a for a in data.get("aliases") or [] if a != data.get("label")]
    if aliases:
        lines.append("also: " + "; ".join(aliases[:4]) + (" …" if len(aliases) > 4 else ""))
    return "\n".join(lines)


def _humanise(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)


def _sizes(G: nx.MultiDiGraph[str], nodes: list[str], measures: Mapping[str, Mapping[str, Any]], size_by: str
           ) -> dict[str, float]:
    """Area grows with the measure, scaled to its maximum over the WHOLE graph, so a node keeps its
    size when it appears in another view or is merged into this one by an expansion."""
    if size_by == "none":
        return {n: 16.0 for n in nodes}
    top = _top(G, measures, size_by)
    if top <= 0:
        return {n: 14.0 for n in nodes}
    return {n: round(10.0 + 30.0 * math.sqrt(float(measures.get(n, {}).get(size_by) or 0.0) / top), 2)
            for n in nodes}


def _top(G: nx.MultiDiGraph[str], measures: Mapping[str, Mapping[str, Any]], size_by: str) -> float:
    return _per_graph(G, ("top", size_by, id(measures)), measures,
                      lambda: max((float(m.get(size_by) or 0.0) for m in measures.values()), default=0.0))


# Layouts kept per projection: the same view asked again (a reload, an embed seen by many readers)
# costs nothing. Keyed by the drawn nodes, which decide the drawn edges.
_LAYOUTS_LOCK = threading.Lock()
_LAYOUTS_KEPT = 64


def _positions(G: nx.MultiDiGraph[str], nodes: list[str], edges: list[tuple[str, str, str]]
               ) -> dict[str, tuple[float, float]]:
    """The server-side force layout of a view (graph/layout.py), cached per projection and node set,
    so the browser draws at once instead of running its physics before the first frame."""
    from coopgraph.graph.analysis import per_projection
    from coopgraph.graph.layout import force_layout

    key = tuple(nodes)
    with _LAYOUTS_LOCK:
        cache = per_projection(G, "views: layouts")
        found: dict[str, tuple[float, float]] | None = cache.get(key)
    if found is not None:
        return found
    found = force_layout(nodes, [(u, v) for u, v, _ in edges])
    with _LAYOUTS_LOCK:
        if len(cache) >= _LAYOUTS_KEPT:
            cache.pop(next(iter(cache)))
        cache[key] = found
    return found


def _legend_types(G: nx.MultiDiGraph[str], drawn: list[dict[str, Any]], wanted: set[str]) -> list[dict[str, Any]]:
    """Every type of the graph: ``count`` drawn in this view, ``total`` in the graph, ``shown``
    unless a type filter leaves it out (pages list the drawn ones, and the hidden ones to re-show)."""
    def count() -> dict[str, int]:
        found: dict[str, int] = {}
        for _, data in G.nodes(data=True):
            found[data.get("type") or ""] = found.get(data.get("type") or "", 0) + 1
        return found
    totals: dict[str, int] = _per_graph(G, ("type totals",), None, count)
    counts: dict[str, int] = {}
    for item in drawn:
        counts[item["type"]] = counts.get(item["type"], 0) + 1
    return [{"type": t, "label": _humanise(t) if t else "untyped", "colour": type_colour(t or None),
             "count": counts.get(t, 0), "total": n, "shown": not wanted or t in wanted}
            for t, n in sorted(totals.items(), key=lambda kv: (-counts.get(kv[0], 0), -kv[1], kv[0]))]


def view_data(G: nx.MultiDiGraph[str], spec: ViewSpec, measures: Mapping[str, Mapping[str, Any]] | None = None,
              *, measures_note: str | None = None) -> dict[str, Any]:
    """Everything a page needs to draw ``spec``: nodes, edges, their evidence, legend, note.

    Node: ``id`` (slug), ``iri``, ``label``, ``label_zh``, ``title`` (plain text), ``group`` (type),
    ``type``, ``types``, ``colour``, ``size``, ``x``/``y`` (server-side force layout; not for
    ``hierarchical``), ``date``,
    ``aliases``, ``documents``, ``community``, ``degree`` (relations in the whole graph).
    Edge: ``id``, ``from``, ``to``, ``label``, ``predicate``, ``evidence`` (ids into ``evidence``),
    ``origin`` ("extracted" when every piece of its evidence was machine-extracted, else "curated"),
    ``machine_extracted`` (the same as a flag; such edges also get vis-network's ``dashes``),
    ``smooth`` (parallel edges curve apart). Evidence: ``evidence_json`` of each record (``iri``,
    ``quote``, ``document``, ``document_title``, ``start``, ``end``, ``note``, ``url``: the sentence
    on the documents page; ``origin``, ``modality``, ``confidence``, ``accepted_by``, ``extracted_at``).

    ``measures`` (``{node: {measure: value}}``) replaces ``summary_measures(G)``: a server passes
    the degree table while a large graph's other measures are computed, with ``measures_note``
    saying so to the reader.
    """
    measures = _measures(G) if measures is None else measures
    nodes, edges, note = select_subgraph(G, spec, measures)
    if measures_note:
        note = f"{note} {measures_note}" if note else measures_note
    sizes = _sizes(G, nodes, measures, spec.size_by)
    positions = _positions(G, nodes, edges) if spec.layout != "hierarchical" and nodes else {}
    slug_of = {n: str(G.nodes[n].get("slug") or n) for n in nodes}
    relations = graph_degrees(G)
    out_nodes = []
    for n in nodes:
        data, m = G.nodes[n], measures.get(n, {})
        type_name = data.get("type")
        community = m.get("community")
        colour = community_colour(community) if spec.colour_by == "community" else type_colour(type_name)
        item: dict[str, Any] = {
            "id": slug_of[n], "iri": n, "label": str(data.get("label") or slug_of[n]),
            "label_zh": data.get("label_zh"), "title": _node_title(data, _humanise(type_name or "untyped")),
            "group": type_name or "", "type": type_name or "", "types": list(data.get("types") or []),
            "colour": colour, "size": sizes[n], "date": data.get("date"),
            "aliases": list(data.get("aliases") or []), "documents": list(data.get("documents") or []),
            "community": community, "degree": relations[n],
            "measures": {k: m.get(k) for k in ("degree", "pagerank", "betweenness", "core_number") if k in m},
        }
        if n in positions:
            item["x"], item["y"] = positions[n]
        out_nodes.append(item)
    from coopgraph.graph.analysis import evidence_of

    evidence_all = G.graph.get("evidence", {})
    evidence: dict[str, dict[str, Any]] = {}
    out_edges = []
    parallel: dict[frozenset[str], int] = {}
    for u, v, k in edges:
        data = G.edges[u, v, k]
        pair = frozenset((u, v))
        index = parallel[pair] = parallel.get(pair, -1) + 1
        evs = [e for e in data.get("evidence") or [] if e in evidence_all]
        for ev in evidence_of(G, [e for e in evs if e not in evidence]):
            evidence[ev.iri] = evidence_json(ev)
        label = str(data.get("predicate_label") or _humanise(str(k).rsplit("#", 1)[-1].rsplit("/", 1)[-1]))
        edge_id = _edge_id(u, v, k)
        # One curated quote makes the relation curated: extraction only added another source for it.
        extracted = bool(evs) and all(evidence_all[e].get("origin") == "extracted" for e in evs)
        item = {"id": edge_id, "from": slug_of[u], "to": slug_of[v], "label": label,
                "predicate": data.get("predicate") or k, "evidence": evs,
                "origin": "extracted" if extracted else "curated", "machine_extracted": extracted,
                "title": f"{G.nodes[u].get('label')} — {label} → {G.nodes[v].get('label')}"}
        if extracted:
            item["dashes"] = True
        if index:
            item["smooth"] = {"enabled": True, "type": "curvedCW" if index % 2 else "curvedCCW",
                              "roundness": 0.15 * ((index + 1) // 2)}
        out_edges.append(item)
    legend_types = _legend_types(G, out_nodes, set(spec.types))
    communities: list[dict[str, Any]] = []
    if spec.colour_by == "community":
        counts: dict[int, int] = {}
        for item in out_nodes:
            if item["community"] is not None:
                counts[item["community"]] = counts.get(item["community"], 0) + 1
        # Named as /api/communities names them (after the most central member): a reader recognises
        # "Liangjiang New Area" where "Community 1" says nothing.
        from coopgraph.graph.analysis import communities as find_communities

        names = {found.id: found.name for found in find_communities(G)}
        communities = [{"community": c, "label": names.get(c, f"Community {c + 1}"), "colour": community_colour(c),
                        "count": n} for c, n in sorted(counts.items())]
    return {
        "spec": spec.to_params(),
        "focus": spec.focus,
        "title": spec.title or _default_title(G, spec),
        "nodes": out_nodes,
        "edges": out_edges,
        "evidence": evidence,
        "legend": {"colour_by": spec.colour_by, "size_by": spec.size_by, "types": legend_types,
                   "communities": communities},
        "note": note,
        "counts": {"nodes": len(out_nodes), "edges": len(out_edges), "graph_nodes": G.number_of_nodes(),
                   # networkx counts a multigraph's edges by walking them all: once per projection.
                   "graph_edges": _per_graph(G, ("edge count",), None, G.number_of_edges)},
        "layout": spec.layout,
        "theme": spec.theme,
        "height": spec.height,
        "version": G.graph.get("version"),
    }


def evidence_json(ev: Evidence) -> dict[str, Any]:
    """One evidence record as the JSON every answer gives it (the fields of ``api.schemas.EvidenceQuote``).

    >>> from coopgraph.graph.records import EntityRef
    >>> evidence_json(Evidence("https://ex.org/evidence/1", "A met B", 0, 7,
    ...                        EntityRef("https://ex.org/id/doc", "doc", "Doc")))["url"]
    '/documents/doc#q-0-7'
    """
    doc = ev.document
    url = None
    if doc is not None and doc.slug:
        url = f"/documents/{doc.slug}"
        if ev.start is not None and ev.end is not None:
            url += f"#q-{ev.start}-{ev.end}"
    return {"iri": ev.iri, "quote": ev.quote, "document": doc.slug if doc else None,
            "document_title": doc.label if doc else None, "start": ev.start, "end": ev.end, "note": ev.note,
            "url": url, "origin": ev.origin, "modality": ev.modality, "confidence": ev.confidence,
            "accepted_by": ev.accepted_by, "extracted_at": ev.extracted_at, "implied": ev.implied}


def _default_title(G: nx.MultiDiGraph[str], spec: ViewSpec) -> str:
    if spec.focus:
        from coopgraph.graph.network import node_for

        label = G.nodes[node_for(G, spec.focus)].get("label") or spec.focus
        return f"{label}: connections within {spec.depth} step{'s' if spec.depth != 1 else ''}"
    return "The cooperation graph"


# -- one offline HTML file ----------------------------------------------------------------------
def _vis_asset(name: str) -> str:
    return read_text(vis_network_asset(name))


def _script_safe(code: str) -> str:
    """JS/CSS inlined in a <script>/<style> element must not close it early."""
    return re.sub(r"</(script|style)", r"<\\/\1", code, flags=re.IGNORECASE)


def render_standalone_html(G: nx.MultiDiGraph[str], spec: ViewSpec) -> str:
    """One self-contained HTML document drawing ``spec`` (vis-network and our script inlined).

    Works offline, from a file, in ``IPython.display.HTML`` or an ``<iframe srcdoc>``
    (see ``notebook_html``). Writes nothing; the caller decides where the string goes.
    """
    import jinja2
    from markupsafe import Markup

    from coopgraph.graph.resources import read_text, template_file

    data = view_data(G, spec)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(read_text(template_file("view.html")))
    return template.render(
        data=data, title=data["title"], theme=spec.theme, height=spec.height,
        vis_css=Markup(_script_safe(_vis_asset("vis-network.css"))),
        vis_js=Markup(_script_safe(_vis_asset("vis-network.min.js"))),
        view_js=Markup(_script_safe(read_text(template_file("graphview.js")))),
        base=G.graph.get("base") or "",
    )


def notebook_html(G: nx.MultiDiGraph[str], spec: ViewSpec) -> str:
    """An ``<iframe srcdoc>`` holding the standalone view: isolated from the notebook's own page.

    Wrapped in a ``<div>``: IPython warns about a bare ``<iframe>`` passed to ``HTML``.

    ``IPython.display.HTML(notebook_html(G, ViewSpec(focus="chongqing")))``
    """
    document = render_standalone_html(G, spec)
    return (f'<div class="coopgraph-view"><iframe srcdoc="{html.escape(document, quote=True)}" width="100%" '
            f'height="{spec.height + 10}" style="border:0" '
            f'title="{html.escape(spec.title or "coopgraph view", quote=True)}"></iframe></div>')
