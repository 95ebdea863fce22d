"""A database written by the previous version (history rows holding a copy of every body) is brought to the
current shape on first start: the embedded read models are replayed from the log, with the same answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_standing_states_holding_every_fact_are_migrated_to_a_snapshot_and_conduct_months(tmp_path: Path) -> None:
    """The previous version kept every conduct fact in the standing state; on first start it becomes a
    snapshot plus the facts after it, and the facts the `conduct` parts, with the same answers."""
    check_standing_migration(f"sqlite:///{tmp_path / 'old.db'}")


def previous_shape(engine: Any, farm: str) -> dict[str, Any]:
    """A farm's standing state as the previous version stored it: its keys and every conduct fact."""
    from projections.standing.conduct import all_facts
    from services.ledger.queries import load_state

    state = load_state(engine, "standing", farm) or {}
    facts = all_facts(states_of(engine, farm)["conduct"], state["time_zone"])
    old = {k: state[k] for k in ("farm_id", "time_zone", "seq", "watermark", "emitted")}
    old["facts"] = [{k: v for k, v in f.items() if k != "at"} for f in facts]
    return old


def check_standing_migration(url: str) -> None:
    """Ingest into `url`, rewrite its standing states as the previous version stored them, open it again:
    the same snapshots and answers (also run on PostgreSQL by the integration tests)."""
    from datetime import UTC, date, datetime, time, timedelta

    import orjson

    from services.generate.program import generate
    from services.ledger.ingest import parse_dicts
    from services.ledger.queries import deadlines, findings, load_state, standing
    from services.store.states import save_whole

    ledger = EmbeddedLedger(url)
    assert not ledger.ingest(parse_dicts(enumerate(generate(2, 14, 4), start=1))).rejected
    farms = ["farm-00001", "farm-00002"]
    days = [datetime.combine(date(2025, 1, 31) + timedelta(days=45 * n), time(23), UTC) for n in range(10)]

    def answers(engine: object) -> list[object]:
        return [[standing(engine, f, d), deadlines(engine, f, d), findings(engine, f, d)]  # type: ignore[arg-type]
                for f in farms for d in days]

    before = answers(ledger.engine)
    snapshots = {f: (load_state(ledger.engine, "standing", f) or {})["snapshot"] for f in farms}
    old_sizes: dict[str, int] = {}
    with ledger.engine.begin() as conn:  # what the previous version left: every fact in the standing state
        for farm in farms:
            old = previous_shape(ledger.engine, farm)
            save_whole(conn, {("standing", farm): old})
            old_sizes[farm] = len(orjson.dumps(old))
        conn.execute(text("DELETE FROM state_parts WHERE projection = 'conduct'"))
    ledger.engine.dispose()

    reopened = EmbeddedLedger(url)
    for farm in farms:
        migrated = load_state(reopened.engine, "standing", farm) or {}
        assert migrated["snapshot"]["machine"] == snapshots[farm]["machine"]
        assert len(orjson.dumps(migrated)) < old_sizes[farm]
    assert answers(reopened.engine) == before


_OLD_ANSWERS = """CREATE TABLE answers (farm_id VARCHAR(120) NOT NULL, kind VARCHAR(200) NOT NULL, zone VARCHAR(64),
  as_of VARCHAR(10) NOT NULL, stamps VARCHAR(80) NOT NULL, body BLOB NOT NULL, PRIMARY KEY (farm_id, kind))"""


def test_stored_answers_keyed_by_farm_and_kind_become_keyed_by_day_and_answer_as_before(tmp_path: Path) -> None:
    from services.ledger.queries import deadlines

    url = f"sqlite:///{tmp_path / 'old.db'}"
    ledger = EmbeddedLedger(url)
    post(ledger, enrol(), complaint(), complaint("c-2"))
    end = now()
    answer = deadlines(ledger.engine, FARM, end)
    with ledger.engine.begin() as conn:  # the previous version's table: a row per farm and kind
        conn.execute(text("DROP TABLE answers"))
        conn.execute(text(_OLD_ANSWERS))
        conn.execute(text("INSERT INTO answers VALUES (:f, 'deadlines', NULL, '2020-01-01', 'x/y', '[]')"), {"f": FARM})
    ledger.engine.dispose()

    reopened = EmbeddedLedger(url)

    with reopened.engine.connect() as conn:
        assert inspect(conn).get_pk_constraint("answers")["constrained_columns"] == ["farm_id", "kind", "as_of"]
    assert deadlines(reopened.engine, FARM, end) == answer
