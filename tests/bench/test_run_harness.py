"""bench/run.py's reading of wrk's output: the figures the RESULTS tables are made of."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from run import LUA, parse_wrk  # noqa: E402

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:52705/query
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   249.57ms  305.68ms   1.04s    85.71%
    Req/Sec    11.15      8.92    30.00     69.70%
  Latency Distribution
     50%  120.54ms
     75%  419.47ms
     90%  831.58ms
     99%    1.04s
  56 requests in 15.03s, 3.30MB read
  Non-2xx or 3xx responses: 2
Requests/sec:      3.73
Transfer/sec:    224.90KB
"""


def test_parse_wrk_reads_rate_latencies_and_errors() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(3.73)
    assert result.p50_ms == pytest.approx(120.54)
    assert result.p99_ms == pytest.approx(1040.0)  # seconds turned into ms
    assert (result.requests, result.errors) == (56, 2)


def test_parse_wrk_when_nothing_finished() -> None:
    result = parse_wrk("Running 15s test @ http://x/sparql\n  0 requests in 15.00s, 0B read\n")
    assert (result.requests, result.rps) == (0, 0.0)
    assert result.p99_ms != result.p99_ms  # NaN: no latency to speak of


def test_parse_wrk_reads_the_requests_left_unanswered() -> None:
    result = parse_wrk(WRK_OUTPUT + "unfinished at the end: 7\n")
    assert (result.requests, result.errors, result.unfinished) == (56, 2, 7)
    nothing = parse_wrk("Running 15s test @ http://x/sparql\n  0 requests in 15.00s, 0B read\nunfinished at the end: 8\n")
    assert (nothing.requests, nothing.rps, nothing.unfinished) == (0, 0.0, 8)
    assert parse_wrk(WRK_OUTPUT).unfinished == 0  # no such line


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is installed by `make bench`")
def test_real_wrk_runs_the_script_and_counts_what_a_slow_server_left_unanswered() -> None:
    """The generated script against a server that never answers one request in four."""
    import http.server
    import subprocess
    import threading

    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        served = 0

        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            self.rfile.read(int(self.headers["Content-Length"]))
            Handler.served += 1
            if Handler.served % 4 == 0:
                release.wait(30)  # still unanswered when wrk stops
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.block_on_close = True  # server_close() waits for the handlers: their sockets are closed
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = Path(tempfile.mkdtemp()) / "mix.lua"
        script.write_text(LUA % ('"query=ASK%7B%7D"', '"application/json"', "/sparql"))
        out = subprocess.run(["wrk", "-t2", "-c4", "-d1s", "--latency", "-s", str(script),
                              f"http://127.0.0.1:{server.server_address[1]}/sparql"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    result = parse_wrk(out)
    assert "unfinished at the end" in out, out  # the script loaded and its done() ran
    assert result.requests >= 3 and result.errors == 0
    # every connection ends stuck on one request; wrk may also have asked the script for a request
    # it had not sent yet (one per thread at most)
    assert 4 <= result.unfinished <= 4 + 2


def test_the_script_cycles_over_the_mix_from_each_threads_offset() -> None:
    script = LUA % ('"query=ASK%7B%7D", "query=ASK%7B%7D%20"', '"a", "b"', "/sparql")
    assert 'wrk.format("POST", "/sparql"' in script
    assert "local k = (i % #bodies) + 1" in script  # %% in the template, % in the script


def test_targets_table_says_which_targets_a_run_meets() -> None:
    from run import Measured, WrkResult, targets_table

    def wrk(rps: float, p99: float) -> WrkResult:
        return WrkResult(rps=rps, p50_ms=1.0, p99_ms=p99, errors=0, requests=100)

    ours = Measured("coopgraph", "a", "1m", 10, latency_s={"label_exact": 0.0010, "ask": 0.0020},
                    runs={"full": [wrk(30, 900), wrk(32, 1100)], "interactive": [wrk(150, 90)]})
    peer = Measured("oxigraph", "a", "1m", 10, latency_s={"label_exact": 0.0008, "ask": 0.0010},
                    runs={"full": [wrk(10, 800), wrk(10, 800)], "interactive": [wrk(100, 100)]})
    rows = {line.split(" | ")[0].lstrip("| "): line for line in targets_table([ours, peer], "1m").splitlines()[2:]}
    assert rows["full mix: req/s ≥ 2×"].endswith("| yes |") and "3.10×" in rows["full mix: req/s ≥ 2×"]
    assert rows["full mix: p99 ≤ Oxigraph's"].endswith("| **no** |")  # 1,000 ms against 800
    assert rows["interactive mix: req/s ≥ 2×"].endswith("| **no** |")  # 1.5x
    assert rows["interactive mix: p99 ≤ Oxigraph's"].endswith("| yes |")
    assert rows["`label_exact` median ≤ Oxigraph's + 0.3 ms"].endswith("| yes |")  # +0.2 ms
    assert rows["`ask` median ≤ Oxigraph's + 0.3 ms"].endswith("| **no** |")  # +1.0 ms
