"""The PostgreSQL paths of the store on the real server: `upsert` as one unnest statement, `claim`, and the
delivery pump's wake-up (issue 8, part 4). Marked `integration`: a missing server is a failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, select, text

from services.store.database import connect
from services.store.schema import applied, history, notifications, projection_state
from services.store.upsert import COPY_FROM, claim, upsert
from services.store.wakeup import CHANNEL, FeedWakeup, notify_feed

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    eng = connect(pg_url)
    yield eng
    eng.dispose()


def test_upsert_inserts_nulls_and_bytes_keeps_the_first_row_or_updates(engine: Engine) -> None:
    row = {"farm_id": "f-1", "seq": 1, "event_id": "e-1", "type": "FarmEnrolled", "occurred_at": None,
           "recorded_at": None, "position": 2**40, "body": b"\x00{}"}
    with engine.begin() as conn:
        upsert(conn, history, [row, {**row, "seq": 2, "position": None, "body": None}], ["farm_id", "seq"], [])
        upsert(conn, history, [{**row, "event_id": "e-other"}], ["farm_id", "seq"], [])  # a key there stays
        upsert(conn, projection_state, [{"projection": "p", "key": "k", "state": b"1"}], ["projection", "key"],
               ["state"])
        upsert(conn, projection_state, [{"projection": "p", "key": "k", "state": b"2"}], ["projection", "key"],
               ["state"])
    with engine.connect() as conn:
        rows = conn.execute(select(history.c.seq, history.c.event_id, history.c.position, history.c.body)
                            .order_by(history.c.seq)).all()
        state = conn.execute(select(projection_state.c.state)).scalar_one()
    assert [tuple(r) for r in rows] == [(1, "e-1", 2**40, b"\x00{}"), (2, "e-1", None, None)]
    assert bytes(state) == b"2"


def _awkward(n: int) -> list[dict[str, object]]:
    """History rows with what COPY's text format must escape: tabs, newlines, backslashes, quotes, NUL bytes."""
    return [{"farm_id": f"f\t{i % 3}", "seq": i, "event_id": f"e\\{i}\n\"", "type": None if i % 2 else "T,{x}",
             "occurred_at": "", "recorded_at": "\\N", "position": 2**40 + i if i % 3 else None,
             "body": bytes(range(256)) + b"\t\n\\" if i % 4 else None} for i in range(n)]


