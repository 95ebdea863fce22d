"""The facts the standing machine and the CO/AU/AP/PE rules read, folded from one farm's events.

A fact is the event's data dated by its business date in the farm's time zone, in fold order:
`{"type", "on", "seq", "event_id", "data"}`. Personal data (a complainant) is never copied into a fact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from events.recorded import RecordedEvent
from events.types import DEFAULT_TZ
from projections.calendar import local_date, zone

Fact = dict[str, Any]


def _field(name: str) -> Callable[[RecordedEvent, str | None], str]:
    return lambda e, _tz: str(e.data[name])


def _instant(name: str) -> Callable[[RecordedEvent, str | None], str]:
    from datetime import datetime

    return lambda e, tz: local_date(datetime.fromisoformat(e.data[name]), tz).isoformat()


def _occurred(e: RecordedEvent, tz: str | None) -> str:
    return local_date(e.occurred_at, tz).isoformat()


BUSINESS_DATE: dict[str, Callable[[RecordedEvent, str | None], str]] = {
    "FarmEnrolled": _field("enrolled_on"),
    "FarmWithdrawn": _field("on"),
    "OrientationCompleted": _field("on"),
    "PersonnelHired": _field("on"),
    "WorkerHired": _field("hired_on"),
    "ComplaintReceived": _instant("received_at"),
    "ComplaintReportedToMDSC": _instant("reported_at"),
    "ComplaintSharedWithFarm": _instant("shared_at"),
    "InvestigationImpeded": _field("on"),
    "AuditConducted": _field("conducted_on"),
    "ViolationFound": _field("found_on"),
    "LawEnforcementReferred": _field("on"),
    "OffenderTerminated": _instant("terminated_at"),
    "RemedyDesignated": _occurred,
    "RemedyCompleted": _field("on"),
    "CapProposed": _field("notice_on"),
    "CapAgreed": _field("on"),
    "CapActionCompleted": _field("on"),
    "ResolutionProposed": _field("notice_on"),
    "ResolutionAgreed": _field("on"),
    "ProbationImposed": _field("on"),
    "SuspensionNoticed": _field("notice_on"),
    "AppealFiled": _field("filed_on"),
    "ArbitratorAvailabilityNoticed": _field("noticed_on"),
    "HearingHeld": _field("on"),
    "AppealDecided": _field("decided_on"),
    "ArbitrationInvoiced": _field("invoiced_on"),
    "ArbitrationReimbursed": _field("on"),
    "ProbationLifted": _field("on"),
}
FACT_TYPES = frozenset(BUSINESS_DATE)
_PRIVATE = {"complainant"}


INSTANT: dict[str, str | None] = {"ComplaintReceived": "received_at", "ComplaintReportedToMDSC": "reported_at",
                                   "ComplaintSharedWithFarm": "shared_at", "OffenderTerminated": "terminated_at",
                                   "RemedyDesignated": None}
"""Facts dated by an instant (a data field, or None: the event's `occurred_at`): their date is the farm's."""


def fact_of(event: RecordedEvent, seq: int, tz: str | None) -> Fact:
    data = {k: v for k, v in event.data.items() if k not in _PRIVATE}
    return {"type": event.type, "on": BUSINESS_DATE[event.type](event, tz), "seq": seq,
            "event_id": event.event_id, "data": data}


def instant_of(event: RecordedEvent) -> str | None:
    """The instant a fact is dated by, for a fold that does not know the farm's time zone."""
    if event.type not in INSTANT:
        return None
    name = INSTANT[event.type]
    return str(event.data[name]) if name else event.occurred_at.isoformat()


def dated(fact: Fact, tz: str | None) -> Fact:
    """A fact filed with its instant (`at`) dated in the farm's time zone."""
    from datetime import datetime

    at = fact.get("at")
    if at is None or not tz or zone(tz) is DEFAULT_TZ:
        return fact
    on = local_date(datetime.fromisoformat(at), tz).isoformat()
    return fact if on == fact["on"] else {**fact, "on": on}


def fact_order(fact: Fact) -> tuple[str, int, str]:
    """Business-time order: by date, then the farm's own log order (relayed notices first, by id)."""
    return fact["on"], fact["seq"], fact["event_id"]


def facts_until(facts: list[Fact], as_of: date) -> list[Fact]:
    """The facts of business dates up to `as_of`, in business-time order."""
    day = as_of.isoformat()
    return sorted((f for f in facts if f["on"] <= day), key=fact_order)


def of_type(facts: list[Fact], *types: str) -> list[Fact]:
    return [f for f in facts if f["type"] in types]


def day(fact: Fact) -> date:
    return date.fromisoformat(fact["on"])
