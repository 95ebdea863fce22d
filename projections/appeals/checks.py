"""AP-1 and AP-4: whether an appeal was filed in time and was allowed at all.

A late appeal (AP-1) or a barred one (AP-4) is recorded and rejected: it stays nothing and does not keep a
CAP from being approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from projections.appeals.windows import window_end
from projections.calendar import add_months
from projections.compliance import FarmView
from projections.standing.facts import Fact
from projections.standing.machine import Machine
from projections.standing.snapshot import Past
from projections.standing.view import facts, machine

BAR_MONTHS = 6
NOTICES = {"cap": ("CapProposed", "cap_id"), "cr": ("ResolutionProposed", "cr_id")}


@dataclass(frozen=True, slots=True)
class AppealCheck:
    appeal_id: str
    subject: str
    subject_id: str
    filed_on: date
    event_id: str
    window_end: date | None  # None: the notice appealed is not on record
    barred_by: str | None = None
    barred_until: date | None = None

    @property
    def late(self) -> bool:
        return self.window_end is not None and self.filed_on > self.window_end

    @property
    def valid(self) -> bool:
        return not self.late and self.barred_by is None


def final_notice(view: FarmView, subject: str, subject_id: str, before: date) -> Fact | None:
    """The latest final CAP/CR notice for `subject_id` on or before `before`."""
    type_, key = NOTICES[subject]
    found = [f for f in facts(view, type_) if f["data"][key] == subject_id and f["data"].get("final")
             and f["on"] <= before.isoformat()]
    return found[-1] if found else None


def _window(view: FarmView, m: Machine | Past, appeal: Fact) -> date | None:
    d = appeal["data"]
    filed = date.fromisoformat(appeal["on"])
    if d["subject"] in NOTICES:
        notice = final_notice(view, d["subject"], d["subject_id"], filed)
        if notice is None:
            return None
        resolve_by = notice["data"].get("resolve_by")
        return window_end(d["subject"], date.fromisoformat(notice["on"]),
                          date.fromisoformat(resolve_by) if resolve_by else None)
    if d["subject"] == "suspension":
        s = m.suspensions.get(d["subject_id"])
        return window_end("suspension", s.notice_on) if s else None
    return window_end("nda", date.fromisoformat(d["notice_on"])) if d.get("notice_on") else None


def appeal_checks(view: FarmView) -> list[AppealCheck]:
    m = machine(view)
    decided = {f["data"]["appeal_id"]: f for f in facts(view, "AppealDecided")}
    out: list[AppealCheck] = []
    for f in facts(view, "AppealFiled"):
        d = f["data"]
        filed = date.fromisoformat(f["on"])
        check = AppealCheck(d["appeal_id"], d["subject"], d["subject_id"], filed, f["event_id"], _window(view, m, f))
        if d["subject"] in NOTICES:  # AP-4: six months after MDSC's CAP/CR was adopted on appeal
            for prior in out:
                ruling = decided.get(prior.appeal_id)
                if prior.subject in NOTICES and ruling and ruling["data"]["outcome"] == "mdsc_adopted":
                    until = add_months(date.fromisoformat(ruling["on"]), BAR_MONTHS)
                    if ruling["on"] <= f["on"] <= until.isoformat():
                        check = AppealCheck(*_fields(check), barred_by=prior.appeal_id, barred_until=until)
        out.append(check)
    return out


def _fields(c: AppealCheck) -> tuple[str, str, str, date, str, date | None]:
    return c.appeal_id, c.subject, c.subject_id, c.filed_on, c.event_id, c.window_end
