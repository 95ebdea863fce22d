"""AP-1..AP-5 as rule queries: late and barred appeals (findings), hearing, decision and fee deadlines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from projections.appeals.checks import appeal_checks
from projections.calendar import add_business_days, add_days
from projections.compliance import FarmView, Finding, Obligation
from projections.standing.machine import FEE_DAYS
from projections.standing.view import facts, first_on

HEARING_EARLIEST = 10
HEARING_LATEST = 15
DECISION_BUSINESS_DAYS = 2


def late_appeals(view: FarmView) -> list[Finding]:
    """AP-1: filed after the window (weekends and holidays extend it); recorded and rejected."""
    return [Finding("AP-1", view.farm_id, c.appeal_id, c.filed_on,
                    {"subject": c.subject, "subject_id": c.subject_id, "window_end": c.window_end.isoformat()},
                    (c.event_id,))
            for c in appeal_checks(view) if c.late and c.window_end is not None]


def barred_appeals(view: FarmView) -> list[Finding]:
    """AP-4: a CAP/CR appeal within six months of one where MDSC's CAP/CR was adopted."""
    return [Finding("AP-4", view.farm_id, c.appeal_id, c.filed_on,
                    {"subject": c.subject, "subject_id": c.subject_id, "barred_by": c.barred_by,
                     "barred_until": c.barred_until.isoformat() if c.barred_until else None}, (c.event_id,))
            for c in appeal_checks(view) if c.barred_by is not None]


def hearings(view: FarmView) -> list[Obligation]:
    """AP-2 (App. C V.7): heard no fewer than 10 and no more than 15 days after the notice of the arbitrator's
    availability; a hearing held earlier or later is missed."""
    out = []
    for f in facts(view, "ArbitratorAvailabilityNoticed"):
        aid = f["data"]["appeal_id"]
        noticed = date.fromisoformat(f["on"])
        met = first_on(view, "HearingHeld", appeal_id=aid)
        out.append(Obligation("AP-2", view.farm_id, aid, add_days(noticed, HEARING_LATEST),
                              met[0] if met else None, (f["event_id"], *([met[1]] if met else [])),
                              not_before=add_days(noticed, HEARING_EARLIEST)))
    return out


def decisions(view: FarmView) -> list[Obligation]:
    """AP-3: decided by the close of the 2nd business day after the hearing."""
    out = []
    for f in facts(view, "HearingHeld"):
        aid = f["data"]["appeal_id"]
        met = first_on(view, "AppealDecided", appeal_id=aid)
        out.append(Obligation("AP-3", view.farm_id, aid,
                              add_business_days(date.fromisoformat(f["on"]), DECISION_BUSINESS_DAYS),
                              met[0] if met else None, (f["event_id"], *([met[1]] if met else []))))
    return out


def fees(view: FarmView) -> list[Obligation]:
    """AP-5: the farm's half of the arbitrator's fee, due within 45 days of the invoice."""
    out = []
    for f in facts(view, "ArbitrationInvoiced"):
        d = f["data"]
        if Decimal(str(d.get("farm_share", "0"))) <= 0:
            continue
        met = first_on(view, "ArbitrationReimbursed", appeal_id=d["appeal_id"])
        out.append(Obligation("AP-5", view.farm_id, d["appeal_id"], add_days(date.fromisoformat(f["on"]), FEE_DAYS),
                              met[0] if met else None, (f["event_id"], *([met[1]] if met else []))))
    return out


DEADLINES = [hearings, decisions, fees]
FINDINGS = [late_appeals, barred_appeals]
