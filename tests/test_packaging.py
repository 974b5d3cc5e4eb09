"""The installed package carries everything it needs offline, and resolves to this project."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
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


def test_wheel_ships_one_coopgraph_package_with_its_resources(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"coopgraph"}, "the wheel must install one import package and nothing beside it"
    for required in ("coopgraph/__init__.py", "coopgraph/__main__.py", "coopgraph/graph/pipeline.py",
                     "coopgraph/api/app.py", "coopgraph/ontology/coop.ttl", "coopgraph/ontology/shapes.ttl",
                     "coopgraph/api/templates/base.html", "coopgraph/api/static/app.css",
                     "coopgraph/graph/templates/view.html"):
        assert required in names, required
    assert any(n.startswith("coopgraph/api/queries/") and n.endswith(".rq") for n in names)
    for lib in ("yasgui", "swagger-ui"):
        assert any(n.startswith(f"coopgraph/api/static/vendor/{lib}-") and n.endswith(".js") for n in names), \
            f"vendored {lib} missing from the wheel (run `make setup`)"


def test_console_script_is_declared(wheel: zipfile.ZipFile) -> None:
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    assert "coopgraph = coopgraph.api.cli:app" in wheel.read(entry_points).decode()


@pytest.mark.slow
def test_installed_wheel_runs_beside_a_users_own_graph_and_api(wheel: zipfile.ZipFile, tmp_path: Path) -> None:
    """A user's notebook folder with its own graph.py and api/ shadows nothing of ours: the wheel goes
    into a fresh venv, and coopgraph loads and queries from that folder."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies come from this venv's site-packages, added as a plain path: a path named in a
    # .pth file is not itself scanned for .pth files, so this checkout's editable hook stays out and
    # coopgraph can only come from the wheel (no second download of every dependency).
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel.filename)],
                   check=True)
    user = tmp_path / "notebooks"
    (user / "api").mkdir(parents=True)
    (user / "graph.py").write_text("raise SystemExit('the user graph.py was imported')\n")
    (user / "api" / "__init__.py").write_text("raise SystemExit('the user api/ was imported')\n")
    (user / "ontology.py").write_text("raise SystemExit('the user ontology.py was imported')\n")
    code = ("import coopgraph, coopgraph.api.cli, coopgraph.graph.pipeline as p; "
            "from importlib.resources import files; "
            "print(coopgraph.__file__); print((files('coopgraph.ontology') / 'coop.ttl').is_file())")
    shown = subprocess.run([str(python), "-c", code], cwd=user, capture_output=True, text=True, check=True)
    where, ttl = shown.stdout.split()
    assert Path(where).is_relative_to(venv) and ttl == "True", shown.stdout
    data = tmp_path / "mine.ttl"
    data.write_text('<https://coopgraph.org/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n')
    command = [str(venv / "bin" / "coopgraph")]
    loaded = subprocess.run([*command, "load", str(data), "--store", "store"], cwd=user, capture_output=True,
                            text=True, check=False)
    assert loaded.returncode == 0, loaded.stderr
    answered = subprocess.run([*command, "query", "--store", "store", "-f", "json", 'ASK { ?s ?p "A" }'],
                              cwd=user, capture_output=True, text=True, check=False)
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["boolean"] is True


def test_pyvis_ships_the_vis_network_we_serve() -> None:
    lib = files("pyvis") / "templates" / "lib" / "vis-9.1.2"
    assert (lib / "vis-network.min.js").is_file()
    assert (lib / "vis-network.css").is_file()


def test_version_is_single_sourced() -> None:
    from coopgraph import __version__

    meta = subprocess.run([sys.executable, "-m", "pip", "show", "coopgraph"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Version: {__version__}" in meta
