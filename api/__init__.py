"""coopgraph's HTTP API and command line; imports ``graph``, never the reverse.

    app           create_app(): the FastAPI factory (lifespan, routers, static files, middleware)
    settings      Settings (pydantic-settings, COOPGRAPH_* env vars)
    state         AppState: store, executor, per-version caches, read/write gate
    deps          typed dependencies (StateDep, StoreDep, ProjectionDep, ...)
    errors        graph.errors -> HTTP status + one canonical JSON body / HTML page
    negotiation   Accept header -> media type (pure, table-tested)
    executor      user SPARQL in worker processes with time and memory limits
    sparql_worker what runs inside a worker process
    result_cache  optional LRU of SPARQL answers keyed by store version
    schemas       pydantic response models; schemas_analysis for the analysis API
    urls          the one place that builds route paths
    vendor        where the npm-installed YASGUI files are served from
    routers/      one router per resource (see routers/__init__.py)
    cli           the ``coopgraph`` command (typer): build, validate, query, serve, analyse, load, view
    server        run_serve(): build if needed, then uvicorn on the factory
    query_output  terminal rendering of query results for ``coopgraph query``
"""
