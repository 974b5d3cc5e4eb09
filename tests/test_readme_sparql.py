"""Every fenced ```sparql block of README.md runs as written, with no PREFIX lines added, against the
seed store: on the HTTP endpoint and with `coopgraph query`, and each returns rows."""

from __future__ import annotations

import json
import re
import textwrap

import httpx
import pytest

from coopgraph.api.cli import app
from tests.conftest import REPO, SeedBuild

# A fence may be indented (inside a list item); its body is indented the same way.
_BLOCK = re.compile(r"^(?P<indent>[ \t]*)```sparql[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


def readme_queries() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [textwrap.dedent(m.group("body")) for m in _BLOCK.finditer(readme)]


QUERIES = readme_queries()


def test_the_readme_has_its_examples() -> None:
    assert len(QUERIES) >= 5
    assert all(q.strip() for q in QUERIES)


def _rows(answer: dict[str, object]) -> int:
    if "boolean" in answer:
        return 1 if answer["boolean"] else 0
    results = answer["results"]
    assert isinstance(results, dict)
    return len(results["bindings"])


@pytest.mark.parametrize("query", QUERIES, ids=[f"example-{n}" for n in range(1, len(QUERIES) + 1)])
def test_readme_query_on_the_endpoint(app_client: httpx.Client, query: str) -> None:
    response = app_client.post("/sparql", data={"query": query},
                               headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    assert _rows(response.json()) > 0, f"no rows for:\n{query}"


@pytest.mark.parametrize("query", QUERIES, ids=[f"example-{n}" for n in range(1, len(QUERIES) + 1)])
def test_readme_query_with_the_cli(cli, seed_build: SeedBuild, query: str) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(app, ["query", "--store", str(seed_build.store_root), "--format", "json", query])
    assert result.exit_code == 0, result.output
    assert _rows(json.loads(result.stdout)) > 0, f"no rows for:\n{query}"
