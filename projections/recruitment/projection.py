"""The folds of recruitment: the contractor registry (key `program`) and each farm's hires, fees,
reimbursements and reviews (farm key).

States (JSON-native):
  contractors: {"contractors": {contractor_id: {"registrations": [...], "certifications": [...], "ended": [...]}}}
  recruitment: {"farm_id", "hires": {event_id: {worker_id, hired_on, recruited_via}},
                "fees": {event_id: {...}}, "reimbursements": {event_id: {...}}, "reviews": {event_id: {...}}}
Every entry carries its event_id; nothing is overwritten, so the answer never depends on arrival order.
A review's comment is kept sealed, as the log holds it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.projection import Derived, State

CONTRACTORS = "contractors"
RECRUITMENT = "recruitment"


class Contractors:
    name: ClassVar[str] = CONTRACTORS
    types: ClassVar[frozenset[str]] = frozenset(
        {"LaborContractorRegistered", "ContractorCertified", "ContractorCertificationEnded"})

    def initial(self, key: str) -> State:
        return {"contractors": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        entry = state["contractors"].setdefault(d["contractor_id"],
                                                {"registrations": [], "certifications": [], "ended": []})
        part = {"LaborContractorRegistered": "registrations", "ContractorCertified": "certifications",
                "ContractorCertificationEnded": "ended"}[event.type]
        _file(entry[part], event, registered_on=local_date(event.occurred_at).isoformat())
        return []


class Recruitment:
    name: ClassVar[str] = RECRUITMENT
    types: ClassVar[frozenset[str]] = frozenset(
        {"WorkerHired", "RecruitmentFeeReported", "RecruitmentFeeReimbursed", "RecruiterReviewed"})

    def initial(self, key: str) -> State:
        return {"farm_id": key, "hires": {}, "fees": {}, "reimbursements": {}, "reviews": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        match event.type:
            case "WorkerHired":
                state["hires"][event.event_id] = {"worker_id": d["worker_id"], "hired_on": d["hired_on"],
                                                  "recruited_via": d.get("recruited_via")}
            case "RecruitmentFeeReported":
                state["fees"][event.event_id] = dict(d)
            case "RecruitmentFeeReimbursed":
                state["reimbursements"][event.event_id] = dict(d)
            case "RecruiterReviewed":
                on = d.get("reviewed_on") or local_date(event.occurred_at).isoformat()
                state["reviews"][event.event_id] = {**d, "reviewed_on": on}
        return []


def _file(entries: list[dict[str, Any]], event: RecordedEvent, **extra: Any) -> None:
    if any(e["event_id"] == event.event_id for e in entries):
        return  # a redelivery
    entries.append({**event.data, **extra, "event_id": event.event_id, "occurred_at": event.occurred_at.isoformat()})
    entries.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
