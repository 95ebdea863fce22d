"""Standing states of the previous shape (every conduct fact) are migrated in place on PostgreSQL, where the
read models are kept (their log is Kafka): the same snapshots and conduct facts as the new code folds."""

from __future__ import annotations

from pathlib import Path

from projections.standing.conduct import all_facts
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.ledger.queries import load_state, states_of
from services.store.database import connect
from services.store.migrate import migrate
from services.store.states import save_whole
from tests.unit.test_store_migrate import previous_shape


def test_standing_states_holding_every_fact_are_migrated_in_place_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    folded = EmbeddedLedger(f"sqlite:///{tmp_path / 'new.db'}")
    assert not folded.ingest(parse_dicts(enumerate(generate(2, 14, 4), start=1))).rejected
    farms = ["farm-00001", "farm-00002"]
    engine = connect(pg_url)
    with engine.begin() as conn:  # the read models the previous version left on PostgreSQL
        save_whole(conn, {("standing", f): previous_shape(folded.engine, f) for f in farms})
    migrate(engine)
    for farm in farms:
        mine, theirs = load_state(engine, "standing", farm) or {}, load_state(folded.engine, "standing", farm) or {}
        assert mine["snapshot"]["machine"] == theirs["snapshot"]["machine"]
        assert [f["on"] for f in mine["facts"]] == [f["on"] for f in theirs["facts"]]
        tz = theirs["time_zone"]
        ids = [(f["event_id"], f["on"]) for f in all_facts(states_of(engine, farm)["conduct"], tz)]
        assert ids == [(f["event_id"], f["on"]) for f in all_facts(states_of(folded.engine, farm)["conduct"], tz)]
    once = {f: load_state(engine, "standing", f) for f in farms}
    migrate(engine)  # a second start changes nothing
    assert {f: load_state(engine, "standing", f) for f in farms} == once
    engine.dispose()
    folded.engine.dispose()
