"""AU-9 (App. C I.1-2): an audit at least once a year: the first (baseline) within 12 months of enrolment,
then each next within 12 months of the previous one; within 6 months while the farm's RK-1 level is high
or very high in either theme. One row per interval (subject: the farm id, told apart by `due`).

Any audit the farm did not impede counts, whatever its kind: the Code asks that the farm be audited, and a
remedial or reentry audit is an audit (docs/decisions.md).
"""

from __future__ import annotations

from datetime import date

from projections.audits.risk import high_between
from projections.calendar import add_months
from projections.compliance import FarmView, Obligation
from projections.standing.view import facts

YEARLY_MONTHS = 12
HIGH_RISK_MONTHS = 6


def _interval(view: FarmView, start: date) -> date:
    if high_between(view, start, add_months(start, HIGH_RISK_MONTHS)):
        return add_months(start, HIGH_RISK_MONTHS)
    return add_months(start, YEARLY_MONTHS)


def annual_audits(view: FarmView) -> list[Obligation]:
    enrolled = facts(view, "FarmEnrolled")
    if not enrolled:
        return []
    audits = [(date.fromisoformat(f["on"]), f["event_id"]) for f in facts(view, "AuditConducted")
              if f["data"]["outcome"] != "impeded"]
    start, cause = date.fromisoformat(enrolled[0]["on"]), enrolled[0]["event_id"]
    rows: list[Obligation] = []
    while True:
        due = _interval(view, start) if rows else add_months(start, YEARLY_MONTHS)
        nxt = next(((on, eid) for on, eid in audits if on > start or (not rows and on >= start)), None)
        rows.append(Obligation("AU-9", view.farm_id, view.farm_id, due, nxt[0] if nxt else None,
                               (cause, *((nxt[1],) if nxt else ()))))
        if nxt is None:
            return rows
        start, cause = nxt


DEADLINES = [annual_audits]
