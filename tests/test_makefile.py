"""`make build` (and so `make run`) on unchanged data does not even start Python: make asks
`coopgraph build` only when a file a build reads is newer than the last build of that store."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from coopgraph.graph.pipeline import DataPaths

REPO = Path(__file__).resolve().parent.parent


def _make_build(env: dict[str, str]) -> str:
    result = subprocess.run(["make", "build"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_build_asks_coopgraph_only_when_an_input_changed(tmp_data: DataPaths, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COOPGRAPH_", "MAKE"))}
    env.update({"COOPGRAPH_STORE": str(tmp_path / "store"), "COOPGRAPH_EXPORT_DIR": str(tmp_path / "export"),
                "COOPGRAPH_DATA": str(tmp_data.root)})
    first = _make_build(env)
    assert "coopgraph build" in first and (tmp_path / "store" / "state.json").exists()
    state = (tmp_path / "store" / "state.json").read_text(encoding="utf-8")
    assert "coopgraph build" not in _make_build(env)            # nothing newer: coopgraph is not run
    fact = sorted(tmp_data.facts.glob("*.yaml"))[0]
    fact.touch()                                                # newer, the same content: coopgraph says so
    touched = _make_build(env)
    assert "coopgraph build" in touched and "is up to date" in touched
    assert (tmp_path / "store" / "state.json").read_text(encoding="utf-8") == state
    assert "coopgraph build" not in _make_build(env)
    for path in (tmp_path / "export").iterdir():                # exports gone: asked again, and rewritten
        path.unlink()
    assert "coopgraph build" in _make_build(env) and (tmp_path / "export" / "coopgraph.ttl").exists()
