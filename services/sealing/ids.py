"""Ids the ledger derives, keyed so that nobody can compute them from public data (SPEC §6).

An id the ledger derives (a CSV row's, a token sender's own event ids) is an HMAC of the sender and the
name under a ledger secret kept in the key store, with the person keys and never in the event database
(services/sealing/keystore.py: `DIGNITY_KEYS` says where; made on first use, the first process's stands).
So a farm cannot compute the id a cooperative's next CSV row will get (a payor and a check number are
public) and post something else under it first.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid

from sqlalchemy import Engine

from services.sealing.keystore import key_store_for, key_store_url

ID_SECRET = "ledger-ids"
_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def id_secret(engine: Engine) -> bytes:
    """The ledger's id secret (read from the key store once per process and store)."""
    url = key_store_url(engine.url)
    with _lock:
        if url not in _cache:
            _cache[url] = key_store_for(engine).secret(ID_SECRET)
        return _cache[url]


def ledger_id(secret: bytes, sender: str, name: str) -> str:
    """A UUID (version 8: custom) keyed by the secret, scoped to the sender: HMAC-SHA256(sender, name)."""
    mac = bytearray(hmac.new(secret, f"{sender}\x1f{name}".encode(), hashlib.sha256).digest()[:16])
    mac[6] = (mac[6] & 0x0F) | 0x80
    mac[8] = (mac[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(mac)))
