"""`dignity serve`: the HTTP API, the buyer stream and the dashboard over the embedded ledger."""

from __future__ import annotations

import gc
import socket
import sys
from typing import Annotated, Any

import typer

from services.cli.common import DbOption, console
from services.cli.main import app
from services.store.database import database_url

HostOption = Annotated[str, typer.Option(help="Address to serve on")]
PortOption = Annotated[int, typer.Option(help="Port to serve on")]
TickOption = Annotated[float | None, typer.Option(
    "--tick-seconds", help="Write time-brought changes every N seconds (default $DIGNITY_TICK_SECONDS or 60; 0: off)")]


def serve_api(url: str, host: str, port: int, tick_seconds: float | None = None) -> None:
    """Serve until Ctrl-C. Every route but /docs needs a token (`dignity token issue`). While serving, the
    embedded ledger ticks on a timer, so time-brought changes reach buyers without `dignity tick`."""

    from services.api.app import create_app
    from services.ledger.ticker import tick_seconds as interval

    every = interval(tick_seconds)
    console.print(f"serving http://{host}:{port}/docs and /dashboard, ticking every {every:g}s — Ctrl-C to stop")
    run(create_app(url, tick_seconds=every), host=host, port=port)


def run(app: Any, sockets: list[socket.socket] | None = None, **where: Any) -> None:
    """Serve `app` with uvicorn until stopped, at `where` (host, port) or on `sockets` already bound; what
    `dignity serve` and `dignity demo` run, and bench/served.py measures.

    Before serving, what the process made to start (modules, the app, ~140,000 objects) is frozen out of the
    garbage collector (`gc.freeze`): a full collection otherwise walks all of it, 60–150 ms here, on whichever
    request triggers it; frozen, the collector walks only what requests leave behind."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, **where, **uvicorn_options()))
    gc.collect()
    gc.freeze()
    server.run(sockets=sockets)
    if not server.started:  # as `uvicorn.run` ends when the app did not start (e.g. the port is taken)
        sys.exit(3)


def uvicorn_options() -> dict[str, Any]:
    """What `dignity serve` tells uvicorn beside the app and the address."""
    import uvicorn

    from services.settings import settings

    # With DIGNITY_LOG_JSON uvicorn keeps its hands off logging: its lines go through the JSON root handler,
    # and its access line is left out: the app's request log (services/api/app.py) is the one line a request,
    # naming the route template, where uvicorn's would name the path with its ids and query.
    json = settings().log_json
    return {"log_level": "info", "log_config": None if json else uvicorn.config.LOGGING_CONFIG, "access_log": not json}


@app.command()
def serve(db: DbOption = None, host: HostOption = "127.0.0.1", port: PortOption = 8000,
          tick_seconds: TickOption = None) -> None:
    """Serve the JSON API (OpenAPI at /docs), the buyers' event stream and the auditors' dashboard."""
    serve_api(database_url(db), host, port, tick_seconds)
