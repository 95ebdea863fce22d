"""AU-7: when a CAP is approved (App. C I.7)."""

from __future__ import annotations

from datetime import date, timedelta

from projections.appeals.checks import AppealCheck, appeal_checks, final_notice
from projections.appeals.windows import window_end
from projections.compliance import FarmView
from projections.standing.view import facts, first_on


def cap_approved_on(view: FarmView, cap_id: str, checks: list[AppealCheck] | None = None) -> date | None:
    """Agreed by both; or MDSC's CAP adopted by the arbitrator; or final and not validly appealed within
    14 days of the final notice (approved the day after the window closes). A late or barred appeal does
    not count (the farm has exhausted its appeals); the farm's CAP adopted instead means MDSC's is not."""
    agreed = first_on(view, "CapAgreed", cap_id=cap_id)
    if agreed is not None:
        return agreed[0]
    appeals = [c for c in (checks if checks is not None else appeal_checks(view))
               if c.subject == "cap" and c.subject_id == cap_id and c.valid]
    if appeals:
        ruling = first_on(view, "AppealDecided", appeal_id=appeals[0].appeal_id)
        if ruling is None:
            return None  # pending: the disputed CAP does not take effect (App. C V.5)
        outcome = next(f["data"]["outcome"] for f in facts(view, "AppealDecided")
                       if f["data"]["appeal_id"] == appeals[0].appeal_id)
        return ruling[0] if outcome == "mdsc_adopted" else None
    notice = final_notice(view, "cap", cap_id, view.as_of)
    if notice is None:
        return None
    approved = window_end("cap", date.fromisoformat(notice["on"])) + timedelta(days=1)
    return approved if approved <= view.as_of else None
