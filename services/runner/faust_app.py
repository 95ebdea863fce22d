"""The distributed runner: a Faust worker applying `dignity.events` to read models in PostgreSQL.

    faust -A services.runner.faust_app worker -l info      (or `dignity worker`)

Settings (services/settings.py): DIGNITY_KAFKA (broker), DIGNITY_DB (read models), DIGNITY_TOPIC_PREFIX,
DIGNITY_BATCH, DIGNITY_SWEEP_SECONDS, DIGNITY_TICK (0: no time-brought standing changes),
DIGNITY_SESSION_TIMEOUT, DIGNITY_COMMIT_INTERVAL, DIGNITY_FAUST_DATA.

Faust runs the worker (its command, signals, the timer, the services' start and stop); the records are read
by `Feed`, one aiokafka consumer in the consumer group, in whole fetches: Faust's stream turned every record
into an event, a queue hand-off and an ack, which cost the worker as much CPU as applying the records did.

Offsets: the database decides. Each batch is applied in one database transaction that also stores the
applied event ids and each partition's last offset; when partitions are assigned, the consumer seeks to
the stored offset + 1, so nothing Kafka has (or has not) committed can skip or repeat a record. Kafka's
committed offsets follow the database afterwards (for tools that read the group's lag). Nothing may
escape a batch: an event that cannot be applied goes to `failures`, anything else (database down) is
retried until it commits. One batch at a time keeps each partition in order; several worker processes
share the partitions through the consumer group, and a revoked partition is released only once the batch
in flight has committed (or failed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import ConsumerStoppedError
from aiokafka.errors import KafkaError as ConsumerError
from faust.app.base import BootStrategy
from kafka.errors import KafkaError
from mode import Service
from sqlalchemy import Engine, select

from events.types import PROGRAM_KEY
from projections.membership.projection import Membership
from projections.standing.query import NAME as STANDING
from services import structured_logs
from services.log.kafka_log import EVENTS, KafkaEventLog, bootstrap_servers, partition_for, topic_name
from services.runner.preflight import EXIT_CODE, CannotJoin, check_session_timeout
from services.runner.projector import TRANSIENT, Outcome, Projector, Record
from services.runner.publisher import Publisher
from services.runner.sweep import Swept, sweep
from services.settings import settings
from services.store.database import connect, now
from services.store.schema import partition_offsets
from services.store.views import state_keys

log = logging.getLogger(__name__)

APP_ID = "dignity-projections"
SETTINGS = settings()
BATCH = SETTINGS.batch
SWEEP_SECONDS = SETTINGS.sweep_seconds
TICK = SETTINGS.tick
"""The timer writes time-brought standing changes (off for a run compared with an embedded one that never
ticks); deadlines and findings are swept either way."""
SESSION_TIMEOUT = SETTINGS.session_timeout
COMMIT_INTERVAL = SETTINGS.commit_interval
"""Seconds between commits of the applied offsets to Kafka (which only tools read: the database decides)."""
RETRY_MAX = 30.0
POLL_MS = 1000
"""The longest a fetch waits when nothing is there (a record arriving ends the wait at once)."""


def _prefix() -> str:
    return settings().topic_prefix


app = faust.App(
    _prefix() + APP_ID,
    broker=f"kafka://{bootstrap_servers()}",
    web_enabled=False,
    datadir=SETTINGS.faust_data,
)
# No web server even under `faust worker` (whose --with-web default overrides web_enabled): several workers
# run on one host and nothing is served. No Faust consumer or producer either: `Feed` reads the records and
# the runner's own producer sends what the batches derived.
app.boot_strategy = BootStrategy(app, enable_web=False, enable_kafka=False)


class Runner:
    """The blocking part (database, kafka-python producer), run in a thread off the event loop."""

    def __init__(self) -> None:
        structured_logs.configure()  # after Faust set its handlers up: JSON lines when DIGNITY_LOG_JSON=1
        self.engine: Engine = connect(settings().db)
        self.log = KafkaEventLog(self.engine)
        self.projector = Projector(self.engine)
        self.publisher = Publisher(self.engine, self.log)
        self.farms: dict[str, int] = {}
        """The farms this worker has seen, and their partition."""
        self.swept = Swept()
        """What the timer's sweep has folded, by farm: only the farms changed since are folded again."""
        self._farms_lock = threading.Lock()

    def apply(self, records: Sequence[Record]) -> Outcome:
        outcome = self.projector.apply(records)
        with self._farms_lock:
            self.farms.update((r.key.decode(errors="replace"), r.partition) for r in records if r.key)
        self._publish(outcome.derived, outcome.relay)
        return outcome

    def _publish(self, derived: list[Any], relayed: list[Any]) -> None:
        try:
            self.publisher.publish(derived, relayed)
        except KafkaError as exc:  # committed already: the timer sends unpublished rows again
            log.warning("publishing deferred: %r", exc)

    def tick(self, ends: dict[int, int]) -> None:
        """Send what is still unpublished; write the standing changes time alone has brought by now for the
        farms of the partitions (`ends`: assigned partition -> end offset) whose every record is applied;
        then emit deadlines missed and shortfalls found by now for them. A partition still catching up
        would show deadlines as missed (or a period as served) whose meeting event is not applied yet."""
        started = time.perf_counter()
        try:
            self.publisher.publish_pending()
            settled = settled_partitions(self.engine, self.log.topic, ends)
            if TICK and settled:
                self._standing_tick(settled)
            ticked = time.perf_counter()
            self._publish(sweep(self.engine, self.farms_of(settled), now(), self.swept), [])
            if settled:
                log.info("tick of partitions %s: %.3f s standing, %.3f s sweep", sorted(settled),
                         ticked - started, time.perf_counter() - ticked)
        except (KafkaError, *TRANSIENT) as exc:
            log.warning("sweep deferred: %r", exc)
        except Exception:  # a rule query that fails must not stop the worker applying events
            log.exception("sweep failed; the next tick tries again")

    def farms_of(self, partitions: set[int]) -> set[str]:
        """Every farm of these partitions: those the read models hold (a restarted worker has seen no record
        of a quiet farm, whose missed deadlines must still be emitted) and those seen since start."""
        if not partitions:
            return set()
        count = self.log.partitions()
        known = {farm for farm in state_keys(self.engine, Membership.name) if farm != PROGRAM_KEY}
        with self._farms_lock:
            known |= set(self.farms)
        return {farm for farm in known if partition_for(farm, count) in partitions}

    def _standing_tick(self, settled: set[int]) -> None:
        """Every farm of these partitions known to the read models, not only those this worker has seen
        records of (after a restart with nothing new to read, that would be none)."""
        mine: dict[int, list[str]] = {}
        for farm in state_keys(self.engine, STANDING):
            partition = partition_for(farm, self.log.partitions())
            if farm != PROGRAM_KEY and partition in settled:
                mine.setdefault(partition, []).append(farm)
        outcome = self.projector.tick(self.log.topic, mine, now())
        self._publish(outcome.derived, outcome.relay)


