"""Imports go one way (api -> graph), and importing a module does no work."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GRAPH_MODULES = sorted((REPO / "graph").rglob("*.py"))


@pytest.mark.parametrize("path", GRAPH_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_graph_never_imports_api_or_web_frameworks(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"api", "fastapi", "starlette", "uvicorn"}


@pytest.mark.parametrize("path", GRAPH_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_graph_never_reads_the_environment(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "os.environ" not in text and "getenv" not in text


def test_importing_the_cli_stays_light() -> None:
    """`coopgraph query` must not pay for FastAPI, pyvis, pyshacl or networkx at import."""
    code = ("import sys, api.cli; heavy = [m for m in ('fastapi', 'pyvis', 'pyshacl', 'networkx', 'uvicorn') "
            "if m in sys.modules]; print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""
