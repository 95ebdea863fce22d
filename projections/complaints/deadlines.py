"""CO-1 and CO-2: a complaint reaches MDSC, then the farm's contact, within 2 working days (App. C II.2)."""

from __future__ import annotations

from datetime import date

from projections.calendar import add_business_days
from projections.compliance import FarmView, Obligation
from projections.standing.view import facts, first_on

REPORTING_DAYS = 2


def reported_to_mdsc(view: FarmView) -> list[Obligation]:
    """CO-1: a complaint the farm or the worker organisation received is reported to MDSC."""
    out = []
    for f in facts(view, "ComplaintReceived"):
        d = f["data"]
        if d["received_by"] == "mdsc":
            continue
        met = first_on(view, "ComplaintReportedToMDSC", complaint_id=d["complaint_id"])
        out.append(Obligation("CO-1", view.farm_id, d["complaint_id"],
                              add_business_days(date.fromisoformat(f["on"]), REPORTING_DAYS),
                              met[0] if met else None, (f["event_id"], *([met[1]] if met else []))))
    return out


def shared_with_farm(view: FarmView) -> list[Obligation]:
    """CO-2: MDSC shares a complaint with the farm's contact, counted from when MDSC had it, unless the
    contact has a conflict of interest."""
    out = []
    for f in facts(view, "ComplaintReceived"):
        d = f["data"]
        if d.get("conflict_of_interest"):
            continue
        cid = d["complaint_id"]
        start = (date.fromisoformat(f["on"]), f["event_id"]) if d["received_by"] == "mdsc" else \
            first_on(view, "ComplaintReportedToMDSC", complaint_id=cid)
        if start is None:
            continue  # MDSC does not have it yet: CO-1 is the open obligation
        met = first_on(view, "ComplaintSharedWithFarm", complaint_id=cid)
        out.append(Obligation("CO-2", view.farm_id, cid, add_business_days(start[0], REPORTING_DAYS),
                              met[0] if met else None, (start[1], *([met[1]] if met else []))))
    return out


DEADLINES = [reported_to_mdsc, shared_with_farm]
