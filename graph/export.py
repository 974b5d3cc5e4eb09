"""Serialise a graph to files: Turtle, sorted N-Triples (byte-identical for the same input), JSON-LD."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rdflib import Graph

from coopgraph.graph.namespaces import PREFIXES

__all__ = ["EXPORT_FORMATS", "serialise", "sorted_ntriples", "write_exports"]

# name -> (file suffix, media type)
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": (".ttl", "text/turtle"),
    "nt": (".nt", "application/n-triples"),
    "jsonld": (".jsonld", "application/ld+json"),
}


def sorted_ntriples(graph: Graph) -> bytes:
    """N-Triples with lines sorted: the same graph always gives the same bytes (diff-able)."""
    text = graph.serialize(format="nt", encoding="utf-8")
    lines = sorted(set(line for line in text.decode("utf-8").splitlines() if line.strip()))
    return ("\n".join(lines) + "\n").encode("utf-8")


def serialise(graph: Graph, fmt: str) -> bytes:
    if fmt == "nt":
        return sorted_ntriples(graph)
    if fmt == "ttl":
        return graph.serialize(format="turtle", encoding="utf-8")
    if fmt == "jsonld":
        context = {prefix: iri for prefix, iri in PREFIXES.items()}
        data = graph.serialize(format="json-ld", context=context, auto_compact=True, sort_keys=True)
        return json.dumps(json.loads(data), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")


def write_exports(graph: Graph, directory: Path, *, stem: str = "coopgraph",
                  formats: tuple[str, ...] = tuple(EXPORT_FORMATS)) -> dict[str, Path]:
    """Write one file per format (each written aside and renamed into place)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for fmt in formats:
        path = directory / f"{stem}{EXPORT_FORMATS[fmt][0]}"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(serialise(graph, fmt))
        os.replace(tmp, path)
        written[fmt] = path
    return written
