"""A read-model commit that derived events wakes the delivery pump at once (PostgreSQL LISTEN/NOTIFY).

Without it the pump finds them on its next round, up to an interval later (1 s: most of the event → buyer
topic time). The notice is sent by the committing transaction (`pg_notify` is delivered on commit, never
for a rollback) and names the schema, so ledgers sharing a database do not wake each other's pumps. It only
shortens a wait: the pump still runs a round every interval, so a notice lost (a listener reconnecting)
delays nothing by more than that. SQLite has no notices: there the pump just waits its interval.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

CHANNEL = "dignity_feed"


def notify_feed(conn: Connection) -> None:
    """Wake the pumps of this schema when the caller's transaction commits."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, current_schema())"), {"channel": CHANNEL})


class FeedWakeup:
    """Waits for a notice of this engine's schema, or a timeout; a plain wait on SQLite or when listening
    fails (the connection is opened again on the next wait)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Any = None
        self._schema = ""

    def wait(self, stop: threading.Event, timeout: float) -> None:
        if self.engine.dialect.name != "postgresql":
            stop.wait(timeout)
            return
        try:
            self._wait(stop, timeout)
        except Exception as exc:  # the database restarted or is down: wait plainly, listen again next time
            log.warning("not listening for new derived events: %r", exc)
            self.close()
            stop.wait(timeout)

    def _wait(self, stop: threading.Event, timeout: float) -> None:
        conn = self._conn or self._listen()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0 and not stop.is_set():
            step = min(left, 0.25)  # `stop` is looked at this often
            # Each generator is run to its end: one left suspended would hold the connection's lock.
            if any(n.payload == self._schema for n in list(conn.notifies(timeout=step, stop_after=1))):
                list(conn.notifies(timeout=0.0))  # notices that came together are one wake-up
                return

    def _listen(self) -> Any:
        raw = self.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours for as long as we listen; never handed back to the pool in autocommit
        conn.autocommit = True
        self._schema = str(conn.execute("SELECT current_schema()").fetchone()[0])
        conn.execute(f"LISTEN {CHANNEL}")
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a connection already broken is closed all the same
                self._conn.close()
            self._conn = None
