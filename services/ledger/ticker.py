"""Time-brought changes without anyone running a command (BU-1, App. C I.3, I.8): a thread beside the
server that runs the embedded ledger's tick on a timer, so a period served, an offender not terminated in
time or a cure period over reaches buyers on its own. `dignity tick` stays for scripts.

Each tick uses a fresh `EmbeddedLedger` (its state cache starts empty, so it never writes over what another
writer of the same database did since), under the caller's write lock (the API's ingest lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from sqlalchemy import Engine

from services.settings import settings
from services.store.database import now

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 60.0
ENV = "DIGNITY_TICK_SECONDS"


def tick_seconds(given: float | None = None) -> float:
    """The interval: given, else DIGNITY_TICK_SECONDS, else a minute; 0 or less turns the timer off."""
    if given is not None:
        return given
    raw = settings().tick_seconds  # DIGNITY_TICK_SECONDS
    try:
        return float(raw) if raw else DEFAULT_SECONDS
    except ValueError:
        log.warning("%s=%r is not a number of seconds; using %s", ENV, raw, DEFAULT_SECONDS)
        return DEFAULT_SECONDS


def tick_once(engine: Engine, lock: AbstractContextManager[object] | None = None,
              clock: Callable[[], datetime] = now) -> int:
    """One tick; returns how many derived events and notices it wrote."""
    from services.ledger.embedded import EmbeddedLedger

    with lock or nullcontext():
        report = EmbeddedLedger(engine=engine, clock=clock).tick()
    warm_answers(engine, clock())
    return len(report.derived) + len(report.appended)


def warm_answers(engine: Engine, at: datetime) -> None:
    """Fold and store the deadlines, findings and standing of every farm changed since they were last stored,
    for its day and for the day after (`AHEAD`), so a reader finds rows (issue 8), and the first readers after
    midnight too. Outside the writer's lock: storing them never waits on an ingest."""
    from services.ledger.queries import farm_answers, farm_ids, standing

    errors: list[str] = []
    for ahead in AHEAD:
        for _ in farm_answers(engine, ("deadlines", "findings"), None, at, errors, ahead):  # one fold for both,
            pass  # stored as they go: no list of every row
        for farm in farm_ids(engine):  # read stored when current: a farm changed since folds, the others are read
            try:
                standing(engine, farm, at, ahead)
            except LookupError:  # a farm with states but no enrolment yet
                continue


AHEAD = (0, 1)
"""The days the timer keeps answers stored for: today, and tomorrow, folded from today's states (an answer is a
pure function of the states and the day; a change to the states before then gives the farm a new stamp)."""


def start(engine: Engine, interval: float, lock: AbstractContextManager[object] | None = None,
          clock: Callable[[], datetime] = now) -> tuple[threading.Thread, threading.Event]:
    """Tick now and then every `interval` seconds until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                tick_once(engine, lock, clock)
            except Exception:  # a failed tick is retried by the next one; never kill the server
                log.exception("tick failed; the next one tries again")
            if stop.wait(interval):
                return

    thread = threading.Thread(target=loop, name="dignity-tick", daemon=True)
    thread.start()
    return thread, stop
