"""coopgraph on a remote SPARQL engine: the 1M graph in an Oxigraph server, coopgraph in front of it.

    .venv/bin/python bench/remote.py [--size 1m] [--reps 11]

Loads ``bench/data/synthetic-SIZE-s42.nt.gz`` and the ontology into an Oxigraph database under
``bench/work/remote-SIZE/db`` (``oxigraph load``; reused on later runs), serves it with ``oxigraph
serve`` on 127.0.0.1, writes coopgraph's version triple once, then starts ``coopgraph serve --store
http://127.0.0.1:PORT/query`` and measures, sequentially over one keep-alive connection per
target, the median of ``--reps`` calls (after one warm-up) of:

- SPARQL queries of bench/run.py's mix, **direct** to the engine and **through** coopgraph's
  /sparql (the ratio is what the hop costs: guard, HTTP proxying, row bounds);
- entity pages (JSON and HTML) of a hub and a mid-degree entity (the generator's landmarks),
  search, a neighbourhood view, analytics endpoints;
- start-up: from starting ``coopgraph serve`` to /healthz answering, and to the projection (analysis
  and views) being ready, which a remote store pulls in the background, and to the whole-graph
  measures being computed (PageRank, betweenness, communities; also in the background).

Prints one table and writes it to ``bench/RESULTS-remote.md`` with the date and the machine.
Nothing is asserted: tests check behaviour, this measures it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from run import BIN, JSON, PREFIXES, free_port, machine, query_mix, run, stop_group, versions  # noqa: E402

ONTOLOGY_GRAPH = "https://coopgraph.org/ontology"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)  # noqa: T201


def prepare(size: str, work: Path) -> tuple[Path, float | None]:
    """The Oxigraph database with the data and the ontology; (path, load seconds or None if reused)."""
    data = REPO / "bench" / "data" / f"synthetic-{size}-s42.nt.gz"
    db = work / "db"
    marker = work / "loaded"
    if marker.exists():
        return db, None
    if db.exists():
        import shutil

        shutil.rmtree(db)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run([str(BIN / "oxigraph"), "load", "--location", str(db), "--file", str(data)], timeout=1800)
    run([str(BIN / "oxigraph"), "load", "--location", str(db), "--file", str(REPO / "ontology" / "coop.ttl"),
         "--graph", ONTOLOGY_GRAPH], timeout=600)
    run([str(BIN / "oxigraph"), "optimize", "--location", str(db)], timeout=1800)
    seconds = time.perf_counter() - started
    marker.write_text(f"{seconds:.1f}\n")
    return db, seconds


def start(command: list[str], log: Path, ready_url: str, *, env: dict[str, str] | None = None,
          timeout: float = 120, post_ask: bool = False) -> tuple[subprocess.Popen[bytes], float]:
    """Start a server; return it and the seconds until ``ready_url`` answered 200."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    environ["COOPGRAPH_RATE_LIMIT_EXEMPT"] = '["127.0.0.1"]'  # measure the engine, not the rate limit
    environ |= env or {}
    handle = open(log, "wb")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=REPO, env=environ,
                               start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            answer = (httpx.post(ready_url, data={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=2)
                      if post_ask else httpx.get(ready_url, timeout=2))
            if answer.status_code == 200:
                ready = time.perf_counter() - started
                time.sleep(0.5)  # another program on a port we were told was free answers too: check ours lives
                if process.poll() is None:
                    return process, ready
                raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{command[0]} did not answer within {timeout:.0f} s")
        time.sleep(0.02)


def median_ms(client: httpx.Client, method: str, url: str, *, reps: int, **kwargs: object) -> tuple[float, int, int]:
    """(median ms, status, bytes) of ``reps`` sequential calls after one warm-up."""
    response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
        response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), response.status_code, len(response.content)


