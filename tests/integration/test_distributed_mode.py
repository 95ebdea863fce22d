"""The distributed mode end to end: a generated program (over 10,000 events) through `dignity.events`, Faust
worker processes and PostgreSQL read models, compared with the embedded mode on the same input.

Both ingests use the same ticking clock, so even `recorded_at` agrees; history bodies are still compared
without it (what the two modes must agree on is the facts, not the ledger's clock). The embedded ledger never
ticks on ingest, so the workers run without their standing tick (DIGNITY_TICK=0) — their timer still sweeps
deadlines and findings; then both modes tick at one moment (the workers' tick run from the test) and are
compared again.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from services.generate.program import generate
from services.ledger.distributed import DistributedLedger
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.ledger.queries import deadlines, findings, state_keys
from services.log.kafka_log import DERIVED, KafkaEventLog, partition_for, topic_name
from services.runner.projector import Projector
from services.runner.publisher import Publisher
from services.sealing.vault import KeyVault
from services.store.database import connect
from services.store.history import history_bodies
from services.store.schema import applied, events, failures, outbox, relay
from services.store.states import all_states
from tests.conftest import event
from tests.integration.workers import Workers, counts, wait_for

FARMS, MONTHS, SEED = 24, 12, 7
APPLY_TIMEOUT = 150.0
TICK_AT = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
"""A month after the generated program's last day: periods served, cure periods over."""

Histories = dict[str, list[dict[str, Any]]]
States = dict[tuple[str, str], Any]


def ticking_clock() -> Callable[[], datetime]:
    ticks = itertools.count()
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    return lambda: start + timedelta(milliseconds=next(ticks))


def read_models(engine: Engine) -> tuple[Histories, States]:
    """Histories (without recorded_at) and states, with sealed personal data opened by the mode's own vault:
    sealing draws a random person id and nonce, so only the clear content can agree between two ledgers."""
    opened = unsealer(KeyVault(engine))
    histories: Histories = {}
    with engine.connect() as conn:
        for farm, _, body in history_bodies(conn):
            fact = opened(orjson.loads(body))
            del fact["recorded_at"]
            histories.setdefault(farm, []).append(fact)
        states = {key: opened(s) for key, s in all_states(conn).items()}
    return histories, states


def unsealer(vault: KeyVault) -> Callable[[Any], Any]:
    def opened(value: Any) -> Any:
        if isinstance(value, dict):
            if value.keys() == {"person_id", "sealed"}:
                clear = vault.unseal(value)
                assert "erased" not in clear, f"no key for {value['person_id']}"
                return {"unsealed": {k: v for k, v in clear.items() if k != "person_id"}}
            return {k: opened(v) for k, v in value.items()}
        if isinstance(value, list):
            return [opened(v) for v in value]
        return value

    return opened


@dataclass
class Reference:
    """The embedded mode's answer for the generated stream."""

    stream: list[dict[str, Any]]
    report: dict[str, Any]
    total: int
    """Events the log holds: the stream plus what process managers appended for other farms."""
    relayed: set[str]
    histories: Histories
    states: States
    swept: set[tuple[str, str, str, str]]
    """What `dignity deadlines` (missed) and `dignity findings` (PT-4) say now: the timer's derived events."""
    ticked: tuple[Histories, States]
    """The read models after a tick at TICK_AT (time-brought standing changes written)."""
    tick_relayed: set[str]
    """SU-2 notices that tick appended to the log."""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    stream = with_time_brought_changes(list(generate(farms=FARMS, months=MONTHS, seed=SEED)))
    assert len(stream) >= 10_000
    path = tmp_path_factory.mktemp("embedded") / "ledger.db"
    ledger = EmbeddedLedger(f"sqlite:///{path}", clock=ticking_clock())
    report = ledger.ingest(parse_dicts(enumerate(stream, start=1))).as_json()
    with ledger.engine.connect() as conn:
        logged = set(conn.execute(select(events.c.event_id)).scalars())
    sent = {e["event_id"] for e in stream}
    histories, states = read_models(ledger.engine)
    at = datetime.now(UTC)
    swept = {(r["farm_id"], r["rule"], r["subject_id"], r["due"]) for r in deadlines(ledger.engine, None, at)
             if r["status"] == "missed"}
    swept |= {(r["farm_id"], r["rule"], r["subject_id"], r["on"]) for r in findings(ledger.engine, None, at)
              if r["rule"] == "PT-4"}
    tick = ledger.tick(TICK_AT)
    kinds = Counter(d["data"].get("kind") for d in tick.derived if d["type"] == "StandingChanged")
    assert kinds["reinstated"] >= 1 and kinds["suspension"] >= 3 and tick.appended, kinds  # AU-4, SU-2, AP-5
    ticked = read_models(ledger.engine)
    ledger.engine.dispose()
    return Reference(stream, report, len(logged), logged - sent, histories, states, swept, ticked,
                     {e.event_id for e in tick.appended})


