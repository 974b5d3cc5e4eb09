"""`coopgraph serve` stopped by a signal cleans up after itself, whichever signal stops it.

With ``--data FILE`` the temporary folder holds the whole temporary store; a SIGTERM (what
``kill``, systemd, Docker and CI runners send) used to leave it behind while Ctrl-C cleaned up.
Each test runs the real command in a subprocess with its own TMPDIR, so whatever it leaves is ours.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

TRIPLE = '<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "Mine"@en .\n'


def _serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    data = tmp_path / "small.ttl"
    data.write_text(TRIPLE)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    log = tmp_path / "serve.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    env["TMPDIR"] = str(scratch)
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "coopgraph", "serve", "--data", str(data), "--host", "127.0.0.1",
                                    "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"serve did not answer:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    return process, scratch, log


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_stopped_serve_leaves_no_temporary_store(tmp_path: Path, sig: signal.Signals) -> None:
    process, scratch, log = _serve(tmp_path)
    try:
        leftovers = [p.name for p in scratch.iterdir() if p.name.startswith("coopgraph-")]
        assert leftovers, "serve --data FILE keeps its temporary store under TMPDIR"
        process.send_signal(sig)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text(errors="replace")
    assert sorted(p.name for p in scratch.iterdir()) == [], output
    assert "Traceback" not in output, output
    assert code == 0, output  # a stop that was asked for and completed
