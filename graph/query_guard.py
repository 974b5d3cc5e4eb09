"""Static checks on SPARQL query and update text, run before any engine sees it.

Why a hand-written scanner and not a parser: the dangerous inputs are exactly the ones that break
recursive parsers. ~550 nested ``{ }`` kill an Oxigraph server and ~2,500 levels segfault a Python
process running pyoxigraph, and long operator chains (``1+1+...``) overflow the evaluator's stack.
So this module only *scans*: a flat tokenizer that skips strings, IRIs and comments, counts bracket
depth and operator-chain length, and picks out the few keywords that matter (the query form,
``FROM``/``FROM NAMED``, ``SERVICE``, ``LOAD``, ``USING``/``WITH``). Real parsing is left to the
engine, in a worker process, once the text is known to be shallow and small.

SPARQL applies ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes to the whole text before parsing (Oxigraph does
too), so ``\\u0053ERVICE`` *is* ``SERVICE``. The scanner decodes those escapes first, the same way.
"""

from __future__ import annotations

import hashlib
import re
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

from coopgraph.graph.errors import QueryRejectedError, QuerySyntaxError
from coopgraph.graph.filter_values import ValuesHint, values_hints_of
from coopgraph.graph.row_bound import RowBound, row_bound_of
from coopgraph.graph.sparql_tokens import CLOSE, IRI, OPEN, Token, decode_escapes, tokens

__all__ = [
    "PrefixUse",
    "QueryInfo",
    "QueryKind",
    "QueryLimits",
    "add_using_clauses",
    "inspect_query",
    "prefix_use",
    "query_shape",
]

QueryKind = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE"]

