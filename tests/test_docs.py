"""The README documents every command and every setting (fails when one is added silently)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopgraph.api.cli import app
from coopgraph.api.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(c.name or c.callback.__name__ for c in app.registered_commands))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"coopgraph {command}" in README


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"COOPGRAPH_{field.upper()}" in README


def test_readme_gives_the_two_commands() -> None:
    assert "make run" in README and "make test" in README


README_PREFIXES = """
PREFIX coop: <https://coopgraph.org/ontology#>
PREFIX id: <https://coopgraph.org/id/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
"""


def _readme_queries() -> list[str]:
    blocks = README.split("```sparql")[1:]
    return [block.split("```")[0] for block in blocks]


@pytest.mark.parametrize("index", range(len(_readme_queries())))
def test_readme_example_queries_answer(index: int, seed_store) -> None:  # type: ignore[no-untyped-def]
    """Each example query of the README runs on the built graph and finds something."""
    query = README_PREFIXES + _readme_queries()[index]
    assert seed_store.select(query), query


def test_readme_sparqlwrapper_script_runs_against_the_server(live_server) -> None:  # type: ignore[no-untyped-def]
    """The README's Python example, unchanged but for the port of the test server."""
    import contextlib
    import io

    script = README.split("```python")[1].split("```")[0]
    assert "http://127.0.0.1:8000/sparql" in script
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(script.replace("http://127.0.0.1:8000", live_server.url), {})  # noqa: S102
    lines = output.getvalue().splitlines()
    assert any(line.startswith("Chongqing Customs 2019-12-17") for line in lines), lines
    assert any(line.startswith("Chengdu Customs 2019-12-17") for line in lines), lines


def test_every_api_operation_has_an_example_in_openapi() -> None:
    """/docs shows an example for every endpoint (in the operation or a schema it references)."""
    import json
    import re

    from coopgraph.api.app import create_app

    spec = create_app().openapi()
    schemas = spec.get("components", {}).get("schemas", {})

    def has_example(obj: object, seen: tuple[str, ...] = ()) -> bool:
        text = json.dumps(obj)
        if '"example' in text:
            return True
        refs = re.findall(r'"#/components/schemas/([^"]+)"', text)
        return any(has_example(schemas.get(r, {}), (*seen, r)) for r in refs if r not in seen)

    missing = [f"{method.upper()} {path}" for path, operations in spec["paths"].items()
               for method, operation in operations.items() if not has_example(operation)]
    assert missing == []


ARCHITECTURE = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_architecture_page_lists_every_module_and_no_other() -> None:
    """docs/architecture.md stays in step with the packages: every module named once, none invented."""
    import re

    root = Path(__file__).resolve().parent.parent
    modules = {str(p.relative_to(root)) for package in ("graph", "api") for p in (root / package).rglob("*.py")
               if p.name != "__init__.py" or p.parent.name in ("store", "routers")}
    listed = set(re.findall(r"^\| `((?:graph|api)/[\w/]+\.py)` \|", ARCHITECTURE, flags=re.MULTILINE))
    assert modules - listed == set(), "modules missing from docs/architecture.md"
    assert listed - modules == set(), "docs/architecture.md names modules that do not exist"
