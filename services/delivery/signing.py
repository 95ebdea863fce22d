"""Webhook signatures: Standard Webhooks (https://www.standardwebhooks.com), and the old headers for a release.

Each try carries `webhook-id` (the delivery id: the same on every retry and redelivery, so a receiver drops
what it has seen), `webhook-timestamp` (the try's time, Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), made by the `standardwebhooks` package itself, so a
buyer verifies with the same package (`Webhook(secret).verify(body, headers)`), which refuses a stale
timestamp (more than five minutes off) and so a delivery replayed later.

The key: a `whsec_<base64>` secret (what new subscriptions get) is the base64-decoded bytes, as the
convention says; an older secret without the prefix is its UTF-8 bytes (a receiver passes
`secret.encode()`), so existing subscriptions keep working until they rotate.

Deprecated, kept one release: `X-Dignity-Signature: sha256=<hex HMAC of the body, key = the secret's UTF-8
bytes>`, `X-Dignity-Delivery`, `X-Dignity-Attempt`, `X-Dignity-Event`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SIGNATURE = "X-Dignity-Signature"
DELIVERY = "X-Dignity-Delivery"
ATTEMPT = "X-Dignity-Attempt"
EVENT = "X-Dignity-Event"
WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> None:
    """A secret a subscriber chose: a `whsec_` one must decode, and none may be too short to be a secret."""
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("secret: after whsec_ comes base64") from None
        if len(key) < 16:
            raise ValueError("secret: at least 16 bytes after whsec_")
    elif len(secret) < 16:
        raise ValueError("secret: at least 16 characters")


def standard(secret: str) -> Webhook:
    return Webhook(secret if secret.startswith(SECRET_PREFIX) else secret.encode())


def sign(body: bytes, secret: str) -> str:
    """The deprecated `X-Dignity-Signature` value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    return hmac.compare_digest(sign(body, secret), signature)


def headers(body: bytes, secret: str, delivery_id: str, attempt: int, at: datetime) -> dict[str, str]:
    moment = at.astimezone(UTC)  # the package reads a naive-looking UTC time; never hand it another zone
    return {
        "Content-Type": "application/json", "User-Agent": "dignity-ledger-webhooks/1",
        WEBHOOK_ID: delivery_id, WEBHOOK_TIMESTAMP: str(int(moment.timestamp())),
        WEBHOOK_SIGNATURE: standard(secret).sign(delivery_id, moment, body.decode()),
        SIGNATURE: sign(body, secret), DELIVERY: delivery_id, ATTEMPT: str(attempt), EVENT: "BuyerNotified",
    }
