"""GET /farms and a farm's answers: history, standing and pass-through, as of / as known at.

Each answer is the CLI's `--json` for the same query, for the farms the token may read: a farm token its
own, a cooperative or buyer the farms linked to it, MDSC every farm (services/auth/policy.py).
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from services.api.params import AsOf, EngineDep, KnownAt
from services.api.responses import JSONResponse, streamed_array
from services.auth import policy
from services.auth.deps import PrincipalDep, farm_reader
from services.auth.scope import FarmScope, load_scopes
from services.ledger import queries
from services.ledger.pages import HISTORY_PAGE, HISTORY_PAGE_MAX

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
def history(request: Request, engine: EngineDep, who: PrincipalDep, as_of: AsOf, known_at: KnownAt,
            scope: Annotated[FarmScope, Depends(farm_reader("history"))],
            after: Annotated[int | None, Query(ge=0, description="Start after this `seq` (from the `next` link)")]
            = None,
            limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE_MAX, description="Events in the page")]
            = HISTORY_PAGE) -> StreamingResponse:
    """The farm's events and derived events in order (what `dignity history --json` prints), a page at a
    time: a `Link: <…>; rel="next"` header names the next page while there is one. The link pins `as_of` and
    `known_at` to this page's, so the pages put together are one answer, not one moving under the reader. A
    confidential complainant is withheld from a farm token (CO-4)."""
    page = queries.farm_history_page(engine, scope.farm_id, as_of, known_at, after, limit)
    headers = {}
    if page.next_after is not None:
        query = urlencode({"as_of": as_of.isoformat(), "known_at": known_at.isoformat(),
                           "after": page.next_after, "limit": limit})
        headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    return streamed_array((policy.visible(who, orjson.loads(body)) if policy.rewrites(who, event_type)
                           else orjson.Fragment(body) for event_type, body in page.rows), headers)


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
