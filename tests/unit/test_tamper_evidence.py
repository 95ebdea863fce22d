"""SPEC §6 tamper evidence: each kind of edit to a copy of the database makes `dignity verify` fail and name
what it found; a clean ledger verifies. The attacker here knows the algorithms (they are public) but not the
signing key, which lives outside the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, delete, select, text, update
from typer.testing import CliRunner

from services.cli.main import app
from services.ledger.embedded import EmbeddedLedger
from services.ledger.read_model_check import check_read_models
from services.log.integrity import COLUMNS, columns_of, link, row_hash
from services.log.signer import FileSigner
from services.log.verify import Verdict, verify_database
from services.store.bodies import unpack
from services.store.schema import events, history, projection_state, signed_checkpoints
from tests.conftest import event, post

FARMS = ("farm-a", "farm-b", "farm-c")


def enrol(farm: str) -> dict[str, object]:
    data = {"owner_id": f"owner-{farm}", "name": farm.title(), "jurisdiction": "VT", "enrolled_on": "2026-01-02"}
    return event("FarmEnrolled", farm, "2026-01-02", data)


def report(farm: str, month: int) -> dict[str, object]:
    return event("PremiumReportSubmitted", farm, f"2026-{month:02d}-05",
                 {"sales_period": f"2026-{month - 1:02d}", "submitted_on": f"2026-{month:02d}-05"}, role="farm")


def complaint(farm: str) -> dict[str, object]:
    return event("ComplaintReceived", farm, "2026-03-02T09:00:00-05:00",
                 {"complaint_id": f"c-{farm}", "received_by": "worker_org", "received_at": "2026-03-02T09:00:00-05:00",
                  "confidential": False, "categories": ["wages"],
                  "complainant": {"name": "Ana Morales", "contact": "+1-802-555-0142"}}, role="worker_org")


@pytest.fixture
def signed(ledger: EmbeddedLedger) -> EmbeddedLedger:
    """Three farms of four events each, signed by the ingest's checkpoint."""
    post(ledger, *(e for f in FARMS for e in (enrol(f), report(f, 2), complaint(f), report(f, 3))))
    assert verify_database(ledger.engine).ok
    return ledger


def rows(engine: Engine, farm: str | None = None) -> list[dict[str, object]]:
    query = select(events).order_by(events.c.position)
    if farm:
        query = query.where(events.c.farm_id == farm)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def edit(engine: Engine, position: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.position == position).values(**values))


def body_of(row: dict[str, object]) -> dict[str, object]:
    return orjson.loads(unpack(row["body"]))  # type: ignore[arg-type]


def recompute_farm(engine: Engine, farm: str) -> None:
    """What an attacker does after an edit: rewrite every column, digest and link of the farm's events."""
    head = ""
    for seq, row in enumerate(rows(engine, farm), start=1):
        raw = unpack(row["body"])  # type: ignore[arg-type]
        cols = columns_of(orjson.loads(raw))
        head = link(head, seq, row_hash(*(cols[c] for c in COLUMNS), raw))
        edit(engine, row["position"], chain=head, **cols)  # type: ignore[arg-type]


def verdict(ledger: EmbeddedLedger) -> Verdict:
    return verify_database(ledger.engine)


def second_of(farm: str, ledger: EmbeddedLedger) -> dict[str, object]:
    return rows(ledger.engine, farm)[1]


def test_a_clean_ledger_verifies_and_says_what_it_covers(signed: EmbeddedLedger) -> None:
    result = verdict(signed)
    assert result.ok and result.events == 12 and result.unsigned == 0
    assert result.checkpoint is not None and result.checkpoint["count"] == 12
    assert set(result.checkpoint["farms"]) == set(FARMS)


def test_forgetting_a_person_keeps_the_ledger_verified(signed: EmbeddedLedger) -> None:
    person = body_of(rows(signed.engine, "farm-a")[2])["data"]["complainant"]["person_id"]  # type: ignore[index]
    assert signed.vault.forget(person)
    assert verdict(signed).ok


