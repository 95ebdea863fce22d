"""RR-1..RR-3 as rule queries over a farm's recruitment state, the program's registry and the cross-farm
flags (SPEC §5).

RR-1 a hire through a contractor without a licence in force on `hired_on` is a finding (subject: worker).
RR-2 every recruitment fee a worker paid is a finding (subject: fee id), and its full amount is due back
     within 30 days of `reported_on` (a deadline, met the day the reimbursements add up to it).
RR-3 a hire through a contractor flagged in the 5 years before it (an RR-2 fee naming it, or an Article I
     violation naming it, at any farm) is a finding (subject: worker).
RR-4 the certification in force on the hire date rides along in the detail; not a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from projections.calendar import add_years
from projections.compliance import FarmView, Finding, Obligation
from projections.kin.directory import VIEW
from projections.projection import State
from projections.recruitment.projection import RECRUITMENT
from projections.recruitment.registry import certification_on, licence_on

REIMBURSE_DAYS = 30
FLAG_YEARS = 5


@dataclass(frozen=True, slots=True)
class Hire:
    farm_id: str
    worker_id: str
    hired_on: date
    contractor_id: str
    event_id: str


def hires_through(state: State) -> list[Hire]:
    out = [Hire(state.get("farm_id", ""), h["worker_id"], date.fromisoformat(h["hired_on"]), h["recruited_via"], eid)
           for eid, h in state.get("hires", {}).items() if h.get("recruited_via")]
    return sorted(out, key=lambda h: (h.hired_on, h.worker_id, h.event_id))


def flags_on(flags: Iterable[Mapping[str, Any]], contractor_id: str, day: date) -> list[Mapping[str, Any]]:
    """The flags of a contractor raised before `day` and less than 5 years before it."""
    return [f for f in flags if f["key"] == contractor_id
            and date.fromisoformat(f["on"]) < day < add_years(date.fromisoformat(f["on"]), FLAG_YEARS)]


def hire_findings(hire: Hire, program: State | Mapping[str, Any], flags: Iterable[Mapping[str, Any]]
                  ) -> list[Finding]:
    """RR-1 and RR-3 on one hire, with RR-4's certification in the detail. Shared by `findings` (per farm)
    and `dignity contractors` (per contractor)."""
    cert = certification_on(dict(program), hire.contractor_id, hire.hired_on)
    base = {"contractor_id": hire.contractor_id, "certified": cert["scheme"] if cert else None}
    out = []
    licence = licence_on(dict(program), hire.contractor_id, hire.hired_on)
    if not licence.in_force:
        out.append(Finding("RR-1", hire.farm_id, hire.worker_id, hire.hired_on, {**base, "reason": licence.reason},
                           (hire.event_id,)))
    raised = flags_on(flags, hire.contractor_id, hire.hired_on)
    if raised:
        detail = {**base, "flags": [{"kind": f["kind"].removeprefix("contractor_"), "farm_id": f["farm_id"],
                                     "on": f["on"], "id": f["value"]} for f in raised]}
        out.append(Finding("RR-3", hire.farm_id, hire.worker_id, hire.hired_on, detail, (hire.event_id,)))
    return out


def unlicensed_hires(view: FarmView) -> list[Finding]:
    return [f for h in hires_through(view.state(RECRUITMENT)) for f in hire_findings(h, view.program, [])
            if f.rule == "RR-1"]


def flagged_hires(view: FarmView) -> list[Finding]:
    flags = view.state(VIEW).get("flags", [])
    return [f for h in hires_through(view.state(RECRUITMENT)) for f in hire_findings(h, view.program, flags)
            if f.rule == "RR-3"]


def fees(state: State) -> list[tuple[str, dict[str, Any]]]:
    """Each fee once (the first post of a fee id), in the order reported."""
    kept: dict[str, tuple[str, dict[str, Any]]] = {}
    for eid, fee in sorted(state.get("fees", {}).items(), key=lambda kv: (kv[1]["reported_on"], kv[0])):
        kept.setdefault(fee["fee_id"], (eid, fee))
    return list(kept.values())


def fee_findings(view: FarmView) -> list[Finding]:
    return [Finding("RR-2", view.farm_id, fee["fee_id"], date.fromisoformat(fee["reported_on"]),
                    {"worker_id": fee["worker_id"], "contractor_id": fee.get("contractor_id"), "kind": fee["kind"],
                     "amount": fee["amount"], "paid_on": fee["paid_on"]}, (eid,))
            for eid, fee in fees(view.state(RECRUITMENT))]


def reimbursed_on(state: State, fee_id: str, amount: Decimal) -> tuple[date | None, list[str]]:
    """The day the reimbursements of a fee first add up to its amount, and the events that did it."""
    total, ids = Decimal(0), []
    paid = sorted(((r["on"], eid, Decimal(r["amount"])) for eid, r in state.get("reimbursements", {}).items()
                   if r["fee_id"] == fee_id))
    for on, eid, part in paid:
        total += part
        ids.append(eid)
        if total >= amount:
            return date.fromisoformat(on), ids
    return None, ids


def reimbursements(view: FarmView) -> list[Obligation]:
    state = view.state(RECRUITMENT)
    out = []
    for eid, fee in fees(state):
        met, ids = reimbursed_on(state, fee["fee_id"], Decimal(fee["amount"]))
        due = date.fromisoformat(fee["reported_on"]) + timedelta(days=REIMBURSE_DAYS)
        out.append(Obligation("RR-2", view.farm_id, fee["fee_id"], due, met, (eid, *ids)))
    return out
