"""The Faust path beside a plain consumer, and event → buyer topic latency (issue 8, part 4).

    python -m bench.faust [--farms 20] [--months 12] [--seed 1] [--workers 2] [--ceiling-runs 3] [--samples 60]
                          [--timeout 900]

One run, one generated program (`dignity generate`), ingested once through the distributed ingest (validated,
sealed, chained, produced) onto fresh topics (a unique prefix) on the broker at DIGNITY_KAFKA, with the read
models in a PostgreSQL schema of their own (`--pg`, default DIGNITY_TEST_PG). On those same records:

(a) the raw ceiling: one aiokafka consumer reads the topic from the start to its end offsets, decodes every
    record (orjson) and writes the batch to PostgreSQL (one multi-row INSERT of event_id and body, event_id
    unique) with the partitions' offsets upserted in the same transaction, then commits; timed from its first
    batch fetched to its last written, `--ceiling-runs` times before (b) and as many after, the median of them
    all the ratio's base;
(b) the Faust path: `--workers` processes of `faust -A services.runner.faust_app worker` (what `dignity worker`
    runs), timed from the first record applied to the last (the partitions' applied offsets, polled), and from
    their start;
(c) latency: with the workers caught up and the delivery pump running as `dignity serve` runs it, `--samples`
    farms linked to a buyer each get an Article I (a) violation (an immediate suspension: StandingChanged,
    BuyerNotified); each is timed from handing it to the ingest to its notification read from the buyer topic
    (`dignity.standing-changes`).

Numbers are printed, never asserted. Every wait is bounded; the topics, the consumer groups, the schema and the
workers started here are removed or stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import Engine, create_engine, func, select, text

from bench.common import err, machine, per_second, program_lines, progress, show
from events.types import DEFAULT_TZ
from services.delivery.pump import Pump
from services.delivery.topic import StandingChangesTopic
from services.ledger.distributed import DistributedLedger
from services.ledger.ingest import parse_dicts
from services.log.kafka_log import EVENTS, topic_name
from services.store.database import connect
from services.store.schema import partition_offsets, relay

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("DIGNITY_TEST_PG", "postgresql+psycopg://dignity:dignity@127.0.0.1:5432/dignity_test")
KAFKA = os.environ.get("DIGNITY_KAFKA", "127.0.0.1:9092")
RAW_BATCH = 2000
"""Records per transaction of the raw consumer (bench.growth's raw ceiling writes 2,000 lines a batch too)."""
POLL = 0.2
SAMPLE_TIMEOUT = 15.0
NOON = "T12:00:00-05:00"
BUYER = "buyer-bench-latency"


# -- where the run lives: its own schema, topics and worker processes ------------------------------------------
@dataclass
class Place:
    pg: str
    kafka: str
    prefix: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:10]}.")
    schema: str = field(default_factory=lambda: f"bench_{uuid.uuid4().hex[:12]}")
    data: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dignity-bench-faust-")))

    @property
    def url(self) -> str:
        sep = "&" if "?" in self.pg else "?"
        return f"{self.pg}{sep}options={quote(f'-csearch_path={self.schema}')}"

    @property
    def topic(self) -> str:
        return topic_name(EVENTS, self.prefix)


@contextmanager
def place(pg: str, kafka: str) -> Iterator[Place]:
    here = Place(pg, kafka)
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{here.schema}"'))
    try:
        yield here
    finally:
        err.print(f"cleaning up: schema {here.schema}, topics {here.prefix}*")
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{here.schema}" CASCADE'))
        admin.dispose()
        _drop_topics(kafka, here.prefix)
        shutil.rmtree(here.data, ignore_errors=True)


def _drop_topics(kafka: str, prefix: str) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="dignity-bench")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine, raise_errors=False)
        listed = admin.list_groups() if hasattr(admin, "list_groups") else admin.list_consumer_groups()
        groups = [g["group_id"] if isinstance(g, dict) else g[0] for g in listed]  # kafka-python 3.x or 2.x
        mine = [g for g in groups if g.startswith(prefix)]
        if mine:
            (admin.delete_groups if hasattr(admin, "delete_groups") else admin.delete_consumer_groups)(mine)
    except Exception as exc:  # cleanup is best effort: say what is left
        err.print(f"  could not delete every topic/group of {prefix}: {exc!r}")
    finally:
        admin.close()