@pytest.mark.parametrize("column, value", [
    ("type", "PremiumReportSubmittedX"), ("farm_id", "farm-b"), ("occurred_at", "2026-02-06T05:00:00.000000+00:00"),
    ("recorded_at", "2020-01-01T00:00:00.000000+00:00"), ("digest", "0" * 64),
    ("event_id", "00000000-0000-4000-8000-000000000000"), ("chain", "f" * 64),
])
def test_verify_detects_an_edit_of_each_column(signed: EmbeddedLedger, column: str, value: str) -> None:
    target = second_of("farm-a", signed)
    edit(signed.engine, target["position"], **{column: value})  # type: ignore[arg-type]
    result = verdict(signed)
    assert not result.ok
    assert column in result.kinds()
    assert any(p.position == target["position"] for p in result.problems)


def test_verify_detects_an_edit_of_the_body(signed: EmbeddedLedger) -> None:
    target = second_of("farm-a", signed)
    body = body_of(target) | {"data": {"sales_period": "2025-12", "submitted_on": "2026-02-05"}}
    edit(signed.engine, target["position"], body=orjson.dumps(body))  # type: ignore[arg-type]
    assert {"digest", "chain"} <= verdict(signed).kinds()


@pytest.mark.parametrize("field", ["type", "occurred_at", "recorded_at", "event_id"])
def test_verify_detects_an_envelope_edit_made_in_body_and_column_alike(signed: EmbeddedLedger, field: str) -> None:
    target = second_of("farm-a", signed)
    new = {"type": "FarmWithdrawn", "occurred_at": "2026-02-06T00:00:00-05:00",
           "recorded_at": "2020-01-01T00:00:00+00:00", "event_id": "00000000-0000-4000-8000-000000000000"}[field]
    body = body_of(target) | {field: new}
    column = columns_of(body)[field]
    edit(signed.engine, target["position"], body=orjson.dumps(body), **{field: column})  # type: ignore[arg-type]
    kinds = verdict(signed).kinds()
    assert "chain" in kinds and ("digest" in kinds or field == "recorded_at")


def test_after_an_id_edit_the_resent_original_is_taken_again_but_verify_fails(signed: EmbeddedLedger) -> None:
    target = second_of("farm-a", signed)
    original = body_of(target)
    forged = original | {"event_id": "00000000-0000-4000-8000-000000000000"}
    edit(signed.engine, target["position"], body=orjson.dumps(forged), **columns_of(forged))  # type: ignore[arg-type]
    resend = {k: v for k, v in original.items() if k != "recorded_at"}
    assert post(signed, resend).accepted == 1
    result = verdict(signed)
    assert result.kinds() == {"chain"} and [p.position for p in result.problems] == [target["position"]]


def test_verify_detects_events_reordered_within_a_farm(signed: EmbeddedLedger) -> None:
    second, fourth = rows(signed.engine, "farm-a")[1], rows(signed.engine, "farm-a")[3]
    keep = {c: second[c] for c in [*COLUMNS, "chain", "body"]}
    edit(signed.engine, second["position"], event_id="swapping")
    edit(signed.engine, fourth["position"], **keep)  # type: ignore[arg-type]
    edit(signed.engine, second["position"], **{c: fourth[c] for c in keep})  # type: ignore[arg-type]
    result = verdict(signed)
    assert "chain" in result.kinds() and result.broken_farms() == ["farm-a"]


def test_verify_detects_events_of_two_farms_swapped_in_the_log(signed: EmbeddedLedger) -> None:
    a, b = rows(signed.engine, "farm-a")[-1], rows(signed.engine, "farm-b")[0]  # neighbours in the log
    with signed.engine.begin() as conn:  # move positions only: each farm's own order and chain still hold
        conn.execute(update(events).where(events.c.position == a["position"]).values(position=-1))
        conn.execute(update(events).where(events.c.position == b["position"]).values(position=a["position"]))
        conn.execute(update(events).where(events.c.position == -1).values(position=b["position"]))
    assert verdict(signed).kinds() == {"merkle_root"}


def _delete(engine: Engine, positions: list[object]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.position.in_(positions)))


def test_verify_detects_a_deleted_event_in_the_middle_of_a_farm(signed: EmbeddedLedger) -> None:
    _delete(signed.engine, [second_of("farm-b", signed)["position"]])
    kinds = verdict(signed).kinds()
    assert {"chain", "farm_events_deleted", "truncated", "merkle_root"} <= kinds


def test_verify_detects_a_farms_last_events_deleted(signed: EmbeddedLedger) -> None:
    _delete(signed.engine, [r["position"] for r in rows(signed.engine, "farm-c")[2:]])
    result = verdict(signed)
    assert "chain" not in result.kinds()  # what is left chains fine: only the checkpoint knows
    assert {p.kind for p in result.problems if p.farm_id == "farm-c"} == {"farm_events_deleted"}


