"""Nothing a user put in the store is lost: builds keep loaded data, and writes never race.

Every race here is run with real processes (``coopgraph`` commands and a real server), as the
fault probe of issue 9 ran them; each test failed on the code before the writer lock and the
single commit point (``state.json``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coopgraph.graph.errors import StoreBusyError
from coopgraph.graph.load import load_files
from coopgraph.graph.namespaces import DEFAULT_BASE
from coopgraph.graph.pipeline import DataPaths, run_build
from coopgraph.graph.store.locks import WriterLock, current_writer
from coopgraph.graph.store.oxigraph import OxigraphStore, read_state
from tests.conftest import REPO, free_port, start_server, stop_server, wait_healthy

TOKEN = "a-token-of-enough-length-42"
MINE = '<urn:mine:a> <urn:mine:says> "mine" .\n'


def ask(root: Path, pattern: str) -> bool:
    with OxigraphStore(root) as store:
        return store.ask(f"ASK {{ {pattern} }}")


def count(root: Path, pattern: str = "?s ?p ?o") -> int:
    with OxigraphStore(root) as store:
        return int(store.select(f"SELECT (COUNT(*) AS ?n) {{ {pattern} }}")[0]["n"])


def big_file(path: Path, lines: int, tag: str = "big") -> Path:
    """An N-Triples file whose load takes a second or more (a window for the races below)."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(lines):
            handle.write(f'<urn:{tag}:s{i}> <urn:{tag}:p{i % 7}> "value {i}" .\n')
    return path


