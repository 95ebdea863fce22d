"""Sealing personal data with per-person keys kept in the key store, never on the log. Forgetting a key
erases the person (crypto-shredding).

Sealing is deterministic (AES-SIV): the same person data sealed for the same event under the same key gives
the same bytes, so the idempotency digest can be taken over the sealed form (nothing of the person in clear
in a digest) and a resend is still recognised. A person without an id gets one derived from the event and
the field, keyed with a ledger secret of the key store: a resend gets the same id, nobody can compute it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

from services.sealing.keystore import KeyStore, PersonErased, key_store_for

ERASED = {"erased": True}
SIV_PREFIX = "s2."  # sealed values before it are AES-GCM with a random nonce (still read)
PERSON_IDS = "person-ids"  # the key-store secret that derives person ids


class KeyVault:
    def __init__(self, engine: Engine | None = None, store: KeyStore | None = None) -> None:
        if store is None:
            if engine is None:
                raise ValueError("a key vault needs an event database or a key store")
            store = key_store_for(engine)
        self.store = store
        self._ids_secret: bytes | None = None  # made once, never changed: read once (each read is a write)
        self._ready: dict[str, bytes] = {}
        """Keys made ahead for the people an ingest batch is about to seal (`prepare`), used once each."""

    def person_id_for(self, context: str) -> str:
        """The ledger's id for a person first seen at `context` (event id and field)."""
        if self._ids_secret is None:
            self._ids_secret = self.store.secret(PERSON_IDS)
        mac = hmac.new(self._ids_secret, context.encode(), hashlib.sha256).digest()
        return f"person-{uuid.UUID(bytes=mac[:16], version=4)}"

    def seal(self, person: dict[str, Any], context: str = "") -> dict[str, str]:
        """Encrypt a person's data under their key (made on first use); returns the SealedPerson form.
        `context` (the event id and field) makes the id of a person who comes without one; without a context
        a random id is drawn. Raises PersonErased for a person who was forgotten."""
        person_id = person.get("person_id") or (self.person_id_for(context) if context else f"person-{uuid.uuid4()}")
        key = self._ready.pop(person_id, None) or self.store.key_or_create(person_id,
                                                                           AESGCM.generate_key(bit_length=256))
        clear = orjson.dumps({k: v for k, v in person.items() if k != "person_id"}, option=orjson.OPT_SORT_KEYS)
        token = AESSIV(_siv_key(key)).encrypt(clear, [person_id.encode()])
        return {"person_id": person_id, "sealed": SIV_PREFIX + base64.urlsafe_b64encode(token).decode()}

    def prepare(self, contexts: list[str]) -> None:
        """Make (or read) the keys of the people first seen at these contexts in one go, so sealing a batch's
        complaints costs one synchronous commit of the key store, not one each. Keys made for a line that
        is then rejected are those its resend would get."""
        self._ready.clear()
        many = getattr(self.store, "keys_or_create", None)  # a key store without it seals one by one
        if contexts and many is not None:
            self._ready = many({self.person_id_for(c): AESGCM.generate_key(bit_length=256) for c in contexts})

    def unseal(self, sealed: dict[str, str]) -> dict[str, Any]:
        """The clear data, or {"erased": true} once the key is forgotten. Callers check the role first."""
        person_id = sealed["person_id"]
        try:
            key = self.store.key(person_id)
        except PersonErased:
            key = None
        if key is None:
            return dict(ERASED)
        token = sealed["sealed"]
        if token.startswith(SIV_PREFIX):
            clear = AESSIV(_siv_key(key)).decrypt(base64.urlsafe_b64decode(token[len(SIV_PREFIX):]),
                                                  [person_id.encode()])
        else:
            blob = base64.urlsafe_b64decode(token)
            clear = AESGCM(key).decrypt(blob[:12], blob[12:], person_id.encode())
        return {"person_id": person_id, **orjson.loads(clear)}

    def same_as_sent(self, stored: dict[str, Any], sent: dict[str, Any], clear: dict[str, Any]) -> bool:
        """Whether a stored body is the event `sent` (sealed) whose personal data was `clear` before sealing:
        every field but the sealed ones equal, and each sealed one unsealing to what was sent."""
        stored_data, sent_data = dict(stored["data"]), dict(sent["data"])
        for name, person in clear.items():
            sealed = stored_data.pop(name, None)
            sent_data.pop(name, None)
            if not isinstance(sealed, dict) or "sealed" not in sealed:
                return False
            opened = self.unseal(sealed)
            if opened == ERASED or _plain(opened) != _plain(person):
                return False
        rest = {k: v for k, v in stored.items() if k not in ("data", "recorded_at")}
        return rest == {k: v for k, v in sent.items() if k != "data"} and stored_data == sent_data

    def forget(self, person_id: str) -> bool:
        """Destroy the key and every copy of it on disk. True if there was one to destroy."""
        return self.store.forget(person_id)


def _plain(person: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in person.items() if k != "person_id" and v is not None}


def _siv_key(key: bytes) -> bytes:
    """AES-256-SIV key derived from the person key (older keys were AES-GCM keys: one key, one use)."""
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"dignity seal siv").derive(key)


__all__ = ["ERASED", "KeyVault", "PersonErased"]
