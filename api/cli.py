"""The ``coopgraph`` command: a thin layer that parses options, calls ``graph``/``api``, prints.

Errors from ``graph.errors`` end the process with their own ``exit_code`` and a one-line message.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from coopgraph.graph.errors import CoopgraphError
from coopgraph.graph.store import Store

if TYPE_CHECKING:
    from rich.console import Console

    from coopgraph.api.settings import Settings

app = typer.Typer(
    name="coopgraph",
    help="A knowledge graph of regional cooperation: build it from curated facts, query it, serve it.",
    no_args_is_help=True,
    add_completion=False,
)


class _Console:
    """A rich Console made on first use. rich (and pydantic, for Settings) are imported when a
    command needs them, not when the module is: the forkserver every query worker comes from
    imports this module (api/ipc.py), and ``coopgraph serve``'s start-up waits on it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


console = _Console(stderr=True, soft_wrap=True)
out = _Console(highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")

DataOpt = Annotated[Path | None, typer.Option("--data", help="Folder with facts/ and documents/ [default: data]")]
StoreOpt = Annotated[Path | None, typer.Option("--store", help="Store root, or the http(s) URL of a SPARQL 1.1 "
                                                "query endpoint (credentials: COOPGRAPH_REMOTE_USER/_PASSWORD "
                                                "or COOPGRAPH_REMOTE_TOKEN) [default: var/store]")]
UpdateUrlOpt = Annotated[str | None, typer.Option("--update-url", help="With a remote --store: its SPARQL Update "
                                                  "endpoint [default: none, read-only]")]
BaseOpt = Annotated[str | None, typer.Option("--base", help="Base IRI of entities [default: https://coopgraph.org/]")]


def _settings(**overrides: Any) -> Settings:
    from coopgraph.api.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a CoopgraphError into its message on stderr and its exit code."""
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CoopgraphError as exc:
            console.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
            raise typer.Exit(exc.exit_code) from None
    return wrapper


@app.command()
@reports_errors
def build(
    data: DataOpt = None,
    store: StoreOpt = None,
    base: BaseOpt = None,
    export_dir: Annotated[Path | None, typer.Option("--export-dir", help="Where to write ttl/nt/jsonld "
                                                    "[default: var/export]")] = None,
    no_export: Annotated[bool, typer.Option("--no-export", help="Skip writing export files.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the data has not changed.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Start over: drop everything that did not come from "
                                        "the data folder (loaded files, SPARQL Updates); says what first.")
                     ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --fresh: drop without asking.")] = False,
) -> None:
    """Check the curated data and build it into the store, keeping data loaded or updated there.

    The curated triples of the previous build are replaced; everything else in the store (RDF files
    loaded with `coopgraph load`, SPARQL Updates) is kept. Unchanged data is not rebuilt."""
    from coopgraph.graph.pipeline import DataPaths, run_build

    settings = _settings(data=data, store=store, base=base, export_dir=export_dir)
    started = time.perf_counter()
    root = settings.store_path  # a build writes an embedded store: a URL is refused here, clearly
    with settings.open_store() as target:
        _say_if_waiting(target)
    with console.status("building") as status:
        outcome = run_build(DataPaths(settings.data), store_root=root,
                            export_dir=None if no_export else settings.export_dir, base=settings.base,
                            progress=lambda msg: status.update(msg), force=force, fresh=fresh,
                            confirm_drop=lambda counts: _confirm_drop(counts, yes=yes, status=status))
    elapsed = time.perf_counter() - started
    if outcome.up_to_date:
        out.print(f"store:   {settings.store} is up to date with {settings.data} (version "
                  f"{outcome.store_version}); nothing to build (--force rebuilds)")
        return
    if fresh and outcome.uncurated and not outcome.dropped:
        out.print("nothing changed: the store was left as it was")
        return
    if outcome.result is not None:
        _print_summary(outcome.result.summary, elapsed)
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    kept = sum(outcome.uncurated.values())
    if outcome.dropped:
        out.print(f"dropped: {kept:,} quads that did not come from {settings.data} ({_per_graph(outcome.uncurated)})")
    elif kept:
        out.print(f"kept:    {kept:,} quads that did not come from {settings.data} ({_per_graph(outcome.uncurated)})")
    out.print(f"store:   {settings.store} (version {outcome.store_version})")
    for fmt, path in outcome.exports.items():
        out.print(f"export:  {path} ({fmt})")


def _say_if_waiting(store: Store) -> None:
    holder = store.current_writer()
    if holder is not None:
        console.print(f"[yellow]waiting:[/] another write is running on {store.location}: {holder}; this one "
                      "starts when it has finished (Ctrl-C to give up; nothing is changed then)", highlight=False)


def _per_graph(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} in the default graph" if g == "default" else f"{n:,} in <{g}>"
                     for g, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _confirm_drop(counts: dict[str, int], *, yes: bool, status: Any) -> bool:
    """--fresh on a store holding data that did not come from the data folder: say what goes."""
    total = sum(counts.values())
    console.print(f"[yellow]--fresh drops {total:,} quads that did not come from the data folder:[/] "
                  f"{_per_graph(counts)}", highlight=False)
    if yes:
        return True
    if not sys.stdin.isatty():
        raise typer.BadParameter("not dropped: nothing was changed. Add --yes to drop them", param_hint="--fresh")
    status.stop()
    return typer.confirm("Drop them?", default=False)


@app.command()
@reports_errors
def validate(data: DataOpt = None, base: BaseOpt = None) -> None:
    """Run every check of `build` (ids, quotes, dates, SHACL) and write nothing."""
    from coopgraph.graph.pipeline import DataPaths, check_data

    settings = _settings(data=data, base=base)
    result, report = check_data(DataPaths(settings.data), base=settings.base)
    for warning in result.summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    for violation in report.violations:
        console.print(f"[yellow]{violation.severity.lower()}:[/] {violation}", highlight=False)
    out.print(f"ok: {result.summary.entities} entities, {result.summary.relations} relations, "
              f"{result.summary.literal_statements} literal statements, {result.summary.evidence_quotes} "
              f"evidence quotes in {result.summary.documents} documents; SHACL conforms")


@app.command()
@reports_errors
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or @FILE to read it from a file, or - for stdin.")],
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="SELECT/ASK: table, json, csv, tsv or xml; "
                                     "CONSTRUCT/DESCRIBE: ttl (also table) or nt")] = "table",
) -> None:
    """Run a SPARQL query against the store (a path, or a SPARQL endpoint URL) and print the answer.

    The prefixes coop: id: rdf: rdfs: owl: xsd: skos: dcterms: prov: org: schema: foaf: are predefined."""
    from coopgraph.api.query_output import render
    from coopgraph.graph.errors import QuerySyntaxError
    from coopgraph.graph.prefixes import predefined_prefixes, with_predefined_prefixes

    settings = _settings(store=store)
    prefixed = with_predefined_prefixes(_read_query(sparql), predefined_prefixes(settings.base))
    with settings.open_store() as db:
        try:
            rendered = render(db, prefixed.text, fmt, prefixes=predefined_prefixes(settings.base))
        except QuerySyntaxError as exc:  # its line-1 columns as the user wrote them
            raise QuerySyntaxError(prefixed.explain(exc.message)) from None
    if not isinstance(rendered, str):  # a rich Table
        out.print(rendered)
    else:
        sys.stdout.write(rendered)
        if not rendered.endswith("\n"):
            sys.stdout.write("\n")


@app.command()
@reports_errors
def serve(
    store: StoreOpt = None,
    data: Annotated[list[Path] | None, typer.Option(
        "--data", help="The curated data folder (facts/ + documents/) to build from when there is no store "
        "[default: data]; or RDF files (Turtle, N-Triples, JSON-LD, ... , .gz) to load and serve for a "
        "quick look (into --store if given, else a temporary store)")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Interface to bind [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port [default: 8000]")] = None,
    base: BaseOpt = None,
    update_url: UpdateUrlOpt = None,
) -> None:
    """Serve the graph: SPARQL endpoint, Linked Data, explorer (builds the store first if missing).

    With ``--store https://host/sparql`` every page runs on that SPARQL 1.1 engine instead."""
    import tempfile

    from coopgraph.api.server import run_serve, stop_signals_unwind

    files = [p for p in data or [] if not p.is_dir()]
    folder = next((p for p in data or [] if p.is_dir()), None)
    if files and folder is not None:
        raise typer.BadParameter("give either one data folder or RDF files, not both", param_hint="--data")
    if files and store is not None:
        with _settings(store=store).open_store() as into:
            if not into.in_process:
                raise typer.BadParameter("RDF files go into a remote store with `coopgraph load --store URL`",
                                         param_hint="--data")
    with stop_signals_unwind(), tempfile.TemporaryDirectory(prefix="coopgraph-") as scratch:
        if files:
            store = store or Path(scratch) / "store"
            with _settings(store=store).open_store() as into:
                result = into.load(files)
            out.print(f"loaded {result.quads_added} quads from {len(files)} file(s) "
                      f"into {store}")
        settings = _settings(store=store, data=folder, host=host, port=port, base=base, update_url=update_url)
        # plain print: rich would be imported for this one line, on the start-up's path
        address = f"http://{settings.host}:{settings.port}/"
        print(f"coopgraph on {address}  (SPARQL: /sparql, query page: /query)", flush=True)  # noqa: T201
        run_serve(settings)


@app.command()
@reports_errors
def analyse(
    what: Annotated[str, typer.Argument(help="centrality, communities, bridges, paths or neighbourhood")
                    ] = "centrality",
    source: Annotated[str | None, typer.Option("--source", help="paths: the first entity (id, IRI or name, "
                                               "e.g. chengdu-customs or \"Chengdu Customs\")")] = None,
    target: Annotated[str | None, typer.Option("--target", help="paths: the second entity (id, IRI or name)")
                      ] = None,
    focus: Annotated[str | None, typer.Option("--focus", help="neighbourhood: the focus entity (id, IRI or "
                                              "name)")] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, max=4, help="neighbourhood: hops from the focus")
                     ] = 1,
    measure: Annotated[str, typer.Option("--measure", help="centrality: degree, pagerank or betweenness")
                       ] = "pagerank",
    max_length: Annotated[int, typer.Option("--max-length", min=1, max=8, help="paths: most hops")] = 4,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most rows (entities, paths, members)")] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    write: Annotated[bool, typer.Option("--write", help="Also write every measure into the named graph "
                                        "{base}graph/analysis (a new store generation: a running server "
                                        "picks it up)")] = False,
    store: StoreOpt = None,
    base: BaseOpt = None,
) -> None:
    """Analyse the graph: centrality, communities, bridges, paths with evidence, neighbourhoods."""
    import json
    from dataclasses import asdict

    from coopgraph.graph import analysis
    from coopgraph.graph.analysis_store import analysis_graph_iri, write_measures
    from coopgraph.graph.entities import find_entity
    from coopgraph.graph.network import project

    choices = ("centrality", "communities", "bridges", "paths", "neighbourhood")
    if what not in choices:
        raise typer.BadParameter(f"choose one of {', '.join(choices)}", param_hint="WHAT")
    if fmt not in ("table", "json"):
        raise typer.BadParameter("choose table or json", param_hint="--format")
    settings = _settings(store=store, base=base)
    started = time.perf_counter()
    with settings.open_store() as db:  # a remote store is written through its update URL
        G = project(db, base=settings.base)
        projected = time.perf_counter()
        label = lambda n: str(G.nodes[n].get("label") or n)  # noqa: E731
        rows: list[dict[str, Any]]
        if what == "centrality":
            scorers = {"degree": analysis.degree_centrality, "pagerank": analysis.pagerank,
                       "betweenness": analysis.betweenness}
            if measure not in scorers:
                raise typer.BadParameter("choose degree, pagerank or betweenness", param_hint="--measure")
            rows = [{"rank": i, "slug": G.nodes[n]["slug"], "label": label(n), "type": G.nodes[n].get("type"),
                     measure: round(score, 6)}
                    for i, (n, score) in enumerate(analysis.ranked(G, scorers[measure](G), limit=limit), 1)]
        elif what == "communities":
            rows = [{"id": c.id, "name": c.name, "size": c.size,
                     "members": [label(n) for n in c.members[:limit]]} for c in analysis.communities(G)]
        elif what == "bridges":
            report = analysis.bridges_and_articulation_points(G)
            rows = [{"kind": "bridge", "subject": label(h.subject), "relation": h.predicate_label,
                     "object": label(h.object), "quote": h.evidence[0].quote if h.evidence else None}
                    for h in report.bridges[:limit]]
            rows += [{"kind": "articulation point", "subject": label(n), "relation": None, "object": None,
                      "quote": None} for n in report.articulation_points[:limit]]
        elif what == "paths":
            if not source or not target:
                raise typer.BadParameter("paths needs --source and --target", param_hint="--source/--target")
            paths = analysis.simple_paths(G, find_entity(db, source, base=settings.base),
                                          find_entity(db, target, base=settings.base), cutoff=max_length,
                                          max_paths=limit)
            if fmt == "json":
                rows = [{"path": i, "length": p.length, "nodes": list(p.nodes),
                         "hops": [{**asdict(h), "forward": h.forward} for h in p.hops]}
                        for i, p in enumerate(paths, 1)]
            else:
                rows = [{"path": i, "hop": j, "from": label(h.source),
                         "relation": f"{h.predicate_label} {'->' if h.forward else '<-'}",
                         "to": label(h.target),
                         "quote": h.evidence[0].quote if h.evidence else None,
                         "document": _document_id(h.evidence[0].document) if h.evidence else None}
                        for i, p in enumerate(paths, 1) for j, h in enumerate(p.hops, 1)]
        else:
            if not focus:
                raise typer.BadParameter("neighbourhood needs --focus", param_hint="--focus")
            view = analysis.neighbourhood(G, find_entity(db, focus, base=settings.base), depth=depth,
                                          max_nodes=limit)
            rows = [{"slug": G.nodes[n]["slug"], "label": label(n), "type": G.nodes[n].get("type"),
                     "distance": view.distances[n], "degree": analysis.undirected(G).degree(n)}
                    for n in view.nodes]
            if view.truncated:
                console.print(f"[yellow]note:[/] {view.total} entities within {depth} hop(s); "
                              f"showing the {len(view.nodes)} most central", highlight=False)
        analysed = time.perf_counter()
        written = None
        if write:  # embedded: a new generation (a running server keeps reading the old one meanwhile)
            written = write_measures(db, G, base=settings.base, what="coopgraph analyse --write")
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    else:
        from rich.table import Table

        table = Table(title=f"{what} ({G.number_of_nodes()} entities, {G.number_of_edges()} relations)")
        for column in (rows[0] if rows else {"result": None}):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else ", ".join(v) if isinstance(v, list) else str(v)
                            for v in row.values()))
        out.print(table)
    console.print(f"projection {projected - started:.2f} s, analysis {analysed - projected:.2f} s",
                  highlight=False)
    if written is not None:
        console.print(f"wrote {written} triples to <{analysis_graph_iri(settings.base)}>", highlight=False)


