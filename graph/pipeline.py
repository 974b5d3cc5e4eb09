"""The build job end to end: check the data, convert it, validate it, store it, export it.

``graph/build.py`` converts and ``graph/validate.py`` checks; this module sequences them and
writes results (store generation, export files). Nothing is written unless every check passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph.analysis_store import write_measures_db
from graph.build import BuildResult, build_graph
from graph.errors import ShapeViolationError
from graph.export import sorted_ntriples, write_exports
from graph.resources import ontology_file
from graph.store.base import ONTOLOGY_GRAPH
from graph.store.oxigraph import OxigraphStore
from graph.validate import ValidationReport, validate_graph

__all__ = ["DataPaths", "BuildOutcome", "check_data", "run_build"]

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
    result: BuildResult
    report: ValidationReport
    exports: dict[str, Path] = field(default_factory=dict)
    store_version: str | None = None


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
              progress: Progress | None = None, analyse: bool = True) -> BuildOutcome:
    """Check, then write a new store generation (swapped in atomically) and the export files.

    ``analyse`` also writes the network measures (degree, PageRank, betweenness, community, core)
    into the analysis named graph, so SPARQL can sort by them; curated graphs are small enough
    for this to take a fraction of a second.
    """
    say = progress or (lambda _msg: None)
    result, report = check_data(data, base=base, progress=say)
    ntriples = sorted_ntriples(result.graph)
    ontology_ttl = ontology_file().read_bytes()

    def fill(db: ox.Store) -> None:
        db.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
        db.bulk_load(ontology_ttl, format=ox.RdfFormat.TURTLE, base_iri=ONTOLOGY_GRAPH,
                     to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
        if analyse:
            say("computing network measures")
            write_measures_db(db, base=base)

    say(f"writing a new store generation under {store_root}")
    OxigraphStore.replace(store_root, fill)
    outcome = BuildOutcome(result=result, report=report, store_version=OxigraphStore(store_root).version())
    if export_dir is not None:
        say(f"writing exports to {export_dir}")
        outcome.exports = write_exports(result.graph, export_dir)
    return outcome
