"""AU-3's referral (Part 7 ¶1, App. C I.4, II.3): forced labour or systemic child labour (Article I a, b) is
referred to law enforcement promptly: a `LawEnforcementReferred` within 2 business days of `found_on`."""

from __future__ import annotations

from datetime import date

from projections.calendar import add_business_days
from projections.compliance import FarmView, Obligation
from projections.standing.view import facts, first_on

REFERRAL_BUSINESS_DAYS = 2


def referrals(view: FarmView) -> list[Obligation]:
    out = []
    for f in facts(view, "ViolationFound"):
        d = f["data"]
        if d["article"] != "I" or d.get("clause") not in ("a", "b"):
            continue
        met = first_on(view, "LawEnforcementReferred", violation_id=d["violation_id"])
        out.append(Obligation("AU-3", view.farm_id, d["violation_id"],
                              add_business_days(date.fromisoformat(f["on"]), REFERRAL_BUSINESS_DAYS),
                              met[0] if met else None, (f["event_id"], *([met[1]] if met else []))))
    return out


DEADLINES = [referrals]
