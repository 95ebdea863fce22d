"""An ingest batch makes the keys of the people it seals in one key-store transaction (`KeyVault.prepare`),
with the same ids and sealed values as one by one, and an erased person is still refused."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from services.ledger.embedded import EmbeddedLedger
from services.store.bodies import unpack
from services.store.schema import events
from tests.conftest import event, post


def enrol() -> dict[str, object]:
    data = {"owner_id": "owner-a", "name": "Farm A", "jurisdiction": "VT", "enrolled_on": "2026-01-02"}
    return event("FarmEnrolled", "farm-a", "2026-01-02", data)


def complaint(n: int) -> dict[str, Any]:
    return event("ComplaintReceived", "farm-a", "2026-03-02T09:00:00-05:00",
                 {"complaint_id": f"c-{n}", "received_by": "worker_org", "received_at": "2026-03-02T09:00:00-05:00",
                  "confidential": False, "categories": ["wages"],
                  "complainant": {"name": f"Worker {n}", "contact": f"+1-802-555-01{n:02d}"}}, role="worker_org")


def sealed(ledger: EmbeddedLedger) -> list[dict[str, str]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(events.c.body).where(events.c.type == "ComplaintReceived")
                            .order_by(events.c.position)).scalars()
        return [orjson.loads(unpack(b))["data"]["complainant"] for b in rows]


def test_a_batch_makes_its_keys_in_one_go(ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"one": 0, "many": 0}
    one, many = ledger.vault.store.key_or_create, ledger.vault.store.keys_or_create  # type: ignore[attr-defined]

    def counted_one(*args: Any) -> bytes:
        calls["one"] += 1
        return one(*args)

    def counted_many(*args: Any) -> dict[str, bytes]:
        calls["many"] += 1
        return many(*args)  # type: ignore[no-any-return]

    monkeypatch.setattr(ledger.vault.store, "key_or_create", counted_one)
    monkeypatch.setattr(ledger.vault.store, "keys_or_create", counted_many)
    sent = [complaint(n) for n in range(1, 4)]
    assert post(ledger, enrol(), *sent).accepted == 4
    assert calls == {"one": 0, "many": 1}
    people = sealed(ledger)
    assert len({p["person_id"] for p in people}) == 3
    assert [ledger.vault.unseal(p)["name"] for p in people] == ["Worker 1", "Worker 2", "Worker 3"]
    again = post(ledger, *sent)  # the same people, the same keys: duplicates
    assert (again.accepted, again.duplicates, again.rejected) == (0, 3, [])


def test_an_erased_person_is_refused_in_a_batch(ledger: EmbeddedLedger) -> None:
    first = complaint(1)
    assert post(ledger, enrol(), first).accepted == 2
    ledger.vault.forget(sealed(ledger)[0]["person_id"])
    report = post(ledger, first, complaint(2))
    assert report.accepted == 1
    assert report.rejected[0]["line"] == 1 and "erased" in report.rejected[0]["error"]
