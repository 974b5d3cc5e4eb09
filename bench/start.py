"""Start-up: launch -> first ``/sparql`` answer, and launch -> memory replica ready, on an existing store.

    python bench/start.py                         # 10k, 100k and 1M, 5 launches each, coopgraph and Oxigraph
    python bench/start.py --sizes 1m --repeats 3  # one size
    python bench/start.py --before /tmp/before   # also an older checkout's code, launches interleaved

For each size the data (bench/generate.py's graph) is loaded once into a coopgraph store
(``coopgraph load``) and an Oxigraph database (``oxigraph load`` + ``optimize``), as bench/run.py
does; then each server is launched ``--repeats`` times on its existing store, one launch after the
other (round-robin over the systems, so that a busy spell of the machine hits all of them), and
for each launch the script records:

- **first answer**: seconds from ``Popen`` until ``POST /sparql`` with ``ASK {}`` answers 200
  (polled every 10 ms over fresh connections);
- **CPU to first answer**: CPU seconds (user + system) the server's whole process tree had used
  by then, read from /proc: what the start costs, which a busy machine does not inflate as much
  as the wall-clock figure;
- **replica ready** (coopgraph): seconds from ``Popen`` until ``/healthz`` reports the memory
  replica ``ready`` (``too-large`` or ``failed`` are printed as such), and the CPU seconds the
  replica's process (``coopgraph-mem``) had used by then: what loading it cost.

``--before DIR`` adds ``coopgraph-before``: the code of another checkout (e.g. ``git archive`` of
an older commit), run by this virtualenv with ``PYTHONPATH=DIR``, on a store it loaded itself.

It prints the median and the min-max of the launches per size and system, and the share of the
CPUs other processes used before the run: on a busy machine the figures are printed all the same,
with that share beside them (start-up is mostly waiting on the CPU, so they are upper bounds).
Every server binds 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is a folder of scripts, not a package)
from run import BIN, JSON, REPO, WORK, cpu_busy, free_port, say, stop_group  # noqa: E402


@dataclass
class Launches:
    system: str  # the label in the table
    kind: str  # coopgraph or oxigraph
    repo: Path  # whose code runs (coopgraph)
    size: str
    first_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    replica_s: list[float] = field(default_factory=list)
    replica_cpu_s: list[float] = field(default_factory=list)
    replica_state: str = ""


def _env(repo: Path) -> dict[str, str]:
    """The environment of a coopgraph command: another checkout's code comes first on the path
    (this virtualenv's editable install otherwise imports this one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    if repo != REPO:
        env["PYTHONPATH"] = str(repo)
    return env


def prepare(system: str, data: Path, work: Path, repo: Path) -> Path:
    """The store for ``system`` (coopgraph or oxigraph) under ``work``, loaded by ``repo``'s code
    (made once; reused by later runs on the same data)."""
    target = work / ("store" if system == "coopgraph" else "db")
    if (work / ".ready").exists() and target.exists():
        return target
    work.mkdir(parents=True, exist_ok=True)
    if system == "coopgraph":
        cmds = [[str(BIN / "coopgraph"), "load", str(data), "--store", str(target)]]
    else:
        cmds = [[str(BIN / "oxigraph"), "load", "--location", str(target), "--file", str(data)],
                [str(BIN / "oxigraph"), "optimize", "--location", str(target)]]
    say(f"{system}: loading {data.name}")
    for cmd in cmds:
        subprocess.run(cmd, check=True, capture_output=True, timeout=1800, cwd=repo, env=_env(repo))
    (work / ".ready").touch()
    return target


def tree_cpu_s(session: int, name: str | None = None) -> float:
    """CPU seconds used so far by every process of the session ``session`` (the server's tree:
    it was started in a new session), or only by those called ``name``, from /proc; exited
    processes no longer count."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        if int(fields[3]) == session and name in (None, comm):  # after the name: state ppid pgrp session
            total += int(fields[11]) + int(fields[12])  # utime stime
    return total / tick


def launch(system: str, target: Path, work: Path, repo: Path, *, timeout: float
           ) -> tuple[float, float, float | None, float | None, str]:
    """One launch: seconds to the first /sparql 200, CPU seconds of the tree by then, seconds to the
    replica ready and the CPU seconds its process used to load (None for Oxigraph), its state."""
    port = free_port()
    if system == "coopgraph":
        cmd = [str(BIN / "coopgraph"), "serve", "--store", str(target), "--host", "127.0.0.1", "--port", str(port)]
        url = f"http://127.0.0.1:{port}/sparql"
    else:
        cmd = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(target), "--bind", f"127.0.0.1:{port}"]
        url = f"http://127.0.0.1:{port}/query"
    env = _env(repo)
    log = open(work / f"start-{port}.log", "wb")
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=repo, env=env, start_new_session=True)
    try:
        first = _until(lambda: _asks(url), process, started, timeout, f"{system} /sparql")
        cpu = tree_cpu_s(process.pid)
        if system != "coopgraph":
            return first, cpu, None, None, ""
        health = url.rsplit("/sparql", 1)[0] + "/healthz"
        state = ""

        def settled() -> bool:
            nonlocal state
            try:
                state = httpx.get(health, timeout=5).json()["lanes"]["memory_replica"]["state"]
            except (httpx.HTTPError, KeyError, ValueError):
                return False
            return state in ("ready", "too-large", "failed")

        # Every 0.1 s: polling faster would take CPU from the replica it waits for (two cores).
        replica = _until(settled, process, started, timeout, f"{system} replica", every_s=0.1)
        return first, cpu, replica, tree_cpu_s(process.pid, "coopgraph-mem"), state
    finally:
        stop_group(process)
        log.close()


def _asks(url: str) -> bool:
    try:
        answer = httpx.post(url, data={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=2)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


def _until(ready: object, process: subprocess.Popen[bytes], started: float, timeout: float, what: str,
           every_s: float = 0.01) -> float:
    while True:
        if ready():  # type: ignore[operator]
            return time.perf_counter() - started
        if process.poll() is not None:
            raise RuntimeError(f"{what}: the server exited with {process.returncode}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"{what}: not ready within {timeout:.0f} s")
        time.sleep(every_s)


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m")
    parser.add_argument("--systems", default="coopgraph,oxigraph", help="coopgraph, oxigraph or both")
    parser.add_argument("--repeats", type=int, default=5, help="launches per size and system (default 5)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a launch may take to be ready")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--before", type=Path, default=None,
                        help="also run this checkout's code (e.g. `git archive` of an older commit) as coopgraph-before")
    parser.add_argument("--work", type=Path, default=WORK / "start", help="where the stores and logs go")
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if any(s not in generate.SIZES for s in sizes) or any(s not in ("coopgraph", "oxigraph") for s in systems):
        parser.error("sizes: 10k, 100k, 1m; systems: coopgraph, oxigraph")
    busy = cpu_busy(2.0)
    say(f"other processes use {busy:.0%} of the CPUs now; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results: list[Launches] = []
    for size in sizes:
        data = generate.ensure(generate.SIZES[size], args.seed)
        rows = [Launches(kind, kind, REPO, size) for kind in systems]
        if args.before is not None and "coopgraph" in systems:
            rows.insert(1, Launches("coopgraph-before", "coopgraph", args.before.resolve(), size))
        targets = [prepare(row.kind, data, args.work / size / row.system, row.repo) for row in rows]
        for n in range(args.repeats):
            for row, target in zip(rows, targets):
                first, cpu, replica, replica_cpu, state = launch(row.kind, target, args.work / size / row.system, row.repo,
                                                    timeout=args.timeout)
                row.first_s.append(first)
                row.cpu_s.append(cpu)
                if replica is not None and replica_cpu is not None:
                    row.replica_s.append(replica)
                    row.replica_cpu_s.append(replica_cpu)
                    row.replica_state = state
                say(f"{size} {row.system} #{n + 1}: /sparql {first:.2f} s ({cpu:.2f} s CPU)"
                    + (f", replica {state} {replica:.2f} s ({replica_cpu:.2f} s CPU)" if replica is not None else ""))
        results += rows
    print(f"\nStart on an existing store, median (min-max) of {args.repeats} launches; "  # noqa: T201
          f"other processes used {busy:.0%} of {os.cpu_count()} CPUs before the run\n")
    print("| size | system | launch -> first /sparql 200 (s) | CPU by then (s) | launch -> replica ready (s) "  # noqa: T201
          "| replica's own CPU (s) |")
    print("|---|---|---:|---:|---:|---:|")  # noqa: T201
    for row in results:
        replica = spread(row.replica_s) + (f" ({row.replica_state})" if row.replica_state not in ("", "ready") else "")
        print(f"| {row.size} | {row.system} | {spread(row.first_s)} | {spread(row.cpu_s)} | "  # noqa: T201
              f"{replica if row.replica_s else '-'} | {spread(row.replica_cpu_s)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
