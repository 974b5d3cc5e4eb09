"""Stores: ``open_store(location)`` picks the implementation from a path or an http(s) URL."""

from __future__ import annotations

import re
from pathlib import Path

from coopgraph.graph.store.base import ONTOLOGY_GRAPH, Row, Store, StoreStats
from coopgraph.graph.store.oxigraph import OxigraphStore

__all__ = ["ONTOLOGY_GRAPH", "OxigraphStore", "Row", "Store", "StoreStats", "open_store"]

# pathlib collapses "http://host" to "http:/host"; a location that went through Path is repaired.
_URL = re.compile(r"^(https?):/+(?=[^/])")


def open_store(location: Path | str, *, writable: bool = False, update_url: str | None = None,
               auth: tuple[str, str] | str | None = None, timeout: float = 30.0) -> Store:
    """A path opens the embedded store; an http(s) URL a remote SPARQL endpoint (``RemoteStore``).

    ``update_url``, ``auth`` and ``timeout`` only apply to remote stores; ``writable`` only to embedded
    ones (a remote store is writable when it has an update URL).
    """
    text = str(location)
    match = _URL.match(text)
    if match:
        from coopgraph.graph.store.remote import RemoteStore

        url = f"{match.group(1)}://{text[match.end():]}"
        return RemoteStore(url, update_url=update_url, auth=auth, timeout=timeout)
    return OxigraphStore(Path(location), writable=writable)
