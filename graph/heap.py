"""Freed heap pages back to the operating system after a large load, build or copy.

glibc's malloc keeps the pages a process has freed for the life of the process, so after a
million-triple load the process's RSS stays about 190 MiB higher than what it still uses
(``coopgraph serve --data FILE`` loads in the server's own process: 281 MiB against 90 MiB for
the same store served with ``--store``). ``malloc_trim`` hands them back.
"""

from __future__ import annotations

__all__ = ["return_freed_memory"]


def return_freed_memory() -> None:
    """Hand freed heap pages back to the OS, so RSS shows what the process keeps."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: only the RSS figure is affected
        pass