# Keyed by the upper-cased keyword, so a matched word becomes a QueryKind without a cast.
_QUERY_FORMS: dict[str, QueryKind] = {f: f for f in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")}
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
# Binary operators whose long chains make left-deep trees (evaluated recursively by the engine).
_CHAIN_OPERATORS = frozenset({"+", "-", "*", "/", "&&", "||", "|", "=", "!=", "<", ">", "<=", ">="})


@dataclass(frozen=True)
class QueryLimits:
    """What a query or update may look like before it is handed to an engine.

    ``service_allowlist`` entries are either host names (``"query.wikidata.org"``) or IRI prefixes
    (``"https://dbpedia.org/sparql"``); an empty set forbids ``SERVICE`` altogether.
    """

    max_bytes: int = 64_000
    max_nesting_depth: int = 64
    max_chain_length: int = 400
    service_allowlist: frozenset[str] = frozenset()
    allow_load: bool = False


@dataclass(frozen=True)
class QueryInfo:
    """What the scanner learnt about a request: its form and the IRIs it names."""

    kind: QueryKind
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    service_iris: tuple[str, ...] = ()
    has_dataset_clause: bool = False  # FROM in a query, USING / WITH in an update
    max_depth: int = 0
    prefixes: dict[str, str] = field(default_factory=dict)
    shape: bytes = b""  # see query_shape: what the query does, not how it is written
    # From the same scan, for the steps after the guard (each used to scan the text again):
    prefix_use: PrefixUse | None = None  # for graph.prefixes.with_predefined_prefixes
    rows: RowBound | None = None  # a SELECT's top-level LIMIT (graph.row_bound); None for other forms
    values: tuple[ValuesHint, ...] = ()  # VALUES blocks for membership filters (graph.filter_values)

    @property
    def is_update(self) -> bool:
        return self.kind == "UPDATE"

    @property
    def a_query(self) -> str:
        """"a SELECT query", "an ASK query": for messages."""
        return f"{'an' if self.kind[:1] in 'AEIOU' else 'a'} {self.kind} query"


def _after_prologue(toks: Sequence[Token]) -> Token | None:
    """The first token after the PREFIX and BASE declarations, if any."""
    at = 0
    while at < len(toks) and toks[at].kind == "word":
        word = toks[at].text.upper()
        if word == "PREFIX":
            at += 3
        elif word == "BASE":
            at += 2
        else:
            break
    return toks[at] if at < len(toks) else None


def _resolve(token: Token, prefixes: Mapping[str, str], base: str | None) -> str | None:
    """The absolute IRI a token denotes, or None when it is not a (resolvable) IRI."""
    if token.kind == "iri":
        iri = token.text
        if base and not urlsplit(iri).scheme:
            iri = urljoin(base, iri)
        return iri
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def _absolute(token: Token, prefixes: Mapping[str, str], relative: set[str]) -> str | None:
    """The IRI a token denotes when it needs no base to resolve (graph.filter_values writes the IRI
    out, and Python's ``urljoin`` is not the engine's RFC 3986 resolution in every corner)."""
    if token.kind == "pname" and token.text.partition(":")[0] in relative:
        return None
    iri = _resolve(token, prefixes, None)
    return iri if iri is not None and urlsplit(iri).scheme else None


def _service_allowed(iri: str, allowlist: frozenset[str]) -> bool:
    parts = urlsplit(iri)
    for entry in allowlist:
        if "://" in entry:
            if iri.startswith(entry):
                return True
        elif parts.scheme in ("http", "https") and parts.hostname == entry.lower():
            return True
    return False


def _shape_of(toks: Sequence[Token]) -> bytes:
    """A digest of the token stream with everything a client can vary for free taken out.

    Comments and whitespace are already gone (the tokenizer skips them); keywords are upper-cased;
    variables are renamed by order of first appearance (``?x`` and ``$x`` are one variable);
    IRIs, prefixed names, blank node labels, strings and numbers (so LIMIT/OFFSET values too) all
    become one placeholder; the prologue (``PREFIX``/``BASE`` declarations) is dropped. Two texts
    with the same shape join, filter and aggregate the same way, so they cost the same order of
    work: one that crashed a worker is the same threat under a new comment or a new LIMIT.
    """
    names: dict[str, str] = {}
    parts: list[str] = []
    skip = 0
    for idx, tok in enumerate(toks):
        if skip:
            skip -= 1
            continue
        kind = tok.kind
        if kind == "word":
            word = tok.text.upper()
            if word == "PREFIX":
                skip = 2  # the prefix name and its IRI
                continue
            if word == "BASE":
                skip = 1
                continue
            parts.append(word)
        elif kind == "var":
            parts.append(names.setdefault(tok.text[1:], f"?{len(names)}"))
        elif kind == "punct":
            parts.append(tok.text)
        else:  # iri, pname, string, number: values, not structure
            parts.append("$")
    return hashlib.blake2b(" ".join(parts).encode(), digest_size=16).digest()


def query_shape(text: str) -> bytes:
    """The shape digest of a query text (see :func:`_shape_of`); ``inspect_query`` computes it too,
    from the tokens it already has."""
    return _shape_of(list(tokens(decode_escapes(text))))


@dataclass(frozen=True)
class PrefixUse:
    """The prefixes a text declares (``PREFIX p: <...>``) and the ones its prefixed names use, each
    with the offset of its first use (in the escape-decoded text)."""

    declared: frozenset[str]
    used: dict[str, int]


def prefix_use(text: str) -> PrefixUse:
    """Which prefixes ``text`` declares and which it uses; a blank node label (``_:b``) is not a use."""
    return _prefix_use_of(list(tokens(decode_escapes(text))))


def _prefix_use_of(toks: Sequence[Token]) -> PrefixUse:
    declared: set[str] = set()
    used: dict[str, int] = {}
    for idx, tok in enumerate(toks):
        if tok.kind != "pname":
            continue
        prev = toks[idx - 1] if idx else None
        if prev is not None and prev.kind == "word" and prev.text.upper() == "PREFIX":
            declared.add(tok.text.partition(":")[0])
        elif prev is not None and prev.text == "_" and prev.start + 1 == tok.start:
            continue  # the tokenizer reads `_:b` as the word `_` and the name `:b`
        else:
            used.setdefault(tok.text.partition(":")[0], tok.start)
    return PrefixUse(frozenset(declared), used)


def inspect_query(text: str, limits: QueryLimits, predefined: Mapping[str, str] | None = None) -> QueryInfo:
    """Check a SPARQL query or update without parsing it; return what it is and what it names.

    Raises :class:`~graph.errors.QueryRejectedError` for: text over ``max_bytes`` (413), bracket
    nesting deeper than ``max_nesting_depth`` or operator chains longer than ``max_chain_length``
    (400), ``SERVICE`` to an IRI not on the allow-list or to a variable (403), and ``LOAD`` (403).
    Syntax errors are *not* reported here: the engine's parser gives better messages.
    ``predefined``: prefixes the endpoint declares for the text (graph/prefixes.py), so that a
    ``FROM id:g`` or ``SERVICE`` written with one resolves as the engine will see it.
    """
    size = len(text.encode("utf-8"))
    if size > limits.max_bytes:
        raise QueryRejectedError(
            f"query is {size} bytes; the limit is {limits.max_bytes}", http_status=413
        )
    as_written = text
    text = decode_escapes(text)

    kind: QueryKind | None = None
    depth = max_depth = chain = 0
    prefixes: dict[str, str] = {}
    # The text's own declarations first (seen as the scan goes), then the endpoint's.
    known: Mapping[str, str] = ChainMap(prefixes, dict(predefined)) if predefined else prefixes
    base: str | None = None
    froms: list[str] = []
    from_named: list[str] = []
    services: list[str] = []
    dataset_clause = False
    filters = False
    relative: set[str] = set()  # prefixes declared with a relative IRI
    toks = list(tokens(text))  # at most max_bytes tokens; the loop below refuses a deep text
    for idx, tok in enumerate(toks):
        if tok.kind == "punct" and tok.text in OPEN:
            depth += 1
            if depth > limits.max_nesting_depth:
                raise QueryRejectedError(
                    f"query nests brackets deeper than {limits.max_nesting_depth} levels"
                )
            max_depth = max(max_depth, depth)
        elif tok.kind == "punct" and tok.text in CLOSE:
            depth = max(depth - 1, 0)
        if tok.kind == "punct" and tok.text in _CHAIN_OPERATORS:
            chain += 1
            if chain > limits.max_chain_length:
                raise QueryRejectedError(
                    f"query has a chain of more than {limits.max_chain_length} operators"
                )
        elif tok.kind == "punct" and tok.text in "{}.;,":
            chain = 0
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        nxt = toks[idx + 1] if idx + 1 < len(toks) else None
        if word == "FILTER":
            filters = True
        elif word == "PREFIX" and nxt is not None and idx + 2 < len(toks):
            declared = toks[idx + 2]
            if nxt.kind == "pname" and declared.kind == "iri":
                name = nxt.text.rstrip(":").split(":")[0]
                prefixes[name] = _resolve(declared, known, base) or ""
                if not urlsplit(declared.text).scheme:
                    relative.add(name)
        elif word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = _resolve(nxt, known, base)
        elif kind is None and depth == 0 and word in _QUERY_FORMS:
            kind = _QUERY_FORMS[word]
        elif kind is None and depth == 0 and word in _UPDATE_WORDS:
            kind = "UPDATE"
        if word == "LOAD" and not limits.allow_load and kind == "UPDATE":
            raise QueryRejectedError("LOAD is not allowed on this endpoint", http_status=403)
        if word in ("USING", "WITH") and kind == "UPDATE" and depth == 0:
            dataset_clause = True
        if word == "FROM" and kind in _QUERY_FORMS and nxt is not None:
            dataset_clause = True
            named = nxt.kind == "word" and nxt.text.upper() == "NAMED"
            source = toks[idx + 2] if named and idx + 2 < len(toks) else nxt
            iri = _resolve(source, known, base)
            if iri is not None:
                (from_named if named else froms).append(iri)
        if word == "SERVICE":
            target = nxt
            if target is not None and target.kind == "word" and target.text.upper() == "SILENT":
                target = toks[idx + 2] if idx + 2 < len(toks) else None
            iri = _resolve(target, known, base) if target is not None else None
            if iri is None:
                raise QueryRejectedError(
                    "SERVICE must name a fixed IRI on this endpoint's allow-list", http_status=403
                )
            if not _service_allowed(iri, limits.service_allowlist):
                raise QueryRejectedError(
                    f"SERVICE <{iri}> is not on this endpoint's allow-list", http_status=403
                )
            services.append(iri)
    if kind is None:
        stray = _after_prologue(toks)
        if stray is not None:  # "SELEC * WHERE ...": say so, rather than call it an update
            line = text.count("\n", 0, stray.start) + 1
            column = stray.start - (text.rfind("\n", 0, stray.start) + 1) + 1
            raise QuerySyntaxError(f"error at {line}:{column}: expected SELECT, CONSTRUCT, ASK, DESCRIBE or an "
                                   f"update (INSERT, DELETE, ...), found {stray.text[:40]!r}")
        # Only a prologue (or nothing): an empty update is valid SPARQL, an empty query is not.
        kind = "UPDATE"
    return QueryInfo(
        kind=kind,
        from_graphs=tuple(froms),
        from_named_graphs=tuple(from_named),
        service_iris=tuple(services),
        has_dataset_clause=dataset_clause,
        max_depth=max_depth,
        prefixes=prefixes,
        shape=_shape_of(toks),
        prefix_use=_prefix_use_of(toks),
        rows=row_bound_of(toks) if kind == "SELECT" else None,
        # Positions in the decoded text are not positions in the text as written if it had escapes.
        values=values_hints_of(toks, len(text), lambda tok: _absolute(tok, known, relative))
        if filters and kind != "UPDATE" and text == as_written else (),
    )


def add_using_clauses(
    text: str, using_graphs: list[str] | tuple[str, ...], using_named_graphs: list[str] | tuple[str, ...]
) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update.

    pyoxigraph's ``Store.update`` has no dataset argument, so the dataset is written into the text:
    ``USING <g>`` / ``USING NAMED <g>`` go before the ``WHERE`` of every ``INSERT``/``DELETE ...
    WHERE`` operation (in a Modify, ``WHERE`` is mandatory, and ``DELETE WHERE`` takes no USING).
    The caller must first refuse updates that already carry USING or WITH (protocol: 400).
    Call only on text that passed :func:`inspect_query` (escapes are decoded here the same way).
    """
    clause = " ".join(
        [f"USING <{g}>" for g in using_graphs] + [f"USING NAMED <{g}>" for g in using_named_graphs]
    )
    if not clause:
        return text
    for iri in [*using_graphs, *using_named_graphs]:
        if not IRI.fullmatch(f"<{iri}>"):
            raise QueryRejectedError(f"invalid graph IRI {iri!r}")
    text = decode_escapes(text)
    out: list[str] = []
    last = 0
    depth = 0
    prev: Token | None = None
    for tok in tokens(text):
        if tok.kind == "punct" and tok.text in OPEN:
            depth += 1
        elif tok.kind == "punct" and tok.text in CLOSE:
            depth = max(depth - 1, 0)
        elif tok.kind == "word" and depth == 0 and tok.text.upper() == "WHERE":
            if not (prev is not None and prev.kind == "word" and prev.text.upper() == "DELETE"):
                out.append(text[last : tok.start])
                out.append(clause + " ")
                last = tok.start
        prev = tok
    out.append(text[last:])
    return "".join(out)
