"""The distributed runner: a Faust app applying `dignity.events` to read models in PostgreSQL.

    faust -A services.runner.faust_app worker -l info      (or `dignity worker`)

Settings (services/settings.py): DIGNITY_KAFKA (broker), DIGNITY_DB (read models), DIGNITY_TOPIC_PREFIX,
DIGNITY_BATCH, DIGNITY_BATCH_WITHIN, DIGNITY_SWEEP_SECONDS, DIGNITY_TICK (0: no time-brought standing
changes), DIGNITY_SESSION_TIMEOUT, DIGNITY_COMMIT_INTERVAL, DIGNITY_FAUST_DATA.

Offsets: the agent takes batches without acking (`noack_take`), applies each batch in one database
transaction (which also stores the applied event ids and partition offsets) and acks the records only
after the commit, so Faust never commits an offset past an event whose transaction did not commit.
Nothing may escape the agent body: a batch left behind would be skipped on restart once a later batch
moved the partition's stored offset past it. So an event that cannot be applied goes to `failures`, and
anything else (database down) is retried until it commits. Concurrency 1 keeps each partition in order;
several worker processes share the partitions through the consumer group.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, cast

import faust
from faust.app.base import BootStrategy
from faust.types import EventT
from kafka.errors import KafkaError
from sqlalchemy import Engine, select

from events.types import PROGRAM_KEY
from projections.membership.projection import Membership
from projections.standing.query import NAME as STANDING
from services import structured_logs
from services.ledger.queries import state_keys
from services.log.kafka_log import EVENTS, KafkaEventLog, bootstrap_servers, partition_for, topic_name
from services.runner.preflight import EXIT_CODE, CannotJoin, check_session_timeout
from services.runner.projector import TRANSIENT, Outcome, Projector, Record
from services.runner.publisher import Publisher
from services.runner.sweep import sweep
from services.settings import settings
from services.store.database import connect, now
from services.store.schema import partition_offsets

log = logging.getLogger(__name__)

APP_ID = "dignity-projections"
SETTINGS = settings()
BATCH = SETTINGS.batch
WITHIN = SETTINGS.batch_within
SWEEP_SECONDS = SETTINGS.sweep_seconds
TICK = SETTINGS.tick
"""The timer writes time-brought standing changes (off for a run compared with an embedded one that never
ticks); deadlines and findings are swept either way."""
SESSION_TIMEOUT = SETTINGS.session_timeout
COMMIT_INTERVAL = SETTINGS.commit_interval  # Faust's default
RETRY_MAX = 30.0


def _prefix() -> str:
    return settings().topic_prefix


app = faust.App(
    _prefix() + APP_ID,  # the consumer group: one per prefix, so isolated runs share nothing
    broker=f"kafka://{bootstrap_servers()}",
    web_enabled=False,
    datadir=SETTINGS.faust_data,
    topic_partitions=6,
    consumer_auto_offset_reset="earliest",
    broker_session_timeout=SESSION_TIMEOUT,  # a killed worker's partitions move on after this
    broker_heartbeat_interval=min(3.0, SESSION_TIMEOUT / 4),
    broker_rebalance_timeout=max(20.0, SESSION_TIMEOUT * 2),
    broker_commit_interval=COMMIT_INTERVAL,  # committed offsets only save re-reading: the database decides
)
# No web server even under `faust worker` (whose --with-web default overrides web_enabled): several
# workers run on one host and nothing is served.
app.boot_strategy = BootStrategy(app, enable_web=False)

events_topic = app.topic(
    topic_name(EVENTS), key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
    partitions=6, internal=True,  # internal: Faust declares it before subscribing
)


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
            self._publish(sweep(self.engine, self.farms_of(settled), now()), [])
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


def settled_partitions(engine: Engine, topic: str, ends: dict[int, int]) -> set[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(partition_offsets.c.partition, partition_offsets.c.offset).where(
            partition_offsets.c.topic == topic))
        done = {partition: offset for partition, offset in rows}
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


@app.agent(events_topic, concurrency=1)
async def project(stream: faust.StreamT[bytes]) -> None:
    taken = cast(faust.Stream[bytes], stream).noack_take(BATCH, within=WITHIN)
    waited = time.perf_counter()
    async for batch in taken:
        started = time.perf_counter()
        events = cast(list[EventT[bytes]], batch)  # noack_take yields the events themselves
        records = [Record(e.message.topic, e.message.partition, e.message.offset,
                          e.message.value or b"", e.message.key)
                   for e in events]
        outcome = await apply_until_done(records)
        applied_in = time.perf_counter() - started
        for event in events:  # only now may Faust commit these offsets
            await stream.ack(event)
        log.info("applied %d, skipped %d, failed %d (batch of %d; %.3f s taking, %.3f s applying)",
                 outcome.applied, outcome.skipped, outcome.failed, len(events), started - waited, applied_in)
        waited = time.perf_counter()


@app.timer(SWEEP_SECONDS)
async def deadlines_and_findings() -> None:
    try:
        mine = [tp for tp in app.consumer.assignment() if tp.topic == events_topic.get_topic_name()]
        ends = await app.consumer.highwaters(*mine) if mine else {}
    except Exception:  # consumer not ready or rebalancing: the next tick
        log.exception("no end offsets; sweep skipped")
        return
    await asyncio.to_thread(runner().tick, {tp.partition: end for tp, end in ends.items()})


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
