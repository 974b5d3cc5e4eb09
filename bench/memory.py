"""Memory of the whole coopgraph process tree with the analysis warm, beside Oxigraph server's.

    .venv/bin/python bench/memory.py                    # the seed graph and 1M triples
    .venv/bin/python bench/memory.py --sizes seed       # the seed graph only
    .venv/bin/python bench/memory.py --sizes 1m --no-oxigraph
    .venv/bin/python bench/memory.py --sizes 1m --from-file   # `serve --data FILE`: loads at start

For each size: build the store once under ``bench/work/memory-SIZE/`` (``coopgraph build`` of
data/ for ``seed``, ``coopgraph load`` of bench/data/synthetic-SIZE-s42.nt.gz otherwise; reused on
later runs), start ``coopgraph serve`` on 127.0.0.1, make it compute everything an analyst's first
visit asks for (communities, centrality, a 300-node view and the whole-graph view: on a large
store they are built off the request path, so each is polled until it answers 200), wait a few
seconds for the children that built them to exit, then print RSS and PSS of every process of the
tree (server, replica, disk workers, any analysis child still alive) and their sum. PSS splits the
pages processes share (the forked workers share the interpreter) so its sum is what the tree really
holds; RSS counts shared pages once per process. Then the same file in ``oxigraph serve-read-only``
after a pass of cheap queries, when the ``oxigraph`` command is installed (the ``bench`` extra).

Memory depends little on how busy the machine is (unlike time), so a run on a shared machine is
still meaningful; it is printed, not asserted, and not written to a results file.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from run import BIN, Coopgraph, OxigraphServer, run, serving  # noqa: E402

# What an analyst's first visit computes: every measure, the communities, a view and the whole graph.
WARM_PATHS = (
    "/api/communities?limit=20",
    "/api/centrality?limit=20",
    "/api/view?limit=300",
    "/api/graph",
)


def store_for(size: str, work: Path) -> Path:
    """The store of ``size`` under ``work`` (built once)."""
    store = work / "store"
    if (store / "state.json").exists():
        return store
    if size == "seed":
        run([str(BIN / "coopgraph"), "build", "--store", str(store), "--no-export"], timeout=1800)
    else:
        run([str(BIN / "coopgraph"), "load", str(data_file(size)), "--store", str(store)], timeout=3600)
    return store


def data_file(size: str) -> Path:
    path = REPO / "bench" / "data" / f"synthetic-{size}-s42.nt.gz"
    if not path.exists():
        run([sys.executable, str(REPO / "bench" / "generate.py"), "--size", size, "--seed", "42"], timeout=1800)
    return path


def warm(root: str, timeout: float) -> None:
    """GET each of WARM_PATHS until it answers 200 (503 while built in the background)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=600) as client:
        for path in WARM_PATHS:
            started = time.perf_counter()
            while True:
                status = client.get(root + path).status_code
                if status == 200:
                    break
                if status != 503 or time.monotonic() > deadline:
                    raise RuntimeError(f"{path} answered {status}")
                time.sleep(2.0)
            print(f"  {path}: 200 after {time.perf_counter() - started:.1f} s", flush=True)


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        children = sorted(child for child, ppid in parents.items() if ppid == parent)
        found.extend(children)
        frontier.extend(children)
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB, from /proc/PID/smaps_rollup; (0, 0) once it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0

    def field(name: str) -> int:
        match = re.search(rf"^{name}:\s+(\d+) kB", text, re.M)
        return int(match.group(1)) if match else 0

    return field("Rss"), field("Pss")


def role(pid: int) -> str:
    """What a process of the tree is, from its command line."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    if "forkserver" in text and _parent(pid) and "forkserver" in _cmdline(_parent(pid)):
        return "worker or replica"  # forked by the fork server: the largest is the memory replica
    for needle, name in (("forkserver", "fork server"), ("spawn_main", "analysis child"),
                         ("resource_tracker", "resource tracker"), (" serve", "server"),
                         ("oxigraph", "oxigraph")):
        if needle in text:
            return name
    return text[:60]


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def report(name: str, pid: int) -> tuple[float, float]:
    """Print each process's RSS and PSS and the tree's sums (MB); return the sums."""
    total_rss = total_pss = 0
    for member in tree(pid):
        rss, pss = memory_kb(member)
        if not rss:
            continue
        total_rss, total_pss = total_rss + rss, total_pss + pss
        print(f"  {name:<10} {member:>7} {role(member):<18} RSS {rss / 1024:7.1f} MB  PSS {pss / 1024:7.1f} MB")
    print(f"  {name:<10} {'tree':>7} {'':<18} RSS {total_rss / 1024:7.1f} MB  PSS {total_pss / 1024:7.1f} MB",
          flush=True)
    return total_rss / 1024, total_pss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="seed,1m", help="comma-separated: seed, 10k, 100k, 1m")
    parser.add_argument("--no-oxigraph", action="store_true", help="skip the Oxigraph server")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds to wait after warming, for the build children to exit")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--from-file", action="store_true",
                        help="start `coopgraph serve --data FILE` (it loads the file itself, into a temporary "
                        "store) instead of serving a store loaded beforehand")
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes.split(","):
        work = REPO / "bench" / "work" / f"memory-{size}"
        work.mkdir(parents=True, exist_ok=True)
        print(f"{size}: coopgraph", flush=True)
        source = ["--data", str(data_file(size))] if args.from_file and size != "seed" else [
            "--store", str(store_for(size, work))]
        system = Coopgraph("coopgraph", "/sparql")
        system.command = lambda _work, port, _data: [  # type: ignore[method-assign]
            str(BIN / "coopgraph"), "serve", *source, "--host", "127.0.0.1", "--port", str(port)]
        with serving(system, work, work, timeout=args.timeout) as (url, process, _start):
            warm(url.removesuffix("/sparql"), args.timeout)
            time.sleep(args.settle)
            rss, pss = report("coopgraph", process.pid)
        rows.append((size, "coopgraph", rss, pss))
        if args.no_oxigraph or size == "seed" or not (BIN / "oxigraph").exists():
            continue
        print(f"{size}: oxigraph server", flush=True)
        oxigraph = OxigraphServer("oxigraph", "/query")
        data = data_file(size)
        if not (work / "db").exists():
            oxigraph.load(data, work)
        with serving(oxigraph, work, data, timeout=args.timeout) as (url, process, _start):
            with httpx.Client(timeout=600) as client:
                for query in ("SELECT * WHERE { ?s ?p ?o } LIMIT 1000",
                              "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"):
                    client.post(url, data={"query": query})
            rss, pss = report("oxigraph", process.pid)
        rows.append((size, "oxigraph", rss, pss))
    print("\n| size | system | tree RSS (MB) | tree PSS (MB) |\n|---|---|---:|---:|")
    for size, name, rss, pss in rows:
        print(f"| {size} | {name} | {rss:,.0f} | {pss:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