class Workers:
    """`faust -A services.runner.faust_app worker` processes (as `dignity worker` starts them), each in a
    session of its own; every one started here is stopped here."""

    def __init__(self, here: Place, extra: dict[str, str]) -> None:
        self.env = {**os.environ, "DIGNITY_KAFKA": here.kafka, "DIGNITY_DB": here.url,
                    "DIGNITY_TOPIC_PREFIX": here.prefix, "DIGNITY_FAUST_DATA": str(here.data / "faust"), **extra}
        self.logs = here.data
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        with (self.logs / f"worker-{len(self.procs) + 1}.log").open("wb") as out:
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "faust", "-A", "services.runner.faust_app", "worker", "-l", "info"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))

    def dead(self) -> list[int]:
        return [i + 1 for i, p in enumerate(self.procs) if p.poll() is not None]

    def tail(self, lines: int = 15) -> str:
        return "\n".join(f"--- worker {i} ---\n" + "\n".join(
            (self.logs / f"worker-{i}.log").read_text(errors="replace").splitlines()[-lines:])
            for i in range(1, len(self.procs) + 1))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# -- (0) the records --------------------------------------------------------------------------------------------
def ingest(here: Place, bodies: list[dict[str, Any]], label: str) -> float:
    """Through the product's distributed ingest, in chunks (for the progress bar); returns the seconds."""
    ledger = DistributedLedger(here.url, here.kafka, prefix=here.prefix)
    started = time.perf_counter()
    chunk = 2000
    try:
        with progress() as bar:
            task = bar.add_task(label, total=len(bodies))
            for i in range(0, len(bodies), chunk):
                part = bodies[i : i + chunk]
                report = ledger.ingest(parse_dicts(enumerate(part, start=i + 1)))
                if report.rejected:
                    raise SystemExit(f"the ingest rejected generated lines: {report.as_json()['rejected'][:3]}")
                bar.advance(task, len(part))
    finally:
        ledger.close()
        ledger.engine.dispose()
    return time.perf_counter() - started


class Ends:
    """The topic's end offsets, asked through one consumer kept open (one per poll would cost the workers
    CPU they are being measured on)."""

    def __init__(self, kafka: str, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(bootstrap_servers=kafka, group_id=None, enable_auto_commit=False,
                                      client_id="dignity-bench")
        self.parts = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or ())]

    def __call__(self) -> dict[int, int]:
        return {tp.partition: offset for tp, offset in self.consumer.end_offsets(self.parts).items()}

    def close(self) -> None:
        self.consumer.close()


# -- (a) the raw ceiling ----------------------------------------------------------------------------------------
RAW_DDL = (
    "CREATE TABLE raw_events (event_id TEXT PRIMARY KEY, partition INTEGER NOT NULL, \"offset\" BIGINT NOT NULL,"
    " body BYTEA NOT NULL)",
    "CREATE TABLE raw_offsets (partition INTEGER PRIMARY KEY, \"offset\" BIGINT NOT NULL)",
)


def raw_ceiling(here: Place, ends: dict[int, int], timeout: float) -> tuple[int, float]:
    """(records, seconds) of a plain consumer: read, decode, one transaction per batch with its offsets,
    into tables of its own (made afresh: a second run writes as much as the first)."""
    engine = create_engine(here.url)
    engine.dialect.use_insertmanyvalues_wo_returning = True  # as services.store.database.connect does
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS raw_events, raw_offsets"))
        for ddl in RAW_DDL:
            conn.execute(text(ddl))
    try:
        return asyncio.run(_raw_consume(engine, here, ends, timeout))
    finally:
        engine.dispose()


