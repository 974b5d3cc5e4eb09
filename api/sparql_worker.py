"""The process side of :mod:`api.executor` (the parent's end is :mod:`api.ipc`): runs SPARQL in a
child process under resource limits.

A query worker opens the store read-only once, caps its own memory (``RLIMIT_DATA``: heap and
anonymous mappings, which is what query evaluation grows, unlike ``RLIMIT_AS`` which RocksDB's
threads and file mappings eat into before any query runs) and then serves requests from a pipe
until told to stop. Results are serialised here, so the parent only moves bytes.

When a query outgrows the cap, Rust's allocator aborts the process (SIGABRT) and the parent sees
the pipe close; a Python ``MemoryError`` is reported and the worker exits. ``RLIMIT_CPU`` is a
backstop re-armed before each query: the parent's wall-clock SIGKILL is the real time limit.

Messages (picklable tuples): parent -> worker ``("query", QueryJob)`` / ``("update", UpdateJob)`` /
``None`` (stop); worker -> parent ``("ready", pid)``, ``("ok", header)``, ``("err", code, message)``
with ``code`` in ``syntax | query | memory | internal``. A query's ``("ok", {"truncated", "rows"})``
travels with the result body in one message (:func:`api.ipc.send_reply`: the body is never
pickled); an update's is ``("ok", None)``, with no body. The replies to a job go through
``send_reply``; ``("ready", pid)`` at start-up is a plain ``Connection.send``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import os
import resource
import select
import threading
import time
import traceback
from dataclasses import dataclass
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from coopgraph.api.ipc import send_reply
from coopgraph.api.negotiation import CSV, SPARQL_JSON, SPARQL_XML, TSV
from coopgraph.api.solution_bytes import count_rows, drop_last_row
from coopgraph.graph.heap import return_freed_memory
from coopgraph.graph.store.locks import pin_generation

log = logging.getLogger(__name__)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Engine messages that describe the user's query, not a fault of ours (-> 400, not 500).
_USER_ERROR_MARKERS = ("custom function", "is not supported", "invalid iri", "not a valid iri")


@dataclass(frozen=True)
class QueryJob:
    text: str
    media_type: str
    default_graph_uris: tuple[str, ...] | None
    named_graph_uris: tuple[str, ...] | None
    max_rows: int
    base_iri: str | None = None
    # The engine returns at most max_rows + 1 solutions (the text has, or was given, a top-level
    # LIMIT: graph.row_bound), so a SELECT answer is serialised by the engine, not row by row here.
    engine_bounded: bool = False


@dataclass(frozen=True)
class UpdateJob:
    text: str
    base_iri: str | None = None


def _vm_data_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def name_process(name: str) -> None:
    """Set the name ``ps``/``top`` and /proc show for this process (Linux keeps 15 bytes), so an
    operator (and the tests) can tell disk workers, the writer and a replica copying from one another."""
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(name[:15])
    except OSError:  # not Linux: the name is cosmetic
        pass


def _limit_memory(memory_mb: int) -> None:
    """Allow ``memory_mb`` of data segment on top of what the process already uses."""
    if memory_mb <= 0:
        return
    cap = _vm_data_bytes() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))


def _arm_cpu_backstop(cpu_s: float) -> None:
    """RLIMIT_CPU counts the process's whole life, so re-arm it relative to the time used so far."""
    if cpu_s <= 0:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used + cpu_s) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


# --- result serialisation ------------------------------------------------------------------


def _json_term(term: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {  # RDF-star quoted triple
        "type": "triple",
        "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")},
    }


def _xml_term(term: Any) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    parts = "".join(
        f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object")
    )
    return f"<triple>{parts}</triple>"


def _csv_term(term: Any) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def serialize_solutions(variables: list[str], rows: list[Any], media_type: str) -> bytes:
    """SELECT results in one of the four SPARQL results formats (rows already cut to the limit).

    Each row is read once, by iteration (values in variable order, ``None`` when unbound):
    pyoxigraph's ``row[name]`` costs ~2 µs a lookup, which made serialising 500 rows slower than
    evaluating the query.
    """
    values = [tuple(row) for row in rows]
    if media_type == SPARQL_JSON:
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in values
        ]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if media_type == SPARQL_XML:
        names = [quoteattr(v) for v in variables]
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
        out.append("<head>" + "".join(f"<variable name={n}/>" for n in names))
        out.append("</head><results>")
        for row in values:
            out.append("<result>")
            for n, t in zip(names, row):
                if t is not None:
                    out.append(f"<binding name={n}>{_xml_term(t)}</binding>")
            out.append("</result>")
        out.append("</results></sparql>")
        return "\n".join(out).encode()
    if media_type == CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        for row in values:
            writer.writerow(["" if t is None else _csv_term(t) for t in row])
        return buf.getvalue().encode()
    if media_type == TSV:
        # pyoxigraph's str(term) is the N-Triples form, which escapes tabs and newlines.
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in values]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"no SELECT serialiser for {media_type}")


