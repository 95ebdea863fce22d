"""Log bodies are stored compressed (services/store/bodies.py); a log stored plain is compressed on first
open without changing a hash, and verify still reads every edit."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import select, update

from events.upcasting import upcast
from services.ledger.embedded import EmbeddedLedger
from services.log.verify import verify_database
from services.store.bodies import is_packed, pack, unpack, unpacked
from services.store.history import canonical, history_bodies
from services.store.migrate import BODIES_KEY
from services.store.schema import events, ledger_meta
from tests.conftest import event, post

FARM = "farm-a"


def enrol() -> dict[str, object]:
    data = {"owner_id": "owner-a", "name": "Farm A", "jurisdiction": "VT", "enrolled_on": "2026-01-02"}
    return event("FarmEnrolled", FARM, "2026-01-02", data)


def report(month: int) -> dict[str, object]:
    return event("PremiumReportSubmitted", FARM, f"2026-{month:02d}-05",
                 {"sales_period": f"2026-{month - 1:02d}", "submitted_on": f"2026-{month:02d}-05"}, role="farm")


def stored(ledger: EmbeddedLedger) -> list[bytes]:
    with ledger.engine.connect() as conn:
        return [bytes(b) for b in conn.execute(select(events.c.body).order_by(events.c.position)).scalars()]


def test_bodies_are_stored_compressed_and_read_back_exactly() -> None:
    plain = orjson.dumps(enrol())
    assert is_packed(pack(plain)) and len(pack(plain)) < len(plain) and unpack(pack(plain)) == plain
    assert unpack(plain) == plain  # plain JSON (an older row) reads as it is
    try:
        unpack(b"\x01not a frame")
    except ValueError:
        pass
    else:
        raise AssertionError("a blob that does not decompress must not read as a body")


def test_a_log_stored_plain_is_compressed_on_open_and_still_verifies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    assert post(ledger, enrol(), report(2), report(3)).accepted == 3
    with ledger.engine.connect() as conn:
        before = list(history_bodies(conn, FARM))
    bodies = stored(ledger)
    assert all(is_packed(b) for b in bodies)
    with ledger.engine.begin() as conn:  # as the previous version stored them
        for position, body in conn.execute(select(events.c.position, events.c.body)).all():
            conn.execute(update(events).where(events.c.position == position).values(body=unpack(body)))
        conn.execute(ledger_meta.delete().where(ledger_meta.c.name == BODIES_KEY))
    ledger.engine.dispose()
    reopened = EmbeddedLedger(url)
    assert stored(reopened) == bodies
    assert verify_database(reopened.engine).ok
    with reopened.engine.connect() as conn:
        assert list(history_bodies(conn, FARM)) == before
    reopened.engine.dispose()


def test_an_edit_of_a_compressed_body_is_found(tmp_path: Path) -> None:
    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert post(ledger, enrol(), report(2)).accepted == 2
    assert verify_database(ledger.engine).ok
    body = orjson.loads(unpack(stored(ledger)[1]))
    body["data"]["sales_period"] = "2025-12"
    with ledger.engine.begin() as conn:
        conn.execute(update(events).where(events.c.position == 2).values(body=pack(orjson.dumps(body))))
    assert {"body", "digest", "chain"} & verify_database(ledger.engine).kinds()
    with ledger.engine.begin() as conn:  # a blob that is no frame at all
        conn.execute(update(events).where(events.c.position == 2).values(body=b"\x01garbage"))
    assert "body" in verify_database(ledger.engine).kinds()
    ledger.engine.dispose()


def test_the_ledger_writes_bodies_sorted_and_history_passes_them_on_as_the_decoded_canonical_form(
        tmp_path: Path) -> None:
    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert post(ledger, enrol(), report(2), report(3)).accepted == 3
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(events.c.type, events.c.body).order_by(events.c.position)).all()
    for event_type, body in rows:
        plain, sorted_keys = unpacked(body)
        decoded = orjson.dumps(upcast(orjson.loads(plain)), option=orjson.OPT_SORT_KEYS)
        assert sorted_keys and canonical(plain, sorted_keys, event_type) == decoded
    ledger.engine.dispose()


def test_history_decodes_a_body_not_written_sorted_or_of_a_type_an_upcaster_rewrites() -> None:
    unsorted = orjson.dumps({"type": "PremiumReportSubmitted", "data": {"z": 1, "a": 2}, "event_id": "e-1"})
    assert canonical(*unpacked(pack(unsorted)), "PremiumReportSubmitted") == orjson.dumps(
        orjson.loads(unsorted), option=orjson.OPT_SORT_KEYS) != unsorted
    old = enrol() | {"schema_version": 1}
    old["data"] = {k: v for k, v in old["data"].items() if k != "time_zone"}  # type: ignore[attr-defined]
    written = orjson.dumps(old, option=orjson.OPT_SORT_KEYS)
    shown = orjson.loads(canonical(*unpacked(pack(written, sorted_keys=True)), "FarmEnrolled"))
    assert shown["schema_version"] == 2 and shown["data"]["time_zone"] == "America/New_York"
