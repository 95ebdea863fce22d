"""What every route shares: the database engine, and `as_of` / `known_at` read the way the CLI reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy import Engine

from services.cli.common import parse_moment


def engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def _moment(text: str | None, name: str) -> datetime:
    try:
        return parse_moment(text)
    except typer.BadParameter as exc:
        raise HTTPException(status_code=422, detail=f"{name}: {exc.message}") from None


_MOMENT_HELP = "a date (the end of that day, New York) or an ISO time with offset; default now"


def as_of(as_of: Annotated[str | None, Query(description=f"Business time: {_MOMENT_HELP}")] = None) -> datetime:
    return _moment(as_of, "as_of")


def known_at(
    known_at: Annotated[str | None, Query(description=f"Ledger time: {_MOMENT_HELP}")] = None,
) -> datetime:
    return _moment(known_at, "known_at")


EngineDep = Annotated[Engine, Depends(engine)]
AsOf = Annotated[datetime, Depends(as_of)]
KnownAt = Annotated[datetime, Depends(known_at)]
FarmFilter = Annotated[str | None, Query(description="Only this farm")]