@app.command()
@reports_errors
def load(
    files: Annotated[list[Path], typer.Argument(help="RDF files: .ttl .nt .nq .trig .jsonld .rdf/.owl/.xml, "
                                                "each optionally .gz")],
    store: StoreOpt = None,
    graph_iri: Annotated[str | None, typer.Option("--graph", help="Load into this named graph instead of "
                                                  "the default graph.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Clear the target graph first.")] = False,
    update_url: UpdateUrlOpt = None,
) -> None:
    """Load RDF files into the store, all or nothing: a malformed file names its line and changes nothing.

    Into a remote store (``--store URL --update-url URL``): every file is parsed first (a malformed file
    sends nothing), then sent in batched INSERT DATA requests (not atomic if the engine fails part-way)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    settings = _settings(store=store, update_url=update_url)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console.get(), transient=True) as bar, settings.open_store() as into:
        task = bar.add_task("loading", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=f"loading {name}")

        _say_if_waiting(into)
        result = into.load(files, graph=graph_iri, replace=replace, progress=progress)
    out.print(f"loaded {result.files} file(s), {result.bytes_read:,} bytes: {result.quads_before:,} -> "
              f"{result.quads_after:,} quads in {result.seconds:.1f} s")
    if result.inferred:
        out.print(f"types:   {result.inferred:,} superclass types added (e.g. a coop:Province is also a coop:Region)")
    out.print(f"store:   {settings.store} (version {result.version})")


@app.command()
@reports_errors
def ingest(
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH...", help="Articles: .txt, .md, .html/.htm files, folders of them, or - for stdin.")
                             ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The article's title (wins over the page's "
                                              "metadata and the header block).")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Its date: YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Its source URL.")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Who published it.")] = None,
    store: StoreOpt = None,
    base: BaseOpt = None,
    update_url: UpdateUrlOpt = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write what was found (mentions, links "
                                                "with score and reason, relations with quotes) as JSON.")
                      ] = None,
    review_out: Annotated[Path | None, typer.Option("--review-out", help="Write the candidates as a "
                                                    "curated-facts YAML file to review by hand.")] = None,
    accept: Annotated[bool, typer.Option("--accept", help="Write what links automatically (exact aliases, "
                                         "acronyms defined in the article) without review, for pipelines."
                                         )] = False,
    accepted_by: Annotated[str | None, typer.Option("--accepted-by", help="Who accepts, recorded in the "
                                                    "provenance [default: your user name]")] = None,
    no_model: Annotated[bool, typer.Option("--no-model", help="Find new entities by rules only, without the "
                                           "statistical model (faster).")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", min=1, help="Processes extracting at once "
                                             "[default: the CPUs, at most 4 and at most one per article]")
                    ] = None,
    remove: Annotated[str | None, typer.Option("--remove", help="Take an ingested document (its IRI, slug, "
                                               "SHA-256 or file) and everything it alone brought out again.",
                                               metavar="DOCUMENT")] = None,
) -> None:
    """Find the entities and relations new articles state, linked to the graph, with their quotes.

    By default the findings wait in the review queue (the /review page of `coopgraph serve`, with the
    update token); `--accept` writes them at once, `--review-out` into a file. The same article twice
    adds nothing; every document's facts live in a named graph of their own, removable with --remove."""
    from coopgraph.graph.ingest.documents import read_documents

    settings = _settings(store=store, base=base, update_url=update_url)
    if remove is not None:
        if paths:
            raise typer.BadParameter("give either articles to ingest or --remove DOCUMENT, not both",
                                     param_hint="--remove")
        _remove_document(settings, remove)
        return
    if not paths:
        raise typer.BadParameter("give at least one article, folder or - (stdin)", param_hint="PATH...")
    if (title or url) and (len(paths) > 1 or any(Path(p).is_dir() for p in paths if p != "-")):
        raise typer.BadParameter("--title and --url name one article: give a single file",
                                 param_hint="--title")
    queue = not accept and review_out is None
    if queue and isinstance(settings.store, str):
        raise typer.BadParameter(f"the review queue lives beside an embedded store, and {settings.store} "
                                 "is a remote endpoint: use --accept (written through --update-url) or "
                                 "--review-out FILE.yaml", param_hint="--store")
    # Every document is read (and refused if it cannot be) before the store is touched, so bad input
    # anywhere in a folder changes nothing.
    documents = list(read_documents(paths, title=title, date=date, url=url, publisher=publisher,
                                    stdin=sys.stdin))
    with settings.open_store() as db:
        if not db.exists():
            raise typer.BadParameter(f"no store at {settings.store}: run `coopgraph build` first",
                                     param_hint="--store")
        extractions, skipped = _extract_new(db, documents, base=settings.base, model=not no_model, jobs=jobs)
        if report is not None:
            _write_report(report, extractions, skipped)
            out.print(f"report:  {report}")
        if review_out is not None and not extractions:  # an earlier file is not overwritten with nothing
            out.print(f"review:  nothing new to review; {review_out} not written")
        elif review_out is not None:
            from coopgraph.graph.ingest.review_file import write_review_file

            write_review_file(review_out, extractions, base=settings.base)
            out.print(f"review:  {review_out} ({_count(len(extractions), 'document')}; keep what is right, "
                      "move it into data/ as its header says, and run `coopgraph build`)")
        if accept and extractions:
            _accept(db, extractions, base=settings.base, accepted_by=accepted_by or _user_name(),
                    model=not no_model)
        elif queue and extractions:
            from coopgraph.graph.ingest.review import ReviewQueue

            review = ReviewQueue(settings.store_path / "review")
            for extraction in extractions:
                waiting = review.path(extraction.document.slug).exists()  # its decisions are kept
                slug = review.add(extraction)
                state = "is already waiting" if waiting else "waits"
                out.print(f"queued:  {extraction.document.path} {state} for review as {slug} "
                          "(`coopgraph serve`, then /review with the update token)")
    if not extractions and not skipped:
        out.print("nothing to ingest")