def test_verify_detects_all_of_a_farms_events_deleted(signed: EmbeddedLedger) -> None:
    _delete(signed.engine, [r["position"] for r in rows(signed.engine, "farm-b")])
    result = verdict(signed)
    assert [p.kind for p in result.problems if p.farm_id == "farm-b"] == ["farm_deleted"]


def test_verify_detects_the_logs_tail_truncated(signed: EmbeddedLedger) -> None:
    _delete(signed.engine, [r["position"] for r in rows(signed.engine)[-2:]])
    result = verdict(signed)
    assert {"truncated", "merkle_root", "farm_events_deleted"} == result.kinds() and result.broken_farms() == ["farm-c"]


def test_verify_detects_a_chain_recomputed_after_an_edit(signed: EmbeddedLedger) -> None:
    target = second_of("farm-a", signed)
    body = body_of(target) | {"data": {"sales_period": "2025-12", "submitted_on": "2026-02-05"}}
    edit(signed.engine, target["position"], body=orjson.dumps(body))  # type: ignore[arg-type]
    recompute_farm(signed.engine, "farm-a")
    assert list(signed.log.verify()) == []  # row by row everything holds now
    result = verdict(signed)
    assert result.kinds() == {"farm_head", "merkle_root"} and result.broken_farms() == ["farm-a"]


def test_verify_detects_an_event_inserted_with_a_valid_chain(signed: EmbeddedLedger) -> None:
    last = rows(signed.engine, "farm-a")[-1]
    forged = body_of(last) | {"event_id": "00000000-0000-4000-8000-000000000001"}
    with signed.engine.begin() as conn:
        conn.execute(events.insert().values(position=0, chain="", body=orjson.dumps(forged), **columns_of(forged)))
    recompute_farm(signed.engine, "farm-a")
    kinds = verdict(signed).kinds()
    assert {"inserted", "farm_events_inserted", "merkle_root"} <= kinds


def test_events_after_the_checkpoint_are_counted_and_checked_row_by_row(signed: EmbeddedLedger) -> None:
    signed.sign = False  # appended, not signed yet
    post(signed, report("farm-a", 4))
    result = verdict(signed)
    assert result.ok and result.unsigned == 1
    edit(signed.engine, rows(signed.engine)[-1]["position"], type="FarmWithdrawn")
    assert verdict(signed).kinds() == {"type", "chain"}


def test_deleting_the_checkpoints_with_the_tail_is_seen_from_the_copy_outside(signed: EmbeddedLedger) -> None:
    post(signed, report("farm-a", 4))
    with signed.engine.begin() as conn:
        newest = conn.execute(select(signed_checkpoints.c.id).order_by(signed_checkpoints.c.id.desc())).first()
        conn.execute(signed_checkpoints.delete().where(signed_checkpoints.c.id == newest[0]))  # type: ignore[index]
    _delete(signed.engine, [rows(signed.engine)[-1]["position"]])
    assert {"checkpoint_missing", "truncated"} <= verdict(signed).kinds()


def test_a_checkpoint_signed_with_another_key_is_refused(signed: EmbeddedLedger, tmp_path: Path) -> None:
    target = second_of("farm-a", signed)
    body = body_of(target) | {"data": {"sales_period": "2025-12", "submitted_on": "2026-02-05"}}
    edit(signed.engine, target["position"], body=orjson.dumps(body))  # type: ignore[arg-type]
    recompute_farm(signed.engine, "farm-a")
    with signed.engine.begin() as conn:
        conn.execute(signed_checkpoints.delete())
    (tmp_path / "ledger.checkpoint.json").unlink()
    genuine = signed.signer
    signed.signer = FileSigner(tmp_path / "attacker.pem")  # re-sign the edited log with a key of one's own
    assert signed.sign_checkpoint() is not None
    signed.signer = genuine
    assert verdict(signed).kinds() == {"signature"}


def test_without_any_checkpoint_verify_fails(signed: EmbeddedLedger, tmp_path: Path) -> None:
    with signed.engine.begin() as conn:
        conn.execute(signed_checkpoints.delete())
    (tmp_path / "ledger.checkpoint.json").unlink()
    assert verdict(signed).kinds() == {"unsigned"}


