"""The type checker is part of the test command: mypy over graph/ and api/ reports nothing.

The configuration is ``[tool.mypy]`` in pyproject.toml: strict everywhere, with two flags relaxed for
api/ (see the comment there); every ``# type: ignore`` names its error code. mypy keeps its cache in
``.mypy_cache`` (git-ignored), so a run after a small change takes a few seconds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("graph", "api")


@pytest.mark.slow
def test_mypy_reports_no_errors() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}{result.stderr}"


def test_every_type_ignore_says_why() -> None:
    """A ``# type: ignore[code]`` carries a reason: a comment after it, or a comment line just above."""
    bare = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, 1):
                found = re.search(r"#\s*type:\s*ignore(\[[^\]]*\])?(.*)$", line)
                if found is None:
                    continue
                above = lines[number - 2].strip() if number > 1 else ""
                if not found.group(2).strip().startswith("#") and not above.startswith("#"):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "type: ignore without a reason:\n" + "\n".join(bare)