def _rdf_format(media_type: str) -> Any:
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"no RDF serialiser for {media_type}")
    return fmt


def run_query(store: Any, job: QueryJob) -> dict[str, Any]:
    """Evaluate one query and serialise it; returns the fields of ``QueryOutcome``."""
    import pyoxigraph as ox

    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    # SPARQL protocol: a dataset given by the request replaces the query's FROM / FROM NAMED;
    # if only one half is given, the other half is empty.
    if job.default_graph_uris is not None or job.named_graph_uris is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph_uris or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graph_uris or ()]
    result = store.query(job.text, **kwargs)
    if isinstance(result, ox.QueryBoolean):
        fmt = ox.QueryResultsFormat.from_media_type(job.media_type)
        return {"body": result.serialize(format=fmt), "kind": "ASK", "truncated": False, "rows": None}
    if isinstance(result, ox.QuerySolutions) and job.engine_bounded:
        # The engine writes the answer without holding the GIL (other slot threads of the memory
        # replica keep running); at most one row too many comes back, and it is cut from the bytes.
        fmt = ox.QueryResultsFormat.from_media_type(job.media_type)
        body = result.serialize(format=fmt) or b""
        count = count_rows(body, job.media_type)
        truncated = count > job.max_rows
        if truncated:
            body, count = drop_last_row(body, job.media_type), job.max_rows
        return {"body": body, "kind": "SELECT", "truncated": truncated, "rows": count}
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = list(itertools.islice(result, job.max_rows + 1))
        truncated = len(rows) > job.max_rows
        rows = rows[: job.max_rows]
        body = serialize_solutions(variables, rows, job.media_type)
        return {"body": body, "kind": "SELECT", "truncated": truncated, "rows": len(rows)}
    triples = list(itertools.islice(result, job.max_rows + 1))
    truncated = len(triples) > job.max_rows
    triples = triples[: job.max_rows]
    body = ox.serialize(triples, format=_rdf_format(job.media_type)) or b""  # None only when given a file
    return {"body": body, "kind": "GRAPH", "truncated": truncated, "rows": len(triples)}


def _classify(exc: BaseException) -> tuple[str, str]:
    """Map an engine exception to a reply code; only known user mistakes become ``query``."""
    if isinstance(exc, SyntaxError):
        return "syntax", exc.msg or str(exc)
    if isinstance(exc, MemoryError):
        return "memory", "the query ran out of memory"
    message = str(exc)
    if isinstance(exc, (RuntimeError, ValueError)) and any(
        m in message.lower() for m in _USER_ERROR_MARKERS
    ):
        return "query", message
    return "internal", "".join(traceback.format_exception(exc))


def worker_main(
    conn: Connection, store_path: str, memory_mb: int, cpu_s: float, read_only: bool = True
) -> None:
    """Entry point of a worker process (spawned, so nothing is inherited but these arguments)."""
    import pyoxigraph as ox

    name_process("coopgraph-disk" if read_only else "coopgraph-write")
    try:
        # Pinned for the life of the process: pruning never deletes a generation a worker reads.
        pin_generation(store_path)
        store = ox.Store.read_only(store_path) if read_only else ox.Store(store_path)
    except Exception as exc:  # reported to the parent, which raises StoreError
        conn.send(("err", "internal", f"cannot open store {store_path}: {exc}"))
        return
    _limit_memory(memory_mb)
    conn.send(("ready", os.getpid()))
    serve(conn, store, cpu_s)


def serve(conn: Connection, store: Any, cpu_s: float, idle: IdlePolling | None = None) -> None:
    """Answer jobs from ``conn`` until told to stop, the pipe closes, or memory runs out.
    ``idle``: how a slot thread of the memory replica waits between jobs."""
    while True:
        try:
            if idle is not None:
                idle.wait_for_job(conn.fileno())
            msg = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # no room even to read the job: say so, or the parent waits out the deadline
            _send_quietly(conn, ("err", "memory", "the worker ran out of memory reading the query"))
            return
        if msg is None:
            return
        if idle is not None:
            idle.started()
        try:
            going_on = _answer(conn, store, cpu_s, msg)
        finally:
            if idle is not None:
                idle.finished()
        if not going_on:
            return


