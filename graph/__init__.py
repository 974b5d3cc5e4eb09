"""coopgraph's library: curated facts -> RDF -> store -> networkx -> views.

Map of the package (one job per module):

    errors       the exception tree (CLI exit codes and HTTP statuses live on the classes)
    resources    where packaged files (ontology, shapes, templates) are found
    namespaces   the COOP vocabulary and the fixed prefix set
    ids          entity slugs <-> IRIs under the configured base
    sources      source documents and their metadata
    facts        curated fact files -> Entity / Statement records carrying file and line
    evidence     exact-substring quote lookup -> character offsets
    build        facts + documents -> rdflib Graph with reified evidence (pure)
    validate     SHACL validation against the packaged shapes
    export       Turtle / sorted N-Triples / JSON-LD files
    store/       the Store interface: embedded Oxigraph on disk, or a remote SPARQL endpoint

Nothing here reads the environment or imports ``api``: callers pass paths and settings.
"""

__version__ = "0.1.0"
