"""The standing fold keeps the machine each monthly settle made, and carries the machine it runs past the
snapshot over to the new snapshot, instead of decoding the snapshot it has just stored (`query.settling`,
`query.settled`). That is only sound if a machine and `load` of its `dump` are the same machine on every
fact that follows; these tests assert it, and that keeping the machines changes no stored state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from events.recorded import RecordedEvent
from projections.standing import query
from projections.standing.facts import Fact, fact_of, fact_order
from projections.standing.machine import Machine
from projections.standing.projection import slim
from projections.standing.query import standing_as_of, standing_changes
from projections.standing.snapshot import dump, load
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.store.states import all_states
from tests.unit.test_standing_properties import START, Item, _at, _fold, days, facts

TZ = "America/New_York"


def _facts(items: list[Item]) -> list[Fact]:
    """The items as the standing fold files them (enrolment first), in business-time order."""
    enrol = {"owner_id": "o", "name": "n", "jurisdiction": "VT", "enrolled_on": START.isoformat(), "time_zone": TZ}
    out = []
    for n, (type_, offset, data) in enumerate([("FarmEnrolled", 0, enrol), *items]):
        e = RecordedEvent.from_wire({"event_id": f"e-{n}", "type": type_, "farm_id": "farm-1",
                                     "occurred_at": _at(offset), "recorded_at": "2026-01-01T00:00:00+00:00",
                                     "actor": {"role": "mdsc", "id": "m"}, "data": data})
        out.append(slim(fact_of(e, n + 1, TZ)))
    return sorted(out, key=fact_order)


def _after(facts: list[Fact], on: date) -> list[Fact]:
    return [f for f in facts if f["on"] > on.isoformat()]


def _settled_at(facts: list[Fact], on: date) -> Machine:
    """What `settle` makes: the machine run through `on`."""
    m = Machine(list(facts)).run(on)
    m.today = on
    return m


def _same(a: Machine, b: Machine) -> None:
    """Everything the machine holds, as stored, but its last active day (`today`: it only decides the day a
    fact dated before it is applied, and neither machine is ever fed one dated on or before the snapshot)."""
    da, db = dump(a), dump(b)
    assert {k: v for k, v in da.items() if k != "today"} == {k: v for k, v in db.items() if k != "today"}
    assert a._notes == b._notes == []  # nothing carried between days that `dump` leaves out
    assert (a.standing(), a.stayed(), a.since(), a.suspension_count(), a.suspended_until()) == \
        (b.standing(), b.stayed(), b.since(), b.suspension_count(), b.suspended_until())
    assert a.suspensions == b.suspensions and a.probations == b.probations and a.changes == b.changes


@settings(max_examples=300, deadline=None)
@given(items=facts, cut=days, steps=st.lists(st.integers(1, 120), min_size=1, max_size=4))
def test_a_settled_machine_runs_on_as_the_load_of_its_dump(items: list[Item], cut: int, steps: list[int]) -> None:
    every = _facts(items)
    on = START + timedelta(days=cut)
    kept = _settled_at(every, on)
    stored = orjson.loads(orjson.dumps(dump(kept)))  # as the store gives it back
    later = _after(every, on)
    loaded = load(stored, list(later))
    kept.refeed(list(later))
    _same(kept, loaded)
    day = on
    for step in steps:  # run on over the facts that follow, in one or several runs
        day += timedelta(days=step)
        kept.run(day)
        loaded.run(day)
        _same(kept, loaded)
        assert kept.changes == Machine(list(every)).run(day).changes  # and both are the replay's


@settings(max_examples=300, deadline=None)
@given(items=facts, cut=days, ahead=st.integers(0, 150), more=st.integers(1, 200))
def test_a_machine_run_past_the_snapshot_rebased_on_it_is_the_one_run_from_the_snapshot(
        items: list[Item], cut: int, ahead: int, more: int) -> None:
    every = _facts(items)
    on = START + timedelta(days=cut)
    later = _after(every, on)
    until = on + timedelta(days=ahead)
    running = Machine(list(every)).run(until)  # the fold's kept machine, run from the farm's first fact
    running.rebase(list(later), on)
    from_snapshot = load(orjson.loads(orjson.dumps(dump(_settled_at(every, on)))), list(later)).run(until)
    assert running.fed == from_snapshot.fed
    _same(running, from_snapshot)
    end = until + timedelta(days=more)
    for m in (running, from_snapshot):
        m.resume([f for f in later[m.fed:] if f["on"] <= end.isoformat()], end)
    _same(running, from_snapshot)


@contextmanager
def _nothing_kept() -> Iterator[None]:
    """Every replay and every settle decodes the stored snapshot (no machine kept in memory)."""
    kept = query._KEPT
    caches = (query._machines, query._settled, query._pasts)
    for cache in caches:
        cache.clear()
    query._KEPT = 0
    try:
        yield
    finally:
        query._KEPT = kept
        for cache in caches:
            cache.clear()


def _answers(state: dict[str, Any]) -> list[object]:
    return [(standing_as_of(state, START + timedelta(days=n)), standing_changes(state, START + timedelta(days=n)))
            for n in range(0, 400, 9)]


@settings(max_examples=150, deadline=None)
@given(items=facts)
def test_keeping_the_machines_changes_no_state_and_no_answer(items: list[Item]) -> None:
    numbered = list(enumerate(items))
    kept = _fold(numbered)
    kept_answers = _answers(kept)
    with _nothing_kept():
        decoded = _fold(numbered)
        assert decoded == kept
        assert _answers(decoded) == kept_answers
    late_first = sorted(numbered, key=lambda n_item: -n_item[1][1])  # every fact late: re-opened snapshots
    late = _fold(late_first)
    with _nothing_kept():
        assert _fold(late_first) == late


def test_a_ledger_stores_the_same_states_with_or_without_kept_machines(tmp_path: Any) -> None:
    events = list(generate(3, 14, 7))
    stored = []
    for name in ("kept", "decoded"):
        ledger = EmbeddedLedger(f"sqlite:///{tmp_path / name}.db")
        if name == "kept":
            assert not ledger.ingest(parse_dicts(enumerate(events, start=1))).rejected
        else:
            with _nothing_kept():
                assert not ledger.ingest(parse_dicts(enumerate(events, start=1))).rejected
        with ledger.engine.connect() as conn:
            stored.append(all_states(conn))
        ledger.engine.dispose()
    differ = sorted(key for key in stored[0].keys() | stored[1].keys() if stored[0].get(key) != stored[1].get(key)
                    and key[0] != "recruitment")  # its reviews hold personal data sealed under each ledger's keys
    assert len(stored[0]) == len(stored[1])
    assert differ == [], differ
    assert any(key[0] == "standing" and state.get("snapshot") for key, state in stored[0].items())


@settings(max_examples=100, deadline=None)
@given(items=facts)
def test_facts_in_date_order_never_decode_a_snapshot(items: list[Item]) -> None:
    """Each on a day of its own (after the enrolment), in date order: every settle runs on the machine the
    last one made, and every fact resumes the machine the last one ran (carried over each new snapshot), so
    no snapshot is decoded but the first: the farm's first fact settles its first snapshot before any
    machine ran."""
    in_order = sorted({item[1]: item for item in items if item[1] > 0}.values(), key=lambda item: item[1])
    decoded = []

    def counted(data: dict[str, Any], later: list[Fact]) -> Machine:
        decoded.append(data)
        return load(data, later)

    with _nothing_kept():
        query._KEPT = 64
        query.load = counted  # type: ignore[assignment]
        try:
            state = _fold(list(enumerate(in_order)))
        finally:
            query.load = load  # type: ignore[assignment]
        assert len(decoded) <= 1, len(decoded)
        kept_answers = _answers(state)
        query._KEPT = 0
        assert _answers(state) == kept_answers
    assert state["snapshot"] is not None or max((i[1] for i in items), default=0) < 130
