"""``coopgraph serve``: build the store if there is none, then run uvicorn on the server's app factory."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import SecretStr

from coopgraph.api.settings import Settings

__all__ = ["run_serve", "stop_signals_unwind"]

log = logging.getLogger(__name__)


def run_serve(settings: Settings, *, reload: bool = False) -> None:
    """Serve ``settings.store``; start-up on an existing store reads nothing but the store."""
    import uvicorn

    from coopgraph.api.engine import start_early
    from coopgraph.api.http_server import UVICORN_HTTP

    with settings.open_store() as store:
        if not store.in_process:
            log.info("serving the remote SPARQL endpoint %s", store.location)  # never the credentials
        elif not store.exists():
            # Imported here: the build pulls in networkx, YAML and SHACL, which serving an existing
            # store does not need before its first query (half a second of start-up).
            from coopgraph.graph.pipeline import DataPaths, run_build

            log.warning("no store at %s: building it from %s", settings.store, settings.data)
            run_build(DataPaths(settings.data), store_root=settings.store_path, export_dir=settings.export_dir,
                      base=settings.base)
        start_early(store)  # query workers come from it; it boots while uvicorn imports the app
    # The factory reads its Settings from the environment in the server process.
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr):  # tokens and passwords travel by environment, never argv
            value = value.get_secret_value()
        os.environ[f"COOPGRAPH_{name.upper()}"] = value if isinstance(value, str) else _env_value(value)
    # api/boot.py: /sparql answers while the rest of the app is built (FastAPI is ~0.4 s of the start)
    uvicorn.run("coopgraph.api.boot:create_server_app", factory=True, host=settings.host, port=settings.port,
                reload=reload, log_level="info", proxy_headers=False, access_log=settings.access_log,
                server_header=False,  # names the software to every client, and costs each one a header
                http=UVICORN_HTTP)  # a response in one write (api/http_server.py)


def _env_value(value: object) -> str:
    import json

    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


@contextmanager
def stop_signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP stop ``serve`` the way Ctrl-C does: gracefully, then by unwinding, so
    whatever the caller cleans up on the way out (with ``--data FILE``, the temporary store) goes.

    uvicorn catches SIGINT and SIGTERM, shuts down, then raises the signal again under the handler
    that was there before it: SIGINT then unwinds as KeyboardInterrupt, but SIGTERM's default
    action ends the process on the spot. So SIGTERM gets a handler that raises SystemExit (exit
    code 0: the stop was asked for and completed); SIGHUP, which uvicorn does not catch, is turned
    into a SIGTERM so that the server shuts down gracefully first.
    """

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    def hang_up(_signum: int, _frame: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    before = {sig: signal.signal(sig, handler) for sig, handler in ((signal.SIGTERM, stop), (signal.SIGHUP, hang_up))}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
