"""Settings for a remote store: a URL or a path in one field, credentials from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopgraph.api.settings import Settings
from coopgraph.graph.errors import StoreError


@pytest.mark.parametrize(("given", "url"), [
    ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/query"),
    ("https://host.example/sparql", "https://host.example/sparql"),
    (Path("http://127.0.0.1:7878/query"), "http://127.0.0.1:7878/query"),  # typer's Path collapses '//'
])
def test_a_url_is_a_remote_store(given: object, url: str) -> None:
    settings = Settings(store=given)
    assert settings.store_url == url
    with pytest.raises(StoreError, match="needs an embedded store"):
        settings.store_path


def test_a_path_is_the_embedded_store() -> None:
    settings = Settings(store="var/other")
    assert settings.store_url is None
    assert settings.store_path == Path("var/other")


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPGRAPH_STORE", "https://host.example/sparql")
    monkeypatch.setenv("COOPGRAPH_REMOTE_USER", "reader")
    monkeypatch.setenv("COOPGRAPH_REMOTE_PASSWORD", "pass-word")
    settings = Settings()
    assert settings.remote_auth() == ("reader", "pass-word")
    assert "pass-word" not in repr(settings)
    monkeypatch.setenv("COOPGRAPH_REMOTE_TOKEN", "a-bearer-token")
    assert Settings().remote_auth() == "a-bearer-token"  # a token wins over Basic
