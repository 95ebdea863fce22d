"""The worker's timer writes standing changes brought by time alone into the history in PostgreSQL, with their
buyer notifications and SU-2 notices, once each, without any new fact arriving."""

from __future__ import annotations

import time as clock
from datetime import datetime, time
from typing import Any

import orjson
from sqlalchemy import Engine, select

from events.types import DEFAULT_TZ
from services.ledger import queries
from services.ledger.distributed import DistributedLedger
from services.ledger.ingest import parse_dicts
from services.log.kafka_log import PARTITIONS, partition_for
from services.store.database import connect
from services.store.schema import history
from tests.conftest import event
from tests.integration.workers import Workers, wait_for

SERVED, ORIGIN, SIBLING = "farm-a", "farm-b", "farm-c"  # farm-b and farm-c: one owner, two partitions
TIMEOUT = 120.0


def enrol(farm: str, owner: str) -> dict[str, Any]:
    return event("FarmEnrolled", farm, "2025-01-06T12:00:00-05:00",
                 {"owner_id": owner, "name": farm, "jurisdiction": "VT", "enrolled_on": "2025-01-06",
                  "time_zone": "America/New_York"})


def link(farm: str, buyer: str) -> dict[str, Any]:
    return event("BuyerLinked", farm, "2025-01-06T12:00:00-05:00", {"buyer_id": buyer, "since": "2025-01-06"})


def changes(engine: Engine, farm: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        bodies = conn.execute(select(history.c.body).where(history.c.farm_id == farm,
                                                           history.c.type == "StandingChanged")
                              .order_by(history.c.seq)).scalars()
        return [(d["data"]["standing"], d["data"]["kind"], d["occurred_at"][:10]) for d in map(orjson.loads, bodies)]


def test_the_timer_writes_a_time_brought_change_with_its_notifications_and_cascade(
    kafka: str, pg_url: str, topic_prefix: str, workers: Workers
) -> None:
    assert partition_for(ORIGIN, PARTITIONS) != partition_for(SIBLING, PARTITIONS)
    stream = [
        enrol(SERVED, "owner-1"), link(SERVED, "buyer-1"), link(SERVED, "buyer-2"),
        event("SuspensionNoticed", SERVED, "2025-02-03T12:00:00-05:00",
              {"suspension_id": "s-1", "notice_on": "2025-02-03", "basis": "Art. II o"}),
        event("AuditConducted", SERVED, "2025-02-20T12:00:00-05:00",  # passed early: reinstated on 2025-03-06
              {"audit_id": "re-1", "kind": "reentry", "conducted_on": "2025-02-20", "outcome": "pass"}),
        enrol(ORIGIN, "owner-2"), enrol(SIBLING, "owner-2"), link(SIBLING, "buyer-3"),
        event("ViolationFound", ORIGIN, "2025-02-03T14:00:00-05:00",  # AU-4: nobody terminated by 2025-02-04
              {"violation_id": "v-1", "source_id": "audit-1", "article": "I", "clause": "c", "found_on": "2025-02-03",
               "offender": {"role": "worker", "person_id": "p-1"}}),
    ]
    ledger = DistributedLedger(pg_url, kafka, prefix=topic_prefix)
    assert ledger.ingest(parse_dicts(enumerate(stream, start=1))).as_json()["accepted"] == len(stream)
    ledger.close()
    workers.start(DIGNITY_SWEEP_SECONDS="1")
    engine = connect(pg_url)

    served = wait_for(lambda: changes(engine, SERVED), lambda c: len(c) >= 2, TIMEOUT,
                      "the timer to reinstate the farm", workers)
    assert served == [("suspended", "suspension", "2025-02-03"), ("good_standing", "reinstated", "2025-03-06")]
    told = wait_for(lambda: [n for b in ("buyer-1", "buyer-2") for n in queries.notifications(engine, b)],
                    lambda rows: len(rows) >= 4, TIMEOUT, "both buyers to be told", workers)
    assert sorted((n["kind"], n["effective_on"]) for n in told) == [
        ("reinstated", "2025-03-06"), ("reinstated", "2025-03-06"), ("suspension", "2025-02-03"),
        ("suspension", "2025-02-03")]

    assert wait_for(lambda: changes(engine, ORIGIN), lambda c: len(c) >= 1, TIMEOUT, "the AU-4 suspension",
                    workers) == [("suspended", "suspension", "2025-02-05")]
    assert wait_for(lambda: changes(engine, SIBLING), lambda c: len(c) >= 1, TIMEOUT,
                    "the SU-2 cascade of a change written by the timer", workers)[:1] == [
        ("suspended", "suspension", "2025-02-05")]
    assert [n["kind"] for n in wait_for(lambda: queries.notifications(engine, "buyer-3"), lambda r: len(r) >= 1,
                                        TIMEOUT, "the sibling's buyer", workers)] == ["suspension"]

    clock.sleep(3)  # three more ticks: nothing written twice
    assert changes(engine, SERVED) == served
    assert len([n for b in ("buyer-1", "buyer-2") for n in queries.notifications(engine, b)]) == 4
    as_of = datetime.combine(datetime(2025, 3, 6).date(), time.max, DEFAULT_TZ)
    assert queries.standing(engine, SERVED, as_of)["standing"] == "good_standing"
    engine.dispose()
