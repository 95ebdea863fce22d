"""The kin pages of the dashboard: a farm's risk panel (RK-1/RK-2), a buyer's page (hotspots as a Pareto
chart, premium owed against remitted), the labour contractors (RR-1..RR-4).

Who sees what follows the API (services/api/routers/kin.py): a farm's risk is read by the farm, its buyers
and MDSC; a buyer's page by that buyer and MDSC; the contractor pages by MDSC (and a farm: its own hires).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse

from services.api.params import AsOf, EngineDep
from services.api.routers.buyers import Buyer
from services.api.routers.kin import _for
from services.auth.deps import PrincipalDep, farm_reader
from services.auth.scope import FarmScope
from services.dashboard.kin_pages import buyer_page, contractor_rows, risk_page
from services.dashboard.routes import render

router = APIRouter(prefix="/dashboard", tags=["dashboard"])
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
Period = Annotated[str | None, Query(description="Month, YYYY-MM")]


def _period(period: str | None) -> str | None:
    if period is not None and not _PERIOD.match(period):
        raise HTTPException(status_code=422, detail=f"period: {period!r} is not a month written YYYY-MM")
    return period


@router.get("/farms/{farm_id}/risk", response_class=HTMLResponse, summary="A farm's risk panel")
def farm_risk(engine: EngineDep, who: PrincipalDep, as_of: AsOf,
              scope: Annotated[FarmScope, Depends(farm_reader("risk"))], period: Period = None) -> HTMLResponse:
    return render("kin_risk.html", who=who, page=risk_page(engine, scope.farm_id, as_of, _period(period)))


@router.get("/buyers/{buyer_id}", response_class=HTMLResponse, summary="A buyer's hotspots and premium")
def buyer(buyer_id: Buyer, engine: EngineDep, who: PrincipalDep, as_of: AsOf, period: Period = None
          ) -> HTMLResponse:
    return render("kin_buyer.html", who=who, page=buyer_page(engine, buyer_id, as_of, _period(period)))


@router.get("/contractors", response_class=HTMLResponse, summary="Labour contractors")
def contractors(engine: EngineDep, who: PrincipalDep, as_of: AsOf,
                contractor: Annotated[str | None, Query(description="One contractor")] = None) -> HTMLResponse:
    if who.role not in ("mdsc", "farm"):
        raise HTTPException(status_code=403, detail=f"a {who.role} token may not open the contractor pages")
    try:
        rows = [_for(who, r) for r in contractor_rows(engine, as_of, contractor)]
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc.args[0])) from None
    return render("kin_contractors.html", who=who, rows=rows, one=contractor, as_of=as_of.date().isoformat())
