"""Webhook signatures: HMAC-SHA256 of the exact body bytes with the subscription's secret.

A receiver recomputes the HMAC over the raw body it received and compares in constant time with the
`X-Dignity-Signature: sha256=<hex>` header; `X-Dignity-Delivery` names the delivery (the same on every
retry and redelivery) and the body's `notification_id` the fact, so duplicates can be dropped (BU-1).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE = "X-Dignity-Signature"
DELIVERY = "X-Dignity-Delivery"
ATTEMPT = "X-Dignity-Attempt"
EVENT = "X-Dignity-Event"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    return hmac.compare_digest(sign(body, secret), signature)


def headers(body: bytes, secret: str, delivery_id: str, attempt: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json", "User-Agent": "dignity-ledger-webhooks/1",
        SIGNATURE: sign(body, secret), DELIVERY: delivery_id, ATTEMPT: str(attempt), EVENT: "BuyerNotified",
    }
