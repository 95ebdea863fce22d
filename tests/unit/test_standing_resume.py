"""The standing machine carried on from its last date (`Machine.resume`, kept by `replay`) gives exactly what a
replay from the first fact gives, fact by fact, on generated programs; a fact dated before the last date
falls back to a full replay."""

from __future__ import annotations

from bisect import insort
from datetime import date

from projections.standing.facts import fact_order
from projections.standing.machine import Machine
from projections.standing.query import replay
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.ledger.queries import load_state


def _answer(m: Machine) -> tuple[object, ...]:
    return (m.standing(), m.since(), m.stayed(), m.suspension_count(), m.suspended_until(), m.changes)


def test_a_resumed_machine_equals_a_replay_from_the_first_fact(ledger: EmbeddedLedger) -> None:
    report = ledger.ingest(parse_dicts(enumerate(generate(3, 8, 3), start=1)))
    assert report.accepted > 0 and not report.rejected
    checked = 0
    for farm in ("farm-00001", "farm-00002", "farm-00003"):
        stored = load_state(ledger.engine, "standing", farm)
        assert stored is not None and stored["facts"]
        state = {**stored, "facts": []}
        for fact in stored["facts"]:
            insort(state["facts"], fact, key=fact_order)
            on = date.fromisoformat(fact["on"])
            assert _answer(replay(state, on)) == _answer(Machine(list(state["facts"])).run(on))
            checked += 1
        late = date.fromisoformat(stored["facts"][-1]["on"]).replace(day=1)  # an earlier date: full replay
        assert _answer(replay(state, late)) == _answer(Machine(list(state["facts"])).run(late))
    assert checked > 20


def test_a_fact_dated_before_the_machines_date_is_not_missed(ledger: EmbeddedLedger) -> None:
    ledger.ingest(parse_dicts(enumerate(generate(1, 8, 5), start=1)))
    stored = load_state(ledger.engine, "standing", "farm-00001")
    assert stored is not None and len(stored["facts"]) > 3
    facts = sorted(stored["facts"], key=fact_order)
    last = date.fromisoformat(facts[-1]["on"])
    state = {**stored, "facts": [f for f in facts if f is not facts[1]]}
    replay(state, last)
    insort(state["facts"], facts[1], key=fact_order)  # arrives late, dated long before `last`
    assert _answer(replay(state, last)) == _answer(Machine(list(facts)).run(last))