def applied_offsets(engine: Engine, topic: str) -> dict[int, int]:
    """The last offset of each partition of `topic` the read models applied (stored with its batch)."""
    with engine.connect() as conn:
        rows = conn.execute(select(partition_offsets.c.partition, partition_offsets.c.offset).where(
            partition_offsets.c.topic == topic))
        return {partition: offset for partition, offset in rows}


def settled_partitions(engine: Engine, topic: str, ends: dict[int, int]) -> set[int]:
    done = applied_offsets(engine, topic)
    return {p for p, end in ends.items() if end == 0 or done.get(p, -1) >= end - 1}


_runner: Runner | None = None
_runner_lock = threading.Lock()


def runner() -> Runner:
    """Built on first use (in a worker thread), not at import: importing the module connects to nothing."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = Runner()
        return _runner


async def apply_until_done(records: Sequence[Record]) -> Outcome:
    """Retry a batch (with backoff) until it is committed. An event that cannot be applied is already turned
    into a `failures` row by the projector; what still escapes is infrastructure (database down, failures
    not writable). Moving on would let a later batch advance the partition's stored offset past these
    records, and a restart would then skip them: so never move on."""
    delay = 0.5
    while True:
        try:
            return await asyncio.to_thread(runner().apply, records)
        except TRANSIENT as exc:
            log.warning("database unavailable, retrying in %.1fs: %r", delay, exc)
        except Exception:
            log.exception("batch not applied, retrying in %.1fs", delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX)


@app.service
class Feed(Service):
    """This worker's share of the events topic, read in whole fetches and applied a batch at a time.

    One aiokafka consumer in the group `<prefix>dignity-projections` (session timeout and heartbeat as
    DIGNITY_SESSION_TIMEOUT says). Assigned partitions start after the offset the read models stored; a
    revoked partition is handed on once the batch in flight has committed (or failed), and the partition
    locks keep two workers from applying one partition at once while a rebalance is under way."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.topic = topic_name(EVENTS)
        self.consumer: AIOKafkaConsumer | None = None
        self.applying = asyncio.Lock()
        """Held while a batch is applied: a revocation waits for it."""
        self._committed = 0.0
        global _feed
        _feed = self  # Faust makes the one instance of the worker; the timer asks it for the end offsets

    async def on_start(self) -> None:
        await asyncio.to_thread(runner)  # connects, and creates the topics if missing
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(), group_id=_prefix() + APP_ID, client_id="dignity-worker",
            enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=int(SESSION_TIMEOUT * 1000),  # a killed worker's partitions move on after this
            heartbeat_interval_ms=int(min(1.0, SESSION_TIMEOUT / 4) * 1000),  # a joining worker is seen soon
            rebalance_timeout_ms=int(max(20.0, SESSION_TIMEOUT * 2) * 1000),
        )
        self.consumer.subscribe([self.topic], listener=_Listener(self))
        await self.consumer.start()

    async def on_stop(self) -> None:
        if self.consumer is not None:
            async with self.applying:  # the batch in flight commits (or fails) first
                await self.consumer.stop()  # leaves the group: the partitions move on at once

    def assignment(self) -> set[TopicPartition]:
        return set(self.consumer.assignment()) if self.consumer is not None else set()

    async def ends(self) -> dict[int, int]:
        """Each assigned partition's end offset."""
        mine = sorted(self.assignment())
        if self.consumer is None or not mine:
            return {}
        return {tp.partition: end for tp, end in (await self.consumer.end_offsets(mine)).items()}

    @Service.task
    async def _apply_fetches(self) -> None:
        assert self.consumer is not None
        waited = time.perf_counter()
        while not self.should_stop:
            try:
                fetched = await self.consumer.getmany(timeout_ms=POLL_MS, max_records=BATCH)
            except ConsumerStoppedError:
                return  # stopping
            except ConsumerError as exc:  # the consumer retries the broker itself; this is what it gave up on
                log.warning("fetch failed, fetching again in 1 s: %r", exc)
                await asyncio.sleep(1.0)
                continue
            records = [Record(tp.topic, tp.partition, r.offset, r.value or b"", r.key)
                       for tp, rows in fetched.items() for r in rows]
            if not records:
                continue
            started = time.perf_counter()
            async with self.applying:
                outcome = await apply_until_done(records)
            applied_in = time.perf_counter() - started
            log.info("applied %d, skipped %d, failed %d (batch of %d; %.3f s taking, %.3f s applying)",
                     outcome.applied, outcome.skipped, outcome.failed, len(records), started - waited, applied_in)
            await self._commit({tp: rows[-1].offset + 1 for tp, rows in fetched.items() if rows})
            waited = time.perf_counter()

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Kafka's committed offsets follow what the database committed (at most every COMMIT_INTERVAL)."""
        if self.consumer is None or time.monotonic() - self._committed < COMMIT_INTERVAL:
            return
        self._committed = time.monotonic()
        mine = self.assignment()
        try:
            await self.consumer.commit({tp: offset for tp, offset in offsets.items() if tp in mine})
        except Exception as exc:  # a rebalance under way: the database holds the offsets anyway
            log.info("offsets not committed to Kafka: %r", exc)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self.feed.applying:  # the batch in flight commits (or fails) before the partitions go
            pass

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Start each partition after the offset the read models stored with its last batch."""
        consumer = self.feed.consumer
        assert consumer is not None
        mine = sorted(tp for tp in assigned if tp.topic == self.feed.topic)
        stored = await asyncio.to_thread(applied_offsets, runner().engine, self.feed.topic)
        fresh = [tp for tp in mine if tp.partition not in stored]
        for tp in mine:
            if tp.partition in stored:
                consumer.seek(tp, stored[tp.partition] + 1)
        if fresh:
            await consumer.seek_to_beginning(*fresh)
        log.info("assigned partitions %s of %s (stored offsets %s)", [tp.partition for tp in mine],
                 self.feed.topic, {p: o for p, o in sorted(stored.items()) if p in {tp.partition for tp in mine}})


_feed: Feed | None = None


@app.timer(SWEEP_SECONDS)
async def deadlines_and_findings() -> None:
    if _feed is None:
        return
    try:
        ends = await _feed.ends()
    except Exception:  # consumer not ready or rebalancing: the next tick
        log.exception("no end offsets; sweep skipped")
        return
    await asyncio.to_thread(runner().tick, ends)


@app.on_worker_init.connect
def preflight(*_: Any, **__: Any) -> None:
    """Exit at once (non-zero, with the reason) if the broker will not let this worker join its group:
    Faust would otherwise log one error and stay up, consuming nothing. Runs before the worker starts."""
    try:
        check_session_timeout(bootstrap_servers(), topic_name(EVENTS), SESSION_TIMEOUT)
    except CannotJoin as exc:
        log.critical("cannot join the consumer group: %s", exc)
        print(f"dignity worker: {exc}", file=sys.stderr, flush=True)
        os._exit(EXIT_CODE)


@app.task
async def publish_leftovers() -> None:
    """On start: what a killed worker committed but never published goes out now."""
    await asyncio.to_thread(runner().tick, {})


def main() -> None:
    app.main()


if __name__ == "__main__":
    main()
