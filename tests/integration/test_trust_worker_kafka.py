"""SPEC §6 on the topic: the worker treats every record as untrusted input. Records produced straight to
`dignity.events` (an unknown type, a PremiumRemitted without payor_id, a farm never enrolled, bytes that are
not JSON) go to `failures` with their reason and break no query; a worker the broker will not let join
exits non-zero with the reason; a restarted worker sweeps the quiet farms of its partitions too."""

from __future__ import annotations

import subprocess
import time as clock
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from services.generate.program import generate
from services.ledger import ingest as ingest_module
from services.ledger import queries
from services.ledger.distributed import DistributedLedger
from services.ledger.ingest import parse_dicts, parse_jsonl
from services.runner.preflight import EXIT_CODE
from services.store.database import connect
from services.store.schema import failures, history, outbox
from tests.conftest import event
from tests.integration.workers import Workers, wait_for
from tests.unit.test_pt_common import livable_wage, minimum_wage, worker_share

TIMEOUT = 120.0
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def enrol(farm: str) -> dict[str, Any]:
    return event("FarmEnrolled", farm, "2025-01-06T12:00:00-05:00",
                 {"owner_id": f"owner-{farm}", "name": farm, "jurisdiction": "VT", "enrolled_on": "2025-01-06",
                  "time_zone": "America/New_York"})


def remitted(farm: str, **data: Any) -> dict[str, Any]:
    fields = {"remittance_id": f"r-{uuid.uuid4()}", "payor_id": "coop-1", "attributed_buyer_id": "buyer-1",
              "sales_period": "2025-01", "amount": "100.00", "received_on": "2025-02-10", "reference": "CHK-1"}
    return event("PremiumRemitted", farm, "2025-02-10T12:00:00-05:00", {**fields, **data}, role="cooperative")


def stamped(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "recorded_at": "2025-03-01T12:00:00+00:00"}


def test_trust_hostile_topic_records_go_to_failures_and_break_no_query(
        kafka: str, pg_url: str, topic_prefix: str, workers: Workers) -> None:
    ledger = DistributedLedger(pg_url, kafka, prefix=topic_prefix)
    setup = [minimum_wage("13.67", "2022-01-01"), livable_wage("17.00", "2022-01-01"),
             worker_share("0.80", "2022-01-01"), enrol("farm-a")]
    assert ledger.ingest(parse_dicts(enumerate(setup, start=1))).accepted == len(setup)
    no_payor = remitted("farm-a")
    del no_payor["data"]["payor_id"]
    hostile = [
        stamped({**remitted("farm-a"), "type": "PremiumPaid"}),  # a type the catalogue does not know
        stamped(no_payor),  # once applied, then `deadlines` raised KeyError for everyone
        stamped(remitted("farm-never-enrolled")),
        stamped({**remitted("farm-a"), "data": "x"}),
        stamped({**remitted("farm-a"), "occurred_at": "9999-12-31T23:00:00-05:00"}),
    ]
    good = stamped(remitted("farm-a"))
    ledger.log.produce([*hostile, good])
    producer = ledger.log.producer()
    producer.send(ledger.log.topic, key=b"farm-a", value=b"\xff not json")
    producer.send(ledger.log.topic, key=b"farm-a", value=orjson.dumps([1, 2]))
    producer.flush()
    ledger.close()
    workers.start(DIGNITY_SWEEP_SECONDS="1")
    engine = connect(pg_url)

    def refused() -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(select(failures.c.event_id, failures.c.error)))

    rows = wait_for(refused, lambda r: len(r) >= len(hostile) + 2, TIMEOUT, "the hostile records refused", workers)
    errors = " | ".join(r.error for r in rows)
    for reason in ("unknown event type 'PremiumPaid'", "data.payor_id: missing", "unknown farm 'farm-never-enrolled'",
                   "data: must be a JSON object", "occurred_at: must lie between", "not JSON", "not a JSON object"):
        assert reason in errors, errors
    wait_for(lambda: _types(engine, "farm-a"), lambda t: t.count("PremiumRemitted") == 1, TIMEOUT,
             "the good remittance applied", workers)
    assert "farm-never-enrolled" not in queries.farm_ids(engine)
    errors_seen: list[str] = []
    queries.deadlines(engine, None, AS_OF, errors_seen)  # program-wide: answers, nothing raised
    queries.findings(engine, None, AS_OF, errors_seen)
    assert errors_seen == []
    workers.assert_alive()


