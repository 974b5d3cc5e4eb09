"""A generation's quads as files the memory replica loads in seconds instead of copying from RocksDB.

Copying a store into memory quad by quad takes 15-20 s at a million triples, nearly all of it
decoding terms out of RocksDB in Python objects; loading the same quads from N-Quads into an
in-memory store takes about 4 s, parsed and inserted in Rust. But pyoxigraph's loaders give every
blank node a fresh id, and the replica must answer exactly as the disk store does, so a snapshot
is two files:

    ROOT/snapshot-<generation>-u<updates>/
      quads.nq     every quad (loaded with ``Store.load``: fast; blank nodes renamed)
      exact.nq     the quads with a blank node (or a triple term) in any position, ids as stored
                   (the dump's lines that hold "_:" or "<<": see _copy_exact_lines)
      meta.json    {"generation", "updates", "quads", "exact"}: written last

:func:`load_into` loads ``quads.nq``, deletes the quads whose blank nodes it renamed, and adds
``exact.nq`` parsed without renaming (term objects in Python, but only for those few quads).

**One snapshot per store version.** Its name carries the generation and the count of in-place
updates it reflects (``state.json``); a reader uses it only when both match the committed state
and the number of quads matches the database. An in-place update removes the generation's
snapshots before it writes (:func:`discard`), so a write killed half-way leaves none to trust.
**A killed snapshot write leaves nothing half-used**: the files go into a ``.snapshot-*.tmp``
directory that is renamed into place, in one ``os.rename``, only once ``meta.json`` is in it and
synced; :func:`prune` removes leftovers and snapshots of generations that are gone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

__all__ = ["Snapshot", "discard", "find", "load_into", "prune", "snapshot_dir", "write"]

log = logging.getLogger(__name__)

QUADS = "quads.nq"
EXACT = "exact.nq"
META = "meta.json"
_PREFIX = "snapshot-"

# The quads whose identity the fast loader would not keep: a blank node anywhere, or a triple term
# (which may hold one). Default graph and named graphs, each asked as such.
_EXACT_FILTER = ("FILTER(isBlank(?s) || isBlank(?o) || isTRIPLE(?s) || isTRIPLE(?o)"
                 " || (BOUND(?g) && isBlank(?g)))")
_DROP_RENAMED = (f"DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {_EXACT_FILTER} }};"
                 f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_EXACT_FILTER} }}")


@dataclass(frozen=True)
class Snapshot:
    path: Path
    generation: str
    updates: int
    quads: int
    exact: int


def snapshot_dir(root: Path, generation: str, updates: int) -> Path:
    return root / f"{_PREFIX}{generation}-u{updates}"


def write(root: Path, generation: str, updates: int, db: ox.Store) -> Snapshot:
    """Write the snapshot of ``db``, which holds generation ``generation`` after ``updates`` in-place
    updates; the caller makes sure nothing writes ``db`` meanwhile. Replaces an existing one.

    ``meta.json``'s ``exact`` counts the lines of exact.nq: at least the quads with a blank node."""
    final = snapshot_dir(root, generation, updates)
    tmp = root / f".{final.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        db.dump(str(tmp / QUADS), format=ox.RdfFormat.N_QUADS)
        exact = _copy_exact_lines(tmp / QUADS, tmp / EXACT)
        snapshot = Snapshot(final, generation, updates, len(db), exact)
        meta = {"generation": generation, "updates": updates, "quads": snapshot.quads, "exact": snapshot.exact}
        (tmp / META).write_text(json.dumps(meta) + "\n", encoding="utf-8")
        for name in (QUADS, EXACT, META):
            _fsync(tmp / name)
        if final.exists():  # an older writer's copy of the same version: same quads
            shutil.rmtree(final, ignore_errors=True)
        os.rename(tmp, final)
        _fsync(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return snapshot


def _copy_exact_lines(quads: Path, exact: Path) -> int:
    """Copy to ``exact`` the lines of the N-Quads dump ``quads`` that may hold a blank node or a
    triple term; returns how many.

    The dump writes one quad per line with blank node ids as stored, so those lines are the exact
    quads as they are. A line whose "_:" or "<<" is inside a literal comes along too: loaded again,
    it adds nothing, as the store already holds it. (A SPARQL FILTER over every quad did the same
    in a quarter of a load's time.)
    """
    found = 0
    with quads.open("rb") as source, exact.open("wb") as target:
        for line in source:
            if b"_:" in line or b"<<" in line:
                target.write(line)
                found += 1
    return found


def find(root: Path, generation: str, updates: int) -> Snapshot | None:
    """The complete snapshot of that version, or None (none written, or removed)."""
    path = snapshot_dir(root, generation, updates)
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("generation") != generation or meta.get("updates") != updates:
        return None
    return Snapshot(path, generation, updates, int(meta["quads"]), int(meta["exact"]))


def load_into(snapshot: Snapshot, memory: ox.Store) -> None:
    """Fill the empty in-memory ``memory`` from ``snapshot``, blank node ids as stored.

    Raises ValueError when the files do not hold what ``meta.json`` says (the caller falls back
    to copying from the database)."""
    memory.load(path=str(snapshot.path / QUADS), format=ox.RdfFormat.N_QUADS, lenient=True)
    if snapshot.exact:
        memory.update(_DROP_RENAMED)  # the loader's renamed copies of the exact quads
        memory.extend(ox.parse(path=str(snapshot.path / EXACT), format=ox.RdfFormat.N_QUADS,
                               rename_blank_nodes=False))
    if len(memory) != snapshot.quads:
        raise ValueError(f"{snapshot.path.name} holds {len(memory)} quads, its meta.json says {snapshot.quads}")


def discard(root: Path, generation: str) -> None:
    """Remove every snapshot of ``generation``: it is about to change in place."""
    for path in root.glob(f"{_PREFIX}{generation}-u*"):
        shutil.rmtree(path, ignore_errors=True)


def prune(root: Path) -> None:
    """Remove snapshots whose generation is gone and leftovers of killed snapshot writes."""
    for path in root.glob(f"{_PREFIX}*"):
        generation = path.name.removeprefix(_PREFIX).rpartition("-u")[0]
        if not (root / generation).is_dir():
            shutil.rmtree(path, ignore_errors=True)
    for tmp in root.glob(f".{_PREFIX}*.tmp"):
        pid = tmp.name.rsplit(".", 2)[-2]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
