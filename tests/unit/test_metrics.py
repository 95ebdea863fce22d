"""GET /metrics (issue 12): Prometheus text that names events ingested and rejected, deadlines missed per
rule, deliveries failing and dead letters, and the consumer lag per partition; MDSC's, and no id in it.
Structured logs: one JSON object a line with DIGNITY_LOG_JSON=1."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from services import structured_logs
from services.api.app import create_app
from services.api.metrics import LedgerCollector, _Cached
from services.auth.tokens import TokenStore
from services.delivery import feed
from services.delivery.backoff import Backoff
from services.delivery.sender import Sent
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.log.kafka_log import EVENTS, topic_name
from services.store.database import now
from services.store.schema import partition_offsets
from tests.conftest import event
from tests.unit.test_webhooks import program


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.mark.usefixtures("local_receivers")
def test_metrics_count_ingest_deadlines_missed_and_failing_deliveries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    program(ledger)
    Subscriptions(ledger.engine).add("buyer-1", "http://127.0.0.1:9/down")
    feed.sync(ledger.engine)
    for tries in (1, 5):  # buyer-1's die at the first try; then buyer-2's fail once and wait to retry
        hooks = Webhooks(ledger.engine, Backoff(max_attempts=tries), lambda *a: Sent(False, "HTTP 500"))
        hooks.enqueue()
        hooks.dispatch()
        if tries == 1:
            Subscriptions(ledger.engine).add("buyer-2", "http://127.0.0.1:9/later")
    token = TokenStore(ledger.engine).issue("mdsc", "auditor-1").secret
    client = TestClient(create_app(url, deliver=False))
    good = event("WorkerHired", "farm-1", "2025-06-02T09:00:00-04:00",
                 {"worker_id": "w-9", "hired_on": "2025-06-02"})
    bad = {**event("WorkerHired", "farm-1", "2025-06-02T09:00:00-04:00", {"worker_id": "w-10"})}
    body = "\n".join(json.dumps(e) for e in (good, bad, good))
    answer = client.post("/events", content=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["accepted"], report["duplicates"], len(report["rejected"])) == (1, 1, 1)

    assert client.get("/metrics").status_code == 401  # no route answers without a token
    farm = TokenStore(ledger.engine).issue("farm", "farm-1").secret
    assert client.get("/metrics", headers={"Authorization": f"Bearer {farm}"}).status_code == 403
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    got = samples(scraped.text)
    assert got[("dignity_events_ingested_total", (("outcome", "accepted"), ("via", "api")))] == 1
    assert got[("dignity_events_ingested_total", (("outcome", "duplicate"), ("via", "api")))] == 1
    assert got[("dignity_events_rejected_total", (("via", "api"),))] == 1
    assert got[("dignity_log_events_total", (("type", "WorkerHired"),))] >= 1
    missed: dict[str, int] = {}
    for d in queries.deadlines(ledger.engine, None, now(), []):
        if d["status"] == "missed":
            missed[d["rule"]] = missed.get(d["rule"], 0) + 1
    assert missed  # the program does miss deadlines
    assert {k[1][0][1]: v for k, v in got.items() if k[0] == "dignity_deadlines_missed"} == missed
    assert got[("dignity_webhook_dead_letters", ())] == 2  # buyer-1: the head of each farm queue, one try
    assert got[("dignity_webhook_deliveries_failing", ())] == 1  # buyer-2: its one farm's head, retrying
    assert "farm-1" not in scraped.text and "buyer-1" not in scraped.text
    ledger.engine.dispose()


def test_consumer_lag_is_end_offset_minus_applied(ledger: EmbeddedLedger) -> None:
    topic = topic_name(EVENTS)
    with ledger.engine.begin() as conn:
        conn.execute(insert(partition_offsets), [{"topic": topic, "partition": 0, "offset": 4}])
    collector = LedgerCollector(ledger.engine, "127.0.0.1:1")
    collector.ends = _Cached(10, lambda: {0: 10, 1: 3})  # the broker's end offsets
    lag = {s.labels["partition"]: s.value for m in collector._lag() for s in m.samples
           if s.name == "dignity_consumer_lag"}
    assert lag == {"0": 5.0, "1": 3.0}  # offsets 5..9 and 0..2 not applied yet
    started = time.monotonic()
    assert LedgerCollector(ledger.engine, "127.0.0.1:1")._end_offsets() is None  # nothing listens there
    assert time.monotonic() - started < 15  # a scrape is not held for long by a broker that is down
    collector.ends = _Cached(10, lambda: None)  # no broker
    names = {s.name: s.value for m in collector._lag() for s in m.samples}
    assert names["dignity_kafka_up"] == 0 and "dignity_consumer_lag" not in names


def test_a_slow_gauge_blocks_the_first_scrape_only() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    cached = _Cached(0.0, compute, background=True)
    assert cached.get() == 1  # the first scrape waits for the value
    assert cached.get() == 1  # a stale value is answered at once while the next is computed
    started = time.monotonic()
    while cached.get() != 2:
        assert time.monotonic() - started < 5, "the background refresh did not land"
        time.sleep(0.01)


def test_logs_are_json_lines_on_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = root.handlers[:], root.level
    monkeypatch.setenv("DIGNITY_LOG_JSON", "1")
    monkeypatch.setattr(structured_logs, "_configured", False)
    try:
        client = TestClient(create_app(f"sqlite:///{tmp_path / 'l.db'}", deliver=False))
        client.get("/farms/farm-1/standing")  # 401: no token
        lines: list[dict[str, Any]] = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
        request = next(x for x in lines if x.get("logger") == "dignity.http")
        assert request["route"] == "/farms/{farm_id}/standing" and request["status"] == 401
        assert request["level"] == "INFO" and "farm-1" not in json.dumps(request)
    finally:
        root.handlers[:], _ = before
        root.setLevel(before[1])
