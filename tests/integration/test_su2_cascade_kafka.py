"""SU-2 on the real broker: a suspension of one farm reaches the owner's other farm on another partition
through the log (a `SuspensionNoticed{cascade_of}` produced to the events topic keyed by the sibling), applied
by Faust worker processes that share no memory; a farm of another owner is untouched."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from events.types import DEFAULT_TZ
from services.ledger import queries
from services.ledger.distributed import DistributedLedger
from services.ledger.ingest import parse_dicts
from services.log.kafka_log import PARTITIONS, KafkaEventLog, partition_for
from services.store.database import connect
from tests.conftest import event
from tests.integration.workers import Workers, wait_for

ORIGIN, SIBLING, STRANGER = "farm-a", "farm-b", "farm-c"
TIMEOUT = 120.0


def enrol(farm: str, owner: str) -> dict[str, Any]:
    return event("FarmEnrolled", farm, "2025-01-06T12:00:00-05:00",
                 {"owner_id": owner, "name": farm, "jurisdiction": "VT", "enrolled_on": "2025-01-06",
                  "time_zone": "America/New_York"})


def test_su2_suspension_cascades_to_the_owners_farm_on_another_partition(
    kafka: str, pg_url: str, topic_prefix: str, workers: Workers
) -> None:
    assert len({partition_for(f, PARTITIONS) for f in (ORIGIN, SIBLING, STRANGER)}) == 3
    stream = [
        enrol(ORIGIN, "owner-1"), enrol(SIBLING, "owner-1"), enrol(STRANGER, "owner-2"),
        event("BuyerLinked", SIBLING, "2025-01-06T12:00:00-05:00", {"buyer_id": "buyer-1", "since": "2025-01-06"}),
        event("BuyerLinked", STRANGER, "2025-01-06T12:00:00-05:00", {"buyer_id": "buyer-1", "since": "2025-01-06"}),
        event("ViolationFound", ORIGIN, "2025-02-03T14:00:00-05:00",
              {"violation_id": "v-1", "source_id": "audit-1", "article": "I", "clause": "a", "found_on": "2025-02-03"}),
    ]
    ledger = DistributedLedger(pg_url, kafka, prefix=topic_prefix)
    assert ledger.ingest(parse_dicts(enumerate(stream, start=1))).as_json()["accepted"] == len(stream)
    ledger.close()
    workers.start()
    workers.start()
    engine = connect(pg_url)
    as_of = datetime.combine(datetime(2025, 2, 3).date(), time.max, DEFAULT_TZ)

    sibling = wait_for(lambda: _standing(engine, SIBLING, as_of), lambda s: s.get("standing") == "suspended",
                       TIMEOUT, "the sibling farm to be suspended", workers)
    origin = queries.standing(engine, ORIGIN, as_of)
    assert origin["standing"] == "suspended"
    assert sibling["suspended_until"] == origin["suspended_until"] == "2025-03-05"
    assert sibling["since"] == origin["since"] == "2025-02-03"
    assert queries.standing(engine, STRANGER, as_of)["standing"] == "good_standing"

    # The cascade travelled as an event on the log, in the sibling's partition, caused by the origin's change.
    log = KafkaEventLog(engine, kafka, topic_prefix, read_timeout=30)
    try:
        [notice] = [e for e in log.read(farm_id=SIBLING) if e.type == "SuspensionNoticed"]
    finally:
        log.close()
    assert (notice.data["cascade_of"], notice.data["until"], notice.actor_role) == (ORIGIN, "2025-03-05", "system")
    [origin_change] = [h for h in queries.farm_history(engine, ORIGIN, as_of, datetime.now(DEFAULT_TZ))
                       if h["type"] == "StandingChanged"]
    assert notice.causation_id == (origin_change["event_id"],)

    told = wait_for(lambda: queries.notifications(engine, "buyer-1"), lambda rows: len(rows) >= 1, TIMEOUT,
                    "the sibling's buyer to be notified", workers)
    assert [(n["farm_id"], n["kind"], n["standing"], n["effective_on"]) for n in told] == [
        (SIBLING, "suspension", "suspended", "2025-02-03")]
    engine.dispose()


def _standing(engine: Any, farm: str, as_of: datetime) -> dict[str, Any]:
    try:
        return queries.standing(engine, farm, as_of)
    except LookupError:  # not applied yet
        return {}
