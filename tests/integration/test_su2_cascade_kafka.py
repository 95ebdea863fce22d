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


def test_su2_a_farm_whose_enrolment_is_applied_after_the_suspension_still_follows_it(
    kafka: str, pg_url: str, topic_prefix: str, workers: Workers
) -> None:
    """The enrolment reaches the log only once the origin's suspension is applied: the sibling gets the
    notice from the `cascades` directory when its `FarmEnrolled` is applied. A farm enrolled during the
    suspension is suspended from its enrolment for the rest of the period."""
    ledger = DistributedLedger(pg_url, kafka, prefix=topic_prefix)
    first = [enrol(ORIGIN, "owner-1"), enrol(STRANGER, "owner-2"),
             event("ViolationFound", ORIGIN, "2025-02-03T14:00:00-05:00",
                   {"violation_id": "v-1", "source_id": "audit-1", "article": "I", "clause": "a",
                    "found_on": "2025-02-03"})]
    assert ledger.ingest(parse_dicts(enumerate(first, start=1))).as_json()["accepted"] == len(first)
    workers.start()
    engine = connect(pg_url)
    wait_for(lambda: _standing(engine, ORIGIN, _end("2025-02-03")), lambda s: s.get("standing") == "suspended",
             TIMEOUT, "the origin to be suspended", workers)

    during = event("FarmEnrolled", LATE, "2025-02-10T12:00:00-05:00",
                   {"owner_id": "owner-1", "name": LATE, "jurisdiction": "VT", "enrolled_on": "2025-02-10",
                    "time_zone": "America/New_York"})
    later = [enrol(SIBLING, "owner-1"), during,
             event("BuyerLinked", LATE, "2025-02-10T12:00:00-05:00", {"buyer_id": "buyer-2", "since": "2025-02-10"})]
    assert ledger.ingest(parse_dicts(enumerate(later, start=1))).as_json()["accepted"] == len(later)
    ledger.close()

    sibling = wait_for(lambda: _standing(engine, SIBLING, _end("2025-02-03")),
                       lambda s: s.get("standing") == "suspended", TIMEOUT, "the sibling to be suspended", workers)
    assert (sibling["since"], sibling["suspended_until"]) == ("2025-02-03", "2025-03-05")
    late = wait_for(lambda: _standing(engine, LATE, _end("2025-02-10")), lambda s: s.get("standing") == "suspended",
                    TIMEOUT, "the farm enrolled during the suspension to be suspended", workers)
    assert (late["since"], late["suspended_until"], late["suspension_count"]) == ("2025-02-10", "2025-03-05", 1)
    told = wait_for(lambda: queries.notifications(engine, "buyer-2"), lambda rows: len(rows) >= 1, TIMEOUT,
                    "the late farm's buyer to be notified", workers)
    assert [(n["farm_id"], n["kind"], n["effective_on"]) for n in told] == [(LATE, "suspension", "2025-02-10")]
    assert queries.standing(engine, STRANGER, _end("2025-02-10"))["standing"] == "good_standing"
    log = KafkaEventLog(engine, kafka, topic_prefix, read_timeout=30)
    try:
        notices = [e for e in log.read() if e.type == "SuspensionNoticed"]
    finally:
        log.close()
    assert sorted(n.farm_id for n in notices) == [SIBLING, LATE]  # one each, and none for the stranger
    engine.dispose()


PAIRS = 6


def test_su2_many_siblings_enrolled_right_after_suspensions_on_two_workers_miss_none(
    kafka: str, pg_url: str, topic_prefix: str, workers: Workers
) -> None:
    """The race itself: each owner's first farm is suspended and its second farm's enrolment follows at once,
    on other partitions, two workers applying them concurrently. Every second farm is suspended, once."""
    pairs = _pairs(PAIRS)
    stream = [enrol(a, owner) for owner, a, _ in pairs]
    for owner, a, b in pairs:
        stream += [event("ViolationFound", a, "2025-02-03T14:00:00-05:00",
                         {"violation_id": f"v-{owner}", "source_id": "audit-1", "article": "I", "clause": "a",
                          "found_on": "2025-02-03"}), enrol(b, owner)]
    ledger = DistributedLedger(pg_url, kafka, prefix=topic_prefix)
    assert ledger.ingest(parse_dicts(enumerate(stream, start=1))).as_json()["accepted"] == len(stream)
    ledger.close()
    workers.start()
    workers.start()
    engine = connect(pg_url)
    seconds = [b for _, _, b in pairs]
    answers = wait_for(lambda: [_standing(engine, b, _end("2025-02-03")).get("standing") for b in seconds],
                       lambda got: got == ["suspended"] * PAIRS, TIMEOUT, "every second farm to be suspended",
                       workers)
    assert answers == ["suspended"] * PAIRS
    for b in seconds:
        assert queries.standing(engine, b, _end("2025-02-03"))["suspension_count"] == 1
    engine.dispose()


LATE = "farm-d"


def _pairs(n: int) -> list[tuple[str, str, str]]:
    """(owner, first farm, second farm) on different partitions."""
    out, i = [], 0
    while len(out) < n:
        a, b = f"farm-a{i}", f"farm-b{i}"
        if partition_for(a, PARTITIONS) != partition_for(b, PARTITIONS):
            out.append((f"owner-{i}", a, b))
        i += 1
    return out


def _end(day: str) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), time.max, DEFAULT_TZ)
