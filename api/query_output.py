"""Render a pyoxigraph query result for the terminal: a rich table, JSON, CSV/TSV, Turtle/N-Triples."""

from __future__ import annotations

import pyoxigraph as ox
from rich.table import Table

__all__ = ["render_result", "TEXT_FORMATS"]

TEXT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "table": ox.RdfFormat.TURTLE}


def render_result(result: object, fmt: str) -> Table | str:
    if isinstance(result, ox.QueryBoolean):
        if fmt == "table":
            return "true" if bool(result) else "false"
        return _serialize_results(result, fmt)
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            return _table(result)
        return _serialize_results(result, fmt)
    if fmt not in GRAPH_FORMATS:
        raise _bad_format(fmt, GRAPH_FORMATS)
    data = ox.serialize(result, format=GRAPH_FORMATS[fmt]) or b""  # type: ignore[arg-type]
    return data.decode("utf-8")


def _serialize_results(result: ox.QuerySolutions | ox.QueryBoolean, fmt: str) -> str:
    if fmt not in TEXT_FORMATS:
        raise _bad_format(fmt, TEXT_FORMATS)
    return (result.serialize(format=TEXT_FORMATS[fmt]) or b"").decode("utf-8")


def _table(solutions: ox.QuerySolutions) -> Table:
    names = [v.value for v in solutions.variables]
    table = Table(show_header=True, header_style="bold")
    for name in names:
        table.add_column(name, overflow="fold")
    count = 0
    for solution in solutions:
        table.add_row(*(_cell(solution[name]) for name in names))
        count += 1
    table.caption = f"{count} row{'s' if count != 1 else ''}"
    return table


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term.value)  # type: ignore[attr-defined]


def _bad_format(fmt: str, allowed: dict[str, object]) -> Exception:
    from graph.errors import QueryError

    return QueryError(f"format {fmt!r} does not fit this query; choose from {', '.join(sorted(allowed))}")
