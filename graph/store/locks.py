"""Locks on an embedded store root: one writer at a time, and generations pinned by their readers.

Two kinds of ``flock(2)`` locks, both released by the kernel when their process dies (a killed
writer never leaves the store locked):

- **The writer lock** (``ROOT/.write.lock``, exclusive): every write to the store (``build``,
  ``load``, ingest, the server's SPARQL Updates, ``analyse --write``) holds it from the moment it
  reads the store's state until its new state is committed. Without it two writers each start from
  the same state and the second commit silently drops the first one's data. The file also says who
  holds it (command, pid, since when), so a writer that has to wait, or give up, can say why.
- **Reader pins** (a shared lock on a generation's directory): a process that has a generation
  open holds one. Pruning deletes a generation only when it can take the exclusive lock, so a
  generation that some server or worker still reads is never deleted under it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

from coopgraph.graph.errors import StoreBusyError

__all__ = ["WriterLock", "current_writer", "pin_generation", "remove_if_unpinned"]

LOCK_FILE = ".write.lock"
_POLL_S = 0.05

class WriterLock:
    """The one-writer-at-a-time lock of the store at ``root``.

    ``what`` names the writer in the message another writer gets (``"coopgraph load"``).
    ``wait``: seconds to wait for the lock; ``None`` waits as long as it takes, ``0`` not at all.
    Raises :class:`StoreBusyError` naming the holder when the wait runs out.

    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> with WriterLock(root, "a doctest"):
    ...     WriterLock(root, "another writer", wait=0).acquire()
    Traceback (most recent call last):
    ...
    coopgraph.graph.errors.StoreBusyError: another write is running on ...: a doctest (pid ...); ...
    """

    def __init__(self, root: Path | str, what: str, *, wait: float | None = None) -> None:
        self.root = Path(root)
        self.what = what
        self.wait = wait
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> WriterLock:
        if self._fd is not None:
            raise RuntimeError("this WriterLock is held already")
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if self.wait is None else time.monotonic() + self.wait
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise StoreBusyError(self._busy_message(fd)) from None
                    time.sleep(_POLL_S)
            owner = json.dumps({"what": self.what, "pid": os.getpid(), "since": time.time()})
            os.ftruncate(fd, 0)
            os.pwrite(fd, owner.encode("utf-8"), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _busy_message(self, fd: int) -> str:
        holder = describe_holder(fd)
        waited = "" if not self.wait else f" (waited {self.wait:g} s)"
        return (f"another write is running on {self.root}: {holder}; {self.what} did not start{waited}. "
                "Retry when it has finished; nothing was changed")


def current_writer(root: Path | str) -> str | None:
    """Who holds the writer lock of ``root`` right now (None: nobody), for a "waiting for" message."""
    path = Path(root) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return describe_holder(fd)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def describe_holder(fd: int) -> str:
    """Who holds the writer lock, from what the holder wrote into the lock file."""
    try:
        owner = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        owner = {}
    if not owner:
        return "a writer"
    since = time.time() - float(owner.get("since", time.time()))
    return f"{owner.get('what', 'a writer')} (pid {owner.get('pid', '?')}, for {since:.0f} s)"


def pin_generation(path: Path | str) -> int:
    """Hold a shared lock on a generation directory while reading it; returns the fd to close.

    Closing the fd (or the process ending) releases the pin.
    """
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_if_unpinned(path: Path) -> bool:
    """Delete the generation at ``path`` unless some process has it pinned; True when deleted.

    The exclusive lock is held while deleting, so a reader that tries to pin it meanwhile waits and
    then finds it gone (and re-reads the store's state) rather than reading half-deleted files.
    """
    import shutil

    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)
    return True
