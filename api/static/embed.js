/* coopgraph embed: the view of /embed, with a small details panel; links open in a new tab. */
(function () {
  "use strict";
  var GV = window.CoopgraphGraphView;
  var initial = JSON.parse(document.getElementById("em-data").textContent);
  var container = document.getElementById("em-graph");
  var panel = document.getElementById("em-panel");
  var body = document.getElementById("em-panel-body");
  var links = { documents: true, target: "_blank", entity: function (d) { return "/id/" + encodeURIComponent(d.id); } };
  if (initial.fetch) {
    // A large view: its JSON comes from a versioned, cacheable URL (see api/routers/views.py).
    GV.fetchView(initial.fetch, function (text) { document.getElementById("em-loading").textContent = text; })
      .then(start, function (err) { document.getElementById("em-loading").textContent = "Could not load this view: " + err.message; });
  } else {
    start(initial);
  }

  function start(data) {
  var view = GV.create(container, data, { onFirstDraw: function () { document.getElementById("em-loading").hidden = true; } });
  window.coopgraphView = view;
  if (!data.nodes.length) { document.getElementById("em-loading").hidden = true; }
  GV.renderLegend(data, document.getElementById("em-legend"), null, {});
  // A short legend stays open; a long one waits behind its summary so the graph stays visible.
  document.getElementById("em-legend-box").open = data.legend.types.filter(function (t) { return t.count; }).length <= 8;
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
    view.network.focus(id, { scale: Math.max(view.network.getScale(), 0.9), animation: { duration: 300 } });
    GV.renderNodePanel(view, id, body, links);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  }
})();
