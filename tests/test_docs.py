"""The README documents every command and every setting (fails when one is added silently)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import app
from api.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(c.name or c.callback.__name__ for c in app.registered_commands))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"coopgraph {command}" in README


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"COOPGRAPH_{field.upper()}" in README


def test_readme_gives_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
