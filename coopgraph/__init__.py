"""coopgraph: a knowledge graph of regional cooperation.

One import package with three parts, each a top-level folder of the repository:

    coopgraph.graph     the library: facts -> RDF -> store -> networkx -> views (no HTTP, no env)
    coopgraph.ontology  the OWL vocabulary and the SHACL shapes, as package resources
    coopgraph.api       the HTTP API (FastAPI) and the ``coopgraph`` command, built on the library

In the repository ``coopgraph/graph``, ``coopgraph/api`` and ``coopgraph/ontology`` are symbolic links
to the top-level folders, so that every tool (the wheel build, editable installs, mypy, pytest) sees
one package under one name. Import ``coopgraph.graph``, never ``graph``: each part refuses to be
imported under its bare name, because two copies of a module would mean two ``CoopgraphError``
classes, and an ``except`` clause would silently miss the other copy's errors.
"""

__version__ = "0.1.0"
