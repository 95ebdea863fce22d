"""BU-1: a change time alone brings reaches buyers without anyone running a command: the server ticks on a
timer (`services/ledger/ticker.py`, DIGNITY_TICK_SECONDS)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from events.types import DEFAULT_TZ
from services.ledger import queries, ticker
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def test_bu1_the_timer_tells_buyers_of_a_suspension_time_brought(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.post("BuyerLinked", "2025-01-06", {"buyer_id": "b-1", "since": "2025-01-06"})
    farm.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # nobody terminated in 24 h
    assert queries.notifications(ledger.engine, "b-1") == []  # no fact brought it yet
    clock = lambda: datetime(2025, 2, 10, 12, tzinfo=DEFAULT_TZ)  # noqa: E731
    thread, stop = ticker.start(ledger.engine, 0.05, clock=clock)
    try:
        deadline = time.monotonic() + 10
        while not queries.notifications(ledger.engine, "b-1") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    told = [(n["kind"], n["effective_on"]) for n in queries.notifications(ledger.engine, "b-1")]
    assert told == [("suspension", "2025-02-05")]
    assert ticker.tick_once(ledger.engine, clock=clock) == 0  # written once


def test_bu1_the_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ticker.ENV, "2.5")
    assert ticker.tick_seconds() == 2.5
    assert ticker.tick_seconds(7) == 7
    monkeypatch.setenv(ticker.ENV, "soon")
    assert ticker.tick_seconds() == ticker.DEFAULT_SECONDS
    monkeypatch.delenv(ticker.ENV)
    assert ticker.tick_seconds() == ticker.DEFAULT_SECONDS


def test_bu1_serve_ticks_on_its_timer_while_serving(ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from services.api.app import create_app

    farm = Farm(ledger)
    farm.post("BuyerLinked", "2025-01-06", {"buyer_id": "b-1", "since": "2025-01-06"})
    farm.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")
    app = create_app(str(ledger.engine.url), tick_seconds=0.05)
    with TestClient(app):  # the lifespan runs the delivery loop and the timer
        deadline = time.monotonic() + 10
        while not queries.notifications(ledger.engine, "b-1") and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [n["kind"] for n in queries.notifications(ledger.engine, "b-1")] == ["suspension"]
    monkeypatch.delenv(ticker.ENV, raising=False)
    assert create_app(str(ledger.engine.url)).state.tick_seconds == 0  # tests and embedders opt in
