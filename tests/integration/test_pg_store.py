"""The PostgreSQL paths of the store on the real server: `upsert` as one unnest statement, `claim`, and the
delivery pump's wake-up (issue 8, part 4). Marked `integration`: a missing server is a failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text

from services.store.database import connect
from services.store.schema import applied, history, projection_state
from services.store.upsert import claim, upsert
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
