"""What every route shares: the database engine, and `as_of` / `known_at` read the way the CLI reads them.

These dependencies are `async def` because they do no I/O: FastAPI runs a plain `def` dependency in the thread
pool, a hop there and back per dependency per request (GIL hand-offs and thread wake-ups that cost more than
the work, and most under load: docs/decisions.md, "The API's own cost per request")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy import Engine

from services.cli.common import parse_moment


async def engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def _moment(text: str | None, name: str) -> datetime:
    try:
        return parse_moment(text)
    except typer.BadParameter as exc:
        raise HTTPException(status_code=422, detail=f"{name}: {exc.message}") from None


_MOMENT_HELP = "a date (the end of that day, New York) or an ISO time with offset; default now"


async def as_of(as_of: Annotated[str | None, Query(description=f"Business time: {_MOMENT_HELP}")] = None) -> datetime:
    return _moment(as_of, "as_of")


async def known_at(
    known_at: Annotated[str | None, Query(description=f"Ledger time: {_MOMENT_HELP}")] = None,
) -> datetime:
    return _moment(known_at, "known_at")


EngineDep = Annotated[Engine, Depends(engine)]
AsOf = Annotated[datetime, Depends(as_of)]
KnownAt = Annotated[datetime, Depends(known_at)]
FarmFilter = Annotated[str | None, Query(description="Only this farm")]
