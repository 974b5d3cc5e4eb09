"""Every error coopgraph raises on purpose.

    CoopgraphError                  base; carries ``exit_code`` (CLI) and ``http_status`` (API)
    ├── DataError                   the curated data is wrong (exit 3, HTTP 422)
    │   ├── FactError               a fact or document file is malformed; names file and line
    │   ├── QuoteNotFoundError      an evidence quote is not an exact substring of its document
    │   └── ShapeViolationError     the built graph does not conform to the SHACL shapes
    ├── QueryError                  a SPARQL request cannot be run as sent (HTTP 400)
    │   ├── QuerySyntaxError        the parser's message for malformed SPARQL
    │   ├── QueryRejectedError      refused before execution: too big, too deep, SERVICE, LOAD...
    │   └── ViewSpecError           a graph-view parameter is out of range or unknown
    ├── QueryTimeoutError           the query ran out of time and was cancelled (HTTP 504)
    ├── QueryResourceError          the query hit its memory bound or crashed its worker (HTTP 503)
    ├── EntityNotFoundError         no entity with that id or name (HTTP 404)
    ├── AmbiguousEntityError        a name several entities bear (HTTP 409; lists their ids)
    ├── NotReadyError               derived data is still being built; retry later (exit 6, HTTP 503)
    └── StoreError                  the store cannot be opened, read or written (HTTP 500)
        └── StoreBusyError          another write holds the store; retry later (exit 6, HTTP 503)

The CLI (``api/cli.py``) and the API (``api/errors.py``) each map these in one place.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import ClassVar

__all__ = [
    "AmbiguousEntityError",
    "CoopgraphError",
    "DataError",
    "EntityNotFoundError",
    "FactError",
    "NotReadyError",
    "QueryError",
    "QueryRejectedError",
    "QueryResourceError",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "QuoteNotFoundError",
    "ShapeViolationError",
    "StoreBusyError",
    "StoreError",
    "ViewSpecError",
    "disk_full",
]


class CoopgraphError(Exception):
    """Base of every error coopgraph raises on purpose."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500
    title: ClassVar[str] = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class DataError(CoopgraphError):
    """The curated data (facts, documents) is wrong; raised by validate and build."""

    exit_code = 3
    http_status = 422
    title = "Invalid data"


class FactError(DataError):
    """A fact or document file is malformed: unknown id, bad date, duplicate id, YAML error."""

    def __init__(self, message: str, *, file: Path | str | None = None, line: int | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        where = ""
        if self.file is not None:
            where = f"{self.file}:{line}: " if line is not None else f"{self.file}: "
        super().__init__(where + message)
        self.detail = message


class QuoteNotFoundError(FactError):
    """An evidence quote is not an exact substring of the document it cites."""


class ShapeViolationError(DataError):
    """The built graph does not conform to ontology/shapes.ttl; ``report`` has the details."""

    def __init__(self, message: str, *, report: str = "") -> None:
        super().__init__(message)
        self.report = report


class QueryError(CoopgraphError):
    """A SPARQL request that cannot be run as sent."""

    exit_code = 2
    http_status = 400
    title = "Bad query"


class QuerySyntaxError(QueryError):
    """Malformed SPARQL; the message is the parser's."""


class QueryRejectedError(QueryError):
    """A query refused before it reaches the engine (size, nesting, SERVICE, LOAD, FROM...)."""

    def __init__(self, message: str, *, http_status: int = 400) -> None:
        super().__init__(message)
        self.http_status = http_status  # type: ignore[misc]  # some refusals are 403 or 413


class ViewSpecError(QueryError):
    """A view parameter (focus, depth, types, limit, colour, size...) is out of range or unknown."""

    title = "Bad view parameters"


class QueryTimeoutError(CoopgraphError):
    """The query ran past its time limit; its work was cancelled."""

    exit_code = 4
    http_status = 504
    title = "Query timed out"


class QueryResourceError(CoopgraphError):
    """The query exhausted its memory bound or crashed the worker running it."""

    exit_code = 4
    http_status = 503
    title = "Query exceeded its resources"


class EntityNotFoundError(CoopgraphError):
    """No entity with that id or IRI exists in the graph."""

    exit_code = 2
    http_status = 404
    title = "Not found"


class AmbiguousEntityError(CoopgraphError):
    """A name (label or alias) given for one entity is borne by several; ``candidates`` are their slugs."""

    exit_code = 2
    http_status = 409
    title = "Ambiguous name"

    def __init__(self, message: str, *, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


class NotReadyError(CoopgraphError):
    """Data derived from the store (the projection, the measures, the name index) is still being
    built for this version; an expected, passing state, answered 503 with Retry-After."""

    exit_code = 6
    http_status = 503
    title = "Service unavailable"

    def __init__(self, message: str, *, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StoreError(CoopgraphError):
    """The store cannot be opened, read or written."""

    exit_code = 5
    http_status = 500
    title = "Store error"


class StoreBusyError(StoreError):
    """Another write (a load, a build, an update) holds the store; nothing was changed."""

    exit_code = 6
    http_status = 503
    title = "Store busy"
    retry_after_s: ClassVar[int] = 5


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def disk_full(exc: BaseException, path: Path | str) -> StoreError | None:
    """A StoreError saying the disk is full at ``path``, if ``exc`` (or what it wraps) says so; else None.

    pyoxigraph reports RocksDB's "No space left on device" as a plain OSError with no errno, so
    the message is read too. Writers call this in their ``except OSError`` and raise what it returns.
    """
    texts = []
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _DISK_FULL:
            break
        texts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    else:
        if not any("No space left on device" in t or "Disk quota exceeded" in t for t in texts):
            return None
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = f"{shutil.disk_usage(probe).free:,} bytes free"
    except OSError:
        free = "free space unknown"
    return StoreError(f"the disk is full at {path}: {free}; the store was left as it was")
