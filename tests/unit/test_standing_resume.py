"""Standing is stored as a snapshot at a settled date plus the facts after it, never replayed from the first
fact: its answers on every date (before the snapshot, from the snapshot's timeline of intervals; after it,
the snapshot carried on) are exactly what a replay of every fact gives; a fact dated before the snapshot
re-opens it; the stored state stays bounded as a farm ages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import orjson

from events.recorded import RecordedEvent
from projections.calendar import add_months
from projections.standing.conduct import ConductFacts, all_facts
from projections.standing.machine import Machine
from projections.standing.projection import HORIZON_DAYS, StandingProjection
from projections.standing.query import replay, standing_as_of, standing_changes
from projections.standing.snapshot import Past
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.ledger.queries import farm_history, load_state, standing, states_of
from services.store.states import all_states
from tests.conftest import event, post


def _answer(m: Machine | Past) -> tuple[object, ...]:
    return (m.standing(), m.since(), m.stayed(), m.suspension_count(), m.suspended_until(), m.changes,
            {k: (s.status, s.periods, s.notice_on, s.until) for k, s in m.suspensions.items()},
            {k: (p.active, p.cure_end, p.ended_on, p.ended_by, p.causes) for k, p in m.probations.items()})


def _every_fact(ledger: EmbeddedLedger, farm: str) -> list[dict[str, Any]]:
    states = states_of(ledger.engine, farm)
    return all_facts(states["conduct"], states["membership"].get("time_zone"))


def test_the_snapshot_and_the_facts_after_it_answer_as_a_replay_of_every_fact(ledger: EmbeddedLedger) -> None:
    report = ledger.ingest(parse_dicts(enumerate(generate(3, 14, 3), start=1)))
    assert report.accepted > 0 and not report.rejected
    checked = before = 0
    for farm in ("farm-00001", "farm-00002", "farm-00003"):
        stored = load_state(ledger.engine, "standing", farm)
        assert stored is not None and stored["snapshot"] is not None
        facts = _every_fact(ledger, farm)
        assert len(stored["facts"]) < len(facts)  # the facts up to the snapshot are not kept
        first, last = date.fromisoformat(facts[0]["on"]), date.fromisoformat(facts[-1]["on"])
        for n in range(0, (last - first).days + 40, 6):
            on = first + timedelta(days=n)
            assert _answer(replay(stored, on)) == _answer(Machine(list(facts)).run(on)), (farm, on)
            checked += 1
            before += on.isoformat() < stored["snapshot"]["on"]
    assert checked > 100 and before > 30


def _late_facts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two facts recorded after the farm's last: an Article I violation (AU-3 suspends on the day it is
    found) dated long before the snapshot, and a probation dated inside the last HORIZON_DAYS."""
    farm = next(e for e in events if e["type"] == "FarmEnrolled")
    template = {"farm_id": farm["farm_id"], "actor": {"role": "mdsc", "id": "mdsc"}}
    return [
        {**template, "event_id": "00000000-0000-4000-8000-00000000000a", "type": "ViolationFound",
         "occurred_at": "2025-02-10T14:00:00-05:00",
         "data": {"violation_id": "vio-late", "source_id": "aud-late", "article": "I", "clause": "a",
                  "found_on": "2025-02-10", "offender": {"role": "none"}}},
        {**template, "event_id": "00000000-0000-4000-8000-00000000000b", "type": "ProbationImposed",
         "occurred_at": "2025-09-20T14:00:00-04:00",
         "data": {"reason": "late record", "on": "2025-09-20", "cure_by": "2025-10-20"}},
    ]


def test_a_fact_recorded_after_the_snapshot_passed_its_date_gives_the_replays_answer(tmp_path: Any) -> None:
    events = [e for e in generate(1, 10, 5)]
    late = _late_facts(events)
    in_order = EmbeddedLedger(f"sqlite:///{tmp_path / 'order.db'}")
    out_of_order = EmbeddedLedger(f"sqlite:///{tmp_path / 'late.db'}")
    by_time = list(events)  # each late fact where it belongs in time (after the enrolment)
    for fact in late:
        at = datetime.fromisoformat(fact["occurred_at"])
        enrolled = next(i for i, e in enumerate(by_time) if e["type"] == "FarmEnrolled")
        place = next((i for i, e in enumerate(by_time) if i > enrolled
                      and datetime.fromisoformat(e["occurred_at"]) > at), len(by_time))
        by_time.insert(place, fact)
    assert not in_order.ingest(parse_dicts(enumerate(by_time, start=1))).rejected
    assert not out_of_order.ingest(parse_dicts(enumerate(events, start=1))).rejected
    farm = late[0]["farm_id"]
    stored = load_state(out_of_order.engine, "standing", farm)
    assert stored is not None and stored["snapshot"]["on"] > "2025-02-10"  # the violation re-opens it
    assert stored["snapshot"]["on"] < "2025-09-20"  # the probation is run from it
    assert not out_of_order.ingest(parse_dicts(enumerate(late, start=1))).rejected
    far = datetime(2030, 1, 1, tzinfo=UTC)
    told = [[(e["event_id"], e["data"]["standing"]) for e in farm_history(led.engine, farm, far, far)
             if e["type"] == "StandingChanged"] for led in (out_of_order, in_order)]
    assert told[0] == told[1] and told[0]  # the change the late fact brings is emitted when it arrives
    a, b = (load_state(led.engine, "standing", farm) for led in (out_of_order, in_order))
    assert a is not None and b is not None
    every = _every_fact(in_order, farm)
    suspended = 0
    for month in range(1, 13):
        on = date(2025, month, 28)
        at = datetime.combine(on, time(23), timezone(timedelta(hours=-5)))
        answer = standing(out_of_order.engine, farm, at)
        assert answer == standing(in_order.engine, farm, at)
        suspended += answer["standing"] == "suspended"
        assert standing_changes(a, on) == standing_changes(b, on)
        assert _answer(replay(a, on)) == _answer(Machine(list(every)).run(on))
    assert suspended >= 1  # the late violation did change the answer
    with out_of_order.engine.connect() as conn:
        live = all_states(conn)
    out_of_order.rebuild()
    with out_of_order.engine.connect() as conn:
        assert all_states(conn)["standing", farm] == live["standing", farm]  # incremental == rebuild
    in_order.engine.dispose()
    out_of_order.engine.dispose()


