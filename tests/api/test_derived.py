"""The one registry of derived data (api.derived.Derived): one value per name and store version,
whichever way it was built, and the last complete one while a newer is built in the background."""

from __future__ import annotations

import threading

import pytest

from coopgraph.api.derived import Derived
from coopgraph.graph.errors import CoopgraphError, NotReadyError


def test_a_value_is_built_once_per_version_whichever_way_it_is_asked_for() -> None:
    registry = Derived()
    builds: list[str] = []

    def build(version: str) -> str:
        builds.append(version)
        return f"index of {version}"

    assert registry.inline("label_index", "v1", lambda: build("v1")) == "index of v1"
    assert registry.inline("label_index", "v1", lambda: build("v1")) == "index of v1"
    # A background request for the same version finds the inline build: no second builder.
    assert registry.ready("label_index", "v1", lambda: build("v1")) == "index of v1"
    assert builds == ["v1"]
    assert registry.inline("label_index", "v2", lambda: build("v2")) == "index of v2"
    assert builds == ["v1", "v2"]


def test_the_last_complete_value_is_served_while_the_next_version_is_built() -> None:
    registry = Derived()
    first = registry.start("projection", "v1", lambda: "G1", retry_failed=True)
    first.done.wait()
    release = threading.Event()

    def slow() -> str:
        release.wait()
        return "G2"

    found = registry.latest("projection", "v2", slow)
    assert found is not None and found.value == "G1"  # v2 is still being built
    assert registry.ready("projection", "v2", slow) is None  # one build of v2, under way
    release.set()
    registry.start("projection", "v2", slow).done.wait()
    found = registry.latest("projection", "v2", slow)
    assert found is not None and found.version == "v2" and found.value == "G2"


def test_a_failed_background_build_is_reported_or_retried() -> None:
    registry = Derived()

    def fail() -> str:
        raise CoopgraphError("the engine went away")

    registry.start("measures", "v1", fail).done.wait()
    with pytest.raises(CoopgraphError, match="went away"):
        registry.ready("measures", "v1", fail)  # reported to every caller of that version
    registry.start("label_index", "v1", fail, retry_failed=True).done.wait()
    job = registry.start("label_index", "v1", lambda: "index", retry_failed=True)  # started again
    job.done.wait()
    assert job.value == "index"


def test_recent_values_are_kept_per_version_and_key_up_to_a_bound() -> None:
    registry = Derived()
    built: list[tuple[str, int]] = []

    def body(version: str, n: int) -> bytes:
        built.append((version, n))
        return f"{version}:{n}".encode()

    for n in (1, 2, 1):
        registry.recent("view JSON", "v1", n, lambda n=n: body("v1", n), kept=2)
    assert built == [("v1", 1), ("v1", 2)]
    assert registry.recent("view JSON", "v2", 1, lambda: body("v2", 1), kept=2) == b"v2:1"
    registry.recent("view JSON", "v1", 2, lambda: body("v1", 2), kept=2)  # dropped: kept 2, 2 was oldest
    assert built[-1] == ("v1", 2)


def test_not_ready_is_a_503_with_retry_after() -> None:
    error = NotReadyError("the projection is being computed", retry_after_s=15)
    assert isinstance(error, CoopgraphError)
    assert (error.http_status, error.retry_after_s) == (503, 15)
