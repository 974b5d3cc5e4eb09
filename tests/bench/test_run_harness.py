"""bench/run.py's reading of wrk's output: the figures the RESULTS tables are made of."""

from __future__ import annotations

import sys
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
unfinished at the end: 7
"""


def test_parse_wrk_reads_rate_latencies_errors_and_the_unanswered() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(3.73)
    assert result.p50_ms == pytest.approx(120.54)
    assert result.p99_ms == pytest.approx(1040.0)  # seconds turned into ms
    assert (result.requests, result.errors, result.unfinished) == (56, 2, 7)


def test_parse_wrk_when_nothing_finished_keeps_the_unanswered() -> None:
    text = "Running 15s test @ http://x/sparql\n  0 requests in 15.00s, 0B read\nunfinished at the end: 8\n"
    result = parse_wrk(text)
    assert (result.requests, result.rps, result.unfinished) == (0, 0.0, 8)
    assert result.p99_ms != result.p99_ms  # NaN: no latency to speak of


def test_the_script_reports_what_was_sent_and_never_answered() -> None:
    script = LUA % ('"query=ASK%7B%7D"', '"application/sparql-results+json"', "/sparql")
    assert "function done(summary, latency, requests)" in script
    assert 'unfinished at the end: %d' in script  # the line parse_wrk reads
    assert "started = started + 1" in script.split("function request()")[1]
