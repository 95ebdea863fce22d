"""Buyer webhooks against a real HTTP receiver on 127.0.0.1 (BU-1, issue 5): nothing lost, order per farm,
signatures, bounded retries with backoff, a dead letter after the last try, redelivery on request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from services.delivery import feed
from services.delivery.backoff import Backoff
from services.delivery.pump import Pump
from services.delivery.sender import HttpSender
from services.delivery.signing import DELIVERY, SIGNATURE, verify
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks, delivery_id
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm

pytestmark = pytest.mark.usefixtures("local_receivers")  # receivers on 127.0.0.1, allow-listed

FAST = Backoff(base=0.02, factor=2.0, cap=0.2, max_attempts=6)
"""Short waits so the tests take a second: 20 ms doubling, six tries."""
ROUNDS_DEADLINE = 20.0


class Receiver:
    """A webhook endpoint that answers 500 to its first `fail_first` calls (or while `down`), then 204."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first, self.down = fail_first, False
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    n = len(receiver.calls)
                    ok = n >= receiver.fail_first and not receiver.down
                    receiver.calls.append({"headers": dict(self.headers), "body": body, "ok": ok})
                self.send_response(204 if ok else 500)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/dignity"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self) -> list[dict[str, Any]]:
        with self.lock:
            return [orjson.loads(c["body"]) for c in self.calls if c["ok"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=3)
    yield r
    r.close()


def program(ledger: EmbeddedLedger) -> None:
    """Two farms linked to buyer-1, each through suspension, a stayed appeal, the decision and reinstatement;
    farm-2 is also linked to buyer-2, who must never receive buyer-1's notifications."""
    for farm_id, owner in (("farm-1", "owner-1"), ("farm-2", "owner-2")):
        farm = Farm(ledger, farm_id, owner)
        farm.post("BuyerLinked", "2025-01-06", {"buyer_id": "buyer-1", "since": "2025-01-06"})
        if farm_id == "farm-2":
            farm.post("BuyerLinked", "2025-01-06", {"buyer_id": "buyer-2", "since": "2025-01-06"})
        farm.violation(f"v-{farm_id}", "2025-03-03", "I", "a")
        farm.appeal(f"ap-{farm_id}", "suspension", f"v-{farm_id}", "2025-03-05")
        farm.decide(f"ap-{farm_id}", "2025-03-20", "upheld")
        farm.reentry("2025-05-01")


def rounds(pump: Pump, until: Callable[[], bool]) -> int:
    """Run delivery rounds until `until()` holds (bounded in time)."""
    started, n = time.monotonic(), 0
    while not until():
        assert time.monotonic() - started < ROUNDS_DEADLINE, "delivery did not finish in time"
        pump.run_once()
        n += 1
        time.sleep(0.01)
    return n


def per_farm(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["farm_id"], []).append(r["notification_id"])
    return out


def first_seen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["notification_id"] not in seen:
            seen.add(r["notification_id"])
            out.append(r)
    return out


def test_bu1_webhooks_lose_nothing_keep_order_per_farm_and_are_signed(ledger: EmbeddedLedger,
                                                                       receiver: Receiver) -> None:
    program(ledger)
    sub = Subscriptions(ledger.engine).add("buyer-1", receiver.url)
    hooks = Webhooks(ledger.engine, FAST, HttpSender(timeout=2.0))
    pump = Pump(ledger.engine, hooks)
    expected = queries.notifications(ledger.engine, "buyer-1")
    assert len(expected) == 8  # four changes on each farm

    rounds(pump, lambda: len({r["notification_id"] for r in receiver.accepted()}) == len(expected))

    assert [c["ok"] for c in receiver.calls[:3]] == [False, False, False]  # the receiver did fail first
    got = first_seen(receiver.accepted())
    assert {r["notification_id"] for r in got} == {r["notification_id"] for r in expected}  # nothing lost
    assert per_farm(got) == per_farm(expected)  # in order per farm
    assert all(r["buyer_id"] == "buyer-1" for r in got)  # nothing of buyer-2's
    for call in receiver.calls:
        assert verify(call["body"], sub["secret"], call["headers"][SIGNATURE])
        assert not verify(call["body"] + b" ", sub["secret"], call["headers"][SIGNATURE])
        body = orjson.loads(call["body"])
        assert call["headers"][DELIVERY] == body["delivery_id"] == delivery_id(sub["subscription_id"],
                                                                                body["notification_id"])
    assert {d["status"] for d in hooks.deliveries()} == {"delivered"}
    assert hooks.dead_letters() == []


def test_bu1_retries_back_off_exponentially_and_wait_for_their_time(ledger: EmbeddedLedger) -> None:
    program(ledger)
    clock = [datetime(2025, 6, 1, 12, tzinfo=UTC)]
    always_down = Receiver(fail_first=10**6)
    try:
        Subscriptions(ledger.engine).add("buyer-2", always_down.url)
        backoff = Backoff(base=10, factor=3, cap=100, max_attempts=5)
        hooks = Webhooks(ledger.engine, backoff, HttpSender(timeout=2.0), clock=lambda: clock[0])
        pump = Pump(ledger.engine, hooks)
        pump.run_once()
        assert len(always_down.calls) == 1
        pump.run_once()  # not due yet: no second call
        assert len(always_down.calls) == 1
        waits = []
        for _ in range(3):
            (pending,) = [d for d in hooks.deliveries() if d["attempts"]]
            due = datetime.fromisoformat(pending["next_at"])
            waits.append((due - clock[0]).total_seconds())
            clock[0] = due
            pump.run_once()
        assert waits == [10.0, 30.0, 90.0]
        assert backoff.delay(4) == timedelta(seconds=100)  # capped
        assert len(always_down.calls) == 4
    finally:
        always_down.close()


def test_bu1_dead_letter_after_last_try_holds_the_farm_then_redelivery_sends_in_order(
        ledger: EmbeddedLedger) -> None:
    program(ledger)
    down = Receiver()
    down.down = True
    try:
        Subscriptions(ledger.engine).add("buyer-1", down.url)
        hooks = Webhooks(ledger.engine, Backoff(base=0.01, factor=2, cap=0.05, max_attempts=3),
                         HttpSender(timeout=2.0))
        pump = Pump(ledger.engine, hooks)
        rounds(pump, lambda: len(hooks.dead_letters()) == 2)  # the head of each farm's queue
        dead = hooks.dead_letters()
        assert {d["attempts"] for d in dead} == {3}
        assert all(d["last_error"] == "HTTP 500" for d in dead)
        assert len(down.calls) == 6  # 3 tries for each of the 2 heads, and nothing behind them was sent
        for _ in range(5):
            pump.run_once()  # a dead head holds its farm: no more tries
        assert len(down.calls) == 6
        assert {d["status"] for d in hooks.deliveries()} == {"dead", "pending"}

        down.down = False
        redelivering = hooks.redeliver_dead()
        assert sorted(redelivering) == sorted(d["delivery_id"] for d in dead)
        expected = queries.notifications(ledger.engine, "buyer-1")
        rounds(pump, lambda: len({r["notification_id"] for r in down.accepted()}) == len(expected))
        assert per_farm(first_seen(down.accepted())) == per_farm(expected)
        assert all(d["redelivered_at"] for d in hooks.dead_letters())
        assert {d["status"] for d in hooks.deliveries()} == {"delivered"}
    finally:
        down.close()


def test_bu1_redelivery_on_request_sends_a_delivered_notification_again(ledger: EmbeddedLedger,
                                                                        receiver: Receiver) -> None:
    program(ledger)
    Subscriptions(ledger.engine).add("buyer-2", receiver.url)
    hooks = Webhooks(ledger.engine, FAST, HttpSender(timeout=2.0))
    pump = Pump(ledger.engine, hooks)
    rounds(pump, lambda: {d["status"] for d in hooks.deliveries()} == {"delivered"})
    first = hooks.deliveries()[0]
    before = len(receiver.accepted())
    assert hooks.redeliver(first["delivery_id"])
    assert not hooks.redeliver("no-such-delivery")
    rounds(pump, lambda: len(receiver.accepted()) == before + 1)
    again = receiver.accepted()[-1]
    assert again["delivery_id"] == first["delivery_id"] and again["notification_id"] == first["notification_id"]


def test_bu1_feed_and_queues_are_idempotent_across_rebuild(ledger: EmbeddedLedger, receiver: Receiver) -> None:
    program(ledger)
    receiver.fail_first = 0
    Subscriptions(ledger.engine).add("buyer-1", receiver.url)
    hooks = Webhooks(ledger.engine, FAST, HttpSender(timeout=2.0))
    pump = Pump(ledger.engine, hooks)
    rounds(pump, lambda: len(receiver.calls) == 8)
    positions = feed.last_position(ledger.engine)
    ledger.rebuild()  # same derived ids, same order: nothing new to copy or send
    assert feed.sync(ledger.engine) == 0
    assert hooks.enqueue() == 0
    pump.run_once()
    assert feed.last_position(ledger.engine) == positions
    assert len(receiver.calls) == 8


def test_bu1_new_subscription_gets_past_notifications_unless_from_now(ledger: EmbeddedLedger) -> None:
    program(ledger)
    feed.sync(ledger.engine)
    subs = Subscriptions(ledger.engine)
    everything = subs.add("buyer-1", "http://127.0.0.1:9/everything")
    later = subs.add("buyer-1", "http://127.0.0.1:9/later", from_now=True)
    hooks = Webhooks(ledger.engine, FAST)
    assert hooks.enqueue() == 8
    assert {d["subscription_id"] for d in hooks.deliveries()} == {everything["subscription_id"]}
    with pytest.raises(ValueError):
        subs.add("buyer-1", "ftp://127.0.0.1/nope")
    assert later["subscription_id"] not in {d["subscription_id"] for d in hooks.deliveries()}


def test_bu1_one_delivery_loop_at_a_time(ledger: EmbeddedLedger) -> None:
    first, second = Pump(ledger.engine), Pump(ledger.engine)
    assert first.run_once() is not None
    assert second.run_once() is None  # the lease is held
    first.lease.release()
    assert second.run_once() is not None


def test_backoff_is_bounded() -> None:
    b = Backoff(base=2, factor=2, cap=60, max_attempts=4)
    assert [b.delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 10)] == [2, 4, 8, 16, 32, 60]
    assert not b.exhausted(3) and b.exhausted(4)
    with pytest.raises(ValueError):
        Backoff(max_attempts=0)
