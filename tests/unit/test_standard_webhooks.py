"""Buyers verify deliveries with the `standardwebhooks` package (issue 12): a fresh delivery verifies, a
changed body does not, a stale or replayed one is refused; the old X-Dignity-* headers stay one release."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.delivery.backoff import Backoff
from services.delivery.pump import Pump
from services.delivery.sender import Sent
from services.delivery.signing import (
    SIGNATURE,
    WEBHOOK_ID,
    WEBHOOK_SIGNATURE,
    WEBHOOK_TIMESTAMP,
    check_secret,
    headers,
    new_secret,
    verify,
)
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_webhooks import program


class Capture:
    """A sender that keeps what it was asked to send and answers 204."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> Sent:
        self.sent.append((body, headers))
        return Sent(True, "HTTP 204")


class Receiver:
    """What a buyer writes with the package: verify, then drop a webhook-id already seen."""

    def __init__(self, secret: str) -> None:
        self.hook, self.seen = Webhook(secret), set[str]()

    def receive(self, body: bytes, hdrs: dict[str, str]) -> object:
        payload = self.hook.verify(body, hdrs)
        if hdrs[WEBHOOK_ID] in self.seen:
            raise WebhookVerificationError("replayed webhook-id")
        self.seen.add(hdrs[WEBHOOK_ID])
        return payload


@pytest.mark.usefixtures("local_receivers")
def test_deliveries_verify_with_the_standardwebhooks_package(ledger: EmbeddedLedger) -> None:
    program(ledger)
    sub = Subscriptions(ledger.engine).add("buyer-1", "http://127.0.0.1:9/hooks")
    assert sub["secret"].startswith("whsec_")
    capture = Capture()
    Pump(ledger.engine, Webhooks(ledger.engine, Backoff(), capture)).run_once()
    assert len(capture.sent) == 8
    buyer = Receiver(sub["secret"])
    for body, hdrs in capture.sent:
        assert buyer.receive(body, hdrs) == orjson.loads(body)
        assert hdrs[WEBHOOK_ID] == orjson.loads(body)["delivery_id"]
        assert abs(int(hdrs[WEBHOOK_TIMESTAMP]) - time.time()) < 60
        assert verify(body, sub["secret"], hdrs[SIGNATURE])  # the deprecated header still holds
    body, hdrs = capture.sent[0]
    with pytest.raises(WebhookVerificationError, match="replayed"):  # the same delivery sent again
        buyer.receive(body, hdrs)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(sub["secret"]).verify(body.replace(b"buyer-1", b"buyer-9"), hdrs)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(new_secret()).verify(body, hdrs)


def test_a_stale_delivery_is_refused_by_the_package() -> None:
    secret, body = new_secret(), b'{"delivery_id": "d-1"}'
    fresh = headers(body, secret, "d-1", 1, datetime.now(UTC))
    Webhook(secret).verify(body, fresh)
    stale = headers(body, secret, "d-1", 1, datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, stale)
    replayed = {**stale, WEBHOOK_TIMESTAMP: fresh[WEBHOOK_TIMESTAMP]}  # an old signature with a new time
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(body, replayed)


def test_a_timestamp_in_another_zone_signs_the_same_instant() -> None:
    secret, body = new_secret(), b"{}"
    moment = datetime.now(UTC)
    east = moment.astimezone(ZoneInfo("Asia/Tokyo"))
    assert headers(body, secret, "d", 1, moment)[WEBHOOK_SIGNATURE] == headers(body, secret, "d", 1, east)[
        WEBHOOK_SIGNATURE]


@pytest.mark.usefixtures("local_receivers")
def test_an_older_secret_verifies_as_its_bytes_and_rotation_changes_the_key(ledger: EmbeddedLedger) -> None:
    old = "an-old-token-urlsafe-secret-0123456789"
    body = b'{"x": 1}'
    Webhook(old.encode()).verify(body, headers(body, old, "d-1", 1, datetime.now(UTC)))
    subs = Subscriptions(ledger.engine)
    sub = subs.add("buyer-1", "http://127.0.0.1:9/hooks", secret=old)
    rotated = subs.rotate(sub["subscription_id"])
    assert rotated and rotated.startswith("whsec_") and subs.get(sub["subscription_id"])["secret"] == rotated
    subs.remove(sub["subscription_id"])
    assert subs.rotate(sub["subscription_id"]) is None  # a removed subscription has nothing to rotate
    for bad in ("short", "whsec_not*base64!", "whsec_AAAA"):
        with pytest.raises(ValueError, match="secret"):
            check_secret(bad)
