"""GET /health: the process is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from services.api.params import EngineDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(engine: EngineDep) -> dict[str, str]:
    """`async`, with the database's answer the one hop to the thread pool: a plain `def` would take a second
    hop to check the returned dict against the annotation."""
    await run_in_threadpool(_ping, engine)
    return {"status": "ok"}


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
