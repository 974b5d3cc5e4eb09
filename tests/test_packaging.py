"""The installed package carries everything it needs offline, and resolves to this project."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out)], check=True)
    (path,) = out.glob("coopgraph-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_ships_ontology_templates_queries_and_vendored_assets(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for required in ("ontology/coop.ttl", "ontology/shapes.ttl", "api/templates/base.html",
                     "api/static/app.css", "graph/templates/view.html"):
        assert required in names, required
    assert any(n.startswith("api/queries/") and n.endswith(".rq") for n in names)
    for lib in ("yasgui", "swagger-ui"):
        assert any(n.startswith(f"api/static/vendor/{lib}-") and n.endswith(".js") for n in names), \
            f"vendored {lib} missing from the wheel (run `make setup`)"


def test_console_script_is_declared(wheel: zipfile.ZipFile) -> None:
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    assert "coopgraph = api.cli:app" in wheel.read(entry_points).decode()


@pytest.mark.parametrize("package", ["graph", "api", "ontology"])
def test_generic_package_names_resolve_to_this_project(package: str) -> None:
    """PyPI has distributions named `ontology` and the like: make sure ours is the one imported."""
    assert Path(str(files(package))).resolve().parent == REPO


def test_pyvis_ships_the_vis_network_we_serve() -> None:
    lib = files("pyvis") / "templates" / "lib" / "vis-9.1.2"
    assert (lib / "vis-network.min.js").is_file()
    assert (lib / "vis-network.css").is_file()


def test_version_is_single_sourced() -> None:
    import graph

    meta = subprocess.run([sys.executable, "-m", "pip", "show", "coopgraph"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Version: {graph.__version__}" in meta
