"""Membership filters as ``VALUES`` blocks: ``FILTER(?p IN (a, b))`` and ``FILTER(?p = a)`` become
something the engine can look up in its indexes instead of testing on every triple.

Oxigraph evaluates ``{ ?s ?p ?o FILTER(?p IN (coop:hasMember, org:postIn)) }`` by scanning every
triple and testing each one; the same group with ``VALUES ?p { coop:hasMember org:postIn }`` is
two index lookups (at a million triples: 250 ms against 18 ms for one predicate, 420 against
105 ms for four). Query writers use the filter form all the time, so the endpoint adds the
``VALUES`` block itself, as Jena's optimiser does with its filter-equality and filter-disjunction
transforms. The ``FILTER`` stays where it is.

When the result is the same (the argument, for whoever changes this):

- The constants are IRIs or strings (simple, ``xsd:string`` or language-tagged). ``=`` and ``IN``
  are true for exactly those terms, the way a ``VALUES`` join matches terms: an IRI equals only
  itself, ``"x"@en`` only ``"x"@en`` (other literals are unequal or an error, and an error fails
  the filter too). Numbers, dates and booleans compare by value (``1 = 1.0``), so filters on them
  are left alone.
- The variable is bound in every solution of the group: it occurs in a triple pattern (or path)
  of the group itself, not only in a nested ``OPTIONAL``, ``UNION`` branch, ``MINUS``, ``GRAPH``
  group, ``BIND`` or ``VALUES``. A ``VALUES`` join would *bind* an unbound variable, which the
  filter would then let through.
- The block goes at the end of the group, so the group is ``Join(G, VALUES)``: for a variable
  bound in all of ``G``'s solutions, that keeps exactly the solutions whose value is in the list,
  which the filter keeps anyway. Placed earlier, before an ``OPTIONAL`` that can bind the same
  variable, it could change what the ``OPTIONAL`` matches.
- Constants are resolved to absolute IRIs and written once each: a ``VALUES`` row listed twice
  would double the solutions.

And the query must be one whose answer does not depend on the engine's plan (:func:`_well_designed`):
for an ``OPTIONAL`` whose variables also occur outside it but not before it, engines do not all
follow the algebra, and a ``VALUES`` block changes the plan.

Nothing is rewritten inside a filter expression (``EXISTS``), a ``SERVICE`` group (another
engine's business) or a text with ``\\u`` escapes; a constant that does not resolve (an
undeclared prefix, a relative IRI, which the engine resolves, an escaped local name) leaves its
filter alone.
Texts are scanned flat, like everything in :mod:`graph.query_guard`: no recursion on the user's
nesting. The executor runs the rewritten text and, on a syntax error, the text as written, so
error messages keep the user's positions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from coopgraph.graph.sparql_tokens import CLOSE, OPEN, Token

__all__ = ["ValuesHint", "values_hints_of", "with_values"]

ValuesHint = tuple[int, str]  # (characters before the end of the text, the VALUES block to put there)
Term = tuple[Token, ...]  # a constant: an IRI or prefixed name, or a string with its tag or datatype
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_EXPRESSION_WORDS = frozenset({"FILTER", "BIND"})
# Brackets nested inside one filter that the analysis looks through: a deeper filter is left alone,
# which bounds the scan of a hostile one (sixty nested brackets around each of 200 filters cost
# 150 ms before; 60 KB of plain triple patterns cost the guard 35 ms).
_MAX_LAYERS = 3
_NAMED_GROUP_WORDS = frozenset({"GRAPH", "SERVICE"})  # followed by a term that is not a triple's


@dataclass
class _Frame:
    """One open bracket while scanning."""

    opener: str
    # "group" | "subquery" (a group that is a SELECT) | "expression" | "values" | "triples" (a
    # collection or a blank node's [ ] in a triple pattern, or a path's brackets)
    kind: str
    at: int  # index of the opening token
    rewrite: bool = True  # False inside SERVICE groups and filter expressions
    bound: set[str] = field(default_factory=set)  # group: variables of its own triple patterns
    tests: list[tuple[str, tuple[Term, ...]]] = field(default_factory=list)  # group: (variable, constants)
    # triples: the group whose triple patterns these brackets are in; expression: the outermost
    # bracket of the filter or BIND it is in
    owner: _Frame | None = None
    depth: int = 0  # expression: how many brackets of the filter it is inside
    nesting: int = 0  # outermost bracket of a filter: the deepest bracket inside it


def values_hints_of(toks: Sequence[Token], length: int,
                    resolve: Callable[[Token], str | None]) -> tuple[ValuesHint, ...]:
    """Where to put which ``VALUES`` blocks in the text of ``length`` characters that ``toks`` was
    scanned from (a query, not an update: the caller decides). ``resolve`` gives a token's absolute
    IRI, or None when it has none without a base (the only check of that: see
    :func:`graph.query_guard._absolute`). Positions count from the end of the text, so that declarations put before it
    move nothing."""
    stack: list[_Frame] = []
    hints: list[tuple[int, str]] = []
    pending = ""  # what the next opening bracket is: "expression" | "values" | "service" | ""
    skip_term = False  # the term after GRAPH / SERVICE (SILENT)
    for idx, tok in enumerate(toks):
        top = stack[-1] if stack else None
        if tok.kind == "punct" and tok.text in OPEN:
            stack.append(_open(tok, idx, top, pending))
            pending = "" if pending != "values" or tok.text == "{" else pending
            continue
        if tok.kind == "punct" and tok.text in CLOSE:
            if not stack or OPEN.index(stack[-1].opener) != CLOSE.index(tok.text):
                return ()  # unbalanced: the engine will say so
            frame = stack.pop()
            if frame.kind == "group" and frame.rewrite:
                hints.extend((length - tok.start, block) for block in _blocks(frame, resolve))
            elif (frame.kind == "expression" and stack and stack[-1].kind == "group" and stack[-1].rewrite
                  and _is_filter(toks, frame.at) and frame.nesting <= _MAX_LAYERS):
                stack[-1].tests.extend(_membership_tests(toks[frame.at + 1:idx]))
            continue
        if top is not None and top.kind == "triples" and top.owner is not None:
            if tok.kind == "var":
                top.owner.bound.add(tok.text[1:])
            continue
        if top is None or top.kind != "group":
            continue
        if tok.kind == "word":
            word = tok.text.upper()
            if word in _EXPRESSION_WORDS:
                pending = "expression"
            elif word == "VALUES":
                pending = "values"
            elif word in _NAMED_GROUP_WORDS:
                skip_term = True
                pending = "service" if word == "SERVICE" else ""
            elif word == "SELECT":  # a subquery: what follows in this frame is its projection
                top.kind = "subquery"
            continue
        if tok.kind == "var":
            if skip_term:
                skip_term = False
            elif pending == "":
                top.bound.add(tok.text[1:])
            continue
        if skip_term and tok.kind in ("iri", "pname"):
            skip_term = False
    return tuple(hints) if hints and _well_designed(toks) else ()


@dataclass
class _Scope:
    """One open bracket for :func:`_well_designed`."""

    kind: str  # "group" | "optional" (an OPTIONAL's or MINUS's group) | "expression" | "other"
    mentions: Counter[str] = field(default_factory=Counter)  # every variable token inside, at any depth
    plain: set[str] = field(default_factory=set)  # group: variables outside filter and BIND expressions
    in_expressions: set[str] = field(default_factory=set)  # group: variables in its FILTERs and BINDs
    before: set[str] = field(default_factory=set)  # optional: the parent's plain variables when it opened
    nested: bool = False  # optional: a group inside it
    group: _Scope | None = None  # the innermost group or optional scope it is (in)


def _well_designed(toks: Sequence[Token]) -> bool:
    """Whether the query's answer cannot depend on the order the engine evaluates its parts in.

    The SPARQL algebra is evaluated bottom-up, but engines evaluate the right side of an
    ``OPTIONAL`` with the left side's bindings put in where they can, and for some patterns that
    gives another answer; a ``VALUES`` block changes the engine's plan, and so could change the
    answer of such a query. Found by the differential test: ``{ ?x :p ?o OPTIONAL { OPTIONAL {
    ?s ?p ?o } { ?x ?p ?o } } }`` answers differently with ``VALUES ?o`` at its end. Such patterns
    are rare in practice and the rewrite is only an optimisation, so any query that is not plainly
    safe is left as written. Safe here means (the "well-designed" patterns of Pérez, Arenas and
    Gutierrez, checked conservatively):

    - every ``OPTIONAL`` / ``MINUS`` group holds no group of its own, and each of its variables
      that occurs anywhere else in the query's patterns occurs before it in its parent group;
    - every variable of a ``FILTER`` or ``BIND`` occurs in its group outside those expressions
      (a filter never refers to a variable that only an enclosing group binds).

    Variables outside every ``{ }`` (the projection, ORDER BY, GROUP BY) do not count.
    """
    everywhere: Counter[str] = Counter()
    braces = 0
    for tok in toks:
        if tok.kind == "punct" and tok.text in "{}":
            braces += 1 if tok.text == "{" else -1
        elif tok.kind == "var" and braces > 0:
            everywhere[tok.text[1:]] += 1
    stack: list[_Scope] = []
    pending = ""  # "expression" | "optional" | "": what the next bracket opens
    expressions = 0  # expression scopes open

    for tok in toks:
        top = stack[-1] if stack else None
        if tok.kind == "punct" and tok.text in OPEN:
            parent = top.group if top is not None else None
            if (top is not None and top.kind == "expression") or pending == "expression":
                scope = _Scope("expression", group=parent)
                expressions += 1
            elif tok.text == "{":
                scope = _Scope("optional" if pending == "optional" else "group")
                scope.group = scope
                if parent is not None and parent.kind == "optional":
                    parent.nested = True
                if scope.kind == "optional" and parent is not None:
                    scope.before = set(parent.plain)
            else:
                scope = _Scope("other", group=parent)
            stack.append(scope)
            pending = ""
        elif tok.kind == "punct" and tok.text in CLOSE:
            if top is None:
                return False
            scope = stack.pop()
            expressions -= scope.kind == "expression"
            parent = stack[-1].group if stack else None
            if stack:
                stack[-1].mentions.update(scope.mentions)
            if scope.kind in ("group", "optional"):
                if scope.in_expressions - scope.plain:
                    return False
                if parent is not None:
                    parent.plain |= scope.plain
            if scope.kind == "optional" and (scope.nested or any(
                    name not in scope.before and everywhere[name] > count for name, count in scope.mentions.items())):
                return False
        elif tok.kind == "word" and top is not None:
            word = tok.text.upper()
            if word in _EXPRESSION_WORDS:
                pending = "expression"
            elif word in ("OPTIONAL", "MINUS"):
                pending = "optional"
        elif tok.kind == "var" and top is not None:
            name = tok.text[1:]
            top.mentions[name] += 1
            if top.group is None:
                continue
            if expressions:
                top.group.in_expressions.add(name)
            else:
                top.group.plain.add(name)
    return True


def _open(tok: Token, idx: int, top: _Frame | None, pending: str) -> _Frame:
    if top is not None and top.kind == "expression":  # a bracket inside a filter: how deep it goes
        outermost = top.owner or top
        frame = _Frame(tok.text, "expression", idx, rewrite=False, owner=outermost, depth=top.depth + 1)
        outermost.nesting = max(outermost.nesting, frame.depth)
        return frame
    if top is not None and top.kind == "values":
        return _Frame(tok.text, top.kind, idx, rewrite=False)
    if pending == "expression":
        return _Frame(tok.text, "expression", idx, rewrite=False)
    if pending == "values":
        return _Frame(tok.text, "values", idx, rewrite=False)
    inherited = top.rewrite if top is not None else True
    if tok.text == "{":
        return _Frame(tok.text, "group", idx, rewrite=inherited and pending != "service")
    # a collection or a blank node's property list in a triple pattern, or a path's brackets
    owner = top if top is not None and top.kind == "group" else top.owner if top is not None else None
    return _Frame(tok.text, "triples", idx, rewrite=inherited, owner=owner)


def _is_filter(toks: Sequence[Token], at: int) -> bool:
    """Whether the bracket at ``at`` is the one right after ``FILTER`` (not a call inside it)."""
    return at > 0 and toks[at - 1].kind == "word" and toks[at - 1].text.upper() == "FILTER"


def _split(toks: Sequence[Token], operator: str) -> list[Sequence[Token]]:
    """``toks`` cut at ``operator`` where it is outside every bracket."""
    parts: list[Sequence[Token]] = []
    depth = start = 0
    for i, tok in enumerate(toks):
        if tok.kind == "punct" and tok.text in OPEN:
            depth += 1
        elif tok.kind == "punct" and tok.text in CLOSE:
            depth -= 1
        elif depth == 0 and tok.kind == "punct" and tok.text == operator:
            parts.append(toks[start:i])
            start = i + 1
    parts.append(toks[start:])
    return parts


def _unwrap(toks: Sequence[Token]) -> Sequence[Token]:
    """``toks`` without brackets around all of it: ``((?p = a))`` is ``?p = a``. At most a few
    layers: each costs a pass over the tokens, and a hostile text could nest sixty."""
    for _ in range(_MAX_LAYERS):
        if not (len(toks) >= 2 and toks[0].text == "(" and toks[-1].text == ")" and toks[0].kind == "punct"):
            break
        depth = 0
        for i, tok in enumerate(toks):
            if tok.kind == "punct" and tok.text in OPEN:
                depth += 1
            elif tok.kind == "punct" and tok.text in CLOSE:
                depth -= 1
                if depth == 0 and i < len(toks) - 1:
                    return toks  # "(a) = (b)": the first bracket closes early
        toks = toks[1:-1]
    return toks


def _membership_tests(toks: Sequence[Token], depth: int = 0) -> list[tuple[str, tuple[Term, ...]]]:
    """The (variable, constant tokens) pairs that a filter's expression requires: the expression
    can only be true when the variable is one of the constants. ``||`` binds looser than ``&&``,
    so the expression is a disjunction of conjunctions; a variable is required to be in a list when
    every disjunct has a conjunct that says so (``?v IN (a, b)``, ``?v = a``, ``a = ?v``, or such a
    test in brackets), and the list is the union of theirs. Anything else is left to the filter."""
    required: dict[str, list[Term]] | None = None
    for disjunct in _split(_unwrap(toks), "||"):
        found: dict[str, list[Term]] = {}
        for conjunct in _split(disjunct, "&&"):
            conjunct = _unwrap(conjunct)
            test = _membership(conjunct)
            tests = [test] if test is not None else (
                _membership_tests(conjunct, depth + 1) if depth < _MAX_LAYERS and len(conjunct) > 3 else [])
            for variable, constants in tests:
                found.setdefault(variable, list(constants))  # a second test on it only narrows it
        if required is None:
            required = found
        else:
            required = {v: required[v] + found[v] for v in required if v in found}
        if not required:
            return []
    return [(variable, tuple(constants)) for variable, constants in (required or {}).items()]


def _term_end(toks: Sequence[Token], i: int) -> int | None:
    """Where the constant that starts at ``toks[i]`` ends: an IRI, a prefixed name, or a string with
    its language tag or datatype; None when no constant starts there."""
    if i >= len(toks):
        return None
    if toks[i].kind in ("iri", "pname"):
        return i + 1
    if toks[i].kind != "string":
        return None
    j = i + 1
    if j + 1 < len(toks) and toks[j].text == "@" and toks[j + 1].kind == "word":
        j += 2
        while j + 1 < len(toks) and toks[j].text == "-" and toks[j + 1].kind in ("word", "number"):
            j += 2
    elif j + 1 < len(toks) and toks[j].text == "^^" and toks[j + 1].kind in ("iri", "pname"):
        j += 2
    return j


def _membership(toks: Sequence[Token]) -> tuple[str, list[Term]] | None:
    """``?v IN (a, b, ...)``, ``?v = a`` or ``a = ?v``: (variable name, the constants' tokens)."""
    if len(toks) >= 3 and toks[0].kind == "var" and toks[1].kind == "punct" and toks[1].text == "=":
        return (toks[0].text[1:], [tuple(toks[2:])]) if _term_end(toks, 2) == len(toks) else None
    if len(toks) >= 3 and toks[-1].kind == "var" and toks[-2].kind == "punct" and toks[-2].text == "=":
        return (toks[-1].text[1:], [tuple(toks[:-2])]) if _term_end(toks, 0) == len(toks) - 2 else None
    if not (len(toks) >= 5 and toks[0].kind == "var" and toks[1].kind == "word" and toks[1].text.upper() == "IN"
            and toks[2].text == "(" and toks[-1].text == ")"):
        return None
    terms: list[Term] = []
    i, last = 3, len(toks) - 1
    while True:
        j = _term_end(toks, i)
        if j is None or j > last:
            return None
        terms.append(tuple(toks[i:j]))
        if j == last:
            return toks[0].text[1:], terms
        if toks[j].kind != "punct" or toks[j].text != "," or j + 1 >= last:
            return None
        i = j + 1


def _value(term: Term, resolve: Callable[[Token], str | None]) -> tuple[object, str] | None:
    """(what the term is, how to write it in VALUES), or None when the term may not be put there:
    an IRI that does not resolve to an absolute one, a literal that ``=`` compares by value."""
    first = term[0]
    if first.kind in ("iri", "pname"):
        iri = resolve(first) if len(term) == 1 and "\\" not in first.text else None
        return (iri, f"<{iri}>") if iri is not None else None
    # A string: ``=`` on a simple or language-tagged string is true for that very term only (any
    # other literal is unequal or an error). Escapes and long quotes are left alone: two ways of
    # writing one string would be two VALUES rows.
    text = first.text
    if "\\" in text or text.startswith(('"""', "'''")):
        return None
    if len(term) == 1:
        return ("string", text[1:-1]), text
    if term[1].text == "@":
        tag = "".join(t.text for t in term[2:])
        return ("string", text[1:-1], tag.lower()), f"{text}@{tag}"
    return (("string", text[1:-1]), text) if resolve(term[2]) == _XSD_STRING else None


def _blocks(frame: _Frame, resolve: Callable[[Token], str | None]) -> list[str]:
    blocks = []
    for variable, constants in frame.tests:
        if variable not in frame.bound:
            continue
        written: dict[object, str] = {}  # one row per term, in order
        for term in constants:
            value = _value(term, resolve)
            if value is None or written.setdefault(value[0], value[1]) != value[1]:
                break  # a term it cannot put there, or one term written two ways ("x"@EN, "x"@en)
        else:
            blocks.append(f" VALUES ?{variable} {{ {' '.join(written.values())} }} ")
    return blocks


def with_values(text: str, hints: Sequence[ValuesHint]) -> str | None:
    """``text`` with the ``VALUES`` blocks of :func:`values_hints_of` put in, or None when ``text``
    does not end with the text they were found in (nothing is put in blind)."""
    if not hints:
        return text
    parts = []
    last = len(text)
    for from_end, block in sorted(hints):  # from the end of the text backwards
        at = len(text) - from_end
        if not 0 <= at <= last or text[at] != "}":
            return None
        parts.append(text[at:last])
        parts.append(block)
        last = at
    parts.append(text[:last])
    return "".join(reversed(parts))