def test_a_checkpoint_is_not_signed_over_an_edit_made_since(signed: EmbeddedLedger) -> None:
    post(signed, report("farm-a", 4))
    target = second_of("farm-b", signed)  # already signed: the next checkpoint does not re-read it
    edit(signed.engine, target["position"], type="FarmWithdrawn")
    post(signed, report("farm-a", 5))
    assert "type" in verdict(signed).kinds()


# -- read models ---------------------------------------------------------------------------------------

def test_read_models_of_a_clean_ledger_equal_a_replay(signed: EmbeddedLedger) -> None:
    assert check_read_models(signed.engine) == []


@pytest.mark.parametrize("tamper", ["history_body", "history_row_deleted", "state_edited", "state_added"])
def test_verify_read_models_detects_an_edited_read_model(signed: EmbeddedLedger, tamper: str) -> None:
    actions: dict[str, Callable[[object], object]] = {
        "history_body": lambda c: c.execute(update(history).where(history.c.seq == 2, history.c.farm_id == "farm-a")  # type: ignore[attr-defined]
                                            .values(body=b'{"forged": true}')),
        "history_row_deleted": lambda c: c.execute(delete(history).where(history.c.seq == 3)),  # type: ignore[attr-defined]
        "state_edited": lambda c: c.execute(update(projection_state).where(projection_state.c.key == "farm-b")  # type: ignore[attr-defined]
                                            .values(state=b'{"standing": "good"}')),
        "state_added": lambda c: c.execute(projection_state.insert().values(  # type: ignore[attr-defined]
            projection="standing", key="farm-z", state=b"{}")),
    }
    with signed.engine.begin() as conn:
        actions[tamper](conn)
    found = check_read_models(signed.engine)
    expected = {"history_body": ("history", "differs"), "history_row_deleted": ("history", "missing"),
                "state_edited": ("projection_state", "differs"), "state_added": ("projection_state", "extra")}
    assert expected[tamper] in {(d["table"], d["kind"]) for d in found}


# -- the CLI ---------------------------------------------------------------------------------------------

def test_cli_checkpoint_and_verify(signed: EmbeddedLedger, tmp_path: Path) -> None:
    url = str(signed.engine.url)
    runner = CliRunner()
    out = runner.invoke(app, ["checkpoint", "--db", url, "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["count"] == 12
    ok = runner.invoke(app, ["verify", "--read-models", "--db", url, "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    with signed.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position = (SELECT max(position) FROM events)"))
    bad = runner.invoke(app, ["verify", "--db", url, "--json"])
    assert bad.exit_code == 1
    kinds = {p["kind"] for p in json.loads(bad.stdout)["problems"]}
    assert "truncated" in kinds


def test_read_models_written_by_ticks_equal_a_replay_that_ticks_where_the_ledger_ticked(
        ledger: EmbeddedLedger) -> None:
    from tests.unit.test_su_common import Farm, end_of

    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    sibling.post("BuyerLinked", "2025-01-06", {"buyer_id": "b-1", "since": "2025-01-06"})
    origin.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # AU-4: suspended by time
    assert [e.farm_id for e in ledger.tick(end_of("2025-02-05")).appended] == ["farm-b"]  # SU-2 via the log
    sibling.post("BuyerLinked", "2025-02-10", {"buyer_id": "b-2", "since": "2025-02-10"})  # after the tick
    assert verify_database(ledger.engine).ok
    assert check_read_models(ledger.engine) == []
    with ledger.engine.begin() as conn:  # what a replay without the tick would give
        conn.execute(delete(history).where(history.c.type == "StandingChanged", history.c.farm_id == "farm-a"))
    assert ("history", "missing") in {(d["table"], d["kind"]) for d in check_read_models(ledger.engine)}


def test_a_garbled_checkpoint_is_reported_not_a_crash(signed: EmbeddedLedger, tmp_path: Path) -> None:
    with signed.engine.begin() as conn:
        conn.execute(update(signed_checkpoints).values(body=b"not json", signature="zz"))
    (tmp_path / "ledger.checkpoint.json").write_bytes(b"{garbled")
    result = verdict(signed)
    assert "checkpoint_unreadable" in result.kinds() and not result.ok
    assert signed.sign_checkpoint() is None  # refused, with the reason on stderr