def with_time_brought_changes(stream: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The generated program plus three farms whose standing time alone changes after its last day: an AU-4
    suspension on 2026-01-01 (an owner with other farms: an SU-2 cascade), a suspension served on 2025-12-31
    with its reentry audit passed, and an arbitration fee unpaid past its AP-5 probation."""
    enrolled = [e for e in stream if e["type"] == "FarmEnrolled" and e["data"]["enrolled_on"] < "2025-06-01"]
    owners = Counter(e["data"]["owner_id"] for e in enrolled)
    shared = next(e["farm_id"] for e in enrolled if owners[e["data"]["owner_id"]] > 1)
    # Farms no fact reaches after the program's last day (a hire in the tail would bring the change before the
    # tick does) and no operator links to another (an SU-2 cascade would change what the tick brings).
    busy = {e["farm_id"] for e in stream if e["type"] == "ControlRecorded"
            or (e["type"] in ("WorkerHired", "PersonnelHired") and e["occurred_at"] >= "2025-12-31")}
    served, unpaid = [e["farm_id"] for e in enrolled if owners[e["data"]["owner_id"]] == 1
                      and e["farm_id"] not in busy][:2]
    noon = "T12:00:00-05:00"
    return [*stream,
            event("ViolationFound", shared, "2025-12-30" + noon, {
                "violation_id": "v-tick", "source_id": "audit-tick", "article": "I", "clause": "c",
                "found_on": "2025-12-30", "offender": {"role": "worker", "person_id": "p-tick"}}),
            event("SuspensionNoticed", served, "2025-12-01" + noon,
                  {"suspension_id": "s-tick", "notice_on": "2025-12-01", "basis": "Art. II o"}),
            event("AuditConducted", served, "2025-12-15" + noon,
                  {"audit_id": "re-tick", "kind": "reentry", "conducted_on": "2025-12-15", "outcome": "pass"}),
            event("ArbitrationInvoiced", unpaid, "2025-11-03" + noon,
                  {"appeal_id": "ap-tick", "invoiced_on": "2025-11-03", "farm_share": "750.00"})]


def ingest_to_kafka(ref: Reference, kafka: str, pg_url: str, prefix: str) -> DistributedLedger:
    ledger = DistributedLedger(pg_url, kafka, prefix=prefix, clock=ticking_clock())
    report = ledger.ingest(parse_dicts(enumerate(ref.stream, start=1))).as_json()
    assert report == ref.report
    return ledger


def assert_same_read_models(engine: Engine, ref: Reference, ticked: bool = False) -> None:
    histories, states = read_models(engine)
    expected, expected_states = ref.ticked if ticked else (ref.histories, ref.states)
    relayed = ref.relayed | ref.tick_relayed if ticked else ref.relayed
    assert histories.keys() == expected.keys()
    for farm, facts in expected.items():
        # Events a process manager addressed to this farm from another one arrive when that farm's
        # partition produced them: compared as a set; everything else in exactly the same order.
        mine = [f for f in histories[farm] if f["event_id"] not in relayed]
        assert mine == [f for f in facts if f["event_id"] not in relayed], f"history of {farm} differs"
        assert ({f["event_id"] for f in histories[farm]} - {f["event_id"] for f in mine}
                == {f["event_id"] for f in facts} & relayed)
    assert states.keys() == expected_states.keys()
    differ = [key for key in expected_states if states[key] != expected_states[key]]
    assert not differ, f"projection states differ: {differ[:10]}"


def tick_like_the_embedded_mode(engine: Engine, kafka: str, prefix: str, total: int, workers: Workers) -> None:
    """What the workers' timer does (`Projector.tick`), at TICK_AT, from here: every farm, then the farms its
    SU-2 notices reached once the workers applied them, as `EmbeddedLedger.tick` does in one go."""
    log = KafkaEventLog(engine, kafka, prefix)
    projector, publisher = Projector(engine), Publisher(engine, log)
    farms = set(state_keys(engine, "standing"))
    while farms:
        by_partition: dict[int, list[str]] = {}
        for farm in farms:
            by_partition.setdefault(partition_for(farm, log.partitions()), []).append(farm)
        outcome = projector.tick(log.topic, by_partition, TICK_AT)
        with engine.connect() as conn:
            ids = {d["event_id"] for d in outcome.relay}
            total += len(ids - set(conn.execute(select(applied.c.event_id).where(applied.c.event_id.in_(ids)))
                                   .scalars()))
        publisher.publish(outcome.derived, outcome.relay)
        all_applied(engine, total, workers)
        farms = {d["farm_id"] for d in outcome.relay}
    log.close()


def all_applied(engine: Engine, total: int, workers: Workers) -> None:
    wait_for(lambda: counts(engine, applied, relay) + (pending_relay(engine),),
             lambda c: c[0] >= total and c[2] == 0, APPLY_TIMEOUT, f"{total} events applied", workers)


def pending_relay(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(relay.c.event_id).where(relay.c.published == 0)).all())


_STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\].*\] applied (\d+),")


def throughput(workers: Workers, *which: int) -> tuple[int, float]:
    """Events applied and seconds from the first to the last batch, over these (or every) workers' logs."""
    stamps, total = [], 0
    for i in which or range(len(workers.procs)):
        for line in workers.log_of(i).splitlines():
            if m := _STAMP.match(line):
                stamps.append(datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S,%f"))
                total += int(m[2])
    return total, (max(stamps) - min(stamps)).total_seconds() if stamps else 0.0


def test_the_same_stream_gives_the_same_histories_and_states_as_the_embedded_mode(
    reference: Reference, kafka: str, pg_url: str, topic_prefix: str, workers: Workers
) -> None:
    ledger = ingest_to_kafka(reference, kafka, pg_url, topic_prefix)
    # Producer retries after a broker error: every 97th record written a second time, byte for byte.
    retried = [r.body for r in itertools.islice(ledger.log.read_records(), 0, None, 97)]
    ledger.log.produce(retried)
    ledger.close()

    workers.start(DIGNITY_SWEEP_SECONDS="2", DIGNITY_TICK="0")
    workers.start(DIGNITY_SWEEP_SECONDS="2", DIGNITY_TICK="0")
    engine = connect(pg_url)
    all_applied(engine, reference.total, workers)

    # Each event applied exactly once between the two workers, and both had partitions to work on.
    split = wait_for(lambda: (workers.applied_by(0), workers.applied_by(1)),
                     lambda s: sum(s) >= reference.total, 20, "the workers' logs", workers)
    assert sum(split) == reference.total and min(split) > 0, split
    assert counts(engine, failures) == (0,)
    assert_same_read_models(engine, reference)
    n, seconds = throughput(workers)
    print(f"\n2 Faust workers applied {n} events in {seconds:.1f}s: {n / max(seconds, 1e-3):.0f} events/s")

    # The timers, once their partitions are caught up: every missed deadline and PT-4 shortfall as a
    # derived event, published to dignity.derived.
    assert reference.swept
    wait_for(lambda: swept(engine), lambda s: s == (reference.swept, 0), 60, "the timers' derived events", workers)
    with engine.connect() as conn:
        queued = set(conn.execute(select(outbox.c.event_id)).scalars())
    published = {r.body["event_id"] for r in KafkaEventLog(engine, kafka, topic_prefix).read_records(
        topic=topic_name(DERIVED, topic_prefix))}
    assert queued <= published

    # Both modes tick at the same moment: the same time-brought changes, notifications and SU-2 notices.
    tick_like_the_embedded_mode(engine, kafka, topic_prefix, reference.total, workers)
    assert_same_read_models(engine, reference, ticked=True)
    engine.dispose()


def swept(engine: Engine) -> tuple[set[tuple[str, str, str, str]], int]:
    """The timers' facts in the outbox, and how many outbox rows are still unpublished."""
    facts, unpublished = set(), 0
    with engine.connect() as conn:
        for body, published in conn.execute(select(outbox.c.body, outbox.c.published)):
            unpublished += not published
            d = orjson.loads(body)
            if d["type"] in ("DeadlineMissed", "PassThroughDiscrepancy"):
                data = d["data"]
                facts.add((d["farm_id"], data["rule"], data["subject_id"], data.get("due") or data["on"]))
    return facts, unpublished


def test_a_worker_killed_mid_stream_and_restarted_loses_nothing_and_applies_nothing_twice(
    reference: Reference, kafka: str, pg_url: str, topic_prefix: str, workers: Workers
) -> None:
    ingest_to_kafka(reference, kafka, pg_url, topic_prefix).close()
    engine = connect(pg_url)
    # Small batches, and Faust never commits an offset before the kill: the restarted worker gets every
    # record again and must recognise what the killed one already applied.
    victim = workers.start(DIGNITY_BATCH="50", DIGNITY_COMMIT_INTERVAL="600", DIGNITY_TICK="0")
    wait_for(lambda: counts(engine, applied)[0], lambda n: n >= 1500, APPLY_TIMEOUT, "the first worker to start",
             workers, every=0.05)
    workers.kill(victim)
    # A COMMIT the server received before the kill may still be finishing: count once the figure holds.
    at_kill = wait_for(lambda: (counts(engine, applied)[0], time.sleep(0.5), counts(engine, applied)[0]),
                       lambda c: c[0] == c[2], 10, "the killed worker's last commit")[0]
    assert 0 < at_kill < reference.total, "the kill must land mid-stream"

    workers.start(DIGNITY_TICK="0")
    all_applied(engine, reference.total, workers)
    redone = wait_for(lambda: workers.applied_by(1), lambda n: n >= reference.total - at_kill, 20,
                      "the restarted worker's log", workers)
    assert redone == reference.total - at_kill  # nothing the killed worker committed was applied again
    n, seconds = throughput(workers, 1)
    print(f"\n1 restarted Faust worker applied {n} events in {seconds:.1f}s: {n / max(seconds, 1e-3):.0f} events/s")

    histories, _ = read_models(engine)
    assert Counter({f: len(h) for f, h in histories.items()}) == Counter(
        {f: len(h) for f, h in reference.histories.items()})
    for farm, facts in histories.items():
        assert len({f["event_id"] for f in facts}) == len(facts), f"{farm}: an event applied twice"
    assert counts(engine, failures) == (0,)
    assert_same_read_models(engine, reference)
    engine.dispose()


def test_the_worker_command_is_the_faust_worker(tmp_path: Path) -> None:
    """`dignity worker` hands the process to `faust -A services.runner.faust_app worker` (checked by its help)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "faust", "-A", "services.runner.faust_app", "worker", "--help"],
                         capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0 and "Start worker instance" in out.stdout
