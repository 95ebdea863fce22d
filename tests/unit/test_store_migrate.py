"""A database written by the previous version (history rows holding a copy of every body) is brought to the
current shape on first start: the embedded read models are replayed from the log, with the same answers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from services.ledger.embedded import EmbeddedLedger
from services.ledger.queries import farm_history, states_of
from services.store.database import now
from services.store.history import history_bodies
from tests.conftest import post
from tests.unit.test_ledger_core import FARM, complaint, enrol

_OLD_HISTORY = """CREATE TABLE history (farm_id VARCHAR(120) NOT NULL, seq INTEGER NOT NULL,
  event_id VARCHAR(36) NOT NULL, type VARCHAR(40) NOT NULL, occurred_at VARCHAR(40) NOT NULL,
  recorded_at VARCHAR(40) NOT NULL, body BLOB NOT NULL, PRIMARY KEY (farm_id, seq))"""


def test_history_with_copied_bodies_is_migrated_to_rows_pointing_at_the_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    ledger = EmbeddedLedger(url)
    post(ledger, enrol(), complaint(), complaint("c-2"))
    end = now()
    answer, states = farm_history(ledger.engine, FARM, end, end), states_of(ledger.engine, FARM)
    with ledger.engine.begin() as conn:  # what the previous version left: every body copied into history
        old = list(history_bodies(conn))
        conn.execute(text("DROP TABLE history"))
        conn.execute(text(_OLD_HISTORY))
        for farm, seq, body in old:
            conn.execute(text("INSERT INTO history VALUES (:f, :s, 'x', 'y', '', '', :b)"),
                         {"f": farm, "s": seq, "b": body})
    ledger.engine.dispose()

    reopened = EmbeddedLedger(url)

    with reopened.engine.connect() as conn:
        assert "position" in {c["name"] for c in inspect(conn).get_columns("history")}
        pointing = text("SELECT count(*) FROM history WHERE position IS NOT NULL AND body IS NULL")
        assert conn.execute(pointing).scalar() == 3
    assert farm_history(reopened.engine, FARM, end, end) == answer and len(answer) == 3
    assert states_of(reopened.engine, FARM) == states
