"""The embedded ledger core: sealing, sender rules, upcasting on read, replay equals live projection."""

from __future__ import annotations

import orjson
from sqlalchemy import select

from events.recorded import RecordedEvent
from services.ledger.embedded import EmbeddedLedger
from services.store.bodies import unpack
from services.store.history import history_bodies
from services.store.schema import events
from services.store.states import all_states
from tests.conftest import event, post

FARM = "farm-1"


def enrol(farm: str = FARM, version: int = 1) -> dict[str, object]:
    data = {"owner_id": "owner-1", "name": "Maple Hill", "jurisdiction": "VT", "enrolled_on": "2026-01-02"}
    return event("FarmEnrolled", farm, "2026-01-02", data, schema_version=version)


def complaint(complaint_id: str = "c-1") -> dict[str, object]:
    return event(
        "ComplaintReceived", FARM, "2026-03-02T09:00:00-05:00",
        {"complaint_id": complaint_id, "received_by": "worker_org", "received_at": "2026-03-02T09:00:00-05:00",
         "confidential": True, "categories": ["wages"],
         "complainant": {"name": "Ana Morales", "contact": "+1 802 555 0199"}},
        role="worker_org",
    )


def stored_bodies(ledger: EmbeddedLedger) -> list[bytes]:
    with ledger.engine.connect() as conn:
        return [unpack(b) for b in conn.execute(select(events.c.body)).scalars()]  # their JSON, decompressed


def test_complainant_is_sealed_before_it_is_stored(ledger: EmbeddedLedger) -> None:
    report = post(ledger, enrol(), complaint())
    assert report.accepted == 2 and not report.rejected
    raw = b"".join(stored_bodies(ledger))
    assert b"Ana Morales" not in raw and b"555 0199" not in raw
    body = orjson.loads(stored_bodies(ledger)[1])
    sealed = body["data"]["complainant"]
    assert ledger.vault.unseal(sealed)["name"] == "Ana Morales"


def test_forget_erases_the_person_and_the_chain_still_verifies(ledger: EmbeddedLedger) -> None:
    post(ledger, enrol(), complaint())
    sealed = orjson.loads(stored_bodies(ledger)[1])["data"]["complainant"]
    assert ledger.vault.forget(sealed["person_id"]) is True
    assert ledger.vault.unseal(sealed) == {"erased": True}
    assert list(ledger.log.verify()) == []


def test_tampered_body_breaks_the_farm_chain(ledger: EmbeddedLedger) -> None:
    post(ledger, enrol(), complaint())
    with ledger.engine.begin() as conn:
        conn.execute(events.update().where(events.c.position == 2).values(body=b'{"forged": true}'))
    assert list(ledger.log.verify()) == [FARM]


def test_resending_a_sealed_complaint_is_a_duplicate_not_a_conflict(ledger: EmbeddedLedger) -> None:
    first = complaint()
    post(ledger, enrol(), first)
    again = post(ledger, first)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, [])


def test_same_id_with_other_content_is_rejected_and_appends_nothing(ledger: EmbeddedLedger) -> None:
    original = enrol()
    post(ledger, original)
    changed = {**original, "data": {**original["data"], "name": "Other Name"}}  # type: ignore[dict-item]
    report = post(ledger, changed)
    assert report.accepted == 0
    assert report.rejected == [{"line": 1, "error": f"event_id: {original['event_id']} was already recorded "
                                                    "with different content"}]
    assert len(stored_bodies(ledger)) == 1


def test_a_bad_line_is_reported_and_the_good_ones_go_on(ledger: EmbeddedLedger) -> None:
    bad = event("PremiumRemitted", FARM, "2026-02-10", {"remittance_id": "r1"}, role="cooperative")
    report = post(ledger, enrol(), bad, complaint())
    assert report.accepted == 2
    assert [r["line"] for r in report.rejected] == [2]
    assert report.rejected[0]["error"].startswith("data.payor_id:")


def test_sender_may_not_set_recorded_at_or_post_derived_events(ledger: EmbeddedLedger) -> None:
    stamped = {**enrol(), "recorded_at": "2026-01-02T00:00:00+00:00"}
    derived = event("StandingChanged", FARM, "2026-01-03",
                    {"standing": "suspended", "since": "2026-01-03"}, role="mdsc")
    wrong_key = event("LivableWageSet", FARM, "2026-01-01", {"effective_on": "2026-01-01", "hourly": "15.00"})
    report = post(ledger, stamped, enrol("farm-2"), derived, wrong_key)
    assert report.accepted == 1
    fields = [r["error"].split(":")[0] for r in report.rejected]
    assert fields == ["recorded_at", "type", "farm_id"]


def test_events_for_a_farm_never_enrolled_are_rejected(ledger: EmbeddedLedger) -> None:
    report = post(ledger, complaint())
    assert report.accepted == 0 and report.rejected[0]["error"].startswith("farm_id: unknown farm")


def test_v1_farm_enrolled_is_upcast_when_read_at_ingest(ledger: EmbeddedLedger) -> None:
    post(ledger, enrol(version=1))
    body = orjson.loads(stored_bodies(ledger)[0])
    assert body["schema_version"] == 2 and body["data"]["time_zone"] == "America/New_York"


def test_v1_rows_already_on_a_log_are_upcast_on_replay() -> None:
    legacy = enrol(version=1) | {"recorded_at": "2026-01-02T05:00:00+00:00", "occurred_at": "2026-01-02T00:00:00-05:00"}
    recorded = RecordedEvent.from_wire(orjson.dumps(legacy))
    assert recorded.schema_version == 2 and recorded.data["time_zone"] == "America/New_York"
    assert recorded.raw["schema_version"] == 2


def _read_models(ledger: EmbeddedLedger) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with ledger.engine.connect() as conn:
        states = list(all_states(conn).items())
        rows = list(history_bodies(conn))
    return states, rows


def test_rebuild_from_the_log_gives_the_same_read_models(ledger: EmbeddedLedger) -> None:
    post(ledger, enrol(), enrol("farm-2"), complaint(), complaint("c-2"))
    live = _read_models(ledger)
    assert ledger.rebuild() == 4
    assert _read_models(ledger) == live
    assert len(live[1]) >= 4
