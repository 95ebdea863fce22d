"""`create_app(db_url)`: the FastAPI application. OpenAPI at /docs.

Each module in `services/api/routers/` exposes a `router` for one concept and is included here, the way
each module in `services/cli/commands/` adds its commands: a new concept plugs in without touching this file.
Every router is included behind the token check (services/auth/deps.py): no route answers without a
token. A module may also expose `public_router` (the dashboard's sign-in form, where the token arrives in
the form itself). /docs and /openapi.json describe the API and hold no data.

With `deliver` (the default), the app runs the delivery loop (services/delivery/pump.py) in a thread while
it serves: webhooks, the Kafka topic in the distributed mode, and the feed the SSE stream reads.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import services.api.routers as routers
from services import structured_logs
from services.api.limits import BodyLimit
from services.api.metrics import Metrics
from services.api.responses import JSONResponse
from services.auth.deps import principal
from services.dashboard.routes import html_errors
from services.settings import settings
from services.store.database import connect, database_url

log = logging.getLogger("dignity.http")


def create_app(db_url: str | None = None, deliver: bool = True, tick_seconds: float | None = None) -> FastAPI:
    """`tick_seconds`: run the embedded ledger's tick on that timer while serving (None: only when
    DIGNITY_TICK_SECONDS is set; `dignity serve` sets it, a minute by default). Never in the distributed
    mode, whose workers tick."""
    app = FastAPI(
        title="Dignity Ledger",
        summary="The system of record for the Milk with Dignity program: histories, deadlines, findings.",
        version="0.1.0",
        default_response_class=JSONResponse,
        lifespan=_delivering if deliver else None,
    )
    app.state.engine = connect(database_url(db_url))
    app.state.metrics = Metrics(app.state.engine, _kafka(app.state.engine))
    structured_logs.configure()
    from services.ledger import ticker

    app.state.tick_seconds = ticker.tick_seconds(tick_seconds) if tick_seconds is not None or \
        settings().tick_seconds is not None else 0.0
    guarded = [Depends(principal)]
    for module in pkgutil.iter_modules(routers.__path__):
        loaded = importlib.import_module(f"{routers.__name__}.{module.name}")
        app.include_router(loaded.router, dependencies=guarded)
        if hasattr(loaded, "public_router"):
            app.include_router(loaded.public_router)
    app.add_exception_handler(StarletteHTTPException, html_errors)
    app.add_middleware(BodyLimit)  # 413 over DIGNITY_MAX_BODY, before a body is read whole
    app.add_middleware(RequestLog)
    return app


def _kafka(engine: Engine) -> str | None:
    """The broker when the app is distributed (a PostgreSQL database and DIGNITY_KAFKA set)."""
    return settings().kafka if engine.dialect.name == "postgresql" else None


class RequestLog:
    """ASGI middleware, one line per request: method, route template (ids stay out of the log), status,
    milliseconds, role. Plain ASGI, so a streamed answer and an error raised while the body is read (413)
    pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            who = (scope.get("state") or {}).get("principal")
            log.info("request", extra={"method": scope["method"], "route": getattr(scope.get("route"), "path", "?"),
                                       "status": status[0], "ms": round((time.perf_counter() - started) * 1e3, 1),
                                       "role": getattr(who, "role", None)})


@asynccontextmanager
async def _delivering(app: FastAPI) -> AsyncIterator[None]:
    """The delivery loop beside the server; the Kafka topic too when the app is distributed."""
    from services.delivery.pump import Pump
    from services.delivery.topic import StandingChangesTopic

    engine = app.state.engine
    kafka = _kafka(engine)
    topic = StandingChangesTopic(engine, kafka) if kafka else None
    thread, stop = Pump(engine, topic=topic).start(interval=1.0)
    ticking = None
    if kafka is None and app.state.tick_seconds > 0:
        from services.api.routers.ingest import write_lock
        from services.ledger import ticker

        ticking = ticker.start(engine, app.state.tick_seconds, write_lock())
    try:
        yield
    finally:
        stop.set()
        if ticking is not None:
            ticking[1].set()
            ticking[0].join(timeout=15)
        thread.join(timeout=15)
