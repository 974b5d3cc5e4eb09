"""coopgraph's library: curated facts -> RDF -> store -> networkx -> views.

Map of the package (one job per module):

    errors          the exception tree (CLI exit codes and HTTP statuses live on the classes)
    resources       where packaged files (ontology, shapes, templates, vis-network) are found
    namespaces      the COOP namespace and the fixed prefix set
    ontology        what the build needs of coop.ttl: classes, properties, ranges, superclasses
    ids             entity slugs <-> IRIs under the configured base
    yamlfile        YAML with the line of every mapping (for file:line errors)
    sources         source documents and their metadata
    facts           curated fact files -> Entity / Statement records carrying file and line
    evidence        exact-substring quote lookup -> character offsets
    build           facts + documents -> rdflib Graph with reified evidence (pure)
    validate        SHACL validation against the packaged shapes
    export          Turtle / sorted N-Triples / JSON-LD files
    pipeline        the build job: check, convert, validate, write a store generation, export
    load            users' RDF files into the store, all or nothing
    query_guard     static checks on SPARQL text before any engine sees it
    store/          the Store interface: embedded Oxigraph on disk, or a remote SPARQL endpoint
    entities        entity detail, listings, label index and search, documents, statistics
    network         the store -> networkx MultiDiGraph projection (entities, evidence on edges)
    analysis        centrality, communities, bridges, k-core, paths with evidence, neighbourhoods
    analysis_store  the measures written back as triples in their own named graph
    layout          a pure-Python force layout for views (positions computed server-side)
    views           ViewSpec -> bounded view data and standalone offline HTML

Nothing here reads the environment or imports ``coopgraph.api``: callers pass paths and settings.
"""

if __name__ != "coopgraph.graph":  # see coopgraph/__init__.py: one module, one name
    raise ImportError(f"import coopgraph.graph, not {__name__}")