def _aging_farm(months: int) -> list[dict[str, Any]]:
    """A farm's conduct over `months`: a hire a week, an annual audit a month, a probation each year."""
    out = [event("FarmEnrolled", "farm-1", "2025-01-02T09:00:00-05:00", {
        "owner_id": "o-1", "name": "Maple", "jurisdiction": "VT", "enrolled_on": "2025-01-02",
        "time_zone": "America/New_York"})]
    day = date(2025, 1, 6)
    while day < add_months(date(2025, 1, 1), months):
        at = f"{day.isoformat()}T12:00:00-05:00"
        out.append(event("WorkerHired", "farm-1", at, {"worker_id": f"w-{day}", "hired_on": day.isoformat()},
                         role="farm"))
        if day.day <= 7:
            out.append(event("AuditConducted", "farm-1", at, {"audit_id": f"a-{day}", "kind": "annual",
                                                               "conducted_on": day.isoformat(), "outcome": "pass"}))
        if day.month == 6 and day.day <= 7:
            out.append(event("ProbationImposed", "farm-1", at, {
                "reason": f"r-{day.year}", "on": day.isoformat(), "cure_by": (day + timedelta(days=30)).isoformat()}))
        day += timedelta(days=7)
    return out


def test_the_stored_standing_state_stays_bounded_as_a_farm_ages(ledger: EmbeddedLedger) -> None:
    """After 48 months a farm has 4x the facts of its first 12; its standing state grows only by the new
    intervals on its timeline (one probation a year), not by its facts: it holds the snapshot and the
    last few months' facts, where it used to hold every fact."""
    events = _aging_farm(48)
    year = add_months(date(2025, 1, 1), 12).isoformat()
    first = [e for e in events if e["occurred_at"][:10] < year]
    sizes, counts, every = [], [], []
    for batch in (first, events[len(first):]):
        assert not post(ledger, *batch).rejected
        state = load_state(ledger.engine, "standing", "farm-1")
        assert state is not None
        sizes.append(len(orjson.dumps(state)))
        facts = _every_fact(ledger, "farm-1")
        counts.append(len(facts))
        every.append(len(orjson.dumps(facts)))
        newest = date.fromisoformat(state["watermark"])
        assert all(f["on"] > (newest - timedelta(days=HORIZON_DAYS + 62)).isoformat() for f in state["facts"])
    assert counts[1] > 3.5 * counts[0]
    assert sizes[1] < every[1] / 4, (sizes, every)
    assert sizes[1] - sizes[0] < (every[1] - every[0]) / 8, (sizes, every)
    changes = standing_changes(load_state(ledger.engine, "standing", "farm-1") or {}, date(2029, 1, 1))
    assert [c.kind for c in changes].count("probation") == 4  # every interval is still on the timeline


def test_a_snapshot_settled_again_on_the_same_date_is_not_taken_for_the_kept_one() -> None:
    """A re-opened snapshot settles again on the same date with the same facts after it, but other contents:
    the kept machine of the old one must not answer (the late fact's change is emitted, and queried)."""
    standing_fold, months = StandingProjection(), ConductFacts()
    state, parts = standing_fold.initial("farm-k"), {}

    def apply(n: int, type_: str, on: str, data: dict[str, Any]) -> list[dict[str, Any]]:
        e = RecordedEvent.from_wire({
            "event_id": f"e-{n}", "type": type_, "farm_id": "farm-k", "occurred_at": f"{on}T12:00:00-05:00",
            "recorded_at": "2026-01-01T00:00:00+00:00", "actor": {"role": "mdsc", "id": "m"}, "data": data})
        months.apply(parts.setdefault(months.part(e), months.initial("farm-k")), e)
        wanted = standing_fold.history_wanted(state, e)
        if wanted is not None:
            standing_fold.reopen(state, e, [parts.get(m, months.initial("farm-k")) for m in wanted[1]])
        made = standing_fold.apply(state, e)
        for d in made:
            standing_fold.apply(state, RecordedEvent.from_wire(d))
        return made

    apply(0, "FarmEnrolled", "2025-01-02", {"owner_id": "o", "name": "n", "jurisdiction": "VT",
                                            "enrolled_on": "2025-01-02", "time_zone": "America/New_York"})
    for n, on in enumerate(["2025-03-01", "2025-06-01", "2025-09-01"], start=1):
        apply(n, "AuditConducted", on, {"audit_id": f"a-{n}", "kind": "annual", "conducted_on": on, "outcome": "pass"})
    settled = state["snapshot"]["on"]
    assert standing_as_of(state, date(2025, 9, 1)).standing == "good_standing"  # kept, then asked again below
    made = apply(9, "ViolationFound", "2025-02-10", {"violation_id": "v", "source_id": "s", "article": "I",
                                                      "clause": "a", "found_on": "2025-02-10",
                                                      "offender": {"role": "none"}})
    assert state["snapshot"]["on"] == settled
    assert [d["data"]["kind"] for d in made] == ["suspension"]
    assert standing_as_of(state, date(2025, 9, 1)).standing == "suspended"  # no reentry audit yet
