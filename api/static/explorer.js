/* coopgraph explorer: search, focus, filters, path finder, exports; state lives in the URL.
 *
 * Drawing is graphview.js's job (window.CoopgraphGraphView); this file wires the page around it.
 * Data values reach the DOM only through textContent / attributes, never as HTML.
 */
(function () {
  "use strict";
  var GV = window.CoopgraphGraphView;
  var el = GV.el;
  var config = JSON.parse(document.getElementById("xp-config").textContent);
  var $ = function (id) { return document.getElementById(id); };

  var SPEC_KEYS = ["focus", "depth", "types", "limit", "colour", "size", "layout", "since", "until"];
  // "extracted=hide" hides machine-extracted facts; a page-only filter, so not sent to /api/view.
  // x, path and at: what the reader did to the view (see "the view in the link" below).
  var PAGE_KEYS = ["node", "edge", "from", "to", "extracted", "x", "path", "at"];
  var STATE_KEYS = SPEC_KEYS.concat(PAGE_KEYS);
  // The view parameters' defaults, as the server states them (graph.views.ViewSpec.default_params).
  var DEFAULTS = config.defaults;

  var state = readUrl();
  var view = null;          // the CoopgraphGraphView of the current data
  var loaded = null;        // the spec the current data was loaded with
  var allTypes = [];        // legend entries (every type of the graph)
  var paths = [];           // the last path-finder answer, flattened
  var requestId = 0;

  // -- URL state --------------------------------------------------------------------------------
  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    var s = {};
    STATE_KEYS.forEach(function (k) { var v = params.get(k); if (v) { s[k] = v; } });
    return s;
  }
  function specParams(s, extra) {
    var p = new URLSearchParams();
    SPEC_KEYS.forEach(function (k) {
      if (s[k] && s[k] !== DEFAULTS[k]) { p.set(k, s[k]); }
    });
    Object.keys(extra || {}).forEach(function (k) { if (extra[k] !== null && extra[k] !== undefined) { p.set(k, extra[k]); } });
    return p;
  }
  function writeUrl(push) {
    var p = specParams(state);
    PAGE_KEYS.forEach(function (k) { if (state[k]) { p.set(k, state[k]); } });
    // Commas stay commas (lists of types and entities): shorter and readable, and still one value each.
    var qs = p.toString().replace(/%2C/gi, ",");
    var url = window.location.pathname + (qs ? "?" + qs : "");
    if (url !== window.location.pathname + window.location.search) {
      window.history[push ? "pushState" : "replaceState"](null, "", url);
    }
    updateExportLinks();
  }
  window.addEventListener("popstate", function () { state = readUrl(); syncControls(); load(); });

  // -- loading ----------------------------------------------------------------------------------
  function setLoading(on, text) {
    $("xp-loading").hidden = !on;
    if (text) { $("xp-loading").textContent = text; }
  }
  function toast(text) {
    $("xp-toast").textContent = text;
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () { $("xp-toast").textContent = ""; }, 2600);
  }
  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { var e = new Error(body.error || ("HTTP " + r.status)); e.status = r.status; throw e; }
        return body;
      });
    });
  }

  function load() {
    var mine = ++requestId;
    setLoading(true, "Loading the graph…");
    var spec = loadParams(state);
    // v= the data version: the URL changes when the data does, so the browser may cache the answer.
    // The first view's URL comes from the server, which already had the page preload it (unless
    // it carries the page's filters, which the page applies itself: see loadParams).
    var url = (!hasClientFilters() && config.view_url) || ("/api/view?" + loadParams(state, { v: config.version }).toString());
    config.view_url = null;
    return GV.fetchView(url, function (text) { if (mine === requestId) { setLoading(true, text); } }).then(function (data) {
      if (mine === requestId) { draw(data, spec.toString()); }
    }).catch(function (err) {
      if (mine !== requestId) { return; }
      setLoading(false);
      showEmpty("Could not load this view: " + err.message);
    });
  }

  function showEmpty(text) {
    $("xp-empty-text").textContent = text;
    $("xp-empty").hidden = false;
  }

  function draw(data, specString) {
    loaded = { spec: specString };
    $("xp-empty").hidden = true;
    if (view) { view.network.destroy(); view = null; }
    var container = $("xp-graph");
    container.removeAttribute("data-drawn");
    allTypes = data.legend.types;
    $("xp-title").textContent = data.title;
    document.title = data.title + " · coopgraph";
    $("xp-note").textContent = data.note || "";
    if (!data.nodes.length) {
      setLoading(false);
      showEmpty("No entity matches these filters.");
    }
    renderColourKey(data, data.nodes);  // before the network: it fits the canvas the key leaves
    // Labels (graphview.js draws them) keep clear of the details panel, which lies over the canvas.
    view = GV.create(container, data, { onFirstDraw: function () { setLoading(false); }, overlays: [$("xp-panel")] });
    window.coopgraphView = view;
    if (!data.nodes.length) { setLoading(false); }
    applyClientFilters();
    renderLegend();
    updateDatedHint(data);
    $("xp-physics").hidden = data.layout !== "physics";
    setPhysicsButton(view.physics);
    wireNetwork();
    if (state.focus && view.nodeData(state.focus)) { state.focusLabel = view.nodeData(state.focus).label; syncControls(); }
    restoreSelection();
    restoreView(view);
    updateExportLinks();
  }
  function restoreSelection() {
    if (state.node && view.nodeData(state.node)) {
      view.network.selectNodes([state.node]);
      showNode(state.node);
    } else if (state.edge && view.edgeData(state.edge)) {
      view.network.selectEdges([state.edge]);
      showEdge(state.edge);
    } else {
      closePanel(true);
    }
  }

  // -- filters (applied in the page) -----------------------------------------------------------------
  // The explorer loads views without the type and date filters and applies them itself: the server
  // filters before it walks the neighbourhood (a focused view then holds other entities), so a link
  // drawn from its URL would not show what its author saw; and counts can say what the filters hide.
  var CLIENT_FILTER_KEYS = ["types", "since", "until"];
  function loadParams(s, extra) {
    var rest = Object.assign({}, s);
    CLIENT_FILTER_KEYS.forEach(function (k) { delete rest[k]; });
    return specParams(rest, extra);
  }
  function hasClientFilters() { return CLIENT_FILTER_KEYS.some(function (k) { return !!state[k]; }); }
  function updateCounts() {
    if (!view) { return; }
    var total = view.nodes.length;
    var shown = view.nodeView.get({ filter: function (n) { return !n.hidden; } }).length;
    var edges = view.edgeView.get({ filter: function (e) { return !e.hidden; } }).length;
    var graph = view.data.counts ? view.data.counts.graph_nodes : total;
    var hidden = total - shown;
    var text = hidden ? shown + " of " + total + " shown; " + hidden + " hidden by filters" + (total !== graph ? " (" + graph + " in the graph)" : "")
                      : shown + " of " + graph + " entities";
    $("xp-counts").textContent = text + " · " + edges + " relations" + (state.x ? " (expanded)" : "");
  }
  // An inverted period (From after To) would hide every dated fact without saying why: refuse it.
  function periodError(since, until) {
    if (since && until && since > until) {
      return "“From” (" + since + ") is after “To” (" + until + "): the period was not applied.";
    }
    return "";
  }
  function showPeriodError(text) {
    var box = $("xp-period-error");
    box.textContent = text;
    box.hidden = !text;
    $("xp-since").setAttribute("aria-invalid", text ? "true" : "false");
    $("xp-until").setAttribute("aria-invalid", text ? "true" : "false");
  }
  function shownTypes() { return state.types ? expandTypes(state.types.split(",").filter(Boolean)) : null; }
  function hiddenTypes() {
    var shown = shownTypes();
    if (!shown) { return []; }
    return allTypes.map(function (t) { return t.type; }).filter(function (t) { return shown.indexOf(t) < 0; });
  }
  function applyClientFilters() {
    if (!view) { return; }
    applyMachineStyle();
    view.setHiddenTypes(hiddenTypes());
    view.setPeriod(state.since || null, state.until || null);
    var visible = view.visibleCount();
    $("xp-empty").hidden = visible > 0 || view.nodes.length === 0;
    if (!visible && view.nodes.length) { $("xp-empty-text").textContent = "Every entity of this view is hidden by the type or date filter."; }
    updateCounts();
  }
  function filtersChanged() {  // the loaded view holds every type and date (loadParams): no reload
    writeUrl(false);
    if (!loaded) { load(); } else { applyClientFilters(); renderLegend(); }
  }
  function renderLegend() {
    var hidden = {};
    hiddenTypes().forEach(function (t) { hidden[t] = true; });
    var data = view ? view.data : { legend: { types: allTypes, communities: [], colour_by: "type" } };
    if (view) {  // counts follow expansions: count what is on the canvas now
      var counts = {};
      view.nodes.forEach(function (n) { counts[n.data.type] = (counts[n.data.type] || 0) + 1; });
      // The communities' key is above the canvas (renderColourKey), not in the sidebar.
      renderColourKey(view.data, view.nodes.get().map(function (n) { return n.data; }));
      data = { legend: { colour_by: data.legend.colour_by, communities: [],
                         types: allTypes.map(function (t) { return Object.assign({}, t, { count: counts[t.type] || 0 }); }) } };
    }
    GV.renderLegend(data, $("xp-legend"), toggleType, hidden);
  }
  function toggleType(type) {
    var all = allTypes.map(function (t) { return t.type; });
    var shown = shownTypes() || all.slice();
    var i = shown.indexOf(type);
    if (i >= 0) { shown.splice(i, 1); } else { shown.push(type); }
    state.types = shown.length === all.length ? "" : compactTypes(shown);
    if (!state.types && shown.length === 0) { state.types = "none"; }
    filtersChanged();
    var again = document.querySelector('.cg-legend-item[data-type="' + CSS.escape(type) + '"]');
    if (again) { again.focus(); }
  }
  $("xp-types-all").addEventListener("click", function () { state.types = ""; filtersChanged(); });
  $("xp-types-none").addEventListener("click", function () {
    state.types = "none"; filtersChanged();
  });
  function updateDatedHint(data) {
    var dates = data.nodes.map(function (n) { return n.date; }).filter(Boolean).sort();
    $("xp-dated-hint").textContent = dates.length ? dates.length + " dated, " + dates[0] + " to " + dates[dates.length - 1] : "no dated facts in view";
  }
  ["xp-since", "xp-until"].forEach(function (id) {
    $(id).addEventListener("change", function () {
      var since = id === "xp-since" ? $(id).value || "" : state.since || "";
      var until = id === "xp-until" ? $(id).value || "" : state.until || "";
      var error = periodError(since, until);
      showPeriodError(error);
      if (error) { return; }
      state.since = since; state.until = until;
      filtersChanged();
    });
  });

  // -- machine-extracted facts ---------------------------------------------------------------------
  // The view data may say where an edge's facts come from (``machine_extracted`` / ``origin``, from
  // graph/views.py); an edge that says nothing is curated. Evidence records may say it too.
  var MACHINE_ORIGINS = { machine: true, extracted: true, "machine-extracted": true, ingest: true, ingested: true };
  function isMachineRecord(r) {
    return !!r && (r.machine_extracted === true || MACHINE_ORIGINS[String(r.origin || "").toLowerCase()] === true);
  }
  function machineEvidence(e) {
    return (e.evidence || []).map(function (k) { return view.evidence[k]; }).filter(isMachineRecord);
  }
  function isMachineEdge(e) {
    if (!e) { return false; }
    if (e.machine_extracted !== undefined || e.origin !== undefined) { return isMachineRecord(e); }
    var all = (e.evidence || []).map(function (k) { return view.evidence[k]; }).filter(Boolean);
    return all.length > 0 && all.every(isMachineRecord);  // mixed curated + extracted stays solid
  }
  function hideMachine() { return state.extracted === "hide"; }
  function applyMachineStyle() {
    var hide = hideMachine();
    var edgeUpdates = view.edges.get().filter(function (e) { return isMachineEdge(e.data); }).map(function (e) {
      return { id: e.id, dashes: [6, 4], hidden: hide };
    });
    if (edgeUpdates.length) { view.edges.update(edgeUpdates); }
    // Entities an ingest introduced (coop:machineExtracted) go with their facts.
    var nodeUpdates = view.nodes.get().filter(function (n) { return isMachineRecord(n.data); }).map(function (n) {
      return { id: n.id, hidden: hide };
    });
    if (nodeUpdates.length) { view.nodes.update(nodeUpdates); }
  }
  function machineBadge(records) {
    // One badge for one or more extracted records: the lowest confidence, everyone who accepted.
    var confidences = records.map(function (r) { return Number(r.confidence); }).filter(function (c) { return !isNaN(c); });
    var who = [];
    records.forEach(function (r) { var a = r.accepted_by || r.acceptedBy; if (a && who.indexOf(a) < 0) { who.push(a); } });
    var badge = el("span", { className: "cg-machine-badge", title: "Extracted from an ingested article by coopgraph ingest, then accepted in review" });
    badge.appendChild(el("strong", null, "machine-extracted"));
    if (confidences.length) { badge.appendChild(el("span", { className: "cg-confidence" }, "confidence " + Math.min.apply(null, confidences).toFixed(2))); }
    if (who.length) { badge.appendChild(el("span", { className: "cg-accepted-by" }, "accepted by " + who.join(", "))); }
    return badge;
  }
  function badgeRecords(e) {
    var fromEvidence = machineEvidence(e);
    return fromEvidence.length ? fromEvidence : (isMachineEdge(e) ? [e] : []);
  }
  function decorateEdgePanel(id) {
    var e = view.edgeData(id);
    if (!e) { return; }
    var records = badgeRecords(e);
    if (!records.length) { return; }
    var title = $("xp-panel-body").querySelector(".cg-title");
    if (title) { title.parentNode.insertBefore(machineBadge(records), title.nextSibling); }
  }
  function decorateNodePanel(id) {
    // The panel lists edgesOf(id) as outgoing then incoming, one li each (graphview.js).
    var rels = view.edgesOf(id);
    var ordered = rels.filter(function (e) { return e.from === id; }).concat(rels.filter(function (e) { return e.to === id; }));
    var items = $("xp-panel-body").querySelectorAll("li.cg-relation");
    ordered.forEach(function (e, i) {
      var records = badgeRecords(e);
      if (records.length && items[i]) {
        items[i].classList.add("cg-machine");
        var line = items[i].querySelector(".cg-relation-line");
        items[i].insertBefore(machineBadge(records), line ? line.nextSibling : items[i].firstChild);
      }
    });
  }
  $("xp-hide-machine").addEventListener("change", function () {
    state.extracted = $("xp-hide-machine").checked ? "hide" : "";
    writeUrl(false);
    applyClientFilters();
  });

  // -- display controls --------------------------------------------------------------------------
  function syncControls() {
    $("xp-depth").value = state.depth || DEFAULTS.depth;
    $("xp-colour").value = state.colour || DEFAULTS.colour;
    $("xp-size").value = state.size || DEFAULTS.size;
    $("xp-layout").value = state.layout || DEFAULTS.layout;
    $("xp-since").value = state.since && state.since.length === 10 ? state.since : "";
    $("xp-until").value = state.until && state.until.length === 10 ? state.until : "";
    $("xp-hide-machine").checked = hideMachine();
    $("xp-focus").hidden = !state.focus;
    $("xp-depth").disabled = !state.focus;
    $("xp-focus-label").textContent = state.focusLabel || state.focus || "";
  }
  [["xp-depth", "depth"], ["xp-colour", "colour"], ["xp-size", "size"], ["xp-layout", "layout"]].forEach(function (pair) {
    $(pair[0]).addEventListener("change", function () {
      state[pair[1]] = $(pair[0]).value;
      delete state.at;  // the new view is fitted; the expanded entities are added to it again
      if (pair[1] === "depth" || pair[1] === "layout") { delete state.x; }
      writeUrl(false);
      load();
    });
  });
  function focusOn(slug, label) {
    setDrawer(false);  // a phone's drawer makes way for the graph it asked for
    state.focus = slug;
    state.focusLabel = label;
    state.node = slug;
    delete state.edge;
    forgetViewState();
    if (!state.depth) { state.depth = DEFAULTS.depth; }
    syncControls();
    writeUrl(true);
    load();
  }
  $("xp-unfocus").addEventListener("click", function () {
    delete state.focus; delete state.node; delete state.edge; state.focusLabel = "";
    forgetViewState();
    syncControls(); writeUrl(true); load();
  });
  $("xp-reset").addEventListener("click", function () {
    state = {}; syncControls(); writeUrl(true); load();
  });
  function setPhysicsButton(on) {
    $("xp-physics").setAttribute("aria-pressed", on ? "true" : "false");
    $("xp-physics").textContent = on ? "Physics on" : "Physics off";
  }
  $("xp-physics").addEventListener("click", function () {
    if (!view) { return; }
    var on = !view.physics;
    view.setPhysics(on);
    setPhysicsButton(on);
  });
  $("xp-fit").addEventListener("click", function () { if (view) { fitFree(null, true); } });

  // -- network events ----------------------------------------------------------------------------
  function wireNetwork() {
    view.whenStill = stillness(view);  // a promise-maker: no layout run under way (see restoreView)
    // A double-click is also told by the two clicks' own times: vis-network (hammer.js) times a tap
    // when it gets to handle it, so on a busy page (the first click renders the details; a slow
    // phone) a quick double-click went unnoticed. Whichever notices it first expands, once.
    var lastClick = { id: null, at: -1e9 }, lastExpand = { id: null, at: -1e9 };
    function expandOnce(id) {
      var now = performance.now();
      if (lastExpand.id === id && now - lastExpand.at < 1000) { return; }
      lastExpand = { id: id, at: now };
      expand(id);
    }
    view.network.on("click", function (params) {
      var src = params.event && params.event.srcEvent, at = src && src.timeStamp ? src.timeStamp : performance.now();
      if (params.nodes.length) {
        var id = params.nodes[0], again = lastClick.id === id && at - lastClick.at < 400;
        lastClick = { id: id, at: at };
        selectNode(id);
        if (again) { expandOnce(id); }
      }
      else if (params.edges.length) { lastClick.id = null; selectEdge(params.edges[0]); }
      else { lastClick.id = null; closePanel(); }
    });
    view.network.on("doubleClick", function (params) {
      if (params.nodes.length) { expandOnce(params.nodes[0]); }
    });
    view.network.on("stabilizationIterationsDone", function () { setPhysicsButton(view.physics); });
  }
  function selectNode(id, keepSide) {
    state.node = id; delete state.edge; writeUrl(false); showNode(id);
    if (!keepSide) { panelAwayFrom(nodePoint(id)); }
  }
  function selectEdge(id) {
    state.edge = id; delete state.node; writeUrl(false); showEdge(id);
    var e = view.edgeData(id), a = e && nodePoint(e.from), b = e && nodePoint(e.to);
    if (a && b) { panelAwayFrom({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, r: 6 }); }
  }
  function panelAwayFromSelection() {  // once a link's view is rebuilt, where its selection is drawn
    if (state.node && view.nodeData(state.node)) { panelAwayFrom(nodePoint(state.node)); }
  }
  // Fitting (the Fit button, a path found, a view drawn with its details open) fits the nodes into
  // the part of the canvas the panel leaves free: vis-network's fit knows nothing of the panel and
  // put half of a path under it.
  function fitFree(ids, animate) {
    var net = view.network, panel = $("xp-panel");
    ids = ids || view.nodeView.getIds();
    var animation = animate ? { duration: 400 } : false;
    if (panel.hidden || !ids.length) { net.fit({ nodes: ids, animation: animation }); return; }
    var canvas = $("xp-graph").getBoundingClientRect(), r = panel.getBoundingClientRect();
    var free = { x: 0, y: 0, w: canvas.width, h: canvas.height };
    if (r.width >= canvas.width - 1) {  // a phone's sheet, at the top or the bottom
      free.h = canvas.height - r.height; if (r.top <= canvas.top + 1) { free.y = r.height; }
    } else {
      free.w = canvas.width - r.width; if (r.left <= canvas.left + 1) { free.x = r.width; }
    }
    var at = net.getPositions(ids), xs = [], ys = [];
    Object.keys(at).forEach(function (id) { xs.push(at[id].x); ys.push(at[id].y); });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var MARGIN_X = 70, MARGIN_Y = 36;  // room for the dots and the labels round the outermost
    var scale = Math.min((free.w - 2 * MARGIN_X) / Math.max(x1 - x0, 1), (free.h - 2 * MARGIN_Y) / Math.max(y1 - y0, 1), 1.5);
    scale = Math.max(scale, 0.05);
    // The view position is the graph point drawn at the canvas's centre: put the box's centre at the
    // free part's centre instead.
    var dx = (canvas.width / 2 - (free.x + free.w / 2)) / scale, dy = (canvas.height / 2 - (free.y + free.h / 2)) / scale;
    net.moveTo({ position: { x: (x0 + x1) / 2 + dx, y: (y0 + y1) / 2 + dy }, scale: scale, animation: animation });
  }
  // The panel lies over the canvas so the graph stays still: on the right (a phone: a sheet at the
  // bottom). Where that would cover what was just clicked, it opens on the other side (left, or a
  // sheet at the top): the entity stays in sight, and the second click of a double-click (expand)
  // lands on it, not on the panel. An open panel stays where it is while it covers nothing clicked.
  function nodePoint(id) {  // where a node is drawn, in the canvas's DOM pixels, with its radius
    var pos = view && view.network.getPositions([id])[id];
    if (!pos) { return null; }
    var p = view.network.canvasToDOM(pos), n = view.nodes.get(id);
    return { x: p.x, y: p.y, r: ((n && n.size) || 16) * view.network.getScale() };
  }
  function panelAwayFrom(point) {
    var panel = $("xp-panel");
    if (!point || panel.hidden) { return; }
    var wrap = panel.parentNode.getBoundingClientRect(), box = panel.getBoundingClientRect();
    var sheet = box.width >= wrap.width - 1;  // a phone's sheet spans the width: sides are top and bottom
    var at = sheet ? point.y : point.x, size = sheet ? wrap.height : wrap.width;
    var extent = sheet ? box.height : box.width;
    // Room between the point and the panel's edge, for the panel at the end (right/bottom) or the start.
    var room = { end: size - extent - at, start: at - extent };
    var flipped = panel.classList.contains("xp-panel-flip");
    var current = flipped ? "start" : "end", other = flipped ? "end" : "start";
    if (room[current] >= point.r + 4 || room[current] >= room[other]) { return; }
    panel.classList.toggle("xp-panel-flip", !flipped);
  }
  var LINKS = {
    documents: true,
    entity: function (d) { return "/id/" + encodeURIComponent(d.id); },
    expandHint: "double-click the node, or use Show neighbours"
  };
  function openPanel() { $("xp-panel").hidden = false; $("xp").classList.add("has-panel"); }
  function closePanel(quiet) {
    $("xp-panel").hidden = true; $("xp").classList.remove("has-panel"); $("xp-panel").classList.remove("xp-panel-flip");
    if (!quiet && (state.node || state.edge)) { delete state.node; delete state.edge; writeUrl(false); }
  }
  $("xp-panel-close").addEventListener("click", function () {
    closePanel(); if (view) { view.network.unselectAll(); } $("xp-graph").focus();
  });
  function showNode(id) {
    var body = $("xp-panel-body");
    GV.renderNodePanel(view, id, body, LINKS);
    var d = view.nodeData(id);
    if (!d) { return; }
    decorateNodePanel(id);
    var actions = body.querySelector(".cg-actions") || body.appendChild(el("p", { className: "cg-actions" }));
    var focusBtn = el("button", { type: "button", className: "xp-small" }, "Centre on it");
    focusBtn.addEventListener("click", function () { focusOn(d.id, d.label); });
    var expandBtn = el("button", { type: "button", className: "xp-small secondary" }, "Show neighbours");
    expandBtn.addEventListener("click", function () { expand(d.id); });
    actions.insertBefore(expandBtn, actions.firstChild);
    actions.insertBefore(focusBtn, actions.firstChild);
    openPanel();
  }
  function showEdge(id) {
    GV.renderEdgePanel(view, id, $("xp-panel-body"), LINKS);
    decorateEdgePanel(id);
    openPanel();
  }
  $("xp-panel-body").addEventListener("click", function (event) {
    var target = event.target.closest("[data-node]");
    if (!target || !view) { return; }
    var id = target.getAttribute("data-node");
    view.network.selectNodes([id]);
    view.network.focus(id, { scale: Math.max(view.network.getScale(), 0.9), animation: { duration: 350 } });
    selectNode(id, true);  // it is being centred: the panel stays where the reader's pointer is
  });

  function viewUrl(extra) {
    var s = {}; SPEC_KEYS.forEach(function (k) { if (state[k]) { s[k] = state[k]; } });
    delete s.focus; delete s.depth; delete s.types; delete s.since; delete s.until; delete s.layout;
    return "/api/view?" + specParams(s, extra).toString();
  }
  function expand(id) {
    toast("Adding the neighbours of " + ((view.nodeData(id) || {}).label || id) + "…");
    mergeNeighbours(view, id).then(function (added) {
      if (!added) { return; }
      rememberExpanded(id);
      toast(added.nodes ? "Added " + added.nodes + " entities and " + added.edges + " relations" : "No new neighbours");
      if (state.node === id) { showNode(id); }
    }).catch(function (err) { toast("Could not expand: " + err.message); });
  }
  function mergeNeighbours(target, id) {
    return fetchJson(viewUrl({ focus: id, depth: 1 })).then(function (more) {
      if (target !== view) { return null; }  // another view was drawn meanwhile
      var added = view.merge(more, id);
      applyClientFilters();
      renderLegend();
      updateCounts();
      return added;
    });
  }

  // -- autocomplete ------------------------------------------------------------------------------
  function localMatches(q) {
    if (!view) { return []; }
    q = q.toLowerCase();
    return view.nodes.get().map(function (n) { return n.data; }).filter(function (d) {
      return [d.label, d.label_zh].concat(d.aliases || []).some(function (s) { return s && s.toLowerCase().indexOf(q) >= 0; });
    }).slice(0, 12).map(function (d) { return { slug: d.id, label: d.label, label_zh: d.label_zh, type: d.type }; });
  }
  var searchApi = true;
  function suggest(q) {
    if (!searchApi) { return Promise.resolve(localMatches(q)); }
    return fetchJson("/api/search?limit=12&q=" + encodeURIComponent(q)).then(function (body) {
      var hits = Array.isArray(body) ? body : (body.results || body.items || body.hits || []);
      return hits.map(function (h) { return { slug: h.slug, label: h.label, label_zh: h.label_zh, type: h.type, matched: h.matched }; });
    }).catch(function (err) {
      if (err.status === 404 || err.status === 405) { searchApi = false; }
      return localMatches(q);
    });
  }
  function combobox(input, list, onPick) {
    var items = [], active = -1, timer = null, seq = 0, heading = "";
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function render() {
      list.textContent = "";
      if (heading) { list.appendChild(el("li", { className: "muted xp-suggest-note", role: "option", "aria-disabled": "true" }, heading)); }
      items.forEach(function (h, i) {
        var li = el("li", { role: "option", id: list.id + "-" + i, "aria-selected": i === active ? "true" : "false" });
        li.appendChild(el("span", { className: "label" }, h.label));
        if (h.label_zh) { li.appendChild(el("span", { className: "zh", lang: "zh" }, h.label_zh)); }
        if (h.type) { li.appendChild(el("span", { className: "type" }, String(h.type).replace(/([a-z0-9])([A-Z])/g, "$1 $2"))); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      if (!items.length && input.value.trim() && !heading) {
        list.appendChild(el("li", { className: "muted", role: "option", "aria-disabled": "true" }, "No entity found"));
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) { input.setAttribute("aria-activedescendant", list.id + "-" + active); }
    }
    function pick(i) {
      var h = items[i]; if (!h) { return; }
      input.value = h.label; input.dataset.slug = h.slug; close(); onPick(h);
    }
    input.addEventListener("input", function () {
      delete input.dataset.slug;
      heading = "";
      var q = input.value.trim();
      window.clearTimeout(timer);
      if (!q) { close(); return; }
      timer = window.setTimeout(function () {
        var mine = ++seq;
        suggest(q).then(function (hits) { if (mine === seq) { items = hits; active = hits.length ? 0 : -1; render(); } });
      }, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) { pick(active); } else { resolveTyped(); }
        e.preventDefault();
      }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
    // A name typed in full without picking a suggestion: pick the entity it names, or say why not
    // (offering the candidates in the list). Resolves to the entity, or to null with a message.
    function resolveTyped() {
      var q = input.value.trim();
      window.clearTimeout(timer); seq++;
      if (input.dataset.slug) { return Promise.resolve({ hit: { slug: input.dataset.slug, label: q } }); }
      if (!q) { return Promise.resolve({ hit: null, message: "" }); }
      return resolveName(q).then(function (r) {
        if (r.exact.length === 1) { items = r.exact; heading = ""; pick(0); return { hit: r.exact[0] }; }
        var message = r.exact.length > 1
          ? "“" + q + "” names " + r.exact.length + " entities: which one?"
          : "No entity named “" + q + "”" + (r.others.length ? "; did you mean " + r.others.map(function (h) { return h.label; }).join(", ") + "?" : ".");
        items = r.exact.length > 1 ? r.exact : r.others; heading = message; active = -1; render();
        return { hit: null, message: message };
      });
    }
    return { resolveTyped: resolveTyped };
  }
  // Names compare without case and spaces ("chengdu  customs" names Chengdu Customs; 成都海关 too).
  function normalName(s) { return String(s || "").normalize("NFKC").toLowerCase().replace(/\s+/g, ""); }
  function resolveName(q) {
    return suggest(q).then(function (hits) {
      var key = normalName(q), exact = [], seen = {};
      hits.forEach(function (h) {
        if (seen[h.slug]) { return; }
        if ([h.label, h.label_zh, h.matched].some(function (n) { return n && normalName(n) === key; })) { seen[h.slug] = true; exact.push(h); }
      });
      return { exact: exact, others: hits.filter(function (h) { return !seen[h.slug]; }).slice(0, 3) };
    });
  }
  var searchBox = combobox($("xp-q"), $("xp-q-list"), function (h) { focusOn(h.slug, h.label); });
  var fromBox = combobox($("xp-from"), $("xp-from-list"), function (h) { state.from = h.slug; writeUrl(false); });
  var toBox = combobox($("xp-to"), $("xp-to-list"), function (h) { state.to = h.slug; writeUrl(false); });

  // -- path finder -------------------------------------------------------------------------------
  function labelOf(slug) { var d = view && view.nodeData(slug); return d ? d.label : slug; }
  $("xp-path-go").addEventListener("click", function () {
    // Each end: the suggestion picked, the entity already chosen (its label still in the box), or
    // the name typed in full.
    function end(box, input, key) {
      if (input.dataset.slug) { return Promise.resolve({ hit: { slug: input.dataset.slug } }); }
      if (state[key] && input.value.trim() === labelOf(state[key])) { return Promise.resolve({ hit: { slug: state[key] } }); }
      if (!input.value.trim()) { delete state[key]; return Promise.resolve({ hit: null, message: "" }); }
      return box.resolveTyped();
    }
    Promise.all([end(fromBox, $("xp-from"), "from"), end(toBox, $("xp-to"), "to")]).then(function (ends) {
      var messages = ends.map(function (r) { return r.message; }).filter(Boolean);
      if (messages.length) { renderPathMessage(messages.join(" ")); return; }
      if (!ends[0].hit || !ends[1].hit) { renderPathMessage("Name two entities (type a name, or pick a suggestion)."); return; }
      state.from = ends[0].hit.slug; state.to = ends[1].hit.slug;
      delete state.path;
      writeUrl(false);
      findPaths(true);
    }).catch(function (err) { renderPathMessage("Could not look the names up: " + err.message); });
  });
  $("xp-path-clear").addEventListener("click", function () {
    delete state.from; delete state.to; delete state.path; paths = [];
    $("xp-from").value = ""; $("xp-to").value = ""; delete $("xp-from").dataset.slug; delete $("xp-to").dataset.slug;
    $("xp-paths").textContent = "";
    if (view) { view.clearHighlight(); }
    writeUrl(false);
  });
  function renderPathMessage(text) { $("xp-paths").textContent = ""; $("xp-paths").appendChild(el("p", { className: "muted" }, text)); }
  function findPaths(fit) {
    if (!$("xp-from").value) { $("xp-from").value = labelOf(state.from); }
    if (!$("xp-to").value) { $("xp-to").value = labelOf(state.to); }
    renderPathMessage("Searching…");
    var url = "/api/paths?source=" + encodeURIComponent(state.from) + "&target=" + encodeURIComponent(state.to);
    return fetchJson(url).then(function (body) {
      var seen = {};
      paths = (body.shortest || []).concat(body.simple || []).filter(function (p) {
        var key = p.hops.map(function (h) { return h.subject + h.predicate + h.object; }).join("|");
        if (seen[key]) { return false; } seen[key] = true; return true;
      });
      if (body.source) { $("xp-from").value = body.source.label; }
      if (body.target) { $("xp-to").value = body.target.label; }
      if (!paths.length) { renderPathMessage("No path links these two entities."); if (view) { view.clearHighlight(); } return; }
      var chosen = Math.min(Math.max((parseInt(state.path, 10) || 1) - 1, 0), paths.length - 1);
      return showPath(chosen, fit);
    }).catch(function (err) { renderPathMessage("Path search failed: " + err.message); });
  }
  function ensureOnCanvas(path) {
    var slugOf = {};
    path.nodes.forEach(function (n) { slugOf[n.id] = n.slug; });
    var missing = path.nodes.filter(function (n) { return !view.nodeData(n.slug); });
    var order = path.nodes.map(function (n) { return n.slug; });
    return Promise.all(missing.map(function (n) { return fetchJson(viewUrl({ focus: n.slug, depth: 0 })); })).then(function (parts) {
      // A one-entity view is laid out at (0, 0), where the focus often is: each is put beside its
      // neighbour on the path instead (in path order, so that neighbour is on the canvas by then).
      parts.forEach(function (part, i) {
        var k = order.indexOf(missing[i].slug), near = null, j;
        for (j = k - 1; j >= 0 && !near; j--) { if (view.nodeData(order[j])) { near = order[j]; } }
        for (j = k + 1; j < order.length && !near; j++) { if (view.nodeData(order[j])) { near = order[j]; } }
        (part.nodes || []).forEach(function (n) { delete n.x; delete n.y; });
        view.merge(part, near);
      });
      var edgeIds = path.hops.map(function (h) {
        var from = slugOf[h.subject], to = slugOf[h.object];
        var found = view.edges.get({ filter: function (e) { return e.from === from && e.to === to && e.data.predicate === h.predicate; } });
        if (found.length) { return found[0].id; }
        var id = "path:" + from + ">" + h.predicate + ">" + to;
        var evIds = (h.evidence || []).map(function (ev) { view.evidence[ev.iri] = ev; return ev.iri; });
        view.merge({ nodes: [], edges: [{ id: id, from: from, to: to, label: h.predicate_label, predicate: h.predicate,
                                         evidence: evIds, title: h.predicate_label }], evidence: {} });
        return id;
      });
      applyClientFilters();
      return { nodes: path.nodes.map(function (n) { return n.slug; }), edges: edgeIds };
    });
  }
  function showPath(index, fit) {
    var path = paths[index], target = view;
    return ensureOnCanvas(path).then(function (ids) {
      view.highlightPath(ids.nodes, ids.edges);
      renderPaths(index);
      // Fitted once the entities just added have found their places (a short layout run).
      if (fit !== false) { return target.whenStill().then(function () { if (target === view) { fitFree(ids.nodes, true); } }); }
      return null;
    });
  }
  function renderPaths(activeIndex) {
    var box = $("xp-paths");
    box.textContent = "";
    var path = paths[activeIndex];
    box.appendChild(el("p", { className: "muted" }, "Path " + (activeIndex + 1) + " of " + paths.length + ", " + path.length +
                       " step" + (path.length === 1 ? "" : "s") + " (highlighted); each step with its source sentence:"));
    var ol = el("ol", { className: "xp-hops" });
    var labels = {};
    path.nodes.forEach(function (n) { labels[n.id] = n.label; });
    path.hops.forEach(function (h) {
      var li = el("li", { className: "xp-hop" });
      var line = el("div");
      line.appendChild(el("strong", null, labels[h.subject] || h.subject));
      line.appendChild(document.createTextNode(" " + h.predicate_label + " "));
      line.appendChild(el("strong", null, labels[h.object] || h.object));
      li.appendChild(line);
      (h.evidence || []).slice(0, 2).forEach(function (ev) { li.appendChild(GV.evidenceBlock(ev, LINKS)); });
      ol.appendChild(li);
    });
    box.appendChild(ol);
    if (paths.length > 1) {
      box.appendChild(el("p", { className: "muted" }, "Other paths:"));
      paths.slice(0, 10).forEach(function (p, i) {
        var b = el("button", { type: "button", className: "xp-path-choice", "aria-pressed": i === activeIndex ? "true" : "false" },
                   p.length + " step" + (p.length === 1 ? "" : "s") + ": " + p.nodes.map(function (n) { return n.label; }).join(" → "));
        b.addEventListener("click", function () {
          if (i) { state.path = String(i + 1); } else { delete state.path; }
          writeUrl(false);
          showPath(i, true);
        });
        box.appendChild(b);
      });
    }
  }

  // -- the view in the link: what the reader did to it, replayed when the link is opened ------------
  // x: the entities expanded, in order; path: the path chosen among those found (1-based);
  // at: the zoom and the centre of the view, in graph coordinates. Replaying the expansions in their
  // order rebuilds the same canvas: the server's layout and vis-network's seeded physics are
  // deterministic. Type lists that would make the link long are written as unique prefixes.
  var TYPES_SPELLED_OUT_UP_TO = 120;  // characters
  function typeNames() { return allTypes.map(function (t) { return t.type; }); }
  function compactTypes(list) {
    var full = list.join(",");
    if (full.length <= TYPES_SPELLED_OUT_UP_TO) { return full; }
    var names = typeNames();
    return list.map(function (name) {
      for (var n = Math.min(3, name.length); n < name.length; n++) {
        var prefix = name.slice(0, n);
        if (names.filter(function (o) { return o.indexOf(prefix) === 0; }).length === 1) { return prefix; }
      }
      return name;
    }).join(",");
  }
  function expandTypes(tokens) {
    var names = typeNames();
    return tokens.map(function (token) {
      if (names.indexOf(token) >= 0) { return token; }
      var found = names.filter(function (o) { return o.indexOf(token) === 0; });
      return found.length === 1 ? found[0] : token;
    });
  }
  // What the server is told (exports, embeds): type names in full.
  function serverState() {
    var s = Object.assign({}, state);
    if (s.types) { s.types = expandTypes(s.types.split(",").filter(Boolean)).join(","); }
    return s;
  }
  function forgetViewState() { delete state.x; delete state.at; delete state.path; }
  function expandedList() { return state.x ? state.x.split(",").filter(Boolean) : []; }
  function rememberExpanded(id) {
    var list = expandedList();
    if (list.indexOf(id) < 0) { list.push(id); }
    state.x = list.join(",");
    writeUrl(false);
  }
  function recordAt() {
    if (!view || !view.restored) { return; }  // not while the link's own view is being rebuilt
    var centre = view.network.getViewPosition();
    state.at = [Number(view.network.getScale().toPrecision(3)), Math.round(centre.x), Math.round(centre.y)].join(",");
    writeUrl(false);
  }
  function applyAt(text) {
    var parts = String(text || "").split(",").map(Number);
    if (parts.length !== 3 || parts.some(isNaN) || parts[0] <= 0) { return; }
    view.network.moveTo({ scale: parts[0], position: { x: parts[1], y: parts[2] }, animation: false });
  }
  // A promise for "no stabilization runs now". vis-network starts one on a timer after merges and
  // at first draw, so look a moment later; it fits the view when done, which must come before ours.
  function stillness(target) {
    var running = 0, waiting = [];
    target.network.on("startStabilizing", function () { running++; });
    target.network.on("stabilizationIterationsDone", function () {
      running = Math.max(0, running - 1);
      if (!running) { waiting.splice(0).forEach(function (resolve) { resolve(); }); }
    });
    return function () {
      return new Promise(function (resolve) {
        window.setTimeout(function () { if (running) { waiting.push(resolve); } else { resolve(); } }, 40);
      });
    };
  }
  function restoreView(target) {
    var whenStill = stillness(target);
    var timer = null;
    var later = function () { window.clearTimeout(timer); timer = window.setTimeout(recordAt, 250); };
    target.network.on("zoom", later);
    target.network.on("dragEnd", function (p) { if (!p.nodes || !p.nodes.length) { later(); } });
    target.restored = false;
    var at = state.at;
    var mine = function () { return target === view; };
    var chain = whenStill();
    expandedList().forEach(function (id) {
      chain = chain.then(function () {
        if (!mine() || !view.nodeData(id)) { return null; }  // no longer in this view: skip it
        return mergeNeighbours(target, id).then(whenStill);
      });
    });
    return chain.then(function () {
      if (mine() && state.from && state.to) { return findPaths(false); }
      return null;
    }).then(function () {
      if (!mine()) { return null; }
      if ($("xp-panel").hidden && (state.node || state.edge)) { restoreSelection(); }  // an expanded one
      return whenStill();
    }).then(function () {
      if (!mine()) { return; }
      if (at) { applyAt(at); } else if (!$("xp-panel").hidden) { fitFree(null, false); }
      target.restored = true;
      panelAwayFromSelection();
    }).catch(function (err) {
      if (mine()) { target.restored = true; toast("Could not rebuild the whole view: " + err.message); }
    });
  }

  // -- exports, links and embeds -----------------------------------------------------------------
  function updateExportLinks() {
    var qs = specParams(serverState()).toString();
    document.querySelectorAll("#xp-export a[data-format]").forEach(function (a) {
      a.setAttribute("href", "/api/export/view." + a.getAttribute("data-format") + (qs ? "?" + qs : ""));
    });
  }
  $("xp-png").addEventListener("click", function () {
    var canvas = $("xp-graph").querySelector("canvas");
    if (!canvas) { return; }
    var out = document.createElement("canvas");
    out.width = canvas.width; out.height = canvas.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    var a = el("a", { href: out.toDataURL("image/png"), download: "coopgraph-" + (state.focus || "graph") + ".png" });
    document.body.appendChild(a); a.click(); a.remove();
    $("xp-export").open = false;
  });
  function copy(text, done) {
    var fallback = function () {
      var t = $("xp-embed-code"); var old = t.value; t.value = text; t.select();
      try { document.execCommand("copy"); done(); } catch (e) { toast("Select the text and copy it"); }
      t.value = old;
    };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); } else { fallback(); }
  }
  $("xp-link").addEventListener("click", function () {
    recordAt();  // the zoom and position as they are now, even if no event reported them yet
    copy(window.location.href, function () { toast("Link copied"); });
  });
  function attr(s) { return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function embedCode() {
    var qs = specParams(serverState()).toString();
    var src = window.location.origin + "/embed" + (qs ? "?" + qs : "");
    var title = (view && view.data.title) || "coopgraph view";
    return { src: src, html: '<iframe src="' + attr(src) + '" width="100%" height="500" style="border:0" loading="lazy" title="' + attr(title) + '"></iframe>' };
  }
  $("xp-embed").addEventListener("click", function () {
    var code = embedCode();
    $("xp-embed-code").value = code.html;
    $("xp-embed-preview").setAttribute("href", code.src);
    $("xp-embed-box").hidden = false;
    $("xp-embed-code").focus(); $("xp-embed-code").select();
    copy(code.html, function () { toast("Embed code copied"); });
  });
  $("xp-embed-copy").addEventListener("click", function () { copy($("xp-embed-code").value, function () { toast("Embed code copied"); }); });
  $("xp-embed-close").addEventListener("click", function () { $("xp-embed-box").hidden = true; $("xp-embed").focus(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { $("xp-export").open = false; $("xp-embed-box").hidden = true; }
  });

  // vis-network focuses its own frame on every click (for its keyboard controls), and Chromium then
  // draws its focus ring round the whole graph. The ring is for keyboard users: say which input came
  // last, and explorer.css rings the frame only after a key.
  document.addEventListener("keydown", function () { document.documentElement.setAttribute("data-input", "keyboard"); }, true);
  document.addEventListener("pointerdown", function () { document.documentElement.setAttribute("data-input", "pointer"); }, true);

  // -- layout: the sidebar drawer (phones), floating suggestions, the colour key ----------------------
  // On a narrow screen the sidebar is a drawer over the graph (explorer.css); on a wide one these
  // do nothing visible.
  function setDrawer(open) {
    $("xp").classList.toggle("side-open", open);
    $("xp-side-open").setAttribute("aria-expanded", open ? "true" : "false");
  }
  function drawerOpen() { return $("xp").classList.contains("side-open"); }
  $("xp-side-open").addEventListener("click", function () {
    setDrawer(!drawerOpen());
    if (drawerOpen()) { $("xp-q").focus(); }
  });
  $("xp-side-close").addEventListener("click", function () { setDrawer(false); $("xp-side-open").focus(); });
  document.addEventListener("keydown", function (e) {
    // Escape in a search box closes its suggestions only.
    if (e.key !== "Escape" || !drawerOpen() || (e.target.getAttribute && e.target.getAttribute("role") === "combobox")) { return; }
    setDrawer(false); $("xp-side-open").focus();
  });

  // The sidebar scrolls, so it clips what overflows it: the suggestion list is fixed to the viewport
  // instead, under its input and wider than the sidebar, so long and Chinese names fit on a line.
  function placeSuggestList(input, list) {
    var r = input.getBoundingClientRect();
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var width = Math.min(Math.max(r.width, 540), vw - 16);
    list.classList.add("xp-floating");
    list.style.left = Math.max(8, Math.min(r.left, vw - 8 - width)) + "px";
    list.style.top = r.bottom + "px";
    list.style.width = width + "px";
    list.style.maxHeight = Math.max(160, Math.min(420, vh - r.bottom - 12)) + "px";
  }
  function floatSuggestList(input, list) {
    var place = function () { if (!list.hidden) { placeSuggestList(input, list); } };
    new MutationObserver(place).observe(list, { attributes: true, attributeFilter: ["hidden"], childList: true });
    window.addEventListener("resize", place);
    $("xp-side").addEventListener("scroll", place);
  }
  [["xp-q", "xp-q-list"], ["xp-from", "xp-from-list"], ["xp-to", "xp-to-list"]].forEach(function (pair) {
    floatSuggestList($(pair[0]), $(pair[1]));
  });

  // Colouring by community: a key above the canvas (never over a node), each community named as
  // /api/communities names it (after its most central member). The view's legend carries the names
  // of the communities it drew; those that expanding added are asked of /api/communities once.
  var communityNames = {};
  var communityNamesAsked = false;
  function renderColourKey(data, nodeData) {
    var box = $("xp-key");
    box.textContent = "";
    if (!data || !data.legend || data.legend.colour_by !== "community") { box.hidden = true; return; }
    (data.legend.communities || []).forEach(function (c) { if (c.name || c.label) { communityNames[c.community] = c.name || c.label; } });
    var groups = {}, order = [];
    nodeData.forEach(function (n) {
      if (n.community === null || n.community === undefined) { return; }
      if (!groups[n.community]) { groups[n.community] = { id: n.community, colour: n.colour, count: 0 }; order.push(n.community); }
      groups[n.community].count += 1;
    });
    order.sort(function (a, b) { return groups[b].count - groups[a].count || a - b; });
    var unnamed = order.filter(function (c) { return !communityNames[c]; });
    if (unnamed.length && !communityNamesAsked) {
      communityNamesAsked = true;
      fetchJson("/api/communities?members=1&limit=1000").then(function (body) {
        (body.communities || []).forEach(function (c) { communityNames[c.id] = c.name; });
        if (view) { renderColourKey(view.data, view.nodes.get().map(function (n) { return n.data; })); }
      }).catch(function () { /* the numbered fallback stays */ });
    }
    box.appendChild(el("span", { className: "xp-key-title" }, "Communities"));
    var ul = el("ul");
    order.forEach(function (c) {
      var name = communityNames[c] || "Community " + (Number(c) + 1);
      var li = el("li", { className: "xp-key-item", "data-community": String(c), title: name + " (" + groups[c].count + ")" });
      var sw = el("span", { className: "cg-swatch", "aria-hidden": "true" });
      sw.style.background = groups[c].colour || "#9aa5b1";
      li.appendChild(sw);
      li.appendChild(el("span", { className: "cg-legend-label" }, name));
      li.appendChild(el("span", { className: "cg-legend-count" }, String(groups[c].count)));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.hidden = order.length === 0;
  }

  // -- start -------------------------------------------------------------------------------------
  if (periodError(state.since, state.until)) {  // a link with an inverted period: say so, apply none
    showPeriodError(periodError(state.since, state.until));
    delete state.since; delete state.until;
    config.error = null; config.data = null;  // the server refused the period too: load without it
  }
  syncControls();
  updateExportLinks();
  if (config.error) {
    setLoading(false);
    showEmpty(config.error);
  } else if (config.data && !hasClientFilters()) {
    draw(config.data, loadParams(state).toString());
  } else {
    load();
  }
})();