def coopgraph(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    return subprocess.Popen([sys.executable, "-m", "coopgraph", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition, timeout_s: float = 30, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def insert(url: str, text: str) -> httpx.Response:
    return httpx.post(url + "/sparql", data={"update": text}, timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.fixture
def built(tmp_data: DataPaths, tmp_path: Path) -> Path:
    root = tmp_path / "store"
    run_build(tmp_data, store_root=root, export_dir=None, base=DEFAULT_BASE)
    return root


# -- item 1: a build keeps what was loaded ---------------------------------------------------------


def test_build_keeps_loaded_data_and_replaces_only_the_curated_triples(tmp_data: DataPaths, built: Path,
                                                                       tmp_path: Path) -> None:
    mine = tmp_path / "mine.nt"
    mine.write_text(MINE)
    load_files(built, [mine])
    load_files(built, [mine], graph="urn:graph:mine")
    before = count(built)
    # Unchanged data: nothing to do, and the loaded data is still there.
    again = run_build(tmp_data, store_root=built, export_dir=None, base=DEFAULT_BASE)
    assert again.up_to_date and count(built) == before
    # Drop one curated fact from the data: the next build removes exactly that triple.
    facts = sorted(tmp_data.facts.glob("*.yaml"))
    with OxigraphStore(built) as store:
        gone = store.select("""SELECT ?s ?p ?o { ?s ?p ?o FILTER(isIRI(?o) && ?p = <https://coopgraph.org/ontology#partOf>) }
                               LIMIT 1""")
    assert gone, "the seed data has partOf relations"
    removed = _drop_statement(facts, gone[0])
    outcome = run_build(tmp_data, store_root=built, export_dir=None, base=DEFAULT_BASE)
    assert not outcome.up_to_date
    assert outcome.uncurated == {"default": 1, "urn:graph:mine": 1}
    assert ask(built, MINE.rstrip(" .\n"))
    assert ask(built, f"GRAPH <urn:graph:mine> {{ {MINE.rstrip(' .' + chr(10))} }}")
    assert not ask(built, f"<{gone[0]['s']}> <{gone[0]['p']}> <{gone[0]['o']}>"), removed
    # --fresh is the one way to start over, and it says what it drops.
    asked: list[dict[str, int]] = []
    kept = run_build(tmp_data, store_root=built, export_dir=None, base=DEFAULT_BASE, fresh=True,
                     confirm_drop=lambda counts: asked.append(counts) or False)
    assert asked == [{"default": 1, "urn:graph:mine": 1}] and not kept.dropped
    assert ask(built, MINE.rstrip(" .\n"))
    dropped = run_build(tmp_data, store_root=built, export_dir=None, base=DEFAULT_BASE, fresh=True)
    assert dropped.dropped and not ask(built, MINE.rstrip(" .\n"))


def _drop_statement(facts: list[Path], row: dict[str, str]) -> str:
    """Remove from the fact files the statement block whose subject and object are those of ``row``."""
    subject, obj = row["s"].rsplit("/", 1)[-1], row["o"].rsplit("/", 1)[-1]
    for path in facts:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.strip() == f"- subject: {subject}" and i + 2 < len(lines) and "partOf" in lines[i + 1] \
                    and lines[i + 2].strip() == f"object: {obj}":
                end = i + 1
                while end < len(lines) and not lines[end].lstrip().startswith("- ") and lines[end].startswith(" "):
                    end += 1
                path.write_text("".join(lines[:i] + lines[end:]), encoding="utf-8")
                return "".join(lines[i:end])
    pytest.skip(f"no fact block for {subject} partOf {obj} in the shape this test edits")


def test_cli_fresh_refuses_without_a_terminal_and_says_what_it_would_drop(tmp_data: DataPaths, built: Path,
                                                                           tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from coopgraph.api.cli import app

    mine = tmp_path / "mine.nt"
    mine.write_text(MINE)
    load_files(built, [mine])
    args = ["build", "--data", str(tmp_data.root), "--store", str(built), "--no-export"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0 and "up to date" in result.output
    result = cli.invoke(app, [*args, "--force"])
    assert result.exit_code == 0 and "kept:    1 quads that did not come from" in result.output
    result = cli.invoke(app, [*args, "--fresh"], input="")
    assert result.exit_code == 2, result.output
    assert "--fresh drops 1 quads" in result.output and "nothing was changed" in result.output
    assert ask(built, MINE.rstrip(" .\n"))
    result = cli.invoke(app, [*args, "--fresh", "--yes"])
    assert result.exit_code == 0 and "dropped: 1 quads" in result.output
    assert not ask(built, MINE.rstrip(" .\n"))


def test_the_main_command_serves_data_loaded_before_it(tmp_path: Path) -> None:
    """`make run` after `coopgraph load` (and a rebuild) serves the loaded data."""
    store, port = tmp_path / "store", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COOPGRAPH_", "MAKE"))}
    env.update({"COOPGRAPH_STORE": str(store), "COOPGRAPH_EXPORT_DIR": str(tmp_path / "export"),
                "COOPGRAPH_PORT": str(port), "COOPGRAPH_REPLICA_MAX_TRIPLES": "0"})
    built = subprocess.run([sys.executable, "-m", "coopgraph", "build"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    mine = tmp_path / "mine.nt"
    mine.write_text(MINE)
    loaded = subprocess.run([sys.executable, "-m", "coopgraph", "load", str(mine)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    log_path = tmp_path / "make-run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["make", "run"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    from tests.conftest import LiveServer

    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        wait_healthy(server, 300, "make run")
        answer = httpx.get(server.url + "/sparql", params={"query": f"ASK {{ {MINE.rstrip(' .' + chr(10))} }}"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.json()["boolean"] is True, server.log()
        assert "up to date" in server.log()  # nothing changed under data/: no rebuild
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- item 2: one writer at a time --------------------------------------------------------------------


def test_updates_sent_during_a_load_wait_for_it_and_are_kept(built: Path, tmp_path: Path) -> None:
    big = big_file(tmp_path / "big.nt", 150_000)
    server = start_server(built, tmp_path, env={"COOPGRAPH_ALLOW_UPDATES": "true", "COOPGRAPH_UPDATE_TOKEN": TOKEN,
                                                "COOPGRAPH_WRITE_WAIT_S": "120"})
    try:
        load = coopgraph("load", str(big), "--store", str(built))
        wait_for(lambda: current_writer(built) is not None or load.poll() is not None, what="the load to start")
        assert load.poll() is None, "the load finished before the race could be run"
        answers = [insert(server.url, f'INSERT DATA {{ <urn:upd:{i}> <urn:upd:p> "during the load" }}')
                   for i in range(3)]
        assert [a.status_code for a in answers] == [204] * 3, [a.text for a in answers]
        stdout, stderr = load.communicate(timeout=120)
        assert load.returncode == 0, stderr
        after = insert(server.url, 'INSERT DATA { <urn:upd:after> <urn:upd:p> "after the load" }')
        assert after.status_code == 204
        for query in ('ASK { <urn:upd:0> ?p ?o }', 'ASK { <urn:upd:2> ?p ?o }', 'ASK { <urn:upd:after> ?p ?o }',
                      'ASK { <urn:big:s149999> ?p ?o }'):
            served = httpx.get(server.url + "/sparql", params={"query": query}, timeout=30,
                               headers={"Accept": "application/sparql-results+json"})
            assert served.json()["boolean"] is True, query
    finally:
        stop_server(server)
    # And after a restart: the committed state names the generation that holds all of it.
    state = read_state(built)
    assert state is not None and state.updates == 4
    assert ask(built, "<urn:upd:0> ?p ?o") and ask(built, "<urn:upd:after> ?p ?o")
    assert count(built, "?s <urn:big:p0> ?o") == len(range(0, 150_000, 7))


def test_an_update_that_cannot_wait_is_refused_with_503_and_changes_nothing(built: Path, tmp_path: Path) -> None:
    server = start_server(built, tmp_path, env={"COOPGRAPH_ALLOW_UPDATES": "true", "COOPGRAPH_UPDATE_TOKEN": TOKEN,
                                                "COOPGRAPH_WRITE_WAIT_S": "0.2"})
    try:
        with WriterLock(built, "coopgraph load (held by this test)"):
            refused = insert(server.url, 'INSERT DATA { <urn:upd:x> <urn:upd:p> "refused" }')
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        assert "coopgraph load (held by this test)" in refused.json()["error"]
        assert "nothing was changed" in refused.json()["error"]
        assert insert(server.url, 'INSERT DATA { <urn:upd:y> <urn:upd:p> "accepted" }').status_code == 204
    finally:
        stop_server(server)
    assert not ask(built, "<urn:upd:x> ?p ?o") and ask(built, "<urn:upd:y> ?p ?o")


def test_two_loads_at_once_both_land(built: Path, tmp_path: Path) -> None:
    first = big_file(tmp_path / "first.nt", 100_000, "first")
    second = big_file(tmp_path / "second.nt", 1_000, "second")
    one = coopgraph("load", str(first), "--store", str(built))
    wait_for(lambda: current_writer(built) is not None or one.poll() is not None, what="the first load")
    two = coopgraph("load", str(second), "--store", str(built))
    out_two = two.communicate(timeout=120)
    out_one = one.communicate(timeout=120)
    assert one.returncode == 0 and two.returncode == 0, (out_one, out_two)
    assert "waiting:" in out_two[1] and "coopgraph load" in out_two[1]
    assert count(built, "?s <urn:first:p0> ?o") == len(range(0, 100_000, 7))
    assert count(built, "?s <urn:second:p0> ?o") == len(range(0, 1_000, 7))


def test_a_killed_write_leaves_the_store_and_its_previous_generation(built: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.nt"
    mine.write_text(MINE)
    load_files(built, [mine])
    good = read_state(built)
    assert good is not None
    load = coopgraph("load", str(big_file(tmp_path / "big.nt", 150_000)), "--store", str(built))
    wait_for(lambda: len(list(built.glob("gen-*"))) > 2 or load.poll() is not None, what="a new generation")
    load.kill()
    load.communicate()
    assert read_state(built) == good, "the killed load committed nothing"
    leftovers = {p.name for p in built.glob("gen-*")} - {good.generation, good.previous}
    assert leftovers, "the killed load left its half-written generation"
    # The next write prunes the leftover, never a generation a committed state needs.
    load_files(built, [mine], graph="urn:graph:again")
    state = read_state(built)
    assert state is not None and state.previous == good.generation
    names = {p.name for p in built.glob("gen-*")}
    assert names == {state.generation, good.generation}
    assert ask(built, MINE.rstrip(" .\n"))


def test_a_generation_a_reader_holds_is_not_pruned(built: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.nt"
    mine.write_text(MINE)
    reader = OxigraphStore(built)
    first = reader.data_path
    assert reader.ask("ASK { ?s ?p ?o }")  # opens and pins the generation
    for i in range(3):
        load_files(built, [mine], graph=f"urn:graph:{i}")
    assert first.is_dir(), "pinned by the reader"
    assert reader.ask("ASK { ?s ?p ?o }")
    reader.close()
    load_files(built, [mine], graph="urn:graph:last")
    assert not first.exists()


def test_the_state_is_one_file_committed_at_once(built: Path) -> None:
    state = json.loads((built / "state.json").read_text())
    assert set(state) >= {"generation", "updates", "curated", "inputs"}
    assert not (built / "current").exists() and not (built / "version").exists()
    # A state write killed before its rename leaves a temp file, never a half state.json.
    (built / ".state.json.12345").write_text("{half")
    assert read_state(built) is not None
    with OxigraphStore(built, writable=True) as store:
        store.update('INSERT DATA { <urn:a> <urn:b> "c" }')
    assert read_state(built).updates == 1  # type: ignore[union-attr]


def test_legacy_store_is_read_and_converted(built: Path) -> None:
    state = read_state(built)
    assert state is not None
    (built / "state.json").unlink()
    (built / "current").symlink_to(state.generation)
    (built / "version").write_text(f"{state.generation}:7\n")
    assert OxigraphStore(built).version() == f"{state.generation}:7"
    with OxigraphStore(built, writable=True) as store:
        store.update('INSERT DATA { <urn:a> <urn:b> "c" }')
    assert OxigraphStore(built).version() == f"{state.generation}:8"
    assert not (built / "current").exists()


def test_a_writable_store_holds_the_writer_lock(built: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.nt"
    mine.write_text(MINE)
    with OxigraphStore(built, writable=True) as store:
        store.update('INSERT DATA { <urn:a> <urn:b> "c" }')
        with pytest.raises(StoreBusyError, match="another write is running"):
            load_files(built, [mine], wait=0)
    load_files(built, [mine], wait=0)
    assert ask(built, MINE.rstrip(" .\n")) and ask(built, '<urn:a> <urn:b> "c"')


# -- a full disk -----------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs: a real file system that really fills up (needs root, as CI has)."""
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root: the full-disk test must run there")
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_clear_line_and_the_store_stays(small_disk: Path, tmp_data: DataPaths, cli) -> None:  # type: ignore[no-untyped-def]
    from coopgraph.api.cli import app

    root = small_disk / "store"
    run_build(tmp_data, store_root=root, export_dir=None, base=DEFAULT_BASE)
    version, quads = OxigraphStore(root).version(), count(root)
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * max(free - 150_000, 0))
    build = cli.invoke(app, ["build", "--data", str(tmp_data.root), "--store", str(root), "--no-export", "--force"])
    assert build.exit_code == 5, build.output
    assert "error: the disk is full at" in build.output and "the store was left as it was" in build.output
    assert "Traceback" not in build.output and len(build.output.strip().splitlines()) <= 3
    mine = small_disk.parent / "mine.nt"
    mine.write_text(MINE * 1 + "".join(f'<urn:m:{i}> <urn:m:p> "{"x" * 200}" .\n' for i in range(5000)))
    load = cli.invoke(app, ["load", str(mine), "--store", str(root)])
    assert load.exit_code == 5 and "the disk is full" in load.output, load.output
    assert OxigraphStore(root).version() == version and count(root) == quads
    assert {p.name for p in root.glob("gen-*")} == {version.split(":")[0]}, "no half-written generation left"
    (small_disk / "filler").unlink()
    assert cli.invoke(app, ["load", str(mine), "--store", str(root)]).exit_code == 0
    assert ask(root, MINE.rstrip(" .\n"))
