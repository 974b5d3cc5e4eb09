"""Name search on a remote store through bounded queries (no label index of the whole graph).

On the embedded store, search runs on a ``LabelIndex`` of every label, built once per version.
On a remote engine that would pull every label over HTTP, so a search here asks the engine for
the few names that contain every word of the query (``CONTAINS(LCASE(...))``, ``LIMIT``) and, for
several words, some that contain any of them; then ranks those candidates with a small
``LabelIndex`` built from them: the same ranking (exact > prefix > token > substring > fuzzy) as
the embedded store. What is lost: typo matches of names that contain none of the words typed, and
candidates past the limits (very common words).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from coopgraph.graph.read_queries import PREFIXES, Selectable
from coopgraph.graph.search import LabelIndex, normalise
from coopgraph.graph.ids import slug_of

__all__ = ["CANDIDATE_LIMIT", "bounded_index"]

# Most names fetched per search; enough for any specific query, bounded for common words.
CANDIDATE_LIMIT = 500


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def bounded_index(store: Selectable, *, base: str, query: str, limit: int = CANDIDATE_LIMIT) -> LabelIndex:
    """A ``LabelIndex`` of the entities with a name containing every word of ``query`` (or, for the
    close spellings, some of them)."""
    words = normalise(query).split()[:8]
    if not words:
        return LabelIndex({}, [])

    def candidates(test: str, most: int) -> set[str]:
        # Subjects outside {base}id/ are dropped in Python (slug_of): a STRSTARTS(STR(?s), ...) here
        # made Oxigraph take 1.3 s instead of 0.3 s over the 1M graph's labels.
        rows = store.select(PREFIXES + f"""SELECT DISTINCT ?s WHERE {{
            {{ ?s rdfs:label ?l }} UNION {{ ?s skos:altLabel ?l }} FILTER({test}) }} LIMIT {most}""")
        return {row["s"] for row in rows if "s" in row and slug_of(base, row["s"]) is not None}

    contains = [f"CONTAINS(LCASE(STR(?l)), {_literal(w)})" for w in words]
    if len(words) == 1:
        subjects = candidates(contains[0], limit)
    else:  # also names with only some of the words, for the close spellings ("fuzzy"); both scans at once
        with ThreadPoolExecutor(2) as pool:
            every = pool.submit(candidates, " && ".join(contains), limit)
            some = pool.submit(candidates, " || ".join(contains), limit // 2)
            subjects = every.result() | some.result()
    if not subjects:
        return LabelIndex({}, [])
    values = " ".join(f"<{s}>" for s in sorted(subjects))
    rows = store.select(PREFIXES + f"""SELECT ?s ?l ?lang ?kind ?t WHERE {{ VALUES ?s {{ {values} }}
        {{ ?s rdfs:label ?l BIND("label" AS ?kind) BIND(LANG(?l) AS ?lang) }}
        UNION {{ ?s skos:altLabel ?l BIND("alt" AS ?kind) }} UNION {{ ?s a ?t }} }}""")
    return _index(rows, base)


def _index(rows: list[dict[str, str]], base: str) -> LabelIndex:
    """Split the one answer into type rows and name rows, then index as the embedded store does."""
    types: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if "t" in row:
            types[row["s"]].add(row["t"])
    return LabelIndex.from_rows((row for row in rows if "t" not in row), types, base=base)