async def _raw_consume(engine: Engine, here: Place, ends: dict[int, int], timeout: float) -> tuple[int, float]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    insert_events = text('INSERT INTO raw_events (event_id, partition, "offset", body) '
                         "VALUES (:event_id, :partition, :offset, :body) ON CONFLICT (event_id) DO NOTHING")
    upsert_offsets = text('INSERT INTO raw_offsets (partition, "offset") VALUES (:partition, :offset) '
                          'ON CONFLICT (partition) DO UPDATE SET "offset" = excluded."offset"')

    def write(rows: list[dict[str, Any]], last: dict[int, int]) -> None:
        with engine.begin() as conn:
            conn.execute(insert_events, rows)
            conn.execute(upsert_offsets, [{"partition": p, "offset": o} for p, o in last.items()])

    consumer = AIOKafkaConsumer(bootstrap_servers=here.kafka, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    total = sum(ends.values())
    done = 0
    try:
        parts = [TopicPartition(here.topic, p) for p in ends]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        began = time.perf_counter()
        started: float | None = None  # timed from the first batch fetched, as (b) from the first applied
        with progress() as bar:
            task = bar.add_task("(a) raw consumer", total=total)
            while done < total:
                if time.perf_counter() - began > timeout:
                    raise TimeoutError(f"the raw consumer read {done:,} of {total:,} records in {timeout:.0f}s")
                batch = await consumer.getmany(timeout_ms=200, max_records=RAW_BATCH)
                if started is None and batch:
                    started = time.perf_counter()
                rows, last = [], {}
                for tp, records in batch.items():
                    for r in records:
                        if r.offset >= ends[tp.partition]:
                            continue
                        body = orjson.loads(r.value)
                        rows.append({"event_id": body["event_id"], "partition": tp.partition, "offset": r.offset,
                                     "body": r.value})
                        last[tp.partition] = r.offset
                if rows:
                    await asyncio.to_thread(write, rows, last)
                    done += len(rows)
                    bar.advance(task, len(rows))
        return done, time.perf_counter() - (started or began)
    finally:
        await consumer.stop()


# -- (b) the Faust path -----------------------------------------------------------------------------------------
@dataclass
class Applied:
    records: int
    """Applied from the first poll that saw any to the last."""
    total: int
    first_to_last: float
    from_start: float
    startup: float


def consumed(engine: Engine, topic: str) -> dict[int, int]:
    """Records each partition has applied (or skipped, or failed): the stored offset + 1."""
    with engine.connect() as conn:
        return {p: o + 1 for p, o in conn.execute(select(partition_offsets.c.partition, partition_offsets.c.offset)
                                                  .where(partition_offsets.c.topic == topic))}


def unpublished_relay(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(relay).where(relay.c.published == 0)).scalar_one())


def caught_up(engine: Engine, here: Place, ends_now: Ends, what: str, timeout: float, workers: Workers,
              on_progress: Callable[[int, int], None] | None = None) -> tuple[float | None, int, float, int]:
    """Poll until every partition's applied offset reached the topic's end (which moves while the workers
    relay SU-2 notices) and nothing is left to relay. Returns (first moment anything new was applied, the
    records applied by then, the moment all were, the records in all)."""
    start = consumed(engine, here.topic)
    base = sum(start.values())
    first: float | None = None
    first_count = base
    deadline = time.monotonic() + timeout
    while True:
        if workers.dead():
            raise SystemExit(f"worker(s) {workers.dead()} exited\n{workers.tail()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}\n{workers.tail()}")
        ends = ends_now()
        have = consumed(engine, here.topic)
        count = sum(have.values())
        moment = time.perf_counter()
        if first is None and count > base:
            first, first_count = moment, count
        if on_progress is not None:
            on_progress(count, sum(ends.values()))
        if (all(have.get(p, 0) >= end for p, end in ends.items()) and unpublished_relay(engine) == 0
                and ends == ends_now()):  # nothing relayed in between
            return first, first_count, moment, count
        time.sleep(POLL)


