"""Property: a farm's standing as of a date never depends on events for later business dates, whatever
order they were recorded in (SU-3, SPEC §4 `--as-of`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events.recorded import RecordedEvent
from events.types import DEFAULT_TZ
from projections.standing.conduct import ConductFacts
from projections.standing.projection import StandingProjection
from projections.standing.query import standing_as_of, standing_changes

START = date(2025, 1, 6)
FARM = "farm-1"

days = st.integers(min_value=0, max_value=240)
ids = st.sampled_from(["x-1", "x-2", "x-3"])


def _on(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


def _at(offset: int) -> str:
    return datetime.combine(START + timedelta(days=offset), time(12), DEFAULT_TZ).isoformat()


def _fact(kind: str, offset: int, ident: str, pick: int, later: int) -> tuple[str, int, dict[str, Any]]:
    on = _on(offset)
    article, clause = [("I", "a"), ("I", "c"), ("I", "d"), ("I", "e"), ("II", "b"), ("III", None)][pick % 6]
    outcome = ["pass", "fail", "likely_to_comply", "impeded"][pick % 4]
    match kind:
        case "violation":
            return "ViolationFound", offset, {"violation_id": ident, "source_id": "a", "article": article,
                                              "clause": clause, "found_on": on,
                                              "offender": {"role": ["owner", "worker"][pick % 2], "person_id": "p"}}
        case "terminated":
            return "OffenderTerminated", offset, {"violation_id": ident, "person_id": "p", "terminated_at": _at(offset)}
        case "designated":
            return "RemedyDesignated", offset, {"violation_id": ident, "due_on": _on(offset + later)}
        case "remedied":
            return "RemedyCompleted", offset, {"violation_id": ident, "on": on}
        case "audit":
            return "AuditConducted", offset, {"audit_id": f"a-{offset}-{pick}", "conducted_on": on,
                                              "kind": ["remedial", "reentry"][pick % 2], "outcome": outcome,
                                              "cap_id": ident}
        case "suspension":
            return "SuspensionNoticed", offset, {"suspension_id": ident, "notice_on": on, "basis": "b",
                                                 "effective_on": _on(offset + later % 3)}
        case "appeal":
            return "AppealFiled", offset, {"appeal_id": f"ap-{ident}", "subject": "suspension", "subject_id": ident,
                                           "filed_on": on}
        case "decision":
            return "AppealDecided", offset, {"appeal_id": f"ap-{ident}", "decided_on": on,
                                             "outcome": ["upheld", "overturned"][pick % 2]}
        case "probation":
            return "ProbationImposed", offset, {"reason": "r", "on": on, "cure_by": _on(offset + later)}
        case "impeded":
            return "InvestigationImpeded", offset, {"complaint_id": ident, "on": on}
        case "invoice":
            return "ArbitrationInvoiced", offset, {"appeal_id": f"ap-{ident}", "invoiced_on": on, "farm_share": "10.00"}
        case "paid":
            return "ArbitrationReimbursed", offset, {"appeal_id": f"ap-{ident}", "on": on}
    return "FarmWithdrawn", offset, {"on": on}


facts = st.lists(st.builds(_fact, st.sampled_from(["violation", "terminated", "designated", "remedied", "audit",
                                                   "suspension", "appeal", "decision", "probation", "impeded",
                                                   "invoice", "paid", "withdrawn"]),
                           days, ids, st.integers(0, 11), st.integers(0, 60)), max_size=25)


Item = tuple[str, int, dict[str, Any]]


def _fold(items: list[tuple[int, Item]]) -> dict[str, Any]:
    """Fold numbered items (the number is the event id, so a subset keeps its ids) in list order, as the
    one fold does: each fact also into its `conduct` month, and a fact dated before standing's snapshot
    re-opens it from those months."""
    projection, months = StandingProjection(), ConductFacts()
    state = projection.initial(FARM)
    parts: dict[str, dict[str, Any]] = {}

    def apply(event: RecordedEvent) -> None:
        if event.type in months.types:
            months.apply(parts.setdefault(months.part(event), months.initial(FARM)), event)
        wanted = projection.history_wanted(state, event)
        if wanted is not None:
            projection.reopen(state, event, [parts.get(m, months.initial(FARM)) for m in wanted[1]])
        for derived in projection.apply(state, event):  # the writer folds derived events back
            apply(RecordedEvent.from_wire(derived))

    enrol = {"owner_id": "o", "name": "n", "jurisdiction": "VT", "enrolled_on": START.isoformat(),
             "time_zone": "America/New_York"}
    for n, (type_, offset, data) in [(-1, ("FarmEnrolled", 0, enrol)), *items]:
        apply(RecordedEvent.from_wire({
            "event_id": f"e-{n}", "type": type_, "farm_id": FARM, "occurred_at": _at(offset),
            "recorded_at": "2026-01-01T00:00:00+00:00", "actor": {"role": "mdsc", "id": "m"}, "data": data,
        }))
    return state


@settings(max_examples=300, deadline=None)
@given(items=facts, cut=days)
def test_standing_as_of_a_date_ignores_events_for_later_dates(items: list[Item], cut: int) -> None:
    as_of = START + timedelta(days=cut)
    numbered = list(enumerate(items))
    everything = _fold(numbered)
    known_then = _fold([(n, item) for n, item in numbered if item[1] <= cut])
    assert standing_as_of(everything, as_of) == standing_as_of(known_then, as_of)
    assert standing_changes(everything, as_of) == standing_changes(known_then, as_of)


@settings(max_examples=100, deadline=None)
@given(items=facts, cut=days)
def test_later_dates_recorded_first_change_nothing_before_them(items: list[Item], cut: int) -> None:
    as_of = START + timedelta(days=cut)
    numbered = list(enumerate(items))
    late_first = sorted(numbered, key=lambda n_item: n_item[1][1] <= cut)  # later-dated events recorded first
    assert standing_as_of(_fold(late_first), as_of) == standing_as_of(_fold(numbered), as_of)
    assert standing_changes(_fold(late_first), as_of) == standing_changes(_fold(numbered), as_of)
