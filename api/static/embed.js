/* coopgraph embed: the view of /embed, with a small details panel; links open in a new tab. */
(function () {
  "use strict";
  var GV = window.CoopgraphGraphView;
  var initial = JSON.parse(document.getElementById("em-data").textContent);
  var container = document.getElementById("em-graph");
  var panel = document.getElementById("em-panel");
  var body = document.getElementById("em-panel-body");
  var LEGEND_OPEN_UP_TO = 8;  // entries; more would take a good part of a small iframe
  var LEGEND_OPEN_MIN_HEIGHT = 260;  // px; below it the graph needs every line
  var FIT_MARGIN = 0.92;  // of the fitted scale: labels at the edges stay clear of them
  var links = { documents: true, target: "_blank", entity: function (d) { return "/id/" + encodeURIComponent(d.id); } };
  if (initial.fetch) {
    // A large view: its JSON comes from a versioned, cacheable URL (see api/routers/views.py).
    GV.fetchView(initial.fetch, function (text) { document.getElementById("em-loading").textContent = text; })
      .then(start, function (err) { document.getElementById("em-loading").textContent = "Could not load this view: " + err.message; });
  } else {
    start(initial);
  }

  function start(data) {
  // The legend is a strip under the drawing, laid out before the network exists so the first fit
  // already leaves it out: a short legend is shown, a long one waits behind its button.
  var legend = document.getElementById("em-legend");
  var toggle = document.getElementById("em-legend-toggle");
  // Coloured by community, the colours name communities: the list of types (all drawn alike) goes.
  var byCommunity = data.legend.colour_by === "community" && data.legend.communities.length > 0;
  var entries = byCommunity ? data.legend.communities.length
                            : data.legend.types.filter(function (t) { return t.count; }).length;
  GV.renderLegend(data, legend, null, {});
  legend.classList.toggle("em-by-community", byCommunity);
  toggle.textContent = "Legend (" + entries + ")";
  toggle.hidden = !entries;
  showLegend(entries > 0 && entries <= LEGEND_OPEN_UP_TO && window.innerHeight >= LEGEND_OPEN_MIN_HEIGHT);
  var view = GV.create(container, data, { onFirstDraw: function () { document.getElementById("em-loading").hidden = true; },
                                          overlays: [panel] });  // labels keep clear of the open details
  window.coopgraphView = view;
  if (!data.nodes.length) { document.getElementById("em-loading").hidden = true; }
  // vis-network's own fit knows the labels' extent only once they have been drawn, and leaves no
  // margin: fit again after the first drawing (and after the layout settles), labels included.
  var moved = false;
  function fitAll() {
    view.network.fit({ animation: false });
    view.network.moveTo({ scale: view.network.getScale() * FIT_MARGIN });
    view.fitted = true;
  }
  view.network.once("afterDrawing", fitAll);
  view.network.on("stabilizationIterationsDone", function () { view.network.once("afterDrawing", fitAll); });
  view.network.on("zoom", function () { moved = true; });
  view.network.on("dragEnd", function (p) { if (!p.nodes.length) { moved = true; } });
  // The drawing area changed size (legend shown or hidden, a phone turned, a responsive iframe):
  // fit again, unless the reader has zoomed or panned.
  view.network.on("resize", function () { if (!moved) { fitAll(); } });
  toggle.addEventListener("click", function () { showLegend(legend.hidden); });
  function showLegend(on) { legend.hidden = !on; toggle.setAttribute("aria-expanded", on ? "true" : "false"); }
  function close() { panel.hidden = true; }
  view.network.on("click", function (params) {
    if (params.nodes.length) { GV.renderNodePanel(view, params.nodes[0], body, links); panel.hidden = false; }
    else if (params.edges.length) { GV.renderEdgePanel(view, params.edges[0], body, links); panel.hidden = false; }
    else { close(); }
  });
  document.getElementById("em-panel-close").addEventListener("click", function () { close(); view.network.unselectAll(); });
  body.addEventListener("click", function (event) {
    var target = event.target.closest("[data-node]");
    if (!target) { return; }
    var id = target.getAttribute("data-node");
    view.network.selectNodes([id]);
    moved = true;  // the reader chose this view: a resize keeps it
    view.network.focus(id, { scale: Math.max(view.network.getScale(), 0.9), animation: { duration: 300 } });
    GV.renderNodePanel(view, id, body, links);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  }
})();
