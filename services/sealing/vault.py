"""Per-person keys in the read-model database, never on the log. Forgetting a key erases the person."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, select, update

from services.runner.read_models import upsert
from services.store.database import now, utc_text
from services.store.schema import person_keys

ERASED = {"erased": True}


class KeyVault:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def seal(self, person: dict[str, Any]) -> dict[str, str]:
        """Encrypt a person's data under their key (made on first use); returns the SealedPerson form."""
        person_id = person.get("person_id") or f"person-{uuid.uuid4()}"
        key = self._key(person_id)
        nonce = os.urandom(12)
        clear = orjson.dumps({k: v for k, v in person.items() if k != "person_id"})
        token = base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, clear, person_id.encode()))
        return {"person_id": person_id, "sealed": token.decode()}

    def unseal(self, sealed: dict[str, str]) -> dict[str, Any]:
        """The clear data, or {"erased": true} once the key is forgotten. Callers check the role first."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(person_keys.c.key).where(person_keys.c.person_id == sealed["person_id"])
            ).first()
        if row is None or row[0] is None:
            return dict(ERASED)
        blob = base64.urlsafe_b64decode(sealed["sealed"])
        clear = AESGCM(bytes(row[0])).decrypt(blob[:12], blob[12:], sealed["person_id"].encode())
        return {"person_id": sealed["person_id"], **orjson.loads(clear)}

    def forget(self, person_id: str) -> bool:
        """Destroy the key. True if there was one to destroy."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(person_keys)
                .where(person_keys.c.person_id == person_id, person_keys.c.key.is_not(None))
                .values(key=None, erased_at=utc_text(now()))
            )
        return bool(result.rowcount)

    def _key(self, person_id: str) -> bytes:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(person_keys.c.key, person_keys.c.erased_at).where(person_keys.c.person_id == person_id)
            ).first()
            if row is not None:
                if row[0] is None:
                    raise ValueError(f"person {person_id} was erased; their data cannot be recorded again")
                return bytes(row[0])
            key = AESGCM.generate_key(bit_length=256)
            upsert(conn, person_keys, [{"person_id": person_id, "key": key, "erased_at": None}], ["person_id"], [])
            return key
