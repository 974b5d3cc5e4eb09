/* coopgraph graph view: draws the JSON of graph/views.py:view_data with vis-network.
 *
 * Shared by the explorer (/), embeds (/embed) and standalone files (coopgraph view, notebooks).
 * Every text from the data goes through textContent or vis-network's plain-text title; nothing
 * from the data is ever parsed as HTML.
 */
(function (root) {
  "use strict";

  var THEMES = {
    light: { font: "#1d2733", stroke: "#ffffff", edge: "#a7b3c0", edgeFont: "#5b6b7c", highlight: "#1f6feb",
             path: "#d6336c", dim: "rgba(170,180,190,0.25)", background: "#ffffff" },
    dark: { font: "#e6edf3", stroke: "#0d1117", edge: "#56606b", edgeFont: "#9aa7b4", highlight: "#58a6ff",
            path: "#ff6b9a", dim: "rgba(80,90,100,0.35)", background: "#0d1117" }
  };
  var EDGE_LABELS_UP_TO = 150;
  var BIG = 500;
  var POLISH_MAX = 150;  // views up to this many nodes get a short polish of the server's layout

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (attrs[key] === null || attrs[key] === undefined) { return; }
        if (key === "className") { node.className = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
      });
    }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function shade(hex, amount) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) { return hex; }
    var n = parseInt(m[1], 16);
    var parts = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(function (c) {
      var v = amount < 0 ? c * (1 + amount) : c + (255 - c) * amount;
      return Math.max(0, Math.min(255, Math.round(v)));
    });
    return "#" + parts.map(function (c) { return ("0" + c.toString(16)).slice(-2); }).join("");
  }

  function dateBounds(value) {
    var parts = String(value).split("-");
    if (parts.length === 1) { return [value + "-01-01", value + "-12-31"]; }
    if (parts.length === 2) { return [value + "-01", value + "-31"]; }
    return [value, value];
  }

  function inPeriod(date, since, until) {
    if (!date || !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(date)) { return true; }
    var b = dateBounds(date);
    if (since && b[1] < dateBounds(since)[0]) { return false; }
    if (until && b[0] > dateBounds(until)[1]) { return false; }
    return true;
  }

  function shortLabel(text) {
    text = String(text || "");
    return text.length > 34 ? text.slice(0, 32).replace(/\s+\S*$/, "") + "…" : text;
  }

  function visNode(n, theme) {
    var colour = n.colour || "#9aa5b1";
    var node = {
      id: n.id, label: shortLabel(n.label), title: n.title, size: n.size || 16, shape: "dot",
      color: { background: colour, border: shade(colour, -0.25),
               highlight: { background: shade(colour, 0.2), border: THEMES[theme].highlight },
               hover: { background: shade(colour, 0.15), border: shade(colour, -0.35) } },
      // Hubs get bigger labels, so the overview reads before zooming in.
      font: { color: THEMES[theme].font, strokeColor: THEMES[theme].stroke,
              size: Math.round(12 + Math.max(0, (n.size || 16) - 12) / 4) },
      data: n
    };
    if (typeof n.x === "number" && typeof n.y === "number") { node.x = n.x; node.y = n.y; }
    return node;
  }

  function visEdge(e, showLabel, theme) {
    var edge = { id: e.id, from: e.from, to: e.to, title: e.title || e.label, data: e,
                 label: showLabel ? e.label : undefined,
                 color: { color: THEMES[theme].edge, highlight: THEMES[theme].highlight, hover: THEMES[theme].highlight } };
    if (e.smooth) { edge.smooth = e.smooth; }
    return edge;
  }

  /* Positions computed by the server (graph/layout.py) let the first frame come at once. */
  function placed(data) {
    return data.nodes.length > 0 && data.nodes.every(function (n) { return typeof n.x === "number" && typeof n.y === "number"; });
  }

  function options(data, count) {
    var theme = THEMES[data.theme] || THEMES.light;
    var big = count > BIG;
    var opts = {
      autoResize: true,
      nodes: { shape: "dot", borderWidth: 1.5, borderWidthSelected: 3,
               font: { size: 14, face: "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif",
                       strokeWidth: 4, color: theme.font, strokeColor: theme.stroke },
               // vis's own node labels: never (drawLabels draws them at one size on screen).
               scaling: { label: { enabled: false, drawThreshold: 1e9 } } },
      edges: { arrows: { to: { enabled: true, scaleFactor: 0.45 } }, width: 1, selectionWidth: 2, hoverWidth: 1.5,
               font: { size: 10, color: theme.edgeFont, strokeWidth: 3, strokeColor: theme.stroke, align: "middle" },
               // Relation names fade in from 9 px on screen to 10 (smaller, they were a grey blur along
               // the edges). No maxVisible cap: past it vis fades the label out (it compares the capped
               // size in canvas units), so zooming in lost the relations' names.
               scaling: { label: { drawThreshold: 10, maxVisible: 1000 } },
               smooth: big ? false : { enabled: true, type: "continuous", roundness: 0.3 } },
      interaction: { hover: !big, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
                     navigationButtons: false, keyboard: { enabled: true, bindToWindow: false } },
      physics: { enabled: true, solver: big ? "barnesHut" : "forceAtlas2Based",
                 forceAtlas2Based: { gravitationalConstant: -70, centralGravity: 0.01, springLength: 130,
                                     springConstant: 0.06, avoidOverlap: 0.4 },
                 barnesHut: { gravitationalConstant: -9000, springLength: 140, avoidOverlap: 0.1 },
                 stabilization: { enabled: true, iterations: big ? 120 : 300, updateInterval: 50, fit: true },
                 minVelocity: 0.75 },
      layout: { improvedLayout: false, randomSeed: 7 }
    };
    if (data.layout === "hierarchical") {
      // Placed in columns by placeInColumns (vis-network's own hierarchy stacks each part of the graph
      // under the last, which makes the fitted view too small to read): drawn as placed.
      opts.physics = { enabled: false };
      opts.edges.smooth = { enabled: true, type: "cubicBezier", forceDirection: "horizontal", roundness: 0.4 };
    } else if (placed(data) && data.layout !== "static" && count <= POLISH_MAX) {
      // A small view: a short stabilization from the server's layout (tens of milliseconds) pulls
      // overlapping labels apart before the first frame; physics goes off once it is done.
      opts.physics.stabilization = { enabled: true, iterations: 40, updateInterval: 40, fit: true };
    } else if (data.layout === "static" || placed(data)) {
      // The server's layout is the layout: drawn at once, no stabilization before the first frame
      // (40 iterations cost ~0.5 s for 300 nodes on a slow machine). Physics stays off until the
      // reader turns it on (the explorer's Physics button).
      opts.physics = { enabled: false };
    }
    return opts;
  }

  /* The hierarchy's levels: steps from the focus over relations either way (a directed sort makes
   * a column of every entity without incoming relations, and the graph has cycles); an entity out of
   * its reach starts its own tree from the best connected entity of its part of the graph. */
  function hierarchyLevels(data) {
    var links = {}, level = {};
    data.nodes.forEach(function (n) { links[n.id] = []; });
    data.edges.forEach(function (e) {
      if (links[e.from] && links[e.to]) { links[e.from].push(e.to); links[e.to].push(e.from); }
    });
    var roots = data.nodes.slice().sort(function (a, b) {
      return (b.id === data.focus) - (a.id === data.focus) || links[b.id].length - links[a.id].length;
    });
    roots.forEach(function (root) {
      if (level[root.id] !== undefined) { return; }
      level[root.id] = 0;
      var queue = [root.id];
      while (queue.length) {
        var id = queue.shift();
        links[id].forEach(function (next) {
          if (level[next] === undefined) { level[next] = level[id] + 1; queue.push(next); }
        });
      }
    });
    return level;
  }

  /* A hierarchy drawn in columns: x is the level, y the order in it (each node near the mean place
   * of its neighbours in the column before, so fewer links cross). All parts of the graph share the
   * columns, so the view is as tall as the tallest column and no taller. The columns are set apart
   * so that, with the view fitted to the container, ~180 px or more separate them on screen: room
   * for a label beside each node. */
  var COLUMN_GAP = 34;
  function placeInColumns(data, width, height) {
    var levels = hierarchyLevels(data), columns = [], links = {};
    data.nodes.forEach(function (n) { links[n.id] = []; (columns[levels[n.id]] = columns[levels[n.id]] || []).push(n); });
    data.edges.forEach(function (e) { if (links[e.from] && links[e.to]) { links[e.from].push(e.to); links[e.to].push(e.from); } });
    var place = {};
    columns.forEach(function (column, level) {
      var key = {};
      column.forEach(function (n, i) {
        var before = links[n.id].filter(function (m) { return levels[m] === level - 1 && place[m] !== undefined; });
        key[n.id] = before.length ? before.reduce(function (sum, m) { return sum + place[m]; }, 0) / before.length : column.length + i;
      });
      column.sort(function (a, b) { return key[a.id] - key[b.id]; });
      column.forEach(function (n, i) { place[n.id] = i; });
    });
    // Down a column, big dots take the room they need.
    var tallest = 0;
    columns.forEach(function (column) {
      var y = 0;
      column.forEach(function (n, i) {
        if (i) { y += Math.max(COLUMN_GAP, (column[i - 1].size || 16) + (n.size || 16) + 6); }
        n.y = y;
      });
      column.forEach(function (n) { n.y -= y / 2; });
      tallest = Math.max(tallest, y);
    });
    var scale = Math.min(1, (height || 500) / (tallest + 80));
    // On screen: 190 px or more between columns (the fit comes out a little smaller than this
    // estimate), more where the width allows (up to 420 px).
    var onScreen = Math.max(190, Math.min(420, ((width || 800) - 260) / Math.max(1, columns.length - 1)));
    var separation = Math.min(3000, onScreen / scale);
    columns.forEach(function (column, level) { column.forEach(function (n) { n.x = level * separation; }); });
  }

  /* -- labels: those that matter, at every zoom ------------------------------------------------
   * vis-network draws every label at the zoom's scale: too small to read when the view is fitted, a
   * pile when zoomed in. Every view (explorer, embeds, entity pages, view files) draws them itself
   * after each frame, at one size on screen: the selected and hovered entities, the path's, the
   * focus, then the most central (by the view's size measure), each at the first place (below its
   * node, above, right, left) where it overlaps no label drawn yet. The others appear as zooming in
   * makes room. ``view.labelsDrawn`` says what was drawn (boxes in CSS pixels of the canvas; tests
   * read it). */
  var LABEL_PX = 12, HUB_LABEL_PX = 13, HUBS = 10;
  var LABEL_FACE = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif";
  function centrality(view, d) {
    var key = view.data.legend && view.data.legend.size_by;
    var value = (d.measures || {})[key && key !== "none" ? key : "degree"];
    return typeof value === "number" ? value : (d.degree || 0);
  }
  function fitText(ctx, text, maxWidth) {
    if (ctx.measureText(text).width <= maxWidth) { return text; }
    var cut = text.length;
    while (cut > 4 && ctx.measureText(text.slice(0, cut) + "…").width > maxWidth) { cut--; }
    return text.slice(0, cut).replace(/[\s,;:–-]+$/, "") + "…";
  }
  function overlaps(a, b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }
  // Boxes in screen cells, so a check looks at the few boxes near it (views may hold 2,000 nodes).
  function boxGrid() {
    var cells = {}, CELL = 64;
    function each(box, fn) {
      for (var cx = Math.floor(box.x / CELL); cx <= Math.floor((box.x + box.w) / CELL); cx++) {
        for (var cy = Math.floor(box.y / CELL); cy <= Math.floor((box.y + box.h) / CELL); cy++) { fn(cx + "," + cy); }
      }
    }
    return {
      add: function (box) { each(box, function (k) { (cells[k] = cells[k] || []).push(box); }); },
      // leeway 0: every box is an obstacle; 1: a dot that is not a hub's is not; 2: no dot is.
      hits: function (box, ignore, leeway) {
        var hit = false;
        each(box, function (k) {
          hit = hit || (cells[k] || []).some(function (o) {
            return o.id !== ignore && !(o.disc && leeway > (o.hub ? 1 : 0)) && overlaps(o, box);
          });
        });
        return hit;
      }
    };
  }
  /* overlays: elements drawn over the canvas (a details panel): a label there would be cut off at
   * their edge, so while one is shown its box is an obstacle. */
  function drawLabels(view, ctx, hovered, overlays) {
    var net = view.network, canvas = ctx.canvas;
    var width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) { return []; }
    var ratio = canvas.width / width, scale = net.getScale(), beside = view.data.layout === "hierarchical";
    var maxWidth = Math.max(110, width * 0.3);  // on a phone, shorter labels leave room for more
    var dim = (THEMES[view.theme] || THEMES.light).dim;
    var selected = {};
    net.getSelectedNodes().forEach(function (id) { selected[id] = true; });
    var nodes = view.nodeView.get({ filter: function (n) { return !n.hidden; } });
    var positions = net.getPositions(nodes.map(function (n) { return n.id; }));
    function central(n) { return centrality(view, n.data); }
    var hubs = nodes.slice().sort(function (a, b) { return central(b) - central(a); }).slice(0, HUBS);
    var isHub = {};
    hubs.forEach(function (n) { isHub[n.id] = true; });
    function rank(n) {
      if (n.id === hovered || selected[n.id]) { return 3; }
      if (n.font && n.font.color === dim) { return 0; }  // dimmed beside a highlighted path
      return n.borderWidth === 4 || n.id === view.focus ? 2 : 1;  // on the highlighted path, or the view's focus
    }
    nodes.sort(function (a, b) { return rank(b) - rank(a) || central(b) - central(a); });
    // Every drawn node is an obstacle: a label covers no other entity's dot (but the hubs' labels,
    // drawn first, may: in a dense centre they would find no room otherwise).
    var grid = boxGrid(), placed = [], screen = {};
    var c = canvas.getBoundingClientRect();
    overlays.forEach(function (o, i) {
      if (!o || o.hidden || !o.getClientRects().length) { return; }
      var r = o.getBoundingClientRect();
      grid.add({ id: "#overlay" + i, x: r.left - c.left, y: r.top - c.top, w: r.width, h: r.height });
    });
    nodes.forEach(function (n) {
      if (!positions[n.id]) { return; }
      var p = screen[n.id] = net.canvasToDOM(positions[n.id]), r = (n.size || 16) * scale;
      if (p.x + r > 0 && p.y + r > 0 && p.x - r < width && p.y - r < height) {
        grid.add({ id: n.id, disc: true, hub: isHub[n.id], x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r });
      }
    });
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);  // CSS pixels: the same size at every zoom
    ctx.textAlign = "left"; ctx.textBaseline = "top"; ctx.lineJoin = "round";
    function place(n, p, r, text, px, passes) {
      var w = ctx.measureText(text).width + 4, h = px + 4;
      var spots = [[p.x - w / 2, p.y + r + 1], [p.x - w / 2, p.y - r - 1 - h], [p.x + r + 3, p.y - h / 2], [p.x - r - 3 - w, p.y - h / 2],
                   [p.x + r * 0.7, p.y + r * 0.7], [p.x + r * 0.7, p.y - r * 0.7 - h], [p.x - r * 0.7 - w, p.y + r * 0.7], [p.x - r * 0.7 - w, p.y - r * 0.7 - h],
                   // Below or above, flush with the dot's left or right edge: in a dense small view
                   // (an embed on a phone) these are often the only free places still beside it.
                   [p.x - r, p.y + r + 1], [p.x + r - w, p.y + r + 1], [p.x - r, p.y - r - 1 - h], [p.x + r - w, p.y - r - 1 - h]];
      if (beside) { spots.unshift(spots.splice(2, 1)[0]); }  // a hierarchy's columns: the label beside its node
      for (var i = 0; i < passes * spots.length; i++) {
        var spot = spots[i % spots.length], box = { x: spot[0], y: spot[1], w: w, h: h };
        if (box.x < 0 || box.y < 0 || box.x + w > width || box.y + h > height) { continue; }
        if (!grid.hits(box, n.id, Math.floor(i / spots.length))) { return box; }
      }
      return null;
    }
    nodes.forEach(function (n) {
      var p = screen[n.id];
      if (!n.label || !p) { return; }
      var r = (n.size || 16) * scale, px = isHub[n.id] ? HUB_LABEL_PX : LABEL_PX;
      ctx.font = (isHub[n.id] ? "600 " : "") + px + "px " + LABEL_FACE;
      // The focus, the selected and the path's entities are named in full where the view allows;
      // the others are shortened, unless their full name has a place that covers no dot and no label.
      var text = fitText(ctx, n.label, rank(n) > 1 ? Math.max(maxWidth, width * 0.6) : maxWidth);
      var full = fitText(ctx, n.label, Math.max(maxWidth, width * 0.6));
      var box = full !== text ? place(n, p, r, full, px, 1) : null;
      if (box) { text = full; }
      // A place clear of every dot if there is one; else (the labels that matter most only) one
      // clear of the hubs' dots, else one that covers dots but no label: a hub's label does not take
      // the one place another hub had beside it.
      box = box || place(n, p, r, text, px, isHub[n.id] || rank(n) > 1 ? 3 : 1);
      if (!box) { return; }
      box.id = n.id; box.px = px; box.text = text;
      placed.push(box); grid.add(box);
      ctx.strokeStyle = (n.font && n.font.strokeColor) || "#ffffff"; ctx.lineWidth = 4;
      ctx.fillStyle = (n.font && n.font.color) || "#1d2733";
      ctx.strokeText(text, box.x + 2, box.y + 2);
      ctx.fillText(text, box.x + 2, box.y + 2);
    });
    ctx.restore();
    return placed;
  }
  function installLabels(view, overlays) {
    var net = view.network, hovered = null;
    net.on("hoverNode", function (p) { hovered = p.node; });
    net.on("blurNode", function () { hovered = null; });
    net.on("afterDrawing", function (ctx) { view.labelsDrawn = drawLabels(view, ctx, hovered, overlays); });
  }

  /* The view: a vis Network over DataSets, with filters that hide without refetching.
   * settings: onFirstDraw(view), onStabilized(view), overlays (elements laid over the canvas, such
   * as a details panel, that labels keep clear of while shown). */
  function create(container, data, settings) {
    settings = settings || {};
    var vis = root.vis;
    var theme = THEMES[data.theme] ? data.theme : "light";
    var nodes = new vis.DataSet();
    var edges = new vis.DataSet();
    var evidence = {};
    var hiddenTypes = {};
    var period = { since: null, until: null };
    var highlighted = null;
    var showLabels = data.edges.length <= EDGE_LABELS_UP_TO;

    function visible(node) {
      var d = node.data;
      return !hiddenTypes[d.type || ""] && (d.id === view.focus || inPeriod(d.date, period.since, period.until));
    }
    var nodeView = new vis.DataView(nodes, { filter: visible });
    var edgeView = new vis.DataView(edges, { filter: function (e) {
      var a = nodes.get(e.from), b = nodes.get(e.to);
      return a && b && visible(a) && visible(b);
    } });

    var view = {
      nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, evidence: evidence, data: data,
      focus: data.focus, theme: theme, firstDrawMs: null, stabilizedMs: null, network: null
    };

    function add(d) {
      Object.keys(d.evidence || {}).forEach(function (k) { evidence[k] = d.evidence[k]; });
      var newNodes = d.nodes.filter(function (n) { return !nodes.get(n.id); }).map(function (n) { return visNode(n, theme); });
      var newEdges = d.edges.filter(function (e) { return !edges.get(e.id); }).map(function (e) { return visEdge(e, showLabels, theme); });
      nodes.add(newNodes);
      edges.add(newEdges);
      return { nodes: newNodes.length, edges: newEdges.length };
    }
    if (data.layout === "hierarchical" && data.nodes.length) { placeInColumns(data, container.clientWidth, container.clientHeight); }
    add(data);

    var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options(data, data.nodes.length));
    view.network = network;
    installLabels(view, settings.overlays || []);
    if (placed(data)) { network.fit({ animation: false }); }
    network.once("afterDrawing", function () {
      view.firstDrawMs = performance.now();
      container.setAttribute("data-drawn", "true");
      if (settings.onFirstDraw) { settings.onFirstDraw(view); }
    });
    network.on("stabilizationIterationsDone", function () {
      view.stabilizedMs = performance.now();
      // Physics off once settled: a still graph costs no CPU and stays where the reader put it
      // (the explorer's Physics button turns it back on).
      network.setOptions({ physics: { enabled: false } }); view.physics = false;
      if (settings.onStabilized) { settings.onStabilized(view); }
    });
    view.physics = data.layout === "physics" && !placed(data);

    view.merge = function (more, near) {
      if (near && nodes.get(near)) {
        var at = network.getPositions([near])[near];
        (more.nodes || []).forEach(function (n, i) {
          if (typeof n.x !== "number" && !nodes.get(n.id)) {
            var angle = (i / Math.max(more.nodes.length, 1)) * 2 * Math.PI;
            n.x = at.x + 160 * Math.cos(angle); n.y = at.y + 160 * Math.sin(angle);
          }
        });
      }
      var added = add(more);
      if (added.nodes && view.physics === false && data.layout === "physics") { network.stabilize(80); }
      return added;
    };
    view.setHiddenTypes = function (types) {
      hiddenTypes = {};
      (types || []).forEach(function (t) { hiddenTypes[t] = true; });
      nodeView.refresh(); edgeView.refresh();
    };
    view.setPeriod = function (since, until) {
      period = { since: since || null, until: until || null };
      nodeView.refresh(); edgeView.refresh();
    };
    view.visibleCount = function () { return nodeView.length; };
    view.setPhysics = function (on) {
      view.physics = !!on;
      network.setOptions({ physics: { enabled: !!on } });
    };
    view.fit = function () { network.fit({ animation: { duration: 300 } }); };
    view.highlightPath = function (nodeIds, edgeIds) {
      view.clearHighlight();
      var onPath = {}, edgeOnPath = {};
      nodeIds.forEach(function (id) { onPath[id] = true; });
      edgeIds.forEach(function (id) { edgeOnPath[id] = true; });
      var t = THEMES[theme];
      highlighted = { nodes: nodes.get().map(function (n) { return { id: n.id, color: n.color, font: n.font }; }),
                      edges: edges.get().map(function (e) { return { id: e.id, color: e.color, width: e.width }; }) };
      nodes.update(nodes.get().filter(function (n) { return !onPath[n.id]; }).map(function (n) {
        return { id: n.id, color: { background: t.dim, border: t.dim }, font: { color: t.dim, strokeColor: t.stroke } };
      }));
      nodes.update(nodeIds.map(function (id) {
        var n = nodes.get(id);
        return n ? { id: id, color: { background: n.color.background, border: t.path }, borderWidth: 4 } : null;
      }).filter(Boolean));
      edges.update(edges.get().map(function (e) {
        return edgeOnPath[e.id] ? { id: e.id, color: { color: t.path, highlight: t.path }, width: 4 }
                                : { id: e.id, color: { color: t.dim, highlight: t.dim }, width: 1 };
      }));
    };
    view.clearHighlight = function () {
      if (!highlighted) { return; }
      nodes.update(highlighted.nodes.map(function (n) { return { id: n.id, color: n.color, font: n.font, borderWidth: 1.5 }; }));
      edges.update(highlighted.edges.map(function (e) { return { id: e.id, color: e.color, width: 1 }; }));
      highlighted = null;
    };
    view.nodeData = function (id) { var n = nodes.get(id); return n ? n.data : null; };
    view.edgeData = function (id) { var e = edges.get(id); return e ? e.data : null; };
    view.edgesOf = function (id) {
      return edges.get({ filter: function (e) { return e.from === id || e.to === id; } }).map(function (e) { return e.data; });
    };
    return view;
  }

  /* -- side panels (DOM only, text via textContent) ------------------------------------------- */
  function evidenceBlock(ev, links) {
    var box = el("div", { className: "cg-evidence" });
    box.appendChild(el("blockquote", { className: "evidence" }, ev.quote || "(no quote recorded)"));
    var source = el("p", { className: "cg-source muted" });
    if (ev.url && links && links.documents) {
      var a = el("a", { href: ev.url, target: links.target || null, rel: "noopener" }, ev.document_title || ev.document || "source");
      source.appendChild(document.createTextNode("Source: "));
      source.appendChild(a);
    } else {
      source.textContent = "Source: " + (ev.document_title || ev.document || "unknown");
    }
    box.appendChild(source);
    // A quote that only implies its fact says so, with the curator's note on what the text does say.
    if (ev.implied) {
      var implied = el("p", { className: "cg-implied" });
      implied.appendChild(el("strong", null, ev.implied === "knowledge" ? "General knowledge, not stated in the text"
                                                                        : "Implied by the text, not stated"));
      if (ev.note) { implied.appendChild(document.createTextNode(": " + ev.note)); }
      box.appendChild(implied);
    }
    return box;
  }

  function relationItem(view, e, id, links) {
    var li = el("li", { className: "cg-relation" });
    var other = e.from === id ? e.to : e.from;
    var otherData = view.nodeData(other);
    var line = el("div", { className: "cg-relation-line" });
    if (e.from === id) {
      line.appendChild(el("span", { className: "cg-predicate" }, e.label));
      line.appendChild(document.createTextNode(" → "));
    } else {
      line.appendChild(document.createTextNode("← "));
      line.appendChild(el("span", { className: "cg-predicate" }, e.label));
      line.appendChild(document.createTextNode(" ← "));
    }
    var target = el("button", { type: "button", className: "cg-link", "data-node": other },
                    otherData ? otherData.label : other);
    line.appendChild(target);
    li.appendChild(line);
    (e.evidence || []).forEach(function (k) { if (view.evidence[k]) { li.appendChild(evidenceBlock(view.evidence[k], links)); } });
    return li;
  }

  function renderNodePanel(view, id, box, links) {
    links = links || {};
    box.textContent = "";
    var d = view.nodeData(id);
    if (!d) { return; }
    var head = el("header", { className: "cg-panel-head" });
    var swatch = el("span", { className: "cg-swatch", "aria-hidden": "true" });
    swatch.style.background = d.colour;
    head.appendChild(swatch);
    var h = el("h2", { className: "cg-title" }, d.label);
    head.appendChild(h);
    box.appendChild(head);
    if (d.label_zh) { box.appendChild(el("p", { className: "cg-zh", lang: "zh" }, d.label_zh)); }
    var meta = el("p", { className: "cg-meta" });
    meta.appendChild(el("span", { className: "pill" }, (d.type || "untyped").replace(/([a-z0-9])([A-Z])/g, "$1 $2")));
    if (d.date) { meta.appendChild(el("span", { className: "pill cg-date" }, d.date)); }
    meta.appendChild(el("span", { className: "muted" }, d.degree + " relation" + (d.degree === 1 ? "" : "s") + " in the graph"));
    box.appendChild(meta);
    var aliases = (d.aliases || []).filter(function (a) { return a !== d.label; });
    if (aliases.length) {
      box.appendChild(el("p", { className: "cg-aliases" }, "Also called: " + aliases.join("; ")));
    }
    if (links.entity) {
      var p = el("p", { className: "cg-actions" });
      p.appendChild(el("a", { href: links.entity(d), target: links.target || null, rel: "noopener", className: "cg-entity-link" },
                       "Entity page: all statements →"));
      box.appendChild(p);
    }
    var rels = view.edgesOf(id);
    var outs = rels.filter(function (e) { return e.from === id; });
    var ins = rels.filter(function (e) { return e.to === id; });
    [["Statements about it", outs], ["Statements pointing to it", ins]].forEach(function (pair) {
      if (!pair[1].length) { return; }
      box.appendChild(el("h3", null, pair[0] + " (" + pair[1].length + ")"));
      var ul = el("ul", { className: "cg-relations" });
      pair[1].forEach(function (e) { ul.appendChild(relationItem(view, e, id, links)); });
      box.appendChild(ul);
    });
    if (rels.length < d.degree) {
      box.appendChild(el("p", { className: "muted cg-more" },
        (d.degree - rels.length) + " more relation(s) not drawn here" + (links.expandHint ? ": " + links.expandHint : ".")));
    }
  }

  function renderEdgePanel(view, id, box, links) {
    links = links || {};
    box.textContent = "";
    var e = view.edgeData(id);
    if (!e) { return; }
    var a = view.nodeData(e.from), b = view.nodeData(e.to);
    box.appendChild(el("h2", { className: "cg-title" }, e.label));
    var line = el("p", { className: "cg-edge-line" });
    line.appendChild(el("button", { type: "button", className: "cg-link", "data-node": e.from }, a ? a.label : e.from));
    line.appendChild(document.createTextNode(" — " + e.label + " → "));
    line.appendChild(el("button", { type: "button", className: "cg-link", "data-node": e.to }, b ? b.label : e.to));
    box.appendChild(line);
    box.appendChild(el("p", { className: "muted cg-predicate-iri" }, e.predicate));
    box.appendChild(el("h3", null, "Evidence (" + (e.evidence || []).length + ")"));
    (e.evidence || []).forEach(function (k) { if (view.evidence[k]) { box.appendChild(evidenceBlock(view.evidence[k], links)); } });
  }

  function renderLegend(data, box, onToggle, hidden) {
    box.textContent = "";
    hidden = hidden || {};
    var list = el("ul", { className: "cg-legend-list" });
    (data.legend.types || []).forEach(function (t) {
      // Types drawn here, and (where types can be toggled) those a filter hides, to show them again.
      if (!t.count && !(onToggle && hidden[t.type])) { return; }
      var li = el("li");
      var button = el("button", { type: "button", className: "cg-legend-item", "data-type": t.type,
                                  "aria-pressed": hidden[t.type] ? "false" : "true",
                                  title: (hidden[t.type] ? "Show " : "Hide ") + t.label });
      var sw = el("span", { className: "cg-swatch", "aria-hidden": "true" });
      sw.style.background = data.legend.colour_by === "type" ? t.colour : "transparent";
      sw.style.borderColor = t.colour;
      button.appendChild(sw);
      button.appendChild(el("span", { className: "cg-legend-label" }, t.label));
      button.appendChild(el("span", { className: "cg-legend-count" }, t.count));
      if (onToggle) { button.addEventListener("click", function () { onToggle(t.type); }); } else { button.disabled = true; }
      li.appendChild(button);
      list.appendChild(li);
    });
    box.appendChild(list);
    if (data.legend.colour_by === "community" && data.legend.communities.length) {
      var cl = el("ul", { className: "cg-legend-list cg-communities" });
      data.legend.communities.forEach(function (c) {
        var li = el("li", { className: "cg-legend-item" });
        var sw = el("span", { className: "cg-swatch", "aria-hidden": "true" });
        sw.style.background = c.colour;
        li.appendChild(sw);
        li.appendChild(el("span", { className: "cg-legend-label" }, c.label));
        li.appendChild(el("span", { className: "cg-legend-count" }, c.count));
        cl.appendChild(li);
      });
      box.appendChild(el("p", { className: "cg-legend-heading muted" }, "Colour: community"));
      box.appendChild(cl);
    }
  }

  /* GET a view's JSON; while the server prepares a large graph it answers 503 with Retry-After,
   * so wait that long (telling the reader through onWait) and ask again. */
  function fetchView(url, onWait) {
    return root.fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.status === 503) {
          var wait = Math.min(Math.max(parseInt(r.headers.get("Retry-After") || "5", 10) || 5, 1), 60);
          if (onWait) { onWait((body.error || "The graph is being prepared") + "…"); }
          return new Promise(function (resolve) { root.setTimeout(resolve, wait * 1000); })
            .then(function () { return fetchView(url, onWait); });
        }
        if (!r.ok) { var e = new Error(body.error || ("HTTP " + r.status)); e.status = r.status; throw e; }
        return body;
      });
    });
  }

  root.CoopgraphGraphView = {
    create: create, fetchView: fetchView, el: el, inPeriod: inPeriod, renderNodePanel: renderNodePanel,
    renderEdgePanel: renderEdgePanel, renderLegend: renderLegend, evidenceBlock: evidenceBlock, THEMES: THEMES
  };
})(window);