def _extract_new(db: Store, documents: list[Any], *, base: str, model: bool, jobs: int | None
                 ) -> tuple[list[Any], list[dict[str, Any]]]:
    """Extractions of the documents the store does not have yet (on ``jobs`` processes); the others,
    with why they were skipped. What is printed comes in the documents' order either way."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from coopgraph.graph.ingest.extract import IngestContext, extract_many
    from coopgraph.graph.ingest.gazetteer import Gazetteer
    from coopgraph.graph.ingest.ner import CandidateFinder
    from coopgraph.graph.ingest.write import ingested

    with console.status("reading the graph's entities"):
        context = IngestContext(Gazetteer.from_store(db), CandidateFinder(model=model), base)
    # Which documents to skip is decided first (one store look-up each), so the workers get only the rest.
    skip: dict[int, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for at, doc in enumerate(documents):
        known = {"path": doc.path, "sha256": doc.sha256}
        if doc.sha256 in seen:
            skip[at] = known | {"reason": "duplicate", "same_as": seen[doc.sha256]}
        elif (iri := ingested(db, doc.sha256)) is not None:
            skip[at] = known | {"reason": "already ingested", "iri": iri}
        seen.setdefault(doc.sha256, doc.path)
    todo = [doc for at, doc in enumerate(documents) if at not in skip]
    workers = jobs if jobs is not None else max(1, min(os.cpu_count() or 1, len(todo), 4))
    extractions: list[Any] = []
    skipped: list[dict[str, Any]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    show_bar = len(documents) > 1 and console.is_terminal  # the bar goes to stderr, and only to a terminal
    # No refresh thread: the workers are forked while the bar is up, and a thread holding a lock at a
    # fork would leave that lock held forever in the child.
    with Progress(*columns, console=console.get(), transient=True, disable=not show_bar, auto_refresh=False) as bar:
        task = bar.add_task("ingesting", total=len(documents))
        found = extract_many(todo, context, jobs=min(workers, max(1, len(todo))))
        try:
            for at, doc in enumerate(documents):
                bar.update(task, description=f"ingesting {doc.path}", refresh=True)
                entry = skip.get(at)
                if entry is None:
                    extraction = next(found)
                    extractions.append(extraction)
                    _print_extraction(extraction)
                else:
                    skipped.append(entry)
                    out.print(f"skipped: {doc.path}: the same text as {entry['same_as']}"
                              if entry["reason"] == "duplicate" else
                              f"skipped: {doc.path}: already ingested: {entry['iri']}")
                bar.advance(task)
        finally:
            found.close()  # the workers are gone before the store is written, also when a document failed
    return extractions, skipped


def _print_extraction(extraction: Any) -> None:
    mentions = extraction.mentions
    known = sum(1 for d in mentions if not d.new)
    auto = sum(1 for d in mentions if d.auto)
    new = len({d.iri for d in mentions if d.new})
    out.print(f"found:   {extraction.document.path} ({extraction.iri}): {_count(len(mentions), 'mention')}, "
              f"{known} of known entities ({auto} linked automatically), "
              f"{_count(new, 'new entity', 'new entities')}, {_count(len(extraction.relations), 'relation')}")
    for warning in extraction.warnings:
        console.print(f"[yellow]warning:[/] {extraction.document.path}: {warning}", highlight=False)


def _write_report(path: Path, extractions: list[Any], skipped: list[dict[str, Any]]) -> None:
    import json

    from coopgraph.graph.ingest.model import report_json

    body = report_json(extractions) | {"skipped": skipped}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _accept(db: Store, extractions: list[Any], *, base: str, accepted_by: str, model: bool) -> None:
    """--accept: each document's automatic links in one atomic write of its own named graph.

    The documents were all extracted against the graph as it was before the first write: an entity
    two of them propose as new is written by the first, and the second is then extracted again
    against the graph as it is now, so its name links to that entity by the usual rules."""
    import datetime as dt

    from coopgraph.graph.ingest.extract import IngestContext, extract
    from coopgraph.graph.ingest.gazetteer import Gazetteer
    from coopgraph.graph.ingest.ner import CandidateFinder
    from coopgraph.graph.ingest.review import auto_accepted
    from coopgraph.graph.ingest.write import NewEntityTakenError, write_accepted

    when = dt.datetime.now(dt.timezone.utc)
    _say_if_waiting(db)
    finder: CandidateFinder | None = None
    for extraction in extractions:
        try:
            summary = write_accepted(db, extraction, auto_accepted(extraction), base=base,
                                     accepted_by=accepted_by, when=when)
        except NewEntityTakenError as taken:
            out.print(f"again:   {extraction.document.path}: {_count(len(taken.iris), 'entity', 'entities')} "
                      "it proposed as new are in the graph now; extracting it again")
            finder = finder or CandidateFinder(model=model)
            extraction = extract(extraction.document, IngestContext(Gazetteer.from_store(db), finder, base))
            summary = write_accepted(db, extraction, auto_accepted(extraction), base=base,
                                     accepted_by=accepted_by, when=when)
        if summary.already is not None:  # another ingest stored the same text meanwhile
            out.print(f"skipped: {extraction.document.path}: already ingested: {summary.already}")
            continue
        out.print(f"written: {extraction.document.path} -> <{summary.graph}>: {summary.triples} triples, "
                  f"{_count(summary.entities, 'entity', 'entities')} mentioned "
                  f"({len(summary.new_entities)} new), "
                  f"{_count(summary.relations, 'relation')}; accepted by {accepted_by}")
        for reason in summary.dropped:
            console.print(f"[yellow]not written:[/] {reason}", highlight=False)


def _remove_document(settings: Settings, ref: str) -> None:
    from coopgraph.graph.errors import EntityNotFoundError
    from coopgraph.graph.ingest.write import remove_document

    with settings.open_store() as db:
        _say_if_waiting(db)
        try:
            summary = remove_document(db, ref, base=settings.base)
        except EntityNotFoundError:
            # Not in the graph, but maybe still waiting for review: removing it is dropping that.
            if not _discard_queued(settings, ref):
                raise
            return
    out.print(f"removed: {summary.document}: <{summary.graph}> with its {summary.triples} triples; "
              f"{_count(len(summary.entities_gone), 'entity', 'entities')} only it had introduced "
              "gone with it")


def _discard_queued(settings: Settings, ref: str) -> bool:
    """Take the document ``ref`` names out of the review queue, if it waits there (nothing of it is
    in the graph yet); False when it does not."""
    from coopgraph.graph.errors import DataError
    from coopgraph.graph.ingest.review import ReviewQueue
    from coopgraph.graph.ingest.write import document_slug

    if settings.store_url is not None:  # a remote store: no review queue here
        return False
    try:
        slug = document_slug(ref)
    except DataError:  # a file of several documents: none of them is named
        return False
    review = ReviewQueue(settings.store_path / "review")
    if slug is None or not review.path(slug).exists():
        return False
    review.discard(slug)
    out.print(f"removed: {slug} from the review queue (it had not been accepted: the graph never held its "
              "facts)")
    return True


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _user_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container: still say something true
        return "unknown user"


@app.command()
@reports_errors
def view(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write (one offline file).")],
    focus: Annotated[str | None, typer.Option("--focus", help="The entity to centre on: id, IRI or name "
                                              "[whole graph]")] = None,
    depth: Annotated[int, typer.Option("--depth", help="Hops from the focus (0-4)")] = 2,
    types: Annotated[list[str] | None, typer.Option("--types", help="Only these classes (repeat, or comma-separate)")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most nodes drawn (1-2000); the most central are kept")] = 300,
    colour: Annotated[str, typer.Option("--colour", help="type or community")] = "type",
    size: Annotated[str, typer.Option("--size", help="degree, pagerank, betweenness or none")] = "degree",
    layout: Annotated[str, typer.Option("--layout", help="physics, hierarchical or static")] = "physics",
    theme: Annotated[str, typer.Option("--theme", help="light or dark")] = "light",
    height: Annotated[int, typer.Option("--height", help="Height in pixels")] = 700,
    store: StoreOpt = None,
    base: BaseOpt = None,
) -> None:
    """Write one self-contained HTML view of the graph (works offline; open it in any browser)."""
    from coopgraph.graph.entities import find_entity
    from coopgraph.graph.network import project
    from coopgraph.graph.views import ViewSpec, render_standalone_html

    names = tuple(n.strip() for value in types or [] for n in value.split(",") if n.strip())
    settings = _settings(store=store, base=base)
    with settings.open_store() as db, console.status("drawing"):
        spec = ViewSpec(focus=find_entity(db, focus, base=settings.base) if focus else None, depth=depth,
                        types=names, limit=limit, colour_by=colour, size_by=size, layout=layout, theme=theme,
                        height=height)
        html = render_standalone_html(project(db, base=settings.base), spec)
    output.write_text(html, encoding="utf-8")
    out.print(f"view:    {output} ({len(html) // 1024} KiB, open it in a browser)")


def _document_id(document: Any) -> str | None:
    """A hop's source document as its id (its IRI outside the dataset), not the record's repr."""
    return None if document is None else document.slug or document.iri


def _read_query(arg: str) -> str:
    if arg == "-":
        return sys.stdin.read()
    if arg.startswith("@"):
        return Path(arg[1:]).read_text(encoding="utf-8")
    return arg


def _print_summary(summary: Any, elapsed: float) -> None:
    from rich.table import Table

    table = Table(title=f"coopgraph build ({elapsed:.2f} s)", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("triples", str(summary.triples))
    table.add_row("entities", str(summary.entities))
    for name, count in sorted(summary.entities_by_type.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(f"  {name}", str(count))
    table.add_row("relations (entity -> entity)", str(summary.relations))
    table.add_row("literal statements", str(summary.literal_statements))
    table.add_row("documents", str(summary.documents))
    table.add_row("evidence quotes", str(summary.evidence_quotes))
    out.print(table)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
