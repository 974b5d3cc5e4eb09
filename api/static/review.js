/* coopgraph review: decide what `coopgraph ingest` found, one item at a time or by reason, then apply.
 *
 * The update token and the reviewer's name are typed once and kept in sessionStorage (this tab only);
 * every POST sends the token as "Authorization: Bearer", as SPARQL Update does. Each answer is the
 * document with every item's decision, so the page shows the new states without reloading.
 * Data reaches the DOM only through textContent and attributes, never as HTML.
 */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var TOKEN_KEY = "coopgraph.updateToken";
  var NAME_KEY = "coopgraph.reviewer";
  var STATE_TEXT = { accept: "accepted", reject: "rejected", "new": "new entity", undecided: "undecided" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined) { return; }
      if (k === "className") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // -- credentials (both pages) -------------------------------------------------------------------
  function stored(key) { try { return window.sessionStorage.getItem(key) || ""; } catch (e) { return ""; } }
  function keep(key, value) {
    try { if (value) { window.sessionStorage.setItem(key, value); } else { window.sessionStorage.removeItem(key); } } catch (e) { /* storage off: typed per page */ }
  }
  [["rv-token", TOKEN_KEY], ["rv-name", NAME_KEY]].forEach(function (pair) {
    var input = $(pair[0]);
    if (!input) { return; }
    input.value = stored(pair[1]);
    input.addEventListener("input", function () { keep(pair[1], input.value.trim()); });
  });

  var configNode = $("rv-config");
  if (!configNode) { return; }  // the list page has nothing more to wire
  var config = JSON.parse(configNode.textContent);
  var busy = false;
  var applied = false;

  function status(text, kind) {
    var box = $("rv-status");
    box.textContent = text;
    box.className = "rv-status" + (kind ? " rv-" + kind : "");
  }

  function post(url, body) {
    var token = $("rv-token").value.trim();
    if (!token) {
      status("Enter the update token first (the one SPARQL Update takes).", "error");
      $("rv-token").focus();
      return Promise.reject(new Error("no token"));
    }
    return fetch(url, {
      method: "POST",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        if (!r.ok) {
          var message = answer.error || ("HTTP " + r.status);
          if (r.status === 401 || r.status === 403) { message = "The server refused the token: " + message; $("rv-token").focus(); }
          status(message, "error");
          var err = new Error(message); err.status = r.status; err.shown = true; throw err;
        }
        return answer;
      });
    });
  }

  // -- showing decisions ---------------------------------------------------------------------------
  function stateText(d) {
    if (!d) { return STATE_TEXT.undecided; }
    if (d.action === "relink") { return "linked to " + (d.label || d.target); }
    return STATE_TEXT[d.action] || d.action;
  }
  function render(doc) {
    var counts = {};
    doc.items.forEach(function (it) {
      var li = $("item-" + it.id);
      if (!li) { return; }
      li.setAttribute("data-state", it.decision ? it.decision.action : "undecided");
      li.querySelector("[data-state-text]").textContent = stateText(it.decision);
      li.querySelectorAll("button[data-action]").forEach(function (b) {
        var action = b.getAttribute("data-action");
        var chosen = it.decision && it.decision.action === action &&
          (action !== "relink" || b.getAttribute("data-target") === it.decision.target);
        if (action !== "pick") { b.setAttribute("aria-pressed", chosen ? "true" : "false"); }
      });
    });
    Object.keys(doc.reasons || {}).forEach(function (r) { counts[r] = doc.reasons[r]; });
    document.querySelectorAll("button[data-accept-all]").forEach(function (b) {
      var n = counts[b.getAttribute("data-accept-all")] || 0;
      b.querySelector(".rv-count").textContent = "(" + n + ")";
      b.disabled = n === 0;
    });
  }

  function decide(li, action, target, label) {
    if (busy) { return; }
    busy = true;
    li.setAttribute("aria-busy", "true");
    post(config.api.decisions, { item: li.getAttribute("data-item"), action: action, target: target || null })
      .then(function (doc) {
        render(doc);
        var what = action === "relink" ? "linked to " + (label || target) : STATE_TEXT[action] || action;
        status(li.getAttribute("data-name") + ": " + what + ".", "ok");
      })
      .catch(function (err) { if (!err.shown && err.message !== "no token") { status("Could not save: " + err.message, "error"); } })
      .then(function () { busy = false; li.removeAttribute("aria-busy"); });
  }

  // -- the entity picker (the search API, as the explorer's search box) -----------------------------
  function picker(li) {
    var box = li.querySelector(".rv-picker");
    var input = box.querySelector("input");
    var list = box.querySelector("ul");
    var items = [], active = -1, timer = null, seq = 0;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
    function show() {
      list.textContent = "";
      items.forEach(function (h, i) {
        var option = el("li", { role: "option", id: list.id + "-" + i, "aria-selected": i === active ? "true" : "false", "data-iri": h.iri });
        option.appendChild(el("span", { className: "label" }, h.label));
        if (h.label_zh) { option.appendChild(el("span", { className: "zh", lang: "zh" }, h.label_zh)); }
        if (h.type) { option.appendChild(el("span", { className: "type" }, h.type)); }
        option.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(option);
      });
      if (!items.length) { list.appendChild(el("li", { className: "muted", role: "option", "aria-disabled": "true" }, "No entity found")); }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) { input.setAttribute("aria-activedescendant", list.id + "-" + active); }
    }
    function pick(i) {
      var h = items[i]; if (!h) { return; }
      input.value = h.label; close();
      box.hidden = true;
      li.querySelector("button[data-action=pick]").setAttribute("aria-expanded", "false");
      decide(li, "relink", h.iri, h.label);
      li.querySelector("button[data-action=pick]").focus();
    }
    if (!box.dataset.wired) {
      box.dataset.wired = "1";
      input.addEventListener("input", function () {
        var q = input.value.trim();
        window.clearTimeout(timer);
        if (!q) { close(); return; }
        timer = window.setTimeout(function () {
          var mine = ++seq;
          fetch(config.api.search + "?limit=10&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (hits) {
              if (mine !== seq) { return; }
              // A name links to an entity, never to a source document.
              items = hits.filter(function (h) { return !/Document$/.test(h.type || ""); });
              active = items.length ? 0 : -1;
              show();
            })
            .catch(function () { if (mine === seq) { items = []; show(); } });
        }, 120);
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; show(); e.preventDefault(); }
        else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; show(); e.preventDefault(); }
        else if (e.key === "Enter") { if (!list.hidden && active >= 0) { pick(active); } e.preventDefault(); }
        else if (e.key === "Escape") { close(); box.hidden = true; li.querySelector("button[data-action=pick]").focus(); }
      });
      input.addEventListener("blur", function () { window.setTimeout(close, 150); });
    }
    return { box: box, input: input };
  }

  // -- wiring ----------------------------------------------------------------------------------------
  document.querySelectorAll(".rv-items").forEach(function (ol) {
    ol.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) { return; }
      var li = button.closest(".rv-item");
      var action = button.getAttribute("data-action");
      if (action === "pick") {
        var p = picker(li);
        p.box.hidden = !p.box.hidden;
        button.setAttribute("aria-expanded", p.box.hidden ? "false" : "true");
        if (!p.box.hidden) { p.input.focus(); }
        return;
      }
      decide(li, action, button.getAttribute("data-target"), button.getAttribute("data-label"));
    });
    // Hovering or focusing an item shows its sentence in the text.
    ["mouseover", "focusin"].forEach(function (type) {
      ol.addEventListener(type, function (event) {
        var li = event.target.closest(".rv-item");
        document.querySelectorAll("mark.rv-region.rv-current").forEach(function (m) { m.classList.remove("rv-current"); });
        var region = li && li.getAttribute("data-region") && $(li.getAttribute("data-region"));
        if (region) { region.classList.add("rv-current"); }
      });
    });
  });

  document.querySelectorAll("button[data-accept-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var reason = button.getAttribute("data-accept-all");
      if (busy) { return; }
      busy = true;
      post(config.api.accept_all, { reason: reason }).then(function (doc) {
        render(doc);
        status("Accepted every undecided name proposed as " + reason + ".", "ok");
      }).catch(function (err) { if (!err.shown && err.message !== "no token") { status("Could not save: " + err.message, "error"); } })
        .then(function () { busy = false; });
    });
  });

  $("rv-apply").addEventListener("click", function () {
    if (busy) { return; }
    busy = true;
    var button = $("rv-apply");
    button.disabled = true;
    status("Writing the accepted facts…");
    post(config.api.apply, { accepted_by: $("rv-name").value.trim() || null }).then(function (answer) {
      var box = $("rv-status");
      box.textContent = "";
      box.className = "rv-status rv-ok";
      var s = answer.summary || {};
      var parts = Object.keys(s).filter(function (k) { return typeof s[k] === "number"; }).map(function (k) { return k.replace(/_/g, " ") + " " + s[k]; });
      box.appendChild(document.createTextNode("Applied, accepted by " + answer.accepted_by +
                                              (parts.length ? " (" + parts.join(" · ") + ")" : "") + ". "));
      box.appendChild(el("a", { href: answer.explorer, id: "rv-explorer-link" }, "See them in the explorer"));
      box.appendChild(document.createTextNode(" · "));
      box.appendChild(el("a", { href: answer.review }, "back to the documents"));
      // The document has left the queue: nothing here can be decided any more.
      applied = true;
      document.body.classList.add("rv-applied");
      document.querySelectorAll(".rv-item button, .rv-bar button, .rv-picker input").forEach(function (b) { b.disabled = true; });
    }).catch(function (err) { if (!err.shown && err.message !== "no token") { status("Could not apply: " + err.message, "error"); } })
      .then(function () { busy = false; button.disabled = applied; });
  });
})();
