"""GET /deadlines and /findings: every rule's answers as of a date (what the CLI's `--json` prints).

A rule that cannot be evaluated (a rate the program never set for that day) does not hide the others: the
answer keeps its shape, and the header `X-Not-Evaluated` lists what was left out (JSON), as the CLI names it
on stderr and exits 1.

MDSC reads every farm's, or one farm's with `?farm=`; a farm token its own farm's only (the default for
it); the other roles neither.
"""

from __future__ import annotations

from datetime import datetime

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from services.api.params import AsOf, EngineDep, FarmFilter
from services.api.responses import json_arrays, streamed_then
from services.auth import policy
from services.auth.deps import PrincipalDep, refuse
from services.auth.roles import Principal
from services.auth.scope import load_scope
from services.ledger import queries

router = APIRouter(tags=["compliance"])
NOT_EVALUATED = "X-Not-Evaluated"


def _farm(request: Request, who: Principal, what: str, farm: str | None) -> str | None:
    """The farm filter this principal may use: None (every farm) for MDSC only."""
    if farm is None and policy.may_read_all(who):
        return None
    farm = farm or (who.subject if who.role == "farm" else None)
    if farm is None:
        refuse(policy.deny(f"a {who.role} token may not read {what}"))
        return None
    scope = load_scope(request.app.state.engine, farm)
    refuse(policy.may_read(who, what, scope))
    if not scope.enrolled:
        raise HTTPException(status_code=404, detail=f"unknown farm {farm!r}")
    return farm


@router.get("/deadlines")
def deadlines(request: Request, engine: EngineDep, who: PrincipalDep, as_of: AsOf,
              farm: FarmFilter = None) -> StreamingResponse:
    """Every obligation with a due date: `{rule, farm_id, subject_id, due, status, met_on}`."""
    return _answer("deadlines", engine, _farm(request, who, "deadlines", farm), as_of)


@router.get("/findings")
def findings(request: Request, engine: EngineDep, who: PrincipalDep, as_of: AsOf,
             farm: FarmFilter = None) -> StreamingResponse:
    """Every compliance finding that is not a deadline: `{rule, farm_id, subject_id, on, detail}`."""
    return _answer("findings", engine, _farm(request, who, "findings", farm), as_of)


def _answer(kind: str, engine: Engine, farm: str | None, as_of: datetime) -> StreamingResponse:
    """Each farm's rows as the ledger keeps them (`queries.answer_bodies`: JSON arrays), joined without
    decoding them; spooled first, so what could not be evaluated is known for the header
    (services/api/responses.py), then streamed."""
    errors: list[str] = []
    bodies = queries.answer_bodies(engine, kind, farm, as_of, errors)
    return streamed_then(json_arrays(bodies), lambda: not_evaluated(errors))


def not_evaluated(errors: list[str]) -> dict[str, str] | None:
    return {NOT_EVALUATED: orjson.dumps(errors).decode()} if errors else None