def faust_path(here: Place, engine: Engine, ends: Ends, workers: Workers, count: int, timeout: float) -> Applied:
    started = time.perf_counter()
    for _ in range(count):
        workers.start()
    with progress() as bar:
        task = bar.add_task(f"(b) {count} Faust workers", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        first, first_count, last, total = caught_up(engine, here, ends, "the workers to apply every record",
                                                    timeout, workers, tell)
    assert first is not None
    # The first poll that saw anything applied already counts the records applied before it: rate them over
    # the time from that poll on, and report the whole from the workers' start beside it.
    return Applied(total - first_count, total, last - first, last - started, first - started)


# -- (c) event → buyer topic latency ----------------------------------------------------------------------------
def farm_setup(farm: str, today: date) -> list[dict[str, Any]]:
    """Enrolled and linked to the buyer a week ago: nothing time alone brings (a worker's tick) notifies
    the buyer of these farms while they are timed."""
    enrolled = (today - timedelta(days=7)).isoformat()
    return [
        _event("FarmEnrolled", farm, enrolled, {"owner_id": f"owner-{farm}", "name": farm.title(),
                                               "jurisdiction": "VT", "enrolled_on": enrolled,
                                               "time_zone": "America/New_York"}),
        _event("BuyerLinked", farm, enrolled, {"buyer_id": BUYER, "since": enrolled}),
    ]


def violation(farm: str, on: date) -> dict[str, Any]:
    """Article I (a): suspension at once (SU-1), so a StandingChanged and a BuyerNotified for the buyer."""
    return _event("ViolationFound", farm, on.isoformat(), {
        "violation_id": f"v-{farm}", "source_id": "audit-bench", "article": "I", "clause": "a",
        "found_on": on.isoformat(), "offender": {"role": "none", "person_id": None}})


def _event(type_: str, farm: str, on: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": type_, "farm_id": farm, "occurred_at": on + NOON,
            "actor": {"role": "mdsc", "id": "mdsc-bench"}, "data": data}


class BuyerTopic:
    """Reads the buyer topic from its end, in a thread: when each farm's notification effective on a day
    arrived."""

    def __init__(self, kafka: str, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(bootstrap_servers=kafka, group_id=None, enable_auto_commit=False,
                                      fetch_max_wait_ms=20, client_id="dignity-bench")
        parts = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
        self.consumer.assign(parts)
        self.consumer.seek_to_end(*parts)
        for tp in parts:
            self.consumer.position(tp)  # resolve the end now, before anything is sent
        self.seen: dict[tuple[str, str], float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="bench-buyer-topic", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            for records in self.consumer.poll(timeout_ms=50).values():
                moment = time.perf_counter()
                with self.lock:
                    for r in records:
                        body = orjson.loads(r.value)
                        self.seen.setdefault((body["farm_id"], body["effective_on"]), moment)

    def arrival(self, farm: str, effective_on: str) -> float | None:
        with self.lock:
            return self.seen.get((farm, effective_on))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.consumer.close()


def latency(here: Place, engine: Engine, ends: Ends, workers: Workers, samples: int, timeout: float
            ) -> list[float]:
    farms = [f"farm-bench-lat-{i:04d}" for i in range(samples)]
    day = datetime.now(DEFAULT_TZ).date() - timedelta(days=1)  # a day past in the farms' zone
    ingest(here, [e for f in farms for e in farm_setup(f, day)], "(c) enrol the latency farms")
    caught_up(engine, here, ends, "the latency farms' enrolments", timeout, workers)
    topic = StandingChangesTopic(engine, here.kafka, here.prefix)
    pump = Pump(engine, topic=topic)
    pump.run_once()  # the program's own notifications first: only what is timed is left to deliver
    thread, stop = pump.start()  # as `dignity serve` runs it (its interval)
    buyer = BuyerTopic(here.kafka, topic.topic)
    ledger = DistributedLedger(here.url, here.kafka, prefix=here.prefix)
    took: list[float] = []
    rng = random.Random(1)
    try:
        with progress() as bar:
            task = bar.add_task("(c) event → buyer topic", total=samples)
            for farm in farms:
                time.sleep(rng.uniform(0.05, 0.4))  # spread the sends over the pump's and the batch's phases
                sent = time.perf_counter()
                report = ledger.ingest(parse_dicts([(1, violation(farm, day))]))
                if report.accepted != 1:
                    raise SystemExit(f"latency event not accepted: {report.as_json()}")
                deadline = sent + SAMPLE_TIMEOUT
                while (arrived := buyer.arrival(farm, day.isoformat())) is None and time.perf_counter() < deadline:
                    if workers.dead():
                        raise SystemExit(f"worker(s) {workers.dead()} exited\n{workers.tail()}")
                    time.sleep(0.005)
                if arrived is None:
                    err.print(f"  no notification for {farm} within {SAMPLE_TIMEOUT:.0f}s")
                else:
                    took.append(arrived - sent)
                bar.advance(task)
    finally:
        stop.set()
        thread.join(timeout=15)
        buyer.close()
        ledger.close()
        ledger.engine.dispose()
    return took


def _rates(rates: list[float]) -> str:
    return ", ".join(f"{r:,.0f}" for r in rates)


def per(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def quantile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _interrupted(*_: Any) -> None:
    raise KeyboardInterrupt


# -- the run ----------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=20)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="Faust worker processes")
    parser.add_argument("--ceiling-runs", type=int, default=3, help="runs of (a) before (b), and again after")
    parser.add_argument("--samples", type=int, default=60, help="events timed to the buyer topic")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds any one phase may take, at most")
    parser.add_argument("--pg", default=PG, help="PostgreSQL URL (a schema of its own is made and dropped)")
    parser.add_argument("--kafka", default=KAFKA)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra setting for the workers (e.g. DIGNITY_BATCH=2000); repeatable")
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.env)

    err.print(f"generate {args.farms} farms x {args.months} months")
    lines, _ = program_lines(args.farms, args.months, args.seed)
    bodies = [orjson.loads(line) for line in lines]
    signal.signal(signal.SIGTERM, _interrupted)  # a terminated bench still cleans up
    with ExitStack() as stack:
        here = stack.enter_context(place(args.pg, args.kafka))
        err.print(f"topics {here.prefix}*, schema {here.schema}")
        ingest_seconds = ingest(here, bodies, "ingest (distributed)")
        ends = Ends(args.kafka, here.topic)
        stack.callback(ends.close)
        written = ends()
        records = sum(written.values())
        raw_before = [per(*raw_ceiling(here, written, args.timeout)) for _ in range(args.ceiling_runs)]
        engine = connect(here.url)
        stack.callback(engine.dispose)
        workers = Workers(here, extra)
        stack.callback(workers.stop)
        run = faust_path(here, engine, ends, workers, args.workers, args.timeout)
        workers.stop()  # the second raw run has the machine to itself, as the first had
        raw_after = [per(*raw_ceiling(here, written, args.timeout)) for _ in range(args.ceiling_runs)]
        workers = Workers(here, extra)
        stack.callback(workers.stop)
        for _ in range(args.workers):
            workers.start()
        took = latency(here, engine, ends, workers, args.samples, args.timeout)

    # The machine's load changes: the ceiling is run before and after (b), each a few times (a run is under a
    # second, so one slow fetch moves it), and the median of them all is the ratio's base.
    raw_rate = statistics.median(raw_before + raw_after)
    rate = run.records / run.first_to_last if run.first_to_last > 0 else 0.0
    setting = " ".join(f"{k}={v}" for k, v in extra.items()) or "defaults"
    show(f"Faust path vs a plain consumer: {args.farms} farms x {args.months} months, {records:,} records on "
         f"the topic (ingest {per_second(records, ingest_seconds)}); workers: {setting}",
         ["measure", "value", "ratio to (a)", "target"], [
             ["(a) raw consumer (read, decode, write + offsets)",
              f"{raw_rate:,.0f}/s, the median of {len(raw_before) + len(raw_after)} runs (before "
              f"{_rates(raw_before)}; after {_rates(raw_after)})", "1", "ceiling"],
             [f"(b) {args.workers} Faust workers, first to last applied",
              f"{rate:,.0f}/s ({run.records:,} in {run.first_to_last:.1f} s)", f"{rate / raw_rate:.3f}", "≥ 0.35"],
             [f"(b) from the workers' start (startup {run.startup:.1f} s)",
              f"{run.total / run.from_start:,.0f}/s", f"{run.total / run.from_start / raw_rate:.3f}", "-"],
         ])
    if took:
        show(f"event → buyer topic ({len(took)} of {args.samples} samples arrived)",
             ["p50", "p99", "max", "target"],
             [[f"{quantile(took, 50):.3f} s", f"{quantile(took, 99):.3f} s", f"{max(took):.3f} s", "p99 < 1 s"]])
    else:
        err.print("no latency sample arrived")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
