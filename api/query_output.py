"""Render a query's answer for the terminal: a rich table, JSON, CSV/TSV/XML, Turtle/N-Triples.

One path for every store: the store serialises its answer in the media type the format asks for
(``Store.raw``), and a table is drawn from SPARQL JSON results.
"""

from __future__ import annotations

import json
from typing import TypedDict

from rich.table import Table

from coopgraph.api.negotiation import CSV, N_TRIPLES, SPARQL_JSON, SPARQL_XML, TSV, TURTLE
from coopgraph.graph.errors import QueryError
from coopgraph.graph.query_guard import QueryLimits, inspect_query
from coopgraph.graph.store import Store

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "render"]

# CLI format -> the media type asked of the store
RESULT_FORMATS = {"json": SPARQL_JSON, "csv": CSV, "tsv": TSV, "xml": SPARQL_XML}
GRAPH_FORMATS = {"nt": N_TRIPLES, "table": TURTLE, "ttl": TURTLE}


def render(store: Store, text: str, fmt: str) -> Table | str:
    """The answer to the query ``text`` in the CLI format ``fmt`` (``table`` is a table for SELECT,
    ``true``/``false`` for ASK, Turtle for CONSTRUCT/DESCRIBE)."""
    kind = inspect_query(text, QueryLimits()).kind
    if kind in ("CONSTRUCT", "DESCRIBE"):
        allowed = GRAPH_FORMATS
    elif kind in ("SELECT", "ASK") or fmt == "table":
        allowed = RESULT_FORMATS
    else:  # not a query (an update, or malformed): the store's error says why, whatever the format
        allowed = {fmt: RESULT_FORMATS["json"]}
    if fmt == "table" and allowed is RESULT_FORMATS:
        answer = json.loads(store.raw(text, RESULT_FORMATS["json"]))
        if "boolean" in answer:
            return "true" if answer["boolean"] else "false"
        return _json_table(answer)
    if fmt not in allowed:
        raise QueryError(f"format {fmt!r} does not fit this query; choose from {', '.join(sorted(allowed))}")
    return store.raw(text, allowed[fmt]).decode("utf-8")


class _Head(TypedDict):
    vars: list[str]


class _Bindings(TypedDict):
    bindings: list[dict[str, dict[str, str]]]  # variable -> {"type", "value", "xml:lang"?, "datatype"?}


class SparqlJsonSelect(TypedDict):
    """A SELECT answer in the SPARQL 1.1 Query Results JSON Format."""

    head: _Head
    results: _Bindings


def _json_table(answer: SparqlJsonSelect) -> Table:
    names = answer["head"]["vars"]
    bindings = answer["results"]["bindings"]
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
