"""Queries that cost a known amount of time or memory, for the executor's limit tests.

They need no data: ``VALUES`` cross products make the rows, so they cost the same on any store.
"""

from __future__ import annotations

__all__ = ["BOMB", "RUNAWAY", "SLOW_COUNT", "counting"]


def counting(factors: int) -> str:
    """``SELECT (COUNT(*) AS ?n)`` over 10^factors rows that stream: CPU, constant memory."""
    return "SELECT (COUNT(*) AS ?n) { " + " ".join(
        f"VALUES ?v{i} {{1 2 3 4 5 6 7 8 9 10}}" for i in range(factors)) + " }"


# 10^9 rows counted as they stream: minutes of CPU in constant memory (a pure time overrun).
RUNAWAY = counting(9)
# About 3 s of counting: long enough to be interrupted, short enough to finish.
SLOW_COUNT = counting(7)
# 10^8 rows to sort: a memory and time bomb.
BOMB = ("SELECT ?x { " + " ".join(f"VALUES ?v{i} {{1 2 3 4 5 6 7 8 9 10}}" for i in range(8))
        + ' BIND(CONCAT(STR(?v0), STR(?v7), "padding-padding-padding-padding") AS ?x) } ORDER BY RAND()')