def _answer(conn: Connection, store: Any, cpu_s: float, msg: tuple[str, Any]) -> bool:
    """Run one job and send its reply; False when this worker must stop (see :func:`serve`)."""
    op, job = msg
    _arm_cpu_backstop(cpu_s)
    try:
        body: bytes | None = None
        if op == "query":
            result = run_query(store, job)
            body = result.pop("body")
            reply: tuple[Any, ...] = ("ok", result)
        else:
            store.update(job.text, base_iri=job.base_iri)
            store.flush()
            reply = ("ok", None)
    except Exception as exc:  # noqa: BLE001 - classified; internals go back with a traceback
        reply = ("err", *_classify(exc))
    try:
        send_reply(conn, reply, body)
    except MemoryError:
        body = None
        _send_quietly(conn, ("err", "memory", "the query result ran out of memory"))
        return False
    except OSError:
        return False  # the parent closed this pipe (it gave up on the query)
    # After a memory error the heap may be in a bad state: let the parent start a fresh worker.
    return not (reply[0] == "err" and reply[1] == "memory")


def _send_quietly(conn: Connection, reply: tuple[Any, ...]) -> None:
    """Send an error reply if there is still room to; the parent notices a dead worker anyway."""
    try:
        send_reply(conn, reply)
    except (MemoryError, OSError):
        pass


# --- the memory replica ----------------------------------------------------------------------


class IdlePolling:
    """How the memory replica's slot threads wait for their next job: asleep in the kernel, except
    one, the last to have answered, which first polls every slot's pipe for up to ``poll_ns`` while
    no query runs.

    Why: a thread asleep in the kernel is woken when its job arrives, and on a virtual machine
    waking an idle CPU costs tens of microseconds, each way of each hop: with the parent's own
    polling (:data:`api.replica.PARENT_POLL_MAX_NS`) an ``ASK {}`` over HTTP took 0.38-0.44 ms instead
    of 0.55-0.65 (bench/README.md). A client that sends queries one after another finds a thread
    already running: the parent gives the next job to the slot that answered last (a LIFO queue).

    Polling keeps out of a query's way: one thread polls, only while none runs, and it stops as
    soon as another slot's pipe has a job (that slot's thread needs the GIL this one holds between
    polls) or a query starts; another thread that wants the GIL meanwhile waits at worst the
    interpreter's switch interval (5 ms; measured: 0.16 ms median). The cost is CPU: up to
    ``poll_ns`` per answer, when the server is otherwise idle (``replica_poll_us``; 0 turns it off)."""

    def __init__(self, fds: list[int], poll_ns: int) -> None:
        self.fds = fds
        self.poll_ns = poll_ns
        self._lock = threading.Lock()
        self._running = 0
        self._turn: int | None = None  # the thread that may poll: the last to answer
        self._local = threading.local()  # a poll object may not be polled by two threads at once

    def wait_for_job(self, fd: int) -> None:
        """Return once ``fd`` (this thread's pipe) has a job, or has closed."""
        me = threading.get_ident()
        local = self._local
        if not hasattr(local, "own"):
            local.own = select.poll()
            local.own.register(fd, select.POLLIN)
            local.every = select.poll()
            for other in self.fds:
                local.every.register(other, select.POLLIN)
        if self.poll_ns and self._turn == me:
            until = time.perf_counter_ns() + self.poll_ns
            while self._turn == me and self._running == 0:
                ready = local.every.poll(0)
                if ready:
                    if any(ready_fd == fd for ready_fd, _ in ready):
                        return
                    break  # another slot's job: its thread needs the GIL
                if time.perf_counter_ns() >= until:
                    break
                os.sched_yield()  # a process waiting for this CPU (the client, the server) goes first
        local.own.poll()  # asleep, without the GIL, until a job (or the end of the pipe) comes

    def started(self) -> None:
        with self._lock:
            self._running += 1

    def finished(self) -> None:
        with self._lock:
            self._running -= 1
            self._turn = threading.get_ident()


def copy_into_memory(store_path: str) -> Any:
    """An in-memory pyoxigraph store with every quad of the store at ``store_path``, quad by quad.

    The fallback when the generation has no usable snapshot (:mod:`graph.store.snapshot`): not
    dump + ``bulk_load``, since the loader renames blank nodes and the copy must answer exactly as
    the disk store does. 15-20 s for a million triples here: decoding the terms out of RocksDB is
    the cost, not inserting them.
    """
    import pyoxigraph as ox

    disk = ox.Store.read_only(store_path)
    memory = ox.Store()
    memory.extend(disk.quads_for_pattern(None, None, None, None))
    del disk
    return_freed_memory()
    return memory


class TooLarge(Exception):
    """The store holds more quads than the replica may."""

    def __init__(self, triples: int) -> None:
        super().__init__(triples)
        self.triples = triples


