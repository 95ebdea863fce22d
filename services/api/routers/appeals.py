"""Appeals: what an arbitrator hears (its assigned appeals only), a farm's appeals, and MDSC's assignment
of an appeal to an arbitrator of the panel (App. C V.6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import StreamingResponse

from services.api.params import EngineDep
from services.api.responses import JSONResponse, streamed_array
from services.auth import policy
from services.auth.deps import PrincipalDep, farm_reader, refuse, require
from services.auth.roles import Principal
from services.auth.scope import FarmScope, load_scope
from services.auth.tokens import TokenStore
from services.dashboard.timeline import OTHER_LANES
from services.ledger import queries
from services.store.database import now

router = APIRouter(tags=["appeals"])
Admin = Annotated[Principal, Depends(require(policy.may_administer))]


def appeals_of(engine: Any, who: Principal, scope: FarmScope) -> dict[str, list[dict[str, Any]]]:
    """The farm's appeal events by appeal id, as far as this principal may see them."""
    allowed = policy.visible_appeals(who, scope)
    moment = now()
    out: dict[str, list[dict[str, Any]]] = {}
    # Pay and membership events never name an appeal: left out in SQL, they are most of an old farm's history.
    for body in queries.farm_history(engine, scope.farm_id, moment, moment, exclude=OTHER_LANES):
        appeal = (body.get("data") or {}).get("appeal_id")
        if appeal and body["type"] != "StandingChanged" and (allowed is None or appeal in allowed):
            out.setdefault(appeal, []).append(policy.visible(who, body))
    return out


@router.get("/farms/{farm_id}/appeals", summary="A farm's appeals and their events")
def farm_appeals(engine: EngineDep, who: PrincipalDep,
                 scope: Annotated[FarmScope, Depends(farm_reader("appeals"))]) -> JSONResponse:
    return JSONResponse(appeals_of(engine, who, scope))


@router.get("/appeals", summary="The appeals assigned to the arbitrator (MDSC: every assignment)")
def appeals(engine: EngineDep, who: PrincipalDep) -> StreamingResponse:
    store = TokenStore(engine)
    if who.role not in ("arbitrator", "mdsc"):
        refuse(policy.deny(f"a {who.role} token has no assigned appeals"))
    rows = store.assignments(None if who.role == "mdsc" else who.subject)
    out = []  # made before the first byte: an error here is a clean 500, not a cut answer
    for row in rows:
        events = appeals_of(engine, who, load_scope(engine, row["farm_id"])).get(row["appeal_id"], [])
        out.append({**row, "events": events})
    return streamed_array(out)


@router.post("/appeals/assignments", status_code=201, summary="Assign an appeal to an arbitrator (MDSC)")
def assign(engine: EngineDep, who: Admin,
           arbitrator_id: Annotated[str, Body()], farm_id: Annotated[str, Body()],
           appeal_id: Annotated[str, Body()]) -> JSONResponse:
    new = TokenStore(engine).assign(arbitrator_id, farm_id, appeal_id)
    return JSONResponse({"arbitrator_id": arbitrator_id, "farm_id": farm_id, "appeal_id": appeal_id, "new": new},
                        status_code=201)