def _types(engine: Any, farm: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(history.c.type).where(history.c.farm_id == farm)).scalars())


def test_trust_a_worker_with_a_session_timeout_the_broker_refuses_exits_with_the_reason(
        kafka: str, pg_url: str, topic_prefix: str, workers: Workers) -> None:
    proc = workers.start(DIGNITY_SESSION_TIMEOUT="1")
    try:
        code = proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the worker kept running\n{workers.tails()}") from None
    assert code == EXIT_CODE, workers.tails()
    assert "refuses a session timeout of 1 s" in workers.log_of(0)


def test_trust_a_restarted_worker_sweeps_the_quiet_farms_of_its_partitions(
        kafka: str, pg_url: str, topic_prefix: str, workers: Workers) -> None:
    """A farm whose PT-1 deadline passes while no record of it arrives: the first worker applied its events
    with the sweep off; a second one, started afresh with nothing new to read, still emits DeadlineMissed."""
    ledger = DistributedLedger(pg_url, kafka, prefix=topic_prefix)
    quiet = [minimum_wage("13.67", "2022-01-01"), livable_wage("17.00", "2022-01-01"),
             worker_share("0.80", "2022-01-01"), enrol("farm-quiet"), remitted("farm-quiet")]
    assert ledger.ingest(parse_dicts(enumerate(quiet, start=1))).accepted == len(quiet)
    ledger.close()
    engine = connect(pg_url)
    first = workers.start(DIGNITY_SWEEP_SECONDS="3600", DIGNITY_COMMIT_INTERVAL="0.5")  # never sweeps
    wait_for(lambda: _types(engine, "farm-quiet"), lambda t: len(t) >= 2, TIMEOUT, "the farm applied", workers)
    clock.sleep(3)  # its offsets committed: the next worker is handed no record of the farm
    workers.kill(first)
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.body)).scalars().all() == []
    workers.start(DIGNITY_SWEEP_SECONDS="1")

    def missed() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            bodies = conn.execute(select(outbox.c.body).where(outbox.c.farm_id == "farm-quiet")).scalars()
            return [b for b in map(orjson.loads, bodies) if b["type"] == "DeadlineMissed"]

    found = wait_for(missed, bool, TIMEOUT, "the restarted worker to sweep the quiet farm", workers)
    assert any(d["data"]["rule"] == "PT-1" for d in found), found


def test_trust_two_ingests_of_one_file_at_once_report_truthfully(kafka: str, pg_url: str, topic_prefix: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Both store everything once between them, and neither calls a good line of an enrolled farm unknown
    (an enrolment that came back as a duplicate used to be forgotten after the first batch)."""
    monkeypatch.setattr(ingest_module, "BATCH", 2_000)  # several batches of a file this size
    lines = [orjson.dumps(e) for e in generate(farms=9, months=12, seed=9)]
    assert len(lines) > 2 * ingest_module.BATCH
    ledgers = [DistributedLedger(pg_url, kafka, prefix=topic_prefix) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda led: led.ingest(parse_jsonl(lines)).as_json(), ledgers))
    for led in ledgers:
        led.close()
    for report in reports:
        assert report["rejected"] == [], report["rejected"][:3]
        assert report["accepted"] + report["duplicates"] == len(lines)
    assert sum(r["accepted"] for r in reports) == len(lines)