def wait_until_ready(url: str, *, timeout: float) -> float:
    """Seconds until ``url`` stops answering 503 (the projection being pulled, the measures computed)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=60).status_code != 503:
                return time.perf_counter() - started
        except httpx.TimeoutException:
            say(f"{url} took over 60 s")
        time.sleep(0.5)
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", choices=("10k", "100k", "1m"))
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS-remote.md")
    args = parser.parse_args(argv)
    if args.reps < 11:
        parser.error("--reps must be at least 11")
    work = REPO / "bench" / "work" / f"remote-{args.size}"
    landmarks = json.loads((REPO / "bench" / "data" / f"synthetic-{args.size}-s42.json").read_text())
    say(f"preparing the Oxigraph database in {work}")
    db, load_s = prepare(args.size, work)
    engine_port, app_port = free_port(), free_port()
    engine_url = f"http://127.0.0.1:{engine_port}"
    engine, engine_start = start([str(BIN / "oxigraph"), "serve", "--location", str(db), "--bind",
                                  f"127.0.0.1:{engine_port}"], work / "oxigraph.log", engine_url + "/query",
                                 post_ask=True)
    try:
        sys.path.insert(0, str(REPO))
        from coopgraph.graph.store.remote import RemoteStore

        with RemoteStore(engine_url + "/query", update_url=engine_url + "/update") as remote:
            remote.touch()  # coopgraph's version triple: a cheap, exact version for the server to poll
        say(f"oxigraph serve ready in {engine_start:.2f} s; starting coopgraph serve --store {engine_url}/query")
        for attempt in range(3):  # the port may be taken between free_port() and the bind
            app_url = f"http://127.0.0.1:{app_port}"
            try:
                app, app_start = start([str(BIN / "coopgraph"), "serve", "--store", engine_url + "/query",
                                        "--port", str(app_port)], work / "coopgraph.log", app_url + "/healthz")
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                app_port = free_port()
        try:
            rows = measure(args, landmarks, engine_url, app_url, app_start)
        finally:
            stop_group(app)
    finally:
        stop_group(engine)
    write(args, rows, load_s, engine_start)
    return 0


def measure(args: argparse.Namespace, m: dict[str, str], engine_url: str, app_url: str,
            app_start: float) -> dict[str, list[tuple[str, str, str, str]]]:
    slug = lambda iri: iri.rsplit("/", 1)[-1]  # noqa: E731
    hub, mid = slug(m["hub_org"]), slug(m["mid_org"])
    say("waiting for the projection (analysis and views)")
    projection_s = wait_until_ready(app_url + f"/api/view?focus={mid}&depth=1", timeout=900)
    say("waiting for the whole-graph measures (PageRank, betweenness, communities)")
    measures_s = wait_until_ready(app_url + "/api/centrality?measure=pagerank&limit=5", timeout=1800)
    startup = [("coopgraph serve --store URL: /healthz answers", f"{app_start:.2f} s", "", ""),
               ("... projection pulled (views ready; 503 before)", f"{app_start + projection_s:.1f} s", "", ""),
               ("... measures computed (all analytics ready; 503 before)",
                f"{app_start + projection_s + measures_s:.1f} s", "", "")]
    sparql: list[tuple[str, str, str, str]] = []
    pages: list[tuple[str, str, str, str]] = []
    with httpx.Client(timeout=300) as client:
        for query in query_mix(m):
            text = PREFIXES + query.sparql
            say(f"sparql {query.name}")
            direct, status_d, size_d = median_ms(client, "POST", engine_url + "/query", reps=args.reps,
                                                 data={"query": text}, headers={"Accept": query.accept})
            ours, status_o, size_o = median_ms(client, "POST", app_url + "/sparql", reps=args.reps,
                                               data={"query": text}, headers={"Accept": query.accept})
            note = "" if status_d == status_o == 200 else f"status {status_d}/{status_o}"
            sparql.append((query.name, f"{direct:.1f}", f"{ours:.1f}", f"{ours / direct:.2f}" + (f" {note}" if note
                                                                                               else "")))
        needle = quote(m["mid_org_label"])
        for name, path, accept in [
            (f"entity JSON, hub ({hub})", f"/api/entities/{hub}", "application/json"),
            (f"entity HTML, hub ({hub})", f"/id/{hub}", "text/html"),
            (f"entity JSON, mid ({mid})", f"/api/entities/{mid}", "application/json"),
            (f"entity HTML, mid ({mid})", f"/id/{mid}", "text/html"),
            (f"search \"{m['mid_org_label']}\"", f"/api/search?q={needle}", "application/json"),
            ("search \"customs\"", "/api/search?q=customs", "application/json"),
            (f"view: neighbourhood of {mid}, depth 1", f"/api/view?focus={mid}&depth=1", "application/json"),
            (f"view: neighbourhood of {hub}, depth 2", f"/api/view?focus={hub}&depth=2", "application/json"),
            ("analytics: centrality (degree, top 20)", "/api/centrality?measure=degree&limit=20", "application/json"),
            (f"analytics: neighbourhood of {mid}", f"/api/neighbourhood/{mid}?depth=1", "application/json"),
        ]:
            say(f"page {name}")
            ms, status, size = median_ms(client, "GET", app_url + path, reps=args.reps, headers={"Accept": accept})
            pages.append((name, f"{ms:.1f}", str(status), f"{size / 1024:.1f}"))
    return {"startup": startup, "sparql": sparql, "pages": pages}


def write(args: argparse.Namespace, rows: dict[str, list[tuple[str, str, str, str]]], load_s: float | None,
          engine_start: float) -> None:
    lines = [f"# coopgraph on a remote SPARQL engine ({args.size})", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} with `python bench/remote.py --size {args.size} "
             f"--reps {args.reps}`. Generated by bench/remote.py (see its docstring for what is measured). "
             "Medians of sequential calls over one keep-alive connection, after one warm-up; milliseconds.", "",
             "Machine: " + "; ".join(f"{k}: {v}" for k, v in machine().items()), "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items() if v != "absent"), "",
             "Engine: `oxigraph serve` (RocksDB, same machine, loopback); coopgraph: `coopgraph serve --store "
             "http://127.0.0.1:PORT/query` (no result cache).", "",
             "## Start-up", "", "| what | time |", "|---|---:|",
             f"| oxigraph load + optimize (1 run) | {'reused' if load_s is None else f'{load_s:.1f} s'} |",
             f"| oxigraph serve ready | {engine_start:.2f} s |"]
    lines += [f"| {name} | {value} |" for name, value, _, _ in rows["startup"]]
    lines += ["", "## SPARQL: direct to the engine vs through coopgraph's /sparql", "",
              "| query | direct ms | through coopgraph ms | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows["sparql"]]
    lines += ["", "## Pages on the remote store", "", "| page | median ms | status | KiB |", "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows["pages"]]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)  # noqa: T201 - the table is the output


if __name__ == "__main__":
    raise SystemExit(main())