def load_replica(store_path: str, max_triples: int) -> tuple[Any, int, str, Callable[[], None] | None]:
    """The in-memory copy of the generation at ``store_path``, its number of quads, how it was made
    (``"snapshot"`` or ``"copy"``), and after a copy, the job that writes its snapshot. Raises
    :class:`TooLarge` over ``max_triples``.

    A snapshot is used only if it is of the committed version (generation and in-place updates)
    and holds as many quads as the database (counted meanwhile in a thread: both release the GIL);
    anything else (none, stale, unreadable) falls back to the copy. After a copy, writing the
    snapshot from memory costs about a second at a million triples (against ten from RocksDB), so
    the next start of this version loads in seconds.
    """
    import pyoxigraph as ox

    from coopgraph.graph.store import snapshot
    from coopgraph.graph.store.oxigraph import read_state

    path = Path(store_path)
    state = read_state(path.parent)
    version = (state.generation, state.updates) if state is not None and state.generation == path.name else None
    found = snapshot.find(path.parent, *version) if version is not None else None
    counted: list[int | BaseException] = []

    def count() -> None:
        try:
            counted.append(len(ox.Store.read_only(store_path)))
        except Exception as exc:  # noqa: BLE001 - raised in the loading thread below
            counted.append(exc)

    counter = threading.Thread(target=count, name="replica-count")
    counter.start()
    if found is not None and found.quads <= max_triples:
        memory: Any = ox.Store()
        try:
            snapshot.load_into(found, memory)
        except (OSError, ValueError, SyntaxError) as exc:
            log.warning("snapshot %s unusable (%s); copying from the database", found.path.name, exc)
            memory = None
        counter.join()
        if memory is not None and counted == [found.quads]:
            return memory, found.quads, "snapshot", None
        del memory
        return_freed_memory()
    counter.join()
    if isinstance(counted[0], BaseException):
        raise counted[0]
    triples = counted[0]
    if triples > max_triples:
        raise TooLarge(triples)
    memory = copy_into_memory(store_path)
    if version is None:
        return memory, triples, "copy", None

    def write_snapshot() -> None:
        try:
            snapshot.write(path.parent, version[0], version[1], memory)
        except OSError as exc:  # a read-only store root, a full disk: only the next start is slower
            log.warning("cannot write the snapshot of %s: %s", path.name, exc)

    return memory, triples, "copy", write_snapshot


def _after(event: threading.Event, work: Callable[[], Any]) -> None:
    event.wait()
    work()


def replica_main(
    control: Connection, slots: list[Connection], store_path: str, memory_mb: int, max_triples: int,
    poll_ns: int = 0,
) -> None:
    """Entry point of the memory replica: one process, the store in memory, a thread per slot.

    pyoxigraph releases the GIL while it evaluates, so the slot threads run queries in parallel
    over one shared copy (forked copies would not share it: reading touches most pages). The
    parent kills the whole process when any query overruns; memory is capped for the process as
    a whole. Replies on ``control``: ``("ready", pid, triples, seconds, "snapshot" | "copy")``,
    ``("too-large", triples)`` or ``("err", "internal", message)``; then it waits for ``None``.
    """
    name_process("coopgraph-copy")  # renamed coopgraph-mem once the copy is ready
    started = time.perf_counter()
    try:
        pin = pin_generation(store_path)  # released when the copy is made (or the process ends)
        memory, triples, how, write_snapshot = load_replica(store_path, max_triples)
        os.close(pin)
    except TooLarge as too_large:
        control.send(("too-large", too_large.triples))
        return
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which serves from disk
        control.send(("err", "internal", f"cannot copy {store_path} into memory: {exc}"))
        return
    name_process("coopgraph-mem")
    # Every thread before the memory cap: a thread's stack (8 MiB) is private writable memory, which
    # RLIMIT_DATA counts, so slots and the snapshot writer started after it took 8 MiB each of the
    # queries' budget (72 MiB with the default 8 slots; with a small budget a cheap query could then
    # fail to allocate). No query comes before "ready".
    idle = IdlePolling([conn.fileno() for conn in slots], poll_ns)
    for index, conn in enumerate(slots):
        threading.Thread(target=serve, args=(conn, memory, 0.0, idle), name=f"replica-slot-{index}",
                         daemon=True).start()
    answering = threading.Event()
    if write_snapshot is not None:  # once "ready" is sent: queries are answered while it writes
        threading.Thread(target=_after, args=(answering, write_snapshot), name="replica-snapshot",
                         daemon=True).start()
    _limit_memory(memory_mb)
    control.send(("ready", os.getpid(), triples, time.perf_counter() - started, how))
    answering.set()
    try:
        control.recv()
    except (EOFError, OSError):
        pass
    os._exit(0)  # slot threads may be mid-query; there is nothing to flush
