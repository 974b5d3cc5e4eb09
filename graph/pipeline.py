"""The build job end to end: check the data, convert it, validate it, store it, export it.

``graph/build.py`` converts and ``graph/validate.py`` checks; this module sequences them and
writes results (store generation, export files). Nothing is written unless every check passes.

**What a build owns.** A store holds more than the curated data: RDF files users loaded, SPARQL
Updates, (later) ingested articles. A build replaces only what builds write: the curated triples
of the default graph (the previous build's are listed in a ``curated-<hash>.nt`` record beside the
store), the ontology graph and the analysis graph. Everything else is carried over into the new
generation. A triple that is both curated and loaded counts as curated: if the facts drop it, the
next build removes it. A triple an ingested document also states (its named graph
``{base}graph/ingest/{slug}`` records it) stays in the default graph: the document still says
so. ``fresh=True`` is the one way to start over; it reports what it drops.

**When a build is needed.** The hash of everything a build reads (facts, documents, ontology,
shapes, base IRI, the code of ``graph/``) is kept in the store's state; an unchanged input is not
rebuilt (``force=True`` rebuilds anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox

from coopgraph import __version__
from coopgraph.graph.analysis_store import analysis_graph_iri, write_measures_db
from coopgraph.graph.build import BuildResult, build_graph
from coopgraph.graph.errors import ShapeViolationError, StoreError, disk_full
from coopgraph.graph.export import sorted_ntriples, write_exports
from coopgraph.graph.ingest.write import ingest_graph_prefix
from coopgraph.graph.resources import ontology_file, shapes_file
from coopgraph.graph.store.base import ONTOLOGY_GRAPH
from coopgraph.graph.store.locks import WriterLock
from coopgraph.graph.store.oxigraph import OxigraphStore, read_state
from coopgraph.graph.validate import ValidationReport, validate_graph

__all__ = ["ANALYSE_MAX_QUADS", "BuildOutcome", "DataPaths", "check_data", "input_digest", "run_build",
           "uncurated_quads"]

# Above this many quads a build does not compute the network measures of the whole store (loaded
# data included): minutes of work nobody asked for. `coopgraph analyse --write` computes them.
ANALYSE_MAX_QUADS = 300_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DataPaths:
    """Where the curated data lives: ``{root}/facts`` and ``{root}/documents``."""

    root: Path

    @property
    def facts(self) -> Path:
        return self.root / "facts"

    @property
    def documents(self) -> Path:
        return self.root / "documents"


@dataclass
class BuildOutcome:
    result: BuildResult | None  # None when the store was up to date and nothing was built
    report: ValidationReport | None
    exports: dict[str, Path] = field(default_factory=dict)
    store_version: str | None = None
    up_to_date: bool = False
    # quads that did not come from the data folder: kept by a build, dropped by a fresh one
    uncurated: dict[str, int] = field(default_factory=dict)
    dropped: bool = False
    warnings: list[str] = field(default_factory=list)


def check_data(data: DataPaths, *, base: str, progress: Progress | None = None) -> tuple[BuildResult, ValidationReport]:
    """Every check of the build, writing nothing. Raises the first data error found."""
    say = progress or (lambda _msg: None)
    say("reading facts and documents")
    result = build_graph(facts_dir=data.facts, documents_dir=data.documents, base=base)
    say(f"checking {len(result.graph)} triples against the SHACL shapes")
    report = validate_graph(result.graph, locations=result.locations)
    violations = [v for v in report.violations if v.severity == "Violation"]
    if violations:
        listed = "\n".join(f"  - {v}" for v in violations[:20])
        more = f"\n  ... and {len(violations) - 20} more" if len(violations) > 20 else ""
        raise ShapeViolationError(f"{len(violations)} SHACL violation(s):\n{listed}{more}", report=report.text)
    return result, report


def run_build(data: DataPaths, *, store_root: Path, export_dir: Path | None, base: str,
              progress: Progress | None = None, analyse: bool = True, fresh: bool = False,
              force: bool = False, confirm_drop: Callable[[dict[str, int]], bool] | None = None,
              wait: float | None = None) -> BuildOutcome:
    """Check the data, then commit a new store generation with it (atomically) and write exports.

    Keeps every quad the data folder did not produce (see the module docstring); ``fresh`` drops
    them, after ``confirm_drop(counts per graph)`` returns True (no callback: dropped without
    asking). Skips the work when the store was built from identical inputs, unless ``force``.
    ``analyse`` writes the network measures into the analysis graph (up to ANALYSE_MAX_QUADS).
    Holds the store's writer lock from the first look at the store to the commit (``wait``: see
    :class:`graph.store.locks.WriterLock`).
    """
    say = progress or (lambda _msg: None)
    digest = input_digest(data, base=base)
    exports_missing = export_dir is not None and not all(
        (export_dir / f"coopgraph.{ext}").exists() for ext in ("ttl", "nt", "jsonld"))
    state = read_state(store_root)
    if not (fresh or force or exports_missing) and state is not None and state.inputs == digest:
        return BuildOutcome(result=None, report=None, store_version=state.version, up_to_date=True)
    result, report = check_data(data, base=base, progress=say)
    ntriples = sorted_ntriples(result.graph)
    ontology_ttl = ontology_file().read_bytes()
    outcome = BuildOutcome(result=result, report=report)
    record = f"curated-{hashlib.sha256(ntriples).hexdigest()[:16]}.nt"

    with WriterLock(store_root, "coopgraph build", wait=wait) as writer:
        state = read_state(store_root)
        old_record = store_root / state.curated if state is not None and state.curated else None
        new_triples = _triples(ntriples)
        if state is not None:
            if old_record is None and not fresh:
                outcome.warnings.append(
                    "this store was built by an earlier coopgraph that did not record its curated triples: "
                    "triples removed from the data since then stay until `coopgraph build --fresh`")
            # Without a record (an earlier coopgraph's store), the new curated triples stand in for it.
            old_triples = _triples(old_record) if old_record is not None else new_triples
            with OxigraphStore(store_root) as current:
                outcome.uncurated = uncurated_quads(current.db, old_triples, base=base)
            if fresh and outcome.uncurated and confirm_drop is not None and not confirm_drop(outcome.uncurated):
                outcome.store_version = state.version
                return outcome
        outcome.dropped = fresh and bool(outcome.uncurated)

        def fill(db: ox.Store) -> None:
            if old_record is not None and not fresh:
                # Builds mint an IRI for everything (no blank nodes), so the record's triples are
                # exactly the store's.
                say("replacing the curated triples of the previous build")
                ingest = ingest_graph_prefix(base)
                for triple in old_triples - new_triples:
                    if not _ingested(db, triple, ingest):
                        db.remove(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
            db.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
            ontology = ox.NamedNode(ONTOLOGY_GRAPH)
            if db.contains_named_graph(ontology):
                db.remove_graph(ontology)
            db.bulk_load(ontology_ttl, format=ox.RdfFormat.TURTLE, base_iri=ONTOLOGY_GRAPH, to_graph=ontology)
            analysis = ox.NamedNode(analysis_graph_iri(base))
            if db.contains_named_graph(analysis):
                db.remove_graph(analysis)  # measures of the old data would mislead
            if analyse and len(db) <= ANALYSE_MAX_QUADS:
                say("computing network measures")
                write_measures_db(db, base=base)
            elif analyse:
                outcome.warnings.append(f"network measures not written: the store holds more than "
                                        f"{ANALYSE_MAX_QUADS:,} quads (`coopgraph analyse --write` writes them)")

        say(f"writing a new store generation under {store_root}")
        _write_record(store_root / record, ntriples)
        committed = OxigraphStore.replace(store_root, fill, extend=not fresh, writer=writer,
                                          record={"curated": record, "inputs": digest}, snapshot=True)
        outcome.store_version = committed.version
    if export_dir is not None:
        say(f"writing exports to {export_dir}")
        outcome.exports = write_exports(result.graph, export_dir)
    return outcome


def uncurated_quads(db: ox.Store, curated: set[ox.Triple], *, base: str) -> dict[str, int]:
    """Quads of the store a build did not write, per graph ("default" or the graph IRI).

    The ontology and analysis graphs are a build's own; in the default graph, the ``curated``
    triples (the last build's record) are. Everything else came from loads, updates or ingests.
    """
    own = {ONTOLOGY_GRAPH, analysis_graph_iri(base)}
    counts: dict[str, int] = {}
    total = int(next(iter(_select(db, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)
    default = total - sum(
        1 for triple in curated if ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()) in db
    )
    if default:
        counts["default"] = default
    for row in _select(db, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        if row["g"].value not in own:
            counts[row["g"].value] = int(row["n"].value)
    return counts


def _ingested(db: ox.Store, triple: ox.Triple, prefix: str) -> bool:
    """Whether an ingested document's named graph (IRI starting with ``prefix``) holds ``triple``."""
    return any(isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value.startswith(prefix)
               for quad in db.quads_for_pattern(triple.subject, triple.predicate, triple.object, None))


def _triples(ntriples: bytes | Path) -> set[ox.Triple]:
    quads = (ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES) if isinstance(ntriples, Path)
             else ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    return {quad.triple for quad in quads}


def input_digest(data: DataPaths, *, base: str) -> str:
    """The hash of everything a build reads: data files, ontology, shapes, base and build code."""
    digest = hashlib.sha256(f"{__version__}\n{base}\n".encode())
    for folder in (data.facts, data.documents):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
            digest.update(f"{path.relative_to(data.root)}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for resource in (ontology_file(), shapes_file()):
        digest.update(resource.read_bytes())
    for module in sorted((m for m in files("coopgraph.graph").iterdir() if m.name.endswith(".py")), key=lambda m: m.name):
        digest.update(module.name.encode())
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _write_record(path: Path, ntriples: bytes) -> None:
    """The curated-triples record a build commits with (named by content: rewriting it is a no-op)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(ntriples)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_full(exc, path.parent) or StoreError(f"cannot write {path}: {exc}") from None


def _select(db: ox.Store, sparql: str) -> ox.QuerySolutions:
    """The solutions of a SELECT (pyoxigraph types ``query`` as any of its three result kinds)."""
    result = db.query(sparql)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected a SELECT query, got {sparql!r}")
    return result
