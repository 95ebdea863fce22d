"""SPEC §6 forgetting forgets: digests over the sealed form, keys in their own store, and after `forget`
nothing on disk (event database, key store, their write-ahead logs) gives the person back, not even to
someone guessing from the generator's own lists of names and phone numbers."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text

from events.codec import content_digest, to_json, validate
from services.generate import names
from services.ledger.embedded import EmbeddedLedger
from services.log.checkpoint import write_checkpoint
from services.log.verify import verify_database
from services.sealing.keystore import SqlKeyStore, key_store_url
from services.sealing.vault import KeyVault
from services.store.bodies import unpack
from services.store.schema import events, ledger_meta, signed_checkpoints
from tests.conftest import event, post

FARM = "farm-1"
PERSON = {"name": "María Hernández", "contact": "+1-802-555-0137"}  # drawn from the generator's lists


def enrol() -> dict[str, Any]:
    return event("FarmEnrolled", FARM, "2026-01-02", {"owner_id": "o-1", "name": "Maple", "jurisdiction": "VT",
                                                       "enrolled_on": "2026-01-02"})


def complaint(person: dict[str, str], complaint_id: str, event_id: str | None = None) -> dict[str, Any]:
    extra = {"event_id": event_id} if event_id else {}
    return event("ComplaintReceived", FARM, "2026-03-02T09:00:00-05:00",
                 {"complaint_id": complaint_id, "received_by": "worker_org", "received_at": "2026-03-02T09:00:00-05:00",
                  "confidential": True, "categories": ["wages"], "complainant": person}, role="worker_org", **extra)


def candidates() -> list[dict[str, str]]:
    """Every name the generator can make with every phone number it can make (32,000 people)."""
    phones = [f"+1-802-555-01{n:02d}" for n in range(100)]
    return [{"name": f"{first} {last}", "contact": phone}
            for first, last, phone in itertools.product(names._FIRST, names._LAST, phones)]


def disk(folder: Path) -> bytes:
    """Every byte of every file the ledger keeps there (databases, WAL and shared-memory files, keys), and
    every log body decompressed (stored compressed, a name would not show in the raw bytes)."""
    files = b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())
    bodies = []
    for db in sorted(folder.glob("*.db")):
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone():
                bodies += [unpack(b) for (b,) in conn.execute("SELECT body FROM events")]
        conn.close()
    return files + b"".join(bodies)


def guess(sent: dict[str, Any], on_disk: bytes) -> dict[str, str] | None:
    """The attack of issue 9: rebuild the event as sent for each candidate and look for its digest (digests
    are stored as hex text)."""
    stored = to_stored(sent)
    hexes = set(re.findall(rb"[0-9a-f]{64}", on_disk))
    for person in candidates():
        body = {**stored, "data": {**stored["data"], "complainant": {**stored["data"]["complainant"], **person}}}
        if content_digest(body).encode() in hexes:
            return person
    return None


def to_stored(body: dict[str, Any]) -> dict[str, Any]:
    stored = to_json(validate(body))
    stored.pop("recorded_at", None)
    return stored


def test_the_guessing_attack_finds_a_person_from_a_digest_of_the_clear_form() -> None:
    sent = complaint(PERSON, "c-1")
    leaked = b"... " + content_digest(to_stored(sent)).encode() + b" ..."  # what the old ledger stored
    assert guess(sent, leaked) == PERSON


def test_a_forgotten_person_cannot_be_found_from_the_files_on_disk(tmp_path: Path) -> None:
    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    sent = complaint(PERSON, "c-1")
    post(ledger, enrol(), sent, complaint({"name": "Rosa Cruz", "contact": "+1-802-555-0100"}, "c-2"))
    with ledger.engine.connect() as conn:
        query = select(events.c.body).where(events.c.type == "ComplaintReceived").order_by(events.c.position)
        body = orjson.loads(unpack(conn.execute(query).scalars().first()))  # type: ignore[arg-type]
    person_id = body["data"]["complainant"]["person_id"]
    key = ledger.vault.store.key(person_id)
    assert key is not None and key in disk(tmp_path)  # before: the key is on disk, in the key store's files
    assert not (tmp_path / "ledger.db").read_bytes().count(key)  # never in the event database

    assert ledger.vault.forget(person_id)
    on_disk = disk(tmp_path)
    assert key not in on_disk
    assert PERSON["name"].encode() not in on_disk and b"555-0137" not in on_disk
    assert guess(sent, on_disk) is None
    assert ledger.vault.unseal(body["data"]["complainant"]) == {"erased": True}
    assert verify_database(ledger.engine).ok
    ledger.engine.dispose()


def test_a_resend_is_still_a_duplicate_and_a_resend_after_forget_is_rejected(ledger: EmbeddedLedger) -> None:
    sent = complaint(PERSON, "c-1")
    post(ledger, enrol(), sent)
    again = post(ledger, sent)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, [])
    with ledger.engine.connect() as conn:
        query = select(events.c.body).where(events.c.type == "ComplaintReceived")
        stored = orjson.loads(unpack(conn.execute(query).scalar_one()))
    ledger.vault.forget(stored["data"]["complainant"]["person_id"])
    late = post(ledger, sent)
    assert late.accepted == 0 and late.rejected[0]["error"].startswith("data.complainant: person ")


def test_sealing_is_deterministic_and_the_person_id_is_keyed(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    one = ledger.vault.seal(dict(PERSON), "event-1/data.complainant")
    assert ledger.vault.seal(dict(PERSON), "event-1/data.complainant") == one
    assert ledger.vault.seal(dict(PERSON), "event-2/data.complainant")["person_id"] != one["person_id"]
    other_ledger = KeyVault(store=SqlKeyStore("sqlite://"))  # another secret: another id for the same event
    assert other_ledger.seal(dict(PERSON), "event-1/data.complainant")["person_id"] != one["person_id"]
    assert ledger.vault.unseal(one)["name"] == PERSON["name"]


def test_keys_live_apart_from_the_event_database(ledger: EmbeddedLedger, tmp_path: Path, monkeypatch: Any) -> None:
    post(ledger, enrol(), complaint(PERSON, "c-1"))
    with ledger.engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
    assert "person_keys" not in tables
    assert key_store_url(ledger.engine.url).endswith("ledger.keys.db")
    monkeypatch.setenv("DIGNITY_KEYS", str(tmp_path / "elsewhere" / "keys.db"))
    assert key_store_url(ledger.engine.url) == f"sqlite:///{tmp_path / 'elsewhere' / 'keys.db'}"


def test_keys_of_an_older_database_move_to_the_key_store_on_first_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    sealed = base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, orjson.dumps(PERSON), b"person-old")).decode()
    first = EmbeddedLedger(url)
    with first.engine.begin() as conn:  # the layout of the previous version: keys beside the events
        conn.execute(text("CREATE TABLE person_keys (person_id VARCHAR(120) PRIMARY KEY, key BLOB, erased_at TEXT)"))
        conn.execute(text("INSERT INTO person_keys VALUES ('person-old', :k, NULL), ('person-gone', NULL, 'x')"),
                     {"k": key})
    first.engine.dispose()
    from services.sealing import keystore

    keystore._stores.clear()
    ledger = EmbeddedLedger(url)
    assert ledger.vault.unseal({"person_id": "person-old", "sealed": sealed})["name"] == PERSON["name"]
    assert ledger.vault.unseal({"person_id": "person-gone", "sealed": sealed}) == {"erased": True}
    event_files = b"".join(p.read_bytes() for p in tmp_path.glob("old.db*"))
    assert key not in event_files
    ledger.engine.dispose()


def test_a_log_of_the_previous_format_is_migrated_and_then_verifies(ledger: EmbeddedLedger) -> None:
    post(ledger, enrol(), complaint(PERSON, "c-1"))
    head: dict[str, str] = {}
    with ledger.engine.begin() as conn:  # rewrite it as the previous version wrote it
        for position, farm, raw in conn.execute(select(events.c.position, events.c.farm_id, events.c.body)).all():
            plain = unpack(raw)  # it stored bodies as plain JSON
            link = hashlib.sha256(head.get(farm, "").encode() + hashlib.sha256(plain).digest()).hexdigest()
            head[farm] = link
            conn.execute(events.update().where(events.c.position == position).values(chain=link, digest="0" * 64,
                                                                                     body=plain))
        conn.execute(ledger_meta.delete())
        conn.execute(signed_checkpoints.delete())
    (Path(str(ledger.engine.url.database)).with_name("ledger.checkpoint.json")).unlink()
    assert not verify_database(ledger.engine).ok
    migrated = EmbeddedLedger(engine=ledger.engine)
    write_checkpoint(migrated.engine, migrated.signer, migrated.clock())
    assert verify_database(migrated.engine).ok
    with ledger.engine.connect() as conn:
        broken = conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.name == "format1_broken_farms"))
        assert broken.first() is None


def test_a_resend_of_a_complaint_sealed_by_the_previous_version_is_still_a_duplicate(ledger: EmbeddedLedger) -> None:
    sent = complaint(PERSON, "c-1")
    post(ledger, enrol(), sent)
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    old_token = base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(
        nonce, orjson.dumps(PERSON), b"person-legacy")).decode()
    ledger.vault.store.import_legacy([("person-legacy", key, None)])  # type: ignore[attr-defined]
    with ledger.engine.begin() as conn:  # the row as the previous version stored it, then a format-1 log
        row = conn.execute(select(events.c.position, events.c.body).where(events.c.type == "ComplaintReceived")).one()
        body = orjson.loads(unpack(row[1]))
        body["data"]["complainant"] = {"person_id": "person-legacy", "sealed": old_token}
        conn.execute(events.update().where(events.c.position == row[0]).values(body=orjson.dumps(body)))
        conn.execute(ledger_meta.delete())
        conn.execute(signed_checkpoints.delete())
    (Path(str(ledger.engine.url.database)).with_name("ledger.checkpoint.json")).unlink()
    migrated = EmbeddedLedger(engine=ledger.engine)
    assert verify_database(migrated.engine).kinds() <= {"format1_chain"}
    again = post(migrated, sent)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, [])
    other = {**sent, "data": {**sent["data"], "complainant": {"name": "Rosa Cruz", "contact": "+1-802-555-0100"}}}
    changed = post(migrated, other)
    assert changed.accepted == 0 and "already recorded with different content" in changed.rejected[0]["error"]
