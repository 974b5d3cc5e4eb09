"""The only module that knows where packaged files live (read through importlib.resources)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["ontology_file", "shapes_file", "template_file", "vis_network_asset", "read_text", "VIS_NETWORK_DIR"]

# pyvis 0.3.2 ships this vis-network build; we serve and inline it from there (never a CDN).
VIS_NETWORK_DIR = "vis-9.1.2"


def ontology_file() -> Traversable:
    """The OWL ontology, ``ontology/coop.ttl``."""
    return files("coopgraph.ontology") / "coop.ttl"


def shapes_file() -> Traversable:
    """The SHACL shapes, ``ontology/shapes.ttl``."""
    return files("coopgraph.ontology") / "shapes.ttl"


def template_file(name: str) -> Traversable:
    """A template shipped in ``graph/templates/``."""
    return files("coopgraph.graph") / "templates" / name


def vis_network_asset(name: str) -> Traversable:
    """``vis-network.min.js`` or ``vis-network.css`` from pyvis's package."""
    return files("pyvis") / "templates" / "lib" / VIS_NETWORK_DIR / name


def read_text(resource: Traversable) -> str:
    return resource.read_text(encoding="utf-8")
