"""coopgraph's HTTP API and command line; imports ``graph``, never the reverse.

    cli           the ``coopgraph`` command (typer): build, validate, query, serve, ...
    settings      Settings (pydantic-settings, COOPGRAPH_* env vars)
    query_output  terminal rendering of query results for ``coopgraph query``
"""
