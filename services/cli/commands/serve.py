"""`dignity serve`: the HTTP API, the buyer stream and the dashboard over the embedded ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import DbOption, console
from services.cli.main import app
from services.store.database import database_url

HostOption = Annotated[str, typer.Option(help="Address to serve on")]
PortOption = Annotated[int, typer.Option(help="Port to serve on")]


def serve_api(url: str, host: str, port: int) -> None:
    """Serve until Ctrl-C. Every route but /docs needs a token (`dignity token issue`)."""
    import uvicorn

    from services.api.app import create_app

    console.print(f"serving http://{host}:{port}/docs and /dashboard — Ctrl-C to stop")
    from services.settings import settings

    # With DIGNITY_LOG_JSON uvicorn keeps its hands off logging: its lines go through the JSON root handler.
    config = None if settings().log_json else uvicorn.config.LOGGING_CONFIG
    uvicorn.run(create_app(url), host=host, port=port, log_level="info", log_config=config)


@app.command()
def serve(db: DbOption = None, host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve the JSON API (OpenAPI at /docs), the buyers' event stream and the auditors' dashboard."""
    serve_api(database_url(db), host, port)
