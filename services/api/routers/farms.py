"""GET /farms and a farm's answers: history, standing and pass-through, as of / as known at.

Each answer is the CLI's `--json` for the same query, for the farms the token may read: a farm token its
own, a cooperative or buyer the farms linked to it, MDSC every farm (services/auth/policy.py).
"""

from __future__ import annotations

import re
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from services.api.params import AsOf, EngineDep, KnownAt
from services.api.responses import JSONResponse, streamed_array
from services.auth import policy
from services.auth.deps import PrincipalDep, farm_reader
from services.auth.scope import FarmScope, load_scopes
from services.ledger import queries

router = APIRouter(prefix="/farms", tags=["farms"])
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@router.get("")
def farms(engine: EngineDep, who: PrincipalDep) -> StreamingResponse:
    """The ids of the enrolled farms this token may read the standing of (MDSC: every farm)."""
    ids = queries.farm_ids(engine)
    if policy.may_read_all(who):
        return streamed_array(ids)
    scopes = load_scopes(engine, ids)
    return streamed_array(f for f in ids if policy.may_read(who, "standing", scopes[f]))


@router.get("/{farm_id}/history")
def history(engine: EngineDep, who: PrincipalDep, as_of: AsOf, known_at: KnownAt,
            scope: Annotated[FarmScope, Depends(farm_reader("history"))]) -> StreamingResponse:
    """The farm's events and derived events in order (what `dignity history --json` prints); a confidential
    complainant is withheld from a farm token (CO-4)."""
    rows = queries.farm_history_encoded(engine, scope.farm_id, as_of, known_at)
    return streamed_array(policy.visible(who, orjson.loads(body)) if policy.rewrites(who, event_type)
                          else orjson.Fragment(body) for event_type, body in rows)


@router.get("/{farm_id}/standing")
def standing(engine: EngineDep, as_of: AsOf,
             scope: Annotated[FarmScope, Depends(farm_reader("standing"))]) -> JSONResponse:
    """`{farm_id, standing, since, stayed, suspension_count, suspended_until}` (`dignity standing --json`)."""
    return JSONResponse(queries.standing(engine, scope.farm_id, as_of))


@router.get("/{farm_id}/passthrough")
def passthrough(engine: EngineDep, as_of: AsOf,
                scope: Annotated[FarmScope, Depends(farm_reader("passthrough"))],
                period: Annotated[str, Query(description="Premium month, YYYY-MM")]) -> JSONResponse:
    """`{farm_id, period, premium_received, bonus_pool, workers: [...]}` (`dignity passthrough --json`)."""
    if not _PERIOD.match(period):
        raise HTTPException(status_code=422, detail=f"period: {period!r} is not a month written YYYY-MM")
    try:
        return JSONResponse(queries.passthrough(engine, scope.farm_id, period, as_of))
    except LookupError as exc:  # a rate the month needs is not set
        raise HTTPException(status_code=409, detail=str(exc.args[0] if exc.args else exc)) from None