def test_upsert_of_many_rows_through_copy_writes_what_the_unnest_statement_writes(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.store.upsert as module

    copied: list[int] = []
    through = module._pg_copy
    monkeypatch.setattr(module, "_pg_copy", lambda conn, table, columns, rows, *a: (
        copied.append(len(rows)), through(conn, table, columns, rows, *a))[1])
    many = _awkward(COPY_FROM + 5)
    with engine.begin() as conn:
        upsert(conn, history, many, ["farm_id", "seq"], [])  # COPY (the batch's rows)
    assert copied == [COPY_FROM + 5]
    with engine.connect() as conn:
        through_copy = [dict(r) for r in conn.execute(select(history).order_by(history.c.seq)).mappings()]
    with engine.begin() as conn:
        conn.execute(history.delete())
        for row in many:  # one row a call: below COPY_FROM, one unnest statement each
            upsert(conn, history, [row], ["farm_id", "seq"], [])
    assert copied == [COPY_FROM + 5]  # the rows one at a time did not go through COPY
    with engine.connect() as conn:
        through_unnest = [dict(r) for r in conn.execute(select(history).order_by(history.c.seq)).mappings()]
    assert through_copy == through_unnest
    assert [{**r, "body": bytes(r["body"]) if r["body"] is not None else None} for r in through_copy] == many


def test_upsert_through_copy_keeps_the_first_row_or_updates_and_keeps_the_written_order(engine: Engine) -> None:
    rows = [{"projection": "p", "key": f"k{i}", "state": b"1"} for i in range(COPY_FROM)]
    with engine.begin() as conn:
        upsert(conn, projection_state, rows, ["projection", "key"], ["state"])
        upsert(conn, projection_state, [{**r, "state": b"2"} for r in rows], ["projection", "key"], [])  # kept
        upsert(conn, projection_state, [{**r, "state": b"3"} for r in rows[:COPY_FROM // 2]]
               + [{"projection": "p", "key": f"new{i}", "state": b"4"} for i in range(COPY_FROM)],
               ["projection", "key"], ["state"])  # updated, and new ones added, in one statement
        made = [{"notification_id": f"n{n:03d}", "buyer_id": "b", "farm_id": "f", "kind": "k", "standing": "s",
                 "effective_on": "2026-01-01"} for n in reversed(range(COPY_FROM * 2))]
        upsert(conn, notifications, made, ["notification_id"], [])
    with engine.connect() as conn:
        states = {k: bytes(v) for k, v in conn.execute(select(projection_state.c.key, projection_state.c.state))}
        order = list(conn.execute(select(notifications.c.notification_id).order_by(notifications.c.position))
                     .scalars())
    assert states == {**{f"k{i}": b"3" if i < COPY_FROM // 2 else b"1" for i in range(COPY_FROM)},
                      **{f"new{i}": b"4" for i in range(COPY_FROM)}}
    assert order == [m["notification_id"] for m in made]  # positions given in the order the rows were written


def test_copy_works_again_after_the_transaction_that_made_its_table_rolled_back(engine: Engine) -> None:
    rows = _awkward(COPY_FROM)
    with engine.begin() as conn:  # the session's staging table is made here, then rolled back with the rows
        upsert(conn, history, rows, ["farm_id", "seq"], [])
        assert claim(conn, applied, "event_id", [f"id-{i}" for i in range(COPY_FROM)]) == {
            f"id-{i}" for i in range(COPY_FROM)}
        conn.rollback()
    with engine.begin() as conn:
        upsert(conn, history, rows, ["farm_id", "seq"], [])
        assert claim(conn, applied, "event_id", [f"id-{i}" for i in range(COPY_FROM * 2)] + ["id-0"]) == {
            f"id-{i}" for i in range(COPY_FROM * 2)}
        assert claim(conn, applied, "event_id", [f"id-{i}" for i in range(COPY_FROM * 3)]) == {
            f"id-{i}" for i in range(COPY_FROM * 2, COPY_FROM * 3)}
    with engine.connect() as conn:
        assert counts(conn) == (COPY_FROM, COPY_FROM * 3)


def counts(conn: Connection) -> tuple[int, int]:
    return (len(conn.execute(select(history.c.seq)).all()), len(conn.execute(select(applied.c.event_id)).all()))


def test_claim_returns_only_the_values_not_there_yet_once(engine: Engine) -> None:
    with engine.begin() as conn:
        assert claim(conn, applied, "event_id", ["a", "b"]) == {"a", "b"}
        assert claim(conn, applied, "event_id", ["b", "c", "c"]) == {"c"}
        assert claim(conn, applied, "event_id", []) == set()
    with engine.begin() as conn:
        assert claim(conn, applied, "event_id", ["d"]) == {"d"}
        conn.rollback()  # a rolled-back claim is no claim
    with engine.connect() as conn:
        assert sorted(conn.execute(select(applied.c.event_id)).scalars()) == ["a", "b", "c"]


def test_a_commit_with_derived_events_wakes_the_pump_of_its_schema_only(engine: Engine) -> None:
    wakeup = FeedWakeup(engine)
    stop = threading.Event()
    try:
        started = time.monotonic()
        wakeup.wait(stop, 0.5)  # nothing announced: the whole interval
        assert time.monotonic() - started >= 0.45

        def commit_later() -> None:
            time.sleep(0.2)
            with engine.begin() as conn:
                notify_feed(conn)

        threading.Thread(target=commit_later).start()
        started = time.monotonic()
        wakeup.wait(stop, 10.0)
        assert time.monotonic() - started < 5.0  # woken by the commit, not the interval

        with engine.begin() as conn:  # another schema's notice, and a rolled-back one, wake nobody here
            conn.execute(text("SELECT pg_notify(:c, 'some_other_schema')"), {"c": CHANNEL})
        with engine.begin() as conn:
            notify_feed(conn)
            conn.rollback()
        started = time.monotonic()
        wakeup.wait(stop, 0.6)
        assert time.monotonic() - started >= 0.55
    finally:
        wakeup.close()


def test_a_partition_locked_by_one_transaction_waits_for_its_commit_in_another(engine: Engine) -> None:
    """`lock_partitions` takes every partition's advisory lock in one statement, held to commit."""
    from services.store.locks import lock_partitions

    order: list[str] = []
    locked = threading.Event()

    def second() -> None:
        locked.wait(10)
        with engine.begin() as conn:
            lock_partitions(conn, [("t", 2)])  # one of the first's: waits for its commit
            order.append("second")

    other = threading.Thread(target=second)
    other.start()
    with engine.begin() as conn:
        assert lock_partitions(conn, [("t", 1), ("t", 2), ("t", 3)]) == {}
        locked.set()
        time.sleep(0.5)
        order.append("first")
    other.join(10)
    assert order == ["first", "second"]
