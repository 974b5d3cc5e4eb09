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
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"fastapi", "starlette", "uvicorn"}
    assert not {name for name in imported if name == "coopgraph.api" or name.startswith("coopgraph.api.")}


@pytest.mark.parametrize("path", GRAPH_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_graph_never_reads_the_environment(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "os.environ" not in text and "getenv" not in text


def test_importing_the_cli_stays_light() -> None:
    """`coopgraph query` must not pay for FastAPI, pyvis, pyshacl or networkx at import."""
    code = ("import sys, coopgraph.api.cli; heavy = [m for m in ('fastapi', 'pyvis', 'pyshacl', 'networkx', 'uvicorn') "
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
            found |= {f"{module}.{alias.name}" for alias in node.names}  # `from coopgraph.api.routers import x`
    return found


@pytest.mark.parametrize("path", ROUTER_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_routers_never_import_routers(path: Path) -> None:
    """What two routers share lives in a module of its own (api/deps.py, api/linked_data.py,
    api/convert.py, api/negotiation.py, api/urls.py) or in the library, never in a router."""
    imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")), "coopgraph.api.routers")
    assert not {m for m in imported if m.startswith("coopgraph.api.routers.")}


@pytest.mark.parametrize("path", ROUTER_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_routers_reach_derived_data_only_through_deps(path: Path) -> None:
    """The projection, measures and indexes come from api/deps.py, so how and where they are built
    (api/derived.py, kept on api/state.py's AppState) is decided in one place."""
    imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")), "coopgraph.api.routers")
    assert not imported & {"coopgraph.api.derived", "coopgraph.api.state"}


def test_the_router_import_check_sees_every_form() -> None:
    """Guards the check above: absolute, from-package and relative imports of a router are all seen."""
    for source in ("import coopgraph.api.routers.search", "from coopgraph.api.routers.search import x",
                   "from coopgraph.api.routers import search", "from . import search", "from .search import x"):
        imported = _imported_modules(ast.parse(source), "coopgraph.api.routers")
        assert any(m.startswith("coopgraph.api.routers.") for m in imported), source
    assert not {m for m in _imported_modules(ast.parse("from coopgraph.api import deps"), "coopgraph.api.routers")
                if m.startswith("coopgraph.api.routers.")}


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


BARE_NAMES = {"graph", "api", "ontology"}
# Calls whose first argument names a module or package (a bare name there imports a second copy).
MODULE_NAMING_CALLS = {"files", "import_module", "PackageLoader", "getLogger", "find_spec"}


def _bare_name_uses(source: str) -> list[tuple[int, str]]:
    """(line, text) of each place that names graph/api/ontology as a top-level module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[0] in BARE_NAMES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in BARE_NAMES:
                found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            value = node.args[0].value
            if name in MODULE_NAMING_CALLS and isinstance(value, str) and value.split(".")[0] in BARE_NAMES:
                found.append((node.lineno, f"{name}({value!r})"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # "module:attribute" strings (uvicorn factories, entry points) and `-m module` arguments
            if re.fullmatch(r"(graph|api|ontology)(\.\w+)*:\w+", node.value):
                found.append((node.lineno, repr(node.value)))
    return found


def _python_sources() -> list[tuple[str, str]]:
    """(name, Python source) of every tracked .py file and every notebook's code cells."""
    import json

    listed = subprocess.run(["git", "ls-files", "*.py", "*.ipynb"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.split()
    sources = []
    for name in listed:
        text = (REPO / name).read_text(encoding="utf-8")
        if name.endswith(".ipynb"):
            cells = json.loads(text)["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
            text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("!", "%")))
        sources.append((name, text))
    return sources


def test_no_module_is_imported_by_its_bare_name() -> None:
    """`graph`, `api` and `ontology` exist only as `coopgraph.graph`, `coopgraph.api` and
    `coopgraph.ontology`: a module imported under two names has two copies of every class, and an
    ``except CoopgraphError`` written against one copy silently misses the other's errors."""
    sources = _python_sources()
    assert len(sources) > 100
    stray = [f"{name}:{line}: {text}" for name, source in sources for line, text in _bare_name_uses(source)]
    assert not stray, "use coopgraph.graph / coopgraph.api / coopgraph.ontology:\n" + "\n".join(stray)


def test_the_bare_name_check_sees_every_form() -> None:
    source = ("import graph\nimport api.cli as c\nfrom ontology import x\nfiles('graph')\n"
              "uvicorn.run('api.app:create_app')\nlogging.getLogger('api.executor')\n"
              "from coopgraph.graph import ids\nfrom . import deps\nfiles('coopgraph.api')\nnav = 'graph'\n")
    assert sorted(line for line, _ in _bare_name_uses(source)) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("bare", sorted(BARE_NAMES))
def test_a_bare_import_fails_loudly(bare: str) -> None:
    """Even from the checkout's root (where the folders are on sys.path) the bare name refuses."""
    result = subprocess.run([sys.executable, "-c", f"import {bare}"], cwd=REPO, capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0
    assert f"import coopgraph.{bare}, not {bare}" in result.stderr
