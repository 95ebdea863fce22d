"""The kin rules in the distributed runner's transaction (fed by hand on SQLite, as
test_distributed_projector does): the cross-farm rows are written by the worker, and the timer's
`RiskLevelChanged` goes to `relay` (the events topic), then folds like any record, once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, select

from events.types import DEFAULT_TZ
from services.ledger import kin_queries
from services.runner.projector import Projector, Record
from services.store.database import connect
from services.store.schema import history, relay
from tests.conftest import event
from tests.unit.test_distributed_projector import TOPIC, enrol, recorded
from tests.unit.test_kin_common import contractor, fee, hire_via, indicator


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return connect(f"sqlite:///{tmp_path / 'read_models.db'}")


def test_rr3_and_rk1_in_the_worker(engine: Engine) -> None:
    bodies = [enrol("farm-a"), enrol("farm-b"),
              event("BuyerLinked", "farm-a", "2026-01-02", {"buyer_id": "buyer-1", "since": "2026-01-02"}),
              contractor("flc-1", "2025-01-01", "2030-01-01"), indicator("composite", "40", "40", "0.4"),
              fee("fee-1", "w9", "300.00", "2026-01-10", "flc-1", farm="farm-b"),
              hire_via("w1", "2026-02-01", "flc-1", farm="farm-a")]
    projector = Projector(engine)
    projector.apply([Record(TOPIC, 0, i, recorded(b)) for i, b in enumerate(bodies)])
    contractors = kin_queries.contractors(engine, "flc-1", datetime(2026, 3, 1, tzinfo=DEFAULT_TZ))
    assert contractors[0]["flagged"] and [f["rule"] for f in contractors[0]["findings"]] == ["RR-2", "RR-3"]
    at = datetime(2026, 3, 1, 12, tzinfo=DEFAULT_TZ)
    outcome = projector.tick(TOPIC, {0: ["farm-a"]}, at)  # the worker's timer
    made = [d for d in outcome.relay if d["type"] == "RiskLevelChanged"]
    assert [(d["data"]["theme"], d["data"]["level"]) for d in made] == [("forced_labor", "medium")]
    with engine.connect() as conn:
        assert [d for d in conn.execute(select(relay.c.event_id)).scalars()] == [made[0]["event_id"]]
    again = Projector(engine).tick(TOPIC, {0: ["farm-a"]}, at)
    assert not [d for d in again.relay if d["type"] == "RiskLevelChanged"]  # already on its way
    projector.apply([Record(TOPIC, 0, len(bodies), orjson.dumps(made[0]))])  # back from the topic
    with engine.connect() as conn:
        types = [t for t in conn.execute(select(history.c.type).where(history.c.farm_id == "farm-a")).scalars()]
    assert types[-2:] == ["RiskLevelChanged", "BuyerNotified"]
    later = Projector(engine).tick(TOPIC, {0: ["farm-a"]}, at.replace(day=2))
    assert not [d for d in later.relay if d["type"] == "RiskLevelChanged"]  # folded: the level is known

def test_rk1_the_level_is_asked_again_only_after_a_new_day_or_event(tmp_path: Path) -> None:
    from services.ledger.embedded import EmbeddedLedger
    from services.runner.risk_sweep import Throttle
    from tests.conftest import post

    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'l.db'}")
    throttle = Throttle()
    at = datetime(2026, 3, 1, 12, tzinfo=DEFAULT_TZ)
    assert throttle.due(ledger.engine, at) and not throttle.due(ledger.engine, at)
    assert throttle.due(ledger.engine, at.replace(day=2))
    assert post(ledger, enrol("farm-a")).accepted == 1
    assert throttle.due(ledger.engine, at.replace(day=2)) and not throttle.due(ledger.engine, at.replace(day=2))
    assert throttle.due(ledger.engine, at.replace(day=2), ["farm-a"])
