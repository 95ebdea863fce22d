"""Stored answers (issue 8): `deadlines` and `findings` read each farm's stored rows while they are current, and
a stored answer is never served once anything it was computed from has changed: the farm's states, a sibling's
(SU-2), the program's (rates), or a directory every farm reads (bans)."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from services.generate.program import generate
from services.ledger import kin_queries, queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.store.answers import EVERY_FARM, current_stamps
from services.store.schema import answer_stamps, answers, owners
from tests.conftest import event, post

AS_OF = [datetime.fromisoformat(d) for d in ("2025-06-30T12:00:00+00:00", "2025-11-15T12:00:00+00:00",
                                                "2026-03-01T12:00:00+00:00")]


def _folded(ledger: EmbeddedLedger, kind: str, as_of: datetime) -> list[dict[str, Any]]:
    """The answer with nothing stored: every farm folded from its states."""
    with ledger.engine.begin() as conn:
        conn.execute(delete(answers).where(answers.c.kind == kind))
    return getattr(queries, kind)(ledger.engine, None, as_of, [])  # type: ignore[no-any-return]


def _stored_count(ledger: EmbeddedLedger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(answers)).scalar_one())


def test_stored_answers_equal_a_fold_as_the_ledger_grows(ledger: EmbeddedLedger) -> None:
    program = list(generate(4, 14, 11, "2025-01"))
    cut = [len([e for e in program if e["occurred_at"] < f"2025-{m:02d}"]) for m in (5, 9)]
    chunks = [program[: cut[0]], program[cut[0]: cut[1]], program[cut[1]:]]
    line = 1
    for chunk in chunks:
        report = ledger.ingest(parse_dicts(enumerate(chunk, start=line)))
        assert not report.rejected
        line += len(chunk)
        for kind in ("deadlines", "findings"):
            for as_of in [AS_OF[-1], *AS_OF]:
                # asked twice: the second is read from what the first stored. The first ask of a chunk is for
                # the day the previous chunk stored last: an answer stored before this ingest must not be read
                first = getattr(queries, kind)(ledger.engine, None, as_of, [])
                assert _stored_count(ledger) > 0
                again = getattr(queries, kind)(ledger.engine, None, as_of, [])
                one = getattr(queries, kind)(ledger.engine, "farm-00002", as_of)
                assert first == again == _folded(ledger, kind, as_of)
                assert one == [r for r in first if r["farm_id"] == "farm-00002"]
    assert any(r["status"] == "missed" for r in queries.deadlines(ledger.engine, None, AS_OF[-1]))


def test_standing_passthrough_risk_premium_are_stored_and_never_stale(ledger: EmbeddedLedger) -> None:
    program = list(generate(3, 10, 12, "2025-01"))
    cut = len([e for e in program if e["occurred_at"] < "2025-06"])
    buyer = next(e["data"]["buyer_id"] for e in program if e["type"] == "MilkPurchased")
    asks = [(kind, farm) for farm in ("farm-00001", "farm-00003")
            for kind in ("standing", "passthrough/2025-03", "passthrough/2025-05", "risk")] + [
        ("premium", buyer), ("portfolio", buyer)]

    def ask(kind: str, farm: str) -> Any:
        if kind == "standing":
            return queries.standing(ledger.engine, farm, AS_OF[1])
        if kind == "risk":
            return kin_queries.risk(ledger.engine, farm, AS_OF[1])
        if kind == "premium":
            return kin_queries.premium(ledger.engine, farm, None, AS_OF[1])
        if kind == "portfolio":
            return kin_queries.buyer_portfolio(ledger.engine, farm, "2025-05", AS_OF[1])
        return queries.passthrough(ledger.engine, farm, kind.split("/")[1], AS_OF[1])

    before = None
    for chunk, first in ((program[:cut], 1), (program[cut:], cut + 1)):
        assert not ledger.ingest(parse_dicts(enumerate(chunk, start=first))).rejected
        got = {a: ask(*a) for a in asks}  # the second chunk's first ask: what the first chunk stored is stale
        assert {a: ask(*a) for a in asks} == got
        with ledger.engine.begin() as conn:
            conn.execute(delete(answers))
        assert {a: ask(*a) for a in asks} == got
        assert got != before
        before = got


def test_a_state_write_restamps_the_farm_and_its_siblings_only(ledger: EmbeddedLedger) -> None:
    post(ledger, *generate(3, 2, 5, "2025-01"))
    with ledger.engine.begin() as conn:  # farm 1 and farm 3 share an owner (SU-2 siblings)
        conn.execute(owners.insert(), [{"owner_id": "owner-x", "farm_id": f} for f in ("farm-00001", "farm-00003")])
        before = current_stamps(conn, ["farm-00001", "farm-00002", "farm-00003"])
    at = "2025-02-20T10:00:00-05:00"
    report = post(ledger, event("ComplaintReceived", "farm-00001", at, {
        "complaint_id": "c-restamp", "received_by": "mdsc", "received_at": at, "confidential": True,
        "conflict_of_interest": False, "categories": ["hours"], "complainant": {"name": "A Worker"}}))
    assert report.accepted == 1, report.as_json()
    with ledger.engine.connect() as conn:
        after = current_stamps(conn, ["farm-00001", "farm-00002", "farm-00003"])
    assert after["farm-00001"] != before["farm-00001"]
    assert after["farm-00003"] != before["farm-00003"]
    assert after["farm-00002"] == before["farm-00002"]


def test_a_program_wide_write_restamps_every_farm(ledger: EmbeddedLedger) -> None:
    post(ledger, *generate(2, 2, 5, "2025-01"))
    with ledger.engine.connect() as conn:
        every = conn.execute(select(answer_stamps.c.stamp).where(answer_stamps.c.key == EVERY_FARM)).scalar()
    program = [e for e in generate(2, 2, 6, "2025-01") if e["farm_id"] == "program"][:1]
    assert program, "the generator writes the program's reference events"
    post(ledger, {**program[0], "event_id": "7f0c8f0e-0000-4000-8000-000000000001",
                  "occurred_at": "2025-02-27T09:00:00+00:00"})
    with ledger.engine.connect() as conn:
        now = conn.execute(select(answer_stamps.c.stamp).where(answer_stamps.c.key == EVERY_FARM)).scalar()
    assert now is not None and now != every


def test_a_query_never_waits_on_a_held_write_lock(ledger: EmbeddedLedger, tmp_path: Any) -> None:
    post(ledger, *generate(2, 3, 5, "2025-01"))
    holder = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer (an ingest) holds the lock
    try:
        started = time.monotonic()
        rows = queries.deadlines(ledger.engine, None, AS_OF[0])
        assert rows and time.monotonic() - started < 4  # the default wait is 5 s
        assert _stored_count(ledger) == 0  # not stored: the next query folds again
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert queries.deadlines(ledger.engine, None, AS_OF[0]) == rows
    assert _stored_count(ledger) == 2


def test_the_timer_folds_a_stale_farm_once_for_both_kinds_and_stores_what_each_kind_answers(
        ledger: EmbeddedLedger, monkeypatch: Any) -> None:
    assert not ledger.ingest(parse_dicts(enumerate(generate(3, 8, 5, "2025-01"), start=1))).rejected
    as_of = AS_OF[1]
    expected = {kind: _folded(ledger, kind, as_of) for kind in ("deadlines", "findings")}
    with ledger.engine.begin() as conn:
        conn.execute(delete(answers))
    views = _counting_views(monkeypatch)
    from services.ledger.ticker import AHEAD, warm_answers

    warm_answers(ledger.engine, as_of)
    farms = queries.farm_ids(ledger.engine)
    # for each day kept warm: once for deadlines and findings, once for standing
    assert sorted(views) == sorted(farms * 2 * len(AHEAD))
    assert _stored_count(ledger) >= 2 * len(AHEAD) * len(farms)
    views.clear()
    assert {kind: getattr(queries, kind)(ledger.engine, None, as_of, []) for kind in expected} == expected
    assert views == []  # both kinds read from what the timer stored


def _counting_views(monkeypatch: Any) -> list[str]:
    """The farms folded from now on (each call of `queries.farm_view`), in order."""
    views: list[str] = []
    real = queries.farm_view

    def counted(engine: Any, farm: str, at: datetime, ahead: int = 0) -> Any:
        views.append(farm)
        return real(engine, farm, at, ahead)

    monkeypatch.setattr(queries, "farm_view", counted)
    return views


def _answers_at(ledger: EmbeddedLedger, as_of: datetime) -> dict[str, Any]:
    farms = queries.farm_ids(ledger.engine)
    return {"deadlines": queries.deadlines(ledger.engine, None, as_of, []),
            "findings": queries.findings(ledger.engine, None, as_of, []),
            "standing": {farm: queries.standing(ledger.engine, farm, as_of) for farm in farms}}


def test_the_timer_stores_the_next_days_answers_so_the_first_asks_after_midnight_read_rows(
        ledger: EmbeddedLedger, monkeypatch: Any) -> None:
    from datetime import timedelta

    from services.ledger.ticker import warm_answers

    assert not ledger.ingest(parse_dicts(enumerate(generate(3, 8, 5, "2025-01"), start=1))).rejected
    today, tomorrow = AS_OF[1], AS_OF[1] + timedelta(days=1)
    expected = _answers_at(ledger, tomorrow)  # folded for tomorrow, tomorrow
    with ledger.engine.begin() as conn:
        conn.execute(delete(answers))
    warm_answers(ledger.engine, today)
    views = _counting_views(monkeypatch)
    assert _answers_at(ledger, tomorrow) == expected
    assert views == []  # every farm's rows were folded the day before

    at = "2025-11-15T10:00:00-05:00"  # farm 2's states change before midnight: its rows for tomorrow are dead
    assert post(ledger, event("ComplaintReceived", "farm-00002", at, {
        "complaint_id": "c-overnight", "received_by": "mdsc", "received_at": at, "confidential": True,
        "conflict_of_interest": False, "categories": ["hours"], "complainant": {"name": "A Worker"}})).accepted == 1
    changed = _answers_at(ledger, tomorrow)
    with ledger.engine.connect() as conn:  # its SU-2 siblings read its standing: theirs are dead too
        owner = select(owners.c.owner_id).where(owners.c.farm_id == "farm-00002")
        kin = set(conn.execute(select(owners.c.farm_id).where(owners.c.owner_id.in_(owner))).scalars())
    assert set(views) == kin | {"farm-00002"} != set(queries.farm_ids(ledger.engine))
    with ledger.engine.begin() as conn:
        conn.execute(delete(answers))
    assert _answers_at(ledger, tomorrow) == changed  # what was read for the others is what a fold gives


def test_a_farm_keeps_three_days_of_answers_and_none_under_dead_stamps(ledger: EmbeddedLedger) -> None:
    from datetime import timedelta

    post(ledger, *generate(2, 3, 5, "2025-01"))
    farm = "farm-00001"

    def rows() -> list[tuple[str, str]]:
        with ledger.engine.connect() as conn:
            return list(conn.execute(select(answers.c.as_of, answers.c.stamps).where(
                answers.c.farm_id == farm, answers.c.kind == "deadlines")).all())

    for days in (0, 1, 2, 3, 6, 4, 5):  # 2025-06-30 … 2025-07-06: a day stored drops those 3 days or more away
        queries.deadlines(ledger.engine, farm, AS_OF[0] + timedelta(days=days))
    assert sorted(day for day, _ in rows()) == ["2025-07-04", "2025-07-05", "2025-07-06"]
    at = "2025-03-20T10:00:00-05:00"
    assert post(ledger, event("ComplaintReceived", farm, at, {
        "complaint_id": "c-restamped", "received_by": "mdsc", "received_at": at, "confidential": True,
        "conflict_of_interest": False, "categories": ["hours"], "complainant": {"name": "A Worker"}})).accepted == 1
    queries.deadlines(ledger.engine, farm, AS_OF[0] + timedelta(days=4))
    assert [day for day, _ in rows()] == ["2025-07-04"]  # the others were stored under stamps that moved on
