"""The distributed runner's timer (services/runner/sweep.py): missed deadlines and PT-4 shortfalls become
derived events once each, agreeing with `dignity deadlines` / `dignity findings`."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select

from events.codec import validate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.queries import deadlines, farm_ids, findings
from services.runner.sweep import Swept, sweep
from services.store.history import history_bodies
from services.store.schema import outbox
from tests.unit.test_pt_common import FARM, end_of, full_month, ok, remit, setup

AS_OF = end_of("2024-06-05")


def test_missed_deadlines_and_shortfalls_are_emitted_once_with_their_causes(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")  # the premium of April is never passed through: PT-2 missed, PT-4 short
    ok(ledger, remit("80.00", "2024-04-03"), full_month("w1", "2024-04"), full_month("w2", "2024-04"))
    farms = farm_ids(ledger.engine)

    made = sweep(ledger.engine, farms, AS_OF)

    missed = {(r["farm_id"], r["rule"], r["subject_id"], r["due"]) for r in deadlines(ledger.engine, None, AS_OF)
              if r["status"] == "missed"}
    shortfalls = {(r["farm_id"], r["rule"], r["subject_id"], r["on"]) for r in findings(ledger.engine, None, AS_OF)
                  if r["rule"] == "PT-4"}
    assert missed and len(shortfalls) == 2
    assert {(d["farm_id"], d["data"]["rule"], d["data"]["subject_id"], d["data"]["due"])
            for d in made if d["type"] == "DeadlineMissed"} == missed
    assert {(d["farm_id"], d["data"]["rule"], d["data"]["subject_id"], d["data"]["on"])
            for d in made if d["type"] == "PassThroughDiscrepancy"} == shortfalls
    with ledger.engine.connect() as conn:
        recorded = {orjson.loads(body)["event_id"] for _, _, body in history_bodies(conn)}
        queued = set(conn.execute(select(outbox.c.event_id)).scalars())
    for derived in made:
        validate(derived)  # a catalogue event like any other
        assert derived["causation_id"] and set(derived["causation_id"]) <= recorded
    assert {d["event_id"] for d in made} <= queued
    assert sweep(ledger.engine, farms, AS_OF) == []  # the timer fires again: nothing new


def test_a_timer_sweep_folds_only_the_farms_changed_since_or_on_a_new_day(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.runner.sweep as module

    setup(ledger, "w1", "w2")
    ok(ledger, remit("80.00", "2024-04-03"), full_month("w1", "2024-04"), full_month("w2", "2024-04"))
    folded: list[str] = []
    real = module.farm_view
    monkeypatch.setattr(module, "farm_view", lambda engine, farm, at: folded.append(farm) or real(engine, farm, at))
    swept, farms = Swept(), farm_ids(ledger.engine)

    first = sweep(ledger.engine, farms, AS_OF, swept)
    assert first and folded == [FARM]
    assert sweep(ledger.engine, farms, AS_OF - timedelta(hours=1), swept) == [] and folded == [FARM]  # nothing new
    ok(ledger, full_month("w1", "2024-05"))  # the farm's states change: it is folded again
    sweep(ledger.engine, farms, AS_OF - timedelta(hours=2), swept)
    assert folded == [FARM, FARM]
    sweep(ledger.engine, farms, AS_OF + timedelta(days=1), swept)  # a new day in the farm's zone: folded again
    assert folded == [FARM, FARM, FARM]
    folded.clear()
    assert sweep(ledger.engine, farms, AS_OF + timedelta(days=1)) == [] and folded == [FARM]  # no memo: folds


def test_the_sweep_keeps_todays_and_the_next_days_answers_stored_as_a_fold_gives_them(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import delete

    from services.ledger import queries
    from services.store.schema import answers

    setup(ledger, "w1", "w2")
    ok(ledger, remit("80.00", "2024-04-03"), full_month("w1", "2024-04"), full_month("w2", "2024-04"))
    days = (AS_OF, AS_OF + timedelta(days=1))
    expected = [(deadlines(ledger.engine, None, day), findings(ledger.engine, None, day)) for day in days]
    with ledger.engine.begin() as conn:
        conn.execute(delete(answers))
    sweep(ledger.engine, farm_ids(ledger.engine), AS_OF, Swept())
    folded: list[str] = []
    real = queries.farm_view
    monkeypatch.setattr(queries, "farm_view", lambda *a: folded.append(a[1]) or real(*a))  # what a query folds
    assert [(deadlines(ledger.engine, None, day), findings(ledger.engine, None, day)) for day in days] == expected
    assert folded == []  # read as the sweep stored them
    assert any(r["status"] == "missed" for r in expected[1][0])
