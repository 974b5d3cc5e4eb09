"""coopgraph's HTTP API and command line; imports ``coopgraph.graph``, never the reverse.

    app           create_app(): the FastAPI factory (lifespan, routers, static files, middleware)
    settings      Settings (pydantic-settings, COOPGRAPH_* env vars)
    state         AppState: store, executor, read/write gate, the registry of derived data
    derived       data derived from the store, per version, and how each is built (inline, child, background)
    data_changes  ASGI middleware: each request first lets the app notice a new store version
    deps          typed dependencies (StateDep, StoreDep, ProjectionDep, ...), per-version values
    errors        any exception -> HTTP status + one canonical JSON body / HTML page (one mapping)
    update_token  the one check of the update token (SPARQL Update, review): 401 / 403
    negotiation   every media type; Accept header -> media type or page format (pure, table-tested)
    linked_data   format from suffix / ?format= / Accept, RDF responses, Link alternates
    convert       library records -> JSON API models
    executor      user SPARQL in worker processes with time and memory limits (composes the four below)
    worker_pool   the disk lane: worker processes on the store's files, slots, deadlines, heavy share
    replica       the memory lane: one in-memory copy of the store, loaded, lost and reloaded
    suspects      query shapes kept off the replica or in the heavy share
    ipc           the parent's end of a worker process: start, handle, message framing, error replies
    sparql_worker what runs inside a worker process
    result_cache  optional LRU of SPARQL answers keyed by store version
    schemas       pydantic response models; schemas_analysis for the analysis API
    urls          the one place that builds route paths
    vendor        where the npm-installed YASGUI files are served from
    routers/      one router per resource (see routers/__init__.py); a router never imports another
    cli           the ``coopgraph`` command (typer): build, validate, query, serve, analyse, load, view
    server        run_serve(): build if needed, then uvicorn on the factory
    query_output  terminal rendering of query results for ``coopgraph query``
"""

if __name__ != "coopgraph.api":  # see coopgraph/__init__.py: one module, one name
    raise ImportError(f"import coopgraph.api, not {__name__}")
