"""Imports go one way (api -> graph), routers never import routers, media types are named in one
module, and importing a module does no work."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GRAPH_MODULES = sorted((REPO / "graph").rglob("*.py"))
API_MODULES = sorted((REPO / "api").rglob("*.py"))
ROUTER_MODULES = sorted((REPO / "api" / "routers").glob("*.py"))


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


def _imported_modules(tree: ast.Module, package: str) -> set[str]:
    """Every module ``tree`` imports, relative imports resolved against ``package``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}  # `from api.routers import x`
    return found


@pytest.mark.parametrize("path", ROUTER_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_routers_never_import_routers(path: Path) -> None:
    """What two routers share lives in a module of its own (api/deps.py, api/linked_data.py,
    api/convert.py, api/negotiation.py, api/urls.py) or in the library, never in a router."""
    imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")), "api.routers")
    assert not {m for m in imported if m.startswith("api.routers.")}


@pytest.mark.parametrize("path", ROUTER_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_routers_reach_derived_data_only_through_deps(path: Path) -> None:
    """The projection, measures and indexes come from api/deps.py, so how and where they are built
    (api/derived.py, kept on api/state.py's AppState) is decided in one place."""
    imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")), "api.routers")
    assert not imported & {"api.derived", "api.state"}


def test_the_router_import_check_sees_every_form() -> None:
    """Guards the check above: absolute, from-package and relative imports of a router are all seen."""
    for source in ("import api.routers.search", "from api.routers.search import x",
                   "from api.routers import search", "from . import search", "from .search import x"):
        imported = _imported_modules(ast.parse(source), "api.routers")
        assert any(m.startswith("api.routers.") for m in imported), source
    assert not {m for m in _imported_modules(ast.parse("from api import deps"), "api.routers")
                if m.startswith("api.routers.")}


# A media type (RFC 6838): top-level type / subtype.
MEDIA_TYPE = re.compile(r"\b(?:application|text|image|audio|video|font|multipart)"
                        r"/(?:[a-z0-9][a-z0-9.+-]*|\*)", re.IGNORECASE)
# (module, media type) pairs allowed to be written outside api/negotiation.py, each with its reason.
# Empty: OpenAPI examples and Link headers use the constants too.
MEDIA_TYPE_ALLOWED: dict[tuple[str, str], str] = {}


def _media_type_literals(path: Path) -> list[tuple[int, str]]:
    """(line, media type) of each string or bytes literal naming a media type; docstrings (prose
    about the protocol) are not literals a response is made of."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        if isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            found += [(node.lineno, m.lower()) for m in MEDIA_TYPE.findall(text)]
    return sorted(found)


@pytest.mark.parametrize("path", [p for p in API_MODULES if p != REPO / "api" / "negotiation.py"],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_media_types_are_named_only_in_negotiation(path: Path) -> None:
    """api/negotiation.py is the one place for media-type strings; other modules import its constants."""
    name = str(path.relative_to(REPO))
    stray = [(line, media) for line, media in _media_type_literals(path)
             if (name, media) not in MEDIA_TYPE_ALLOWED]
    assert not stray, f"{name}: use the constants of api/negotiation.py for {stray}"


def test_the_media_type_check_sees_literals_and_skips_docstrings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""Answers application/json."""\n'
                      'A = {"text/turtle": 1}\nB = b"text/plain; charset=utf-8"\n'
                      'C = f"type=\'application/ld+json\'"\n')
    found = [media for _, media in _media_type_literals(module)]
    assert found == ["text/turtle", "text/plain", "application/ld+json"]
