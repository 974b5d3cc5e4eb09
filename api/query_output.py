"""Render a query's answer for the terminal: a rich table, JSON, CSV/TSV/XML, Turtle/N-Triples.

One path for every store: the store serialises its answer in the media type the format asks for
(``Store.raw``), and a table is drawn from SPARQL JSON results, its IRIs as CURIEs (``id:chongqing``,
``coop:basedIn``) and never broken across lines: a terminal row stays readable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TypedDict

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from coopgraph.api.negotiation import CSV, N_TRIPLES, SPARQL_JSON, SPARQL_XML, TSV, TURTLE
from coopgraph.graph.errors import QueryError
from coopgraph.graph.query_guard import QueryLimits, inspect_query
from coopgraph.graph.store import Store

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "ResultTable", "compact", "render"]

# CLI format -> the media type asked of the store
RESULT_FORMATS = {"json": SPARQL_JSON, "csv": CSV, "tsv": TSV, "xml": SPARQL_XML}
GRAPH_FORMATS = {"nt": N_TRIPLES, "table": TURTLE, "ttl": TURTLE}


def render(store: Store, text: str, fmt: str, *, prefixes: Mapping[str, str] | None = None) -> Table | str:
    """The answer to the query ``text`` in the CLI format ``fmt`` (``table`` is a table for SELECT,
    ``true``/``false`` for ASK, Turtle for CONSTRUCT/DESCRIBE). A table writes the IRIs under one of
    ``prefixes`` (prefix -> namespace) as CURIEs."""
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
        return _json_table(answer, prefixes or {})
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


# What may follow ``prefix:`` in a CURIE as SPARQL reads it (no ``/``, ``#``...): other IRIs stay whole.
_LOCAL = re.compile(r"[\w.-]*")


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``iri`` as a CURIE of its longest matching namespace, or whole.

    >>> compact("https://coopgraph.org/id/chongqing", {"id": "https://coopgraph.org/id/"})
    'id:chongqing'
    """
    for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


_READABLE = 24  # columns of text are not squeezed below this many characters for IRIs to fit


class ResultTable(Table):
    """A SELECT answer. Literals wrap at words; an IRI stays on one line, whole if its column can
    keep its width while every column of text keeps ``_READABLE`` characters, else cut with an
    ellipsis (a folded IRI reads as two). The choice is made when the width is known: on printing."""

    def __init__(self, iri_widths: dict[int, int]) -> None:
        super().__init__(show_header=True, header_style="bold")
        self.iri_widths = iri_widths  # column index -> widest IRI of a column of IRIs only

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text_columns = len(self.columns) - len(self.iri_widths)
        needed = (sum(self.iri_widths.values()) + text_columns * _READABLE
                  + 3 * len(self.columns) + 1)  # padding of 2 and a border per column, one more border
        for index in self.iri_widths:
            self.columns[index].no_wrap = needed <= options.max_width
        yield from super().__rich_console__(console, options)


def _json_table(answer: SparqlJsonSelect, prefixes: Mapping[str, str]) -> Table:
    names = answer["head"]["vars"]
    bindings = answer["results"]["bindings"]
    iri_widths = {}
    for index, name in enumerate(names):
        terms = [b[name] for b in bindings if name in b]
        if terms and all(t["type"] == "uri" for t in terms):
            iri_widths[index] = max(len(compact(t["value"], prefixes)) for t in terms)
    table = ResultTable(iri_widths)
    for name in names:
        table.add_column(name, overflow="fold")
    for binding in bindings:
        cells: list[Text | str] = []
        for name in names:
            term = binding.get(name)
            if term is None:
                cells.append("")
            elif term["type"] == "uri":
                # One line, cut with an ellipsis if the column is narrower: a folded IRI reads as two.
                cells.append(Text(compact(term["value"], prefixes), no_wrap=True, overflow="ellipsis"))
            else:
                lang = term.get("xml:lang")
                cells.append(term["value"] + (f"@{lang}" if lang else ""))
        table.add_row(*cells)
    count = len(bindings)
    table.caption = f"{count} row{'s' if count != 1 else ''}"
    return table
