"""What `GET /metrics` tells Prometheus: counters of this process, and gauges read from the ledger at scrape.

This process counts what it ingested (`dignity_events_ingested_total{outcome}`, `..._rejected_total`) over
the API and the dashboard. The rest is read from the database each scrape, so every API process answers
the same: events on the log by type, deadlines missed per rule (the `dignity deadlines` answer; it reads
every farm, so it is cached for `CACHE_SECONDS` and recomputed in the background after the first scrape),
webhook deliveries failing and dead letters waiting, worker failures, and — when the app is distributed —
each partition's applied offset and, if the broker answers within `KAFKA_TIMEOUT_MS`, its lag. Only
aggregates: no farm, worker or buyer id is a label.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, and_, func, select

from services.ledger import queries
from services.log.kafka_log import EVENTS, topic_name
from services.store.database import now
from services.store.schema import dead_letters, deliveries, event_index, events, failures, partition_offsets

CACHE_SECONDS = 60.0
KAFKA_TIMEOUT_MS = 3000


class Metrics:
    """One registry per app (several apps in one test process never share a counter)."""

    def __init__(self, engine: Engine, kafka: str | None) -> None:
        self.registry = CollectorRegistry()
        self.ingested = Counter("dignity_events_ingested", "Lines appended or already on the log, by this process",
                                ["outcome", "via"], registry=self.registry)
        self.rejected = Counter("dignity_events_rejected", "Lines refused at ingest by this process", ["via"],
                                registry=self.registry)
        self.registry.register(LedgerCollector(engine, kafka))

    def count(self, accepted: int, duplicates: int, rejected: int, via: str) -> None:
        """Count what one post did."""
        self.ingested.labels("accepted", via).inc(accepted)
        self.ingested.labels("duplicate", via).inc(duplicates)
        self.rejected.labels(via).inc(rejected)


class _Cached:
    """A value computed at most every `seconds`. With `background`, only the first computation blocks; a
    stale value is answered while a thread computes the next, so a slow computation (every farm's
    deadlines) never holds a scrape after the first."""

    def __init__(self, seconds: float, compute: Callable[[], Any], background: bool = False) -> None:
        self.seconds, self.compute, self.background = seconds, compute, background
        self.lock, self.refreshing = threading.Lock(), False
        self.value: Any = None
        self.at = -1e18

    def get(self) -> Any:
        with self.lock:
            stale = time.monotonic() - self.at > self.seconds
            if stale and (not self.background or self.at < 0):
                self.value, self.at = self.compute(), time.monotonic()
            elif stale and not self.refreshing:
                self.refreshing = True
                threading.Thread(target=self._refresh, name="dignity-metrics", daemon=True).start()
            return self.value

    def _refresh(self) -> None:
        try:
            value = self.compute()
            with self.lock:
                self.value, self.at = value, time.monotonic()
        finally:
            self.refreshing = False


class LedgerCollector(Collector):
    def __init__(self, engine: Engine, kafka: str | None) -> None:
        self.engine, self.kafka = engine, kafka
        self.missed = _Cached(CACHE_SECONDS, self._missed_per_rule, background=True)
        self.ends = _Cached(10.0, self._end_offsets)

    def collect(self) -> Iterator[Metric]:
        yield from self._log()
        yield from self._deadlines()
        yield from self._deliveries()
        if self.kafka:
            yield from self._lag()

    def _log(self) -> Iterator[Metric]:
        table = event_index if self.kafka else events
        logged = CounterMetricFamily("dignity_log_events", "Events on the log, by type", labels=["type"])
        with self.engine.connect() as conn:
            for type_, n in conn.execute(select(table.c.type, func.count()).group_by(table.c.type)):
                logged.add_metric([type_], n)
            broken = conn.execute(select(func.count()).select_from(failures)).scalar() or 0
        yield logged
        yield GaugeMetricFamily("dignity_worker_failures", "Events a worker could not apply (dignity failures)",
                                value=broken)

    def _missed_per_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in queries.answer_rows(self.engine, "deadlines", None, now(), []):  # a farm's rows at a time
            if d["status"] == "missed":
                out[d["rule"]] = out.get(d["rule"], 0) + 1
        return out

    def _deadlines(self) -> Iterator[Metric]:
        missed = GaugeMetricFamily("dignity_deadlines_missed", "Deadlines missed so far, per rule", labels=["rule"])
        for rule, n in sorted(self.missed.get().items()):
            missed.add_metric([rule], n)
        yield missed

    def _deliveries(self) -> Iterator[Metric]:
        by_status = GaugeMetricFamily("dignity_webhook_deliveries", "Webhook deliveries by status",
                                      labels=["status"])
        with self.engine.connect() as conn:
            for status, n in conn.execute(select(deliveries.c.status, func.count()).group_by(deliveries.c.status)):
                by_status.add_metric([status], n)
            failing = conn.execute(select(func.count()).select_from(deliveries).where(
                and_(deliveries.c.status == "pending", deliveries.c.attempts > 0))).scalar() or 0
            waiting = conn.execute(select(func.count()).select_from(dead_letters).where(
                dead_letters.c.redelivered_at.is_(None))).scalar() or 0
        yield by_status
        yield GaugeMetricFamily("dignity_webhook_deliveries_failing", "Pending deliveries whose last try failed",
                                value=failing)
        yield GaugeMetricFamily("dignity_webhook_dead_letters", "Dead letters not yet sent again", value=waiting)

    def _end_offsets(self) -> dict[int, int] | None:
        from kafka import KafkaConsumer, TopicPartition

        try:
            consumer = KafkaConsumer(bootstrap_servers=self.kafka, group_id=None, enable_auto_commit=False,
                                     client_id="dignity-metrics", request_timeout_ms=KAFKA_TIMEOUT_MS,
                                     bootstrap_timeout_ms=KAFKA_TIMEOUT_MS)
        except Exception:  # no broker: the lag is unknown, the rest still answers
            return None
        try:
            topic = topic_name(EVENTS)
            parts = consumer.partitions_for_topic(topic) or set()
            ends = consumer.end_offsets([TopicPartition(topic, p) for p in parts])
            return {tp.partition: int(offset) for tp, offset in ends.items()}
        except Exception:
            return None
        finally:
            consumer.close()

    def _lag(self) -> Iterator[Metric]:
        topic = topic_name(EVENTS)
        with self.engine.connect() as conn:
            applied = dict(conn.execute(select(partition_offsets.c.partition, partition_offsets.c.offset)
                                        .where(partition_offsets.c.topic == topic)).all())
        offset = GaugeMetricFamily("dignity_consumer_applied_offset", "Last offset the workers applied",
                                   labels=["topic", "partition"])
        for p, o in sorted(applied.items()):
            offset.add_metric([topic, str(p)], o)
        yield offset
        ends = self.ends.get()
        yield GaugeMetricFamily("dignity_kafka_up", "The broker answered the last end-offset request",
                                value=0 if ends is None else 1)
        if ends is None:
            return
        lag = GaugeMetricFamily("dignity_consumer_lag", "Records on the partition not yet applied",
                                labels=["topic", "partition"])
        for p, end in sorted(ends.items()):
            lag.add_metric([topic, str(p)], max(0, end - (applied.get(p, -1) + 1)))
        yield lag
