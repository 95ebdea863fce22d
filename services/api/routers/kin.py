"""The kin programs over HTTP (SPEC §4, §5): a buyer's premium owed vs remitted (BP-1) and portfolio risk
(RK-2), a farm's risk (RK-1), the labour-contractor registry (RR-1..RR-4). The same shapes as `--json`.

A buyer reads its own premium and portfolio, MDSC any; a farm's risk is read like its standing by the
farm, its buyers and MDSC. Contractors: MDSC sees everything and may read the reviews one by one (comments
unsealed); a farm sees its own hires and findings; other roles the registry, flags and review aggregates.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from services.api.params import AsOf, EngineDep
from services.api.responses import JSONResponse, streamed_array, streamed_array_then
from services.api.routers.buyers import Buyer
from services.api.routers.compliance import not_evaluated
from services.auth import policy
from services.auth.deps import PrincipalDep, farm_reader, refuse
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.ledger import kin_queries

router = APIRouter(tags=["kin programs"])
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(period: str | None, required: bool = False) -> str | None:
    if period is None and required:
        raise HTTPException(status_code=422, detail="period: required (YYYY-MM)")
    if period is not None and not _PERIOD.match(period):
        raise HTTPException(status_code=422, detail=f"period: {period!r} is not a month written YYYY-MM")
    return period


@router.get("/buyers/{buyer_id}/premium", summary="BP-1: premium owed vs remitted per farm and month")
def premium(buyer_id: Buyer, engine: EngineDep, as_of: AsOf,
            period: Annotated[str | None, Query(description="Sales month, YYYY-MM")] = None) -> StreamingResponse:
    errors: list[str] = []
    rows = kin_queries.premium(engine, buyer_id, _period(period), as_of, errors)
    return streamed_array_then(rows, lambda: not_evaluated(errors))


@router.get("/buyers/{buyer_id}/risk", summary="RK-2: a buyer's portfolio risk hours and hotspots")
def buyer_risk(buyer_id: Buyer, engine: EngineDep, as_of: AsOf,
               period: Annotated[str | None, Query(description="Month, YYYY-MM")] = None) -> JSONResponse:
    month = _period(period, required=True)
    assert month is not None
    return JSONResponse(kin_queries.buyer_portfolio(engine, buyer_id, month, as_of))


@router.get("/farms/{farm_id}/risk", summary="RK-1/RK-2: a farm's risk scores, answers with sources, risk hours")
def farm_risk(engine: EngineDep, as_of: AsOf, scope: Annotated[FarmScope, Depends(farm_reader("risk"))],
              period: Annotated[str | None, Query(description="Month of the risk hours, YYYY-MM")] = None
              ) -> JSONResponse:
    return JSONResponse(kin_queries.risk(engine, scope.farm_id, as_of, _period(period)))


def _for(who: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """A contractor row as this principal may see it."""
    if who.role == "mdsc":
        return row
    if who.role == "farm":
        return {**row, "farms": [f for f in row["farms"] if f["farm_id"] == who.subject],
                "findings": [f for f in row["findings"] if f["farm_id"] == who.subject]}
    return {**row, "farms": [], "findings": []}


@router.get("/contractors", summary="RR-1..RR-4: labour contractors, licence, certification, hires, flags")
def contractors(engine: EngineDep, who: PrincipalDep, as_of: AsOf,
                contractor: Annotated[str | None, Query(description="One contractor id")] = None
                ) -> StreamingResponse:
    try:
        rows = kin_queries.contractors(engine, contractor, as_of)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc.args[0])) from None
    return streamed_array(_for(who, r) for r in rows)


@router.get("/contractors/{contractor_id}/reviews", summary="Workers' reviews of a recruiter, comments unsealed")
def reviews(contractor_id: str, engine: EngineDep, who: PrincipalDep) -> StreamingResponse:
    refuse(policy.may_unseal(who))
    return streamed_array(kin_queries.reviews(engine, contractor_id))
