"""Predefined SPARQL prefixes: ``coop:``, ``id:``, ``rdfs:``... known to every query without a PREFIX line.

As on the Wikidata Query Service, a query or update may use the common prefixes without declaring
them; its own ``PREFIX`` declarations win. Engines take no such setting through the protocol (a
remote Virtuoso or Fuseki would not), so :func:`with_predefined_prefixes` writes the declarations
into the text: only for the prefixes the text uses and does not declare, all on its first line, so
that the parser's line numbers stay right (:meth:`Prefixed.explain` puts the columns of line 1
back). A prefix that is neither declared nor predefined is left for the engine to reject, so that
the checks before it (the guard, a remote engine's refusals) keep their answers; its parser error
is then replaced by one naming the prefix and the nearest known one, instead of the parser's list
of expected characters.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from coopgraph.graph.ids import normalise_base
from coopgraph.graph.namespaces import PREFIXES
from coopgraph.graph.query_guard import PrefixUse, prefix_use

__all__ = ["PREDEFINED", "Prefixed", "predefined_prefixes", "with_predefined_prefixes"]

# In the order they are listed to users; `id:` depends on the deployment's base.
PREDEFINED = ("coop", "id", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "org", "schema", "foaf")

# Oxigraph's "error at LINE:COLUMN" (and "-LINE:COLUMN" for a span): only line 1 moved.
_LINE_ONE = re.compile(r"(?<=\bat )1:(\d+)|(?<=-)1:(\d+)")


def predefined_prefixes(base: str) -> dict[str, str]:
    """The predefined prefixes for entities minted under ``base``: name -> namespace IRI (a fresh
    dict: callers may change theirs)."""
    return dict(_predefined(base))


@functools.lru_cache(maxsize=16)
def _predefined(base: str) -> dict[str, str]:
    return {name: f"{normalise_base(base)}id/" if name == "id" else PREFIXES[name] for name in PREDEFINED}


@dataclass(frozen=True)
class Prefixed:
    """A query text with the declarations it needed put before it (``added``, on its first line);
    ``undeclared``: why it cannot parse, when it uses a prefix that is neither declared nor predefined."""

    text: str
    added: str = ""
    undeclared: str | None = None

    def explain(self, message: str, shift: int = 0) -> str:
        """What to tell the user for the engine's syntax error ``message`` about :attr:`text`: the
        undeclared prefix if there is one, else the message with line-1 columns as the user wrote them.

        ``shift``: more characters a caller put on the first line before :attr:`text` (a BASE)."""
        if self.undeclared is not None:
            return self.undeclared
        columns = len(self.added) + shift
        if not columns:
            return message

        def back(m: re.Match[str]) -> str:
            column = int(m.group(1) or m.group(2))
            return f"1:{column - columns}" if column > columns else m.group(0)

        return _LINE_ONE.sub(back, message)


def with_predefined_prefixes(text: str, predefined: Mapping[str, str], use: PrefixUse | None = None) -> Prefixed:
    """``text`` with a ``PREFIX`` declaration for each predefined prefix it uses but does not declare.
    ``use``: ``prefix_use(text)``, when the caller has it (``inspect_query`` finds it in its scan).

    A prefix that is neither is explained in ``undeclared`` (for :meth:`Prefixed.explain`): its name,
    the predefined ones and, when one is close (``cop:``, ``rdsf:``), the likely intended one.

    >>> with_predefined_prefixes("ASK { ?s a coop:Region }", {"coop": "https://coopgraph.org/ontology#"}).text
    'PREFIX coop: <https://coopgraph.org/ontology#> ASK { ?s a coop:Region }'
    """
    if use is None:
        use = prefix_use(text)
    missing = [name for name in use.used if name not in use.declared and name not in predefined]
    message = None
    if missing:
        name = min(missing, key=lambda n: use.used[n])  # the first the parser would stop at
        line = text.count("\n", 0, use.used[name]) + 1
        known = ", ".join(f"{p}:" for p in predefined)
        hint = _nearest(name, [*predefined, *sorted(use.declared)])
        message = f"undeclared prefix '{name}:' (line {line}); add PREFIX {name}: <...> (predefined: {known})"
        if hint:
            message += f"; did you mean '{hint}:'?"
    added = "".join(f"PREFIX {name}: <{predefined[name]}> " for name in use.used
                    if name not in use.declared and name in predefined)
    return Prefixed(added + text, added, message)


def _nearest(name: str, known: list[str]) -> str | None:
    """The known prefix ``name`` is most likely a typo of: two letters swapped (``rdsf``) first."""
    swapped = [k for k in known if len(k) == len(name) and sorted(k) == sorted(name) and k != name]
    if swapped:
        return swapped[0]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None
