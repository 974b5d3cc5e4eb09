"""One router module per resource, each with a ``router``; ``api.app._routers`` includes them.

    health      /healthz
    sparql      /sparql: SPARQL 1.1 Protocol (query, update with a token, service description)
    query_page  /query and /api/examples: the query page and the example queries
    entities    /id/{slug} (Linked Data, content negotiation), /entities, /api/entities
    search      /api/search, /search
    documents   /documents, /api/documents: source texts with quotes highlighted
    ontology    /ontology, /ontology.ttl, /ontology/shapes.ttl
    dataset     /api/stats, /void, /.well-known/void, /api/exports/*: statistics and dumps
    analytics   /api/neighbourhood, /api/paths, /api/centrality, /api/communities, ...
    views       /, /embed, /embed/sparql, /api/view, /api/export/view.*: the explorer and embeds
    docs        /docs: OpenAPI documentation (Swagger UI served from our own files)
    review      /review, /api/review: decide what `coopgraph ingest` found (token; only with updates on)
"""
