"""Linked Data answers shared by the routers that serve them (entities, documents, VoID).

A page's format comes from a path suffix (``/id/x.ttl``), ``?format=`` or the Accept header
(:func:`negotiated`, scoring by :func:`api.negotiation.pick_format`); RDF is written from the
library's N-Triples by :func:`rdf_response`; :func:`alternates` lists the other serialisations.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from fastapi import HTTPException, Request
from fastapi.responses import Response

from coopgraph.api.negotiation import LINKED_DATA_FORMATS, RDF_FORMATS, RDF_XML, pick_format, utf8, accept_header
from coopgraph.graph.export import serialise
from coopgraph.graph.namespaces import PREFIXES, new_graph

__all__ = ["alternates", "negotiated", "rdf_response"]

_SERIALISERS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}


def rdf_response(ntriples: bytes, fmt: str, *, headers: dict[str, str] | None = None, base: str | None = None,
                 extra_prefixes: dict[str, str] | None = None) -> Response:
    """N-Triples re-serialised as ``fmt`` (JSON-LD compacted with our prefixes by rdflib)."""
    prefixes = {**PREFIXES, **(extra_prefixes or {})}
    if base:
        prefixes["id"] = base + "id/"
    if fmt == "jsonld":
        graph = new_graph(base=base)
        for prefix, namespace in (extra_prefixes or {}).items():
            graph.bind(prefix, namespace)
        graph.parse(data=ntriples, format="nt")
        body = serialise(graph, "jsonld")
    else:
        triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
        body = ox.serialize(triples, format=_SERIALISERS[fmt], prefixes=prefixes) or b""
    media = RDF_FORMATS[fmt]
    return Response(body, media_type=media if media == RDF_XML else utf8(media), headers=headers)


def negotiated(request: Request, name: str, format: str | None, *, default: str = "ttl",
               offered: tuple[str, ...] = tuple(LINKED_DATA_FORMATS)) -> tuple[str, str]:
    """``(slug, format)`` from a path segment (``x.ttl``), ``?format=`` or the Accept header."""
    slug, dot, suffix = name.partition(".")
    chosen = format.lower() if format else None
    if dot:
        if suffix not in offered or suffix == "html":
            raise HTTPException(404, f"unknown format suffix .{suffix}; use one of "
                                     + ", ".join(f".{f}" for f in offered if f != "html"))
        chosen = suffix
    if chosen is not None and chosen not in offered:
        raise HTTPException(400, f"unknown format {chosen!r}; use one of {', '.join(offered)}")
    if chosen is None:
        chosen = pick_format(accept_header(request.headers), offered, default)
        if chosen is None:
            raise HTTPException(406, "none of the media types in Accept is available; offered: "
                                     + ", ".join(LINKED_DATA_FORMATS[f] for f in offered))
    return slug, chosen


def alternates(path_of: Callable[..., str], slug: str,
               offered: tuple[str, ...] = tuple(LINKED_DATA_FORMATS)) -> str:
    """An RFC 8288 ``Link`` header value listing each serialisation."""
    return ", ".join(f'<{path_of(slug, format=None if f == "html" else f)}>; rel="alternate"; '
                     f'type="{LINKED_DATA_FORMATS[f]}"' for f in offered)
