"""The distributed timer's standing tick (`Projector.tick`), fed by hand on SQLite: a change brought by time
alone goes to the farm's history and the outbox like a fact's derived events, its SU-2 notice to `relay`;
a second tick writes nothing; a farm enrolled after its sibling's suspension gets the notice from the
`cascades` directory when its enrolment is applied."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, select

from events.types import DEFAULT_TZ
from services.runner.projector import Projector
from services.store.database import connect
from services.store.schema import history, outbox, relay
from tests.conftest import event
from tests.unit.test_distributed_projector import TOPIC, enrol, recorded, records

MOMENT = datetime(2026, 3, 10, 12, 0, tzinfo=DEFAULT_TZ)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return connect(f"sqlite:///{tmp_path / 'read_models.db'}")


def changes(engine: Engine, farm: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        bodies = conn.execute(select(history.c.body).where(history.c.farm_id == farm,
                                                           history.c.type == "StandingChanged")
                              .order_by(history.c.seq)).scalars()
        return [(d["data"]["standing"], d["data"]["kind"], d["occurred_at"][:10]) for d in map(orjson.loads, bodies)]


def test_su1_a_tick_writes_the_time_brought_change_once_with_its_su2_notice(engine: Engine) -> None:
    suspended = event("SuspensionNoticed", "farm-a", "2026-02-02",
                      {"suspension_id": "s-1", "notice_on": "2026-02-02", "basis": "AU-3"})
    audit = event("AuditConducted", "farm-a", "2026-02-16",
                  {"audit_id": "re-1", "kind": "reentry", "conducted_on": "2026-02-16", "outcome": "pass"})
    projector = Projector(engine)
    projector.apply(records(*(recorded(e) for e in (enrol("farm-a"), suspended, audit))))
    assert changes(engine, "farm-a") == [("suspended", "suspension", "2026-02-02")]

    early = projector.tick(TOPIC, {0: ["farm-a"]}, datetime(2026, 3, 4, 12, 0, tzinfo=DEFAULT_TZ))
    assert early.derived == []  # the period ends on 2026-03-04
    outcome = projector.tick(TOPIC, {0: ["farm-a"]}, MOMENT)
    assert changes(engine, "farm-a") == [("suspended", "suspension", "2026-02-02"),
                                         ("good_standing", "reinstated", "2026-03-05")]
    with engine.connect() as conn:
        queued = set(conn.execute(select(outbox.c.event_id).where(outbox.c.published == 0)).scalars())
    assert {d["event_id"] for d in outcome.derived} <= queued
    assert projector.tick(TOPIC, {0: ["farm-a"]}, MOMENT).derived == []


def test_su2_a_suspension_by_tick_is_relayed_and_a_late_enrolment_catches_up(engine: Engine) -> None:
    violation = event("ViolationFound", "farm-a", "2026-02-02",
                      {"violation_id": "v-1", "source_id": "audit-1", "article": "I", "clause": "c",
                       "found_on": "2026-02-02", "offender": {"role": "worker", "person_id": "p-1"}})
    projector = Projector(engine)
    projector.apply(records(recorded(enrol("farm-b")), partition=1))
    projector.apply(records(*(recorded(e) for e in (enrol("farm-a"), violation))))
    assert changes(engine, "farm-a") == []  # AU-4: the offender may still be terminated by 2026-02-03
    outcome = projector.tick(TOPIC, {0: ["farm-a"]}, MOMENT)
    assert changes(engine, "farm-a") == [("suspended", "suspension", "2026-02-04")]
    [notice] = outcome.relay
    assert (notice["farm_id"], notice["data"]["cascade_of"]) == ("farm-b", "farm-a")

    late = event("FarmEnrolled", "farm-c", "2026-02-20", {"owner_id": "owner-1", "name": "farm-c",
                                                          "jurisdiction": "VT", "enrolled_on": "2026-02-20",
                                                          "time_zone": "America/New_York"})
    caught = projector.apply(records(recorded(late), partition=2))
    [again] = caught.relay  # addressed to the farm enrolled, through the log like any SU-2 notice
    assert (again["farm_id"], again["data"]["until"]) == ("farm-c", notice["data"]["until"])
    assert again["causation_id"] == notice["causation_id"]
    with engine.connect() as conn:
        assert set(conn.execute(select(relay.c.farm_id)).scalars()) == {"farm-b", "farm-c"}
