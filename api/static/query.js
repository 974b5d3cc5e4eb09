/* The SPARQL query page: YASGUI's editor (Yasqe) and results (Yasr) on our own /sparql, offline.
 *
 * Everything the page needs comes from <script type="application/json" id="query-config"> (built by
 * api/routers/query_page.py): endpoint, prefixes, ontology terms, example queries. Nothing is
 * fetched from another host: YASGUI's default completers (Linked Open Vocabularies, prefix.cc) are
 * replaced by completers over our own prefixes and ontology, and its share links by ours.
 * Values from data are put in the page with textContent and DOM APIs, never as HTML.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("query-config").textContent);
  const $ = (id) => document.getElementById(id);
  const statusEl = $("status");
  const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  const FORMATS = {
    table: [["json", "JSON"], ["xml", "XML"], ["csv", "CSV"], ["tsv", "TSV"]],
    boolean: [["json", "JSON"], ["xml", "XML"]],
    graph: [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"], ["rdf", "RDF/XML"]],
  };
  const EXTENSIONS = { json: "srj", xml: "srx" };
  const examples = new Map(config.examples.map((ex) => [ex.name, ex]));
  let current = null; // {name, values, text} of the example last loaded, for share links

  if (!window.Yasgui) {
    setStatus("The query editor could not load; queries can still be sent to " + config.absoluteEndpoint, true);
    return;
  }
  const Yasqe = window.Yasgui.Yasqe;
  const Yasr = window.Yasgui.Yasr;

  // ---- completers over our own vocabulary (YASGUI's defaults call remote services) -------------
  Yasqe.forkAutocompleter("prefixes", {
    name: "coopPrefixes", persistenceId: null,
    get: () => Object.entries(config.prefixes).map(([p, iri]) => p + ": <" + iri + ">"),
  }, false);
  Yasqe.forkAutocompleter("class", {
    name: "coopClasses", bulk: true, persistenceId: null, get: () => config.terms["class"].slice(),
  }, false);
  Yasqe.forkAutocompleter("property", {
    name: "coopProperties", bulk: true, persistenceId: null, get: () => config.terms.property.slice(),
  }, false);

  // Yasqe deep-merges its config into its defaults (arrays index by index): set the list in place.
  const completers = ["coopPrefixes", "variables", "coopClasses", "coopProperties"];
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length, ...completers);

  // The endpoint predefines config.prefixes (graph/prefixes.py), so a query need not declare them.
  // Yasqe's grammar mode starts each parse with no prefixes, flags `coop:x` as "Prefix 'coop' is not
  // defined" and completes names only through declared prefixes: start it with ours instead (a
  // PREFIX line of the query, read later in the parse, still wins).
  const sparqlMode = Yasqe.modes && Yasqe.modes.sparql11;
  if (sparqlMode) {
    Yasqe.modes.sparql11 = function (cmConfig, modeConfig) {
      const mode = sparqlMode.call(this, cmConfig, modeConfig);
      const startState = mode.startState;
      mode.startState = function () {
        const state = startState.apply(this, arguments);
        Object.assign(state.prefixes, config.prefixes);
        return state;
      };
      return mode;
    };
  }

  const yasqe = new Yasqe($("editor"), {
    value: config.query || config.defaultQuery,
    persistenceId: null,
    consumeShareLink: null,
    createShareableLink: () => shareUrl(),
    createShortLink: undefined,
    prefixCcApi: null,
    editorHeight: "320px",
    resizeable: true,
    showQueryButton: true,
    requestConfig: {
      endpoint: config.endpoint,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle",
      acceptHeaderUpdate: "application/json",
    },
  });

  if (Yasr.plugins && Yasr.plugins.table && Yasr.plugins.table.defaults) {
    Yasr.plugins.table.defaults.openIriInNewWindow = false;
  }
  const yasr = new Yasr($("results"), {
    persistenceId: null,
    prefixes: () => Object.assign({}, config.prefixes, yasqe.getPrefixesFromQuery()),
    pluginOrder: ["table", "response"],
    defaultPlugin: "table",
    getPlainQueryLinkToEndpoint: () => sparqlUrl(yasqe.getValue()),
    getDownloadFileName: () => (current ? current.name : "query"),
    errorRenderers: [renderError],
  });
  // Compact cells (id:slug, plain literal values) read best; the table's own toggle switches back.
  yasr.config.plugins.table.dynamicConfig = Object.assign(
    { compact: true, isEllipsed: true, pageSize: 50 }, yasr.config.plugins.table.dynamicConfig || {});

  // ---- running queries ---------------------------------------------------------------------
  let started = 0;
  yasqe.on("query", () => {
    started = performance.now();
    setStatus("Running…");
  });
  yasqe.on("queryResponse", (_y, response, duration) => {
    yasr.setResponse(response, duration);
    describeResult(response, duration);
  });
  yasqe.on("queryAbort", () => setStatus("Stopped."));
  yasqe.on("change", () => {
    updateDownloads();
    updateShare();
  });
  $("run-query").addEventListener("click", () => run());

  function run() {
    yasqe.query().catch(() => { /* shown by Yasr's error renderer */ });
  }

  function describeResult(response, duration) {
    const ms = Math.round(duration || performance.now() - started);
    if (response instanceof Error || !response || !response.ok) {
      setStatus("The query failed (" + ms + " ms).", true);
      return;
    }
    let text = "";
    const results = yasr.results;
    if (results && typeof results.getBoolean === "function" && results.getBoolean() !== undefined
        && results.getBoolean() !== null) {
      text = "Answer: " + results.getBoolean();
    } else if (results && typeof results.getBindings === "function" && results.getBindings()) {
      const n = results.getBindings().length;
      text = n + (n === 1 ? " result" : " results");
    } else {
      text = "Done";
    }
    text += " in " + ms + " ms";
    const headers = response.headers;
    if (headers && typeof headers.get === "function" && headers.get("X-Coopgraph-Truncated") === "true") {
      text += " · cut at the server's row limit: add LIMIT/OFFSET or download the result";
    }
    setStatus(text + ".");
  }

  function setStatus(text, bad) {
    statusEl.textContent = text;
    statusEl.classList.toggle("bad", !!bad);
  }

  /* Our endpoint answers errors as JSON {"ok": false, "status": 400, "error": "<parser message>"}. */
  function renderError(error) {
    const box = document.createElement("div");
    box.className = "qp-error";
    box.setAttribute("role", "alert");
    let body = null;
    try { body = JSON.parse(error.text); } catch (_e) { body = null; }
    const status = (body && body.status) || error.status;
    const title = document.createElement("p");
    title.className = "qp-error-title";
    title.textContent = status === 400 || !status
      ? "The query could not run" + (status ? " (400 Bad request)" : "")
      : "The query failed (" + status + (body && body.title ? " " + body.title : "") + ")";
    const message = document.createElement("pre");
    message.className = "qp-error-message";
    message.textContent = body && body.error ? body.error : (error.text || error.statusText || "No response");
    box.append(title, message);
    const where = /\bat (\d+):(\d+)/.exec(message.textContent);
    if (status === 400 && where) {
      const line = parseInt(where[1], 10);
      const column = parseInt(where[2], 10);
      const hint = document.createElement("p");
      hint.className = "qp-error-where muted";
      const jump = document.createElement("button");
      jump.type = "button";
      jump.className = "secondary";
      jump.textContent = "Show line " + line + ", column " + column;
      jump.addEventListener("click", () => {
        yasqe.focus();
        yasqe.getDoc().setCursor({ line: line - 1, ch: Math.max(column - 1, 0) });
      });
      hint.append(jump);
      box.append(hint);
    }
    return Promise.resolve(box);
  }

  // ---- entity links: our IRIs open on this server (/id/{slug}) -------------------------------
  function localise(root) {
    for (const a of root.querySelectorAll("a.iri, a[href^='" + config.entityBase + "']")) {
      const href = a.getAttribute("href") || "";
      if (href.startsWith(config.entityBase)) {
        const slug = href.slice(config.entityBase.length);
        if (SLUG_RE.test(slug)) {
          a.setAttribute("href", config.entityPath + slug);
          a.setAttribute("title", href);
          a.classList.add("qp-entity");
          a.removeAttribute("target");
          a.removeAttribute("rel");
        }
      } else if (/^https?:/.test(href)) {
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
      }
    }
  }
  new MutationObserver(() => localise($("results"))).observe($("results"), { childList: true, subtree: true });
  // A clipped cell expands on its first click and cancels that click; an entity link opens at once.
  $("results").addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a.qp-entity") : null;
    if (link && link.closest(".expandable:not(.expanded)")) event.stopPropagation();
  }, true);

  // ---- downloads and share links ------------------------------------------------------------
  function sparqlUrl(query, format) {
    const params = new URLSearchParams({ query: query });
    if (format) params.set("format", format);
    return config.endpoint + "?" + params.toString();
  }

  function updateDownloads() {
    const box = $("downloads");
    while (box.children.length > 1) box.removeChild(box.lastChild);
    let kind = "table";
    try {
      const type = yasqe.getQueryType();
      if (type === "CONSTRUCT" || type === "DESCRIBE") kind = "graph";
      if (type === "ASK") kind = "boolean";
    } catch (_e) { /* an unfinished query: offer the table formats */ }
    // The curl snippet names a format that fits this query's form (format=ttl on a SELECT is a 406).
    $("snippet-format").textContent = { table: "csv", boolean: "json", graph: "ttl" }[kind];
    for (const [format, label] of FORMATS[kind]) {
      const a = document.createElement("a");
      a.href = sparqlUrl(yasqe.getValue(), format);
      a.textContent = label;
      a.className = "qp-download";
      a.dataset.format = format;
      a.setAttribute("download", (current ? current.name : "query") + "." + (EXTENSIONS[format] || format));
      box.append(a);
    }
  }

  function shareUrl() {
    const url = new URL("/query", window.location.href);
    if (current && current.text === yasqe.getValue()) {
      const params = new URLSearchParams({ example: current.name });
      for (const [k, v] of Object.entries(current.values)) params.set(k, v);
      url.hash = params.toString();
    } else {
      url.searchParams.set("query", yasqe.getValue());
    }
    return url.toString();
  }

  function updateShare() {
    $("share-url").value = shareUrl();
  }

  $("copy-link").addEventListener("click", () => {
    const link = shareUrl();
    const field = $("share-url");
    field.value = link;
    field.select();
    const done = () => flash($("copy-link"), "Copied");
    const fallback = () => {
      try {
        if (document.execCommand("copy")) { done(); return; }
      } catch (_e) { /* below */ }
      flash($("copy-link"), "Select and copy the link");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(done, fallback);
    } else {
      fallback();
    }
  });

  function flash(button, text) {
    const original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    setTimeout(() => { button.textContent = original; }, 1600);
  }

  // ---- examples -----------------------------------------------------------------------------
  function termFor(param, value, text) {
    if (param.kind === "entity") {
      return /PREFIX\s+id:\s*</i.test(text) ? "id:" + value : "<" + config.entityBase + value + ">";
    }
    if (param.kind === "date") return '"' + value + '"^^<http://www.w3.org/2001/XMLSchema#date>';
    if (param.kind === "year") return '"' + value + '"^^<http://www.w3.org/2001/XMLSchema#gYear>';
    if (param.kind === "integer") return String(parseInt(value, 10));
    return JSON.stringify(value);
  }

  function valid(param, value) {
    if (param.kind === "entity") return SLUG_RE.test(value);
    if (param.kind === "date") return /^\d{4}-\d{2}-\d{2}$/.test(value);
    if (param.kind === "year") return /^\d{4}$/.test(value);
    if (param.kind === "integer") return /^-?\d{1,18}$/.test(value);
    return true;
  }

  /* The same binding as api/routers/query_page.py:bind(): replace the VALUES clause's term. */
  function bind(example, values) {
    let text = example.query;
    for (const param of example.params) {
      if (!(param.name in values) || values[param.name] === param.default) continue;
      const term = termFor(param, values[param.name], text);
      const clause = new RegExp("(VALUES\\s+[?$]" + param.name + "\\s*\\{)[^{}]*(\\})", "i");
      if (clause.test(text)) {
        text = text.replace(clause, (_m, open, close) => open + " " + term + " " + close);
      } else {
        text = text.replace(/\n*$/, "") + "\nVALUES ?" + param.name + " { " + term + " }\n";
      }
    }
    return text;
  }

  /* A name typed instead of an id: take the best search hit. */
  async function resolveEntity(value) {
    if (SLUG_RE.test(value)) return value;
    try {
      const response = await fetch(config.searchUrl + "?" + new URLSearchParams({ q: value, limit: "1" }));
      if (!response.ok) return null;
      const hits = await response.json();
      return hits.length ? hits[0].slug : null;
    } catch (_e) {
      return null;
    }
  }

  async function loadExample(name, given, options) {
    const example = examples.get(name);
    if (!example) {
      setStatus("There is no example called “" + name + "”.", true);
      return;
    }
    const values = {};
    const form = document.querySelector("form.qp-params[data-example='" + CSS.escape(name) + "']");
    for (const param of example.params) {
      let value = (given[param.name] ?? param.default).trim();
      if (param.kind === "entity") value = (await resolveEntity(value)) || value;
      const input = form && form.elements.namedItem(param.name);
      if (!valid(param, value)) {
        if (input) { input.setCustomValidity("Pick an entity from the list"); input.reportValidity(); }
        setStatus(param.name + ": “" + value + "” is not a valid " + param.kind + ".", true);
        return;
      }
      if (input) { input.value = value; input.setCustomValidity(""); }
      values[param.name] = value;
    }
    const text = bind(example, values);
    current = { name: name, values: values, text: text };
    for (const li of document.querySelectorAll(".qp-example")) {
      li.classList.toggle("active", li.dataset.example === name);
    }
    yasqe.setValue(text);
    if (options.updateHash) {
      const params = new URLSearchParams({ example: name });
      for (const [k, v] of Object.entries(values)) params.set(k, v);
      history.replaceState(null, "", "/query#" + params.toString());
    }
    updateShare();
    updateDownloads();
    run();
  }

  for (const button of document.querySelectorAll(".qp-example-load")) {
    button.addEventListener("click", () => {
      const form = document.querySelector("form.qp-params[data-example='" + CSS.escape(button.dataset.example) + "']");
      loadExample(button.dataset.example, form ? formValues(form) : {}, { updateHash: true });
    });
  }
  for (const form of document.querySelectorAll("form.qp-params")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      loadExample(form.dataset.example, formValues(form), { updateHash: true });
    });
  }

  function formValues(form) {
    const values = {};
    for (const input of form.querySelectorAll("input[name]")) values[input.name] = input.value;
    return values;
  }

  $("example-filter").addEventListener("input", (event) => {
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const li of document.querySelectorAll(".qp-example")) {
      const text = li.textContent.toLowerCase();
      li.hidden = !words.every((w) => text.includes(w));
    }
  });

  // ---- entity autocomplete for example parameters (our /api/search) ------------------------------
  let searchTimer = null;
  let searchSeq = 0;
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.dataset.kind !== "entity") return;
    input.setCustomValidity("");
    clearTimeout(searchTimer);
    const q = input.value.trim();
    if (q.length < 2 || SLUG_RE.test(q) && examplesHaveSlug(q)) return;
    searchTimer = setTimeout(() => suggest(q), 150);
  });

  function examplesHaveSlug(q) {
    const list = $("entity-options");
    return Array.from(list.options).some((o) => o.value === q);
  }

  async function suggest(q) {
    const seq = ++searchSeq;
    let hits = [];
    try {
      const response = await fetch(config.searchUrl + "?" + new URLSearchParams({ q: q, limit: "12" }));
      if (response.ok) hits = await response.json();
    } catch (_e) {
      hits = [];
    }
    if (seq !== searchSeq) return; // a newer keystroke won
    const list = $("entity-options");
    list.replaceChildren(...hits.map((hit) => {
      const option = document.createElement("option");
      option.value = hit.slug;
      option.label = hit.label + (hit.type ? " · " + hit.type : "");
      return option;
    }));
  }

  // ---- start: an example from the hash, or the query from ?query= -----------------------------
  function fromHash() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const name = params.get("example");
    if (!name) return false;
    const values = {};
    for (const [k, v] of params.entries()) if (k !== "example") values[k] = v;
    loadExample(name, values, { updateHash: false });
    return true;
  }
  window.addEventListener("hashchange", fromHash);

  updateDownloads();
  updateShare();
  if (!fromHash() && config.query) run();
})();
