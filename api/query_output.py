"""Render a pyoxigraph query result for the terminal: a rich table, JSON, CSV/TSV, Turtle/N-Triples."""

from __future__ import annotations

import pyoxigraph as ox
from rich.table import Table

__all__ = ["render_result", "render_remote", "TEXT_FORMATS", "REMOTE_ACCEPT"]

# CLI format -> the media type asked of a remote endpoint
REMOTE_ACCEPT = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
}

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


def render_remote(store: object, text: str, fmt: str) -> Table | str:
    """The same renderings for a remote SPARQL endpoint (``graph.store.remote.RemoteStore``)."""
    import json

    from graph.query_guard import QueryLimits, inspect_query

    kind = inspect_query(text, QueryLimits()).kind
    graph_query = kind in ("CONSTRUCT", "DESCRIBE")
    if fmt == "table":
        if graph_query:
            fmt = "ttl"
        else:
            answer = json.loads(store.raw(text, REMOTE_ACCEPT["json"]))  # type: ignore[attr-defined]
            if "boolean" in answer:
                return "true" if answer["boolean"] else "false"
            return _json_table(answer)
    allowed = GRAPH_FORMATS if graph_query else TEXT_FORMATS
    if fmt not in allowed or fmt not in REMOTE_ACCEPT:
        raise _bad_format(fmt, {k: v for k, v in allowed.items() if k in REMOTE_ACCEPT})
    return store.raw(text, REMOTE_ACCEPT[fmt]).decode("utf-8")  # type: ignore[attr-defined, no-any-return]


def _json_table(answer: dict[str, object]) -> Table:
    names = answer["head"]["vars"]  # type: ignore[index]
    bindings = answer["results"]["bindings"]  # type: ignore[index]
    table = Table(show_header=True, header_style="bold")
    for name in names:
        table.add_column(name, overflow="fold")
    for binding in bindings:
        cells = []
        for name in names:
            term = binding.get(name)
            if term is None:
                cells.append("")
            else:
                lang = term.get("xml:lang")
                cells.append(term["value"] + (f"@{lang}" if lang else ""))
        table.add_row(*cells)
    count = len(bindings)
    table.caption = f"{count} row{'s' if count != 1 else ''}"
    return table
