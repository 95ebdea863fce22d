"""The wire format: every generated event survives a round trip; a bad line is rejected naming line and field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from events.codec import EventRejected, content_digest, decode_line, encode, to_json, validate
from events.recorded import RecordedEvent
from services.generate.program import generate
from tests.conftest import event

SAMPLE = list(generate(farms=4, months=3, seed=11))


def remittance(**data: Any) -> dict[str, Any]:
    fields = {"remittance_id": "rem-1", "payor_id": "coop-1", "attributed_buyer_id": "buyer-1",
              "sales_period": "2026-01", "amount": "1250.00", "received_on": "2026-02-10", "reference": "CHK-1"}
    return event("PremiumRemitted", "farm-1", "2026-02-10", fields | data, role="cooperative")


def rejection(raw: bytes | str, line: int = 7) -> EventRejected:
    with pytest.raises(EventRejected) as info:
        decode_line(raw, line)
    return info.value


@pytest.mark.parametrize("event_type", sorted({e["type"] for e in SAMPLE}))
def test_every_generated_type_round_trips_through_bytes(event_type: str) -> None:
    for raw in (e for e in SAMPLE if e["type"] == event_type):
        first = to_json(decode_line(orjson.dumps(raw), 1))
        again = to_json(decode_line(encode(first), 1))
        assert again == first
        assert first["event_id"] == raw["event_id"] and first["data"].keys() >= raw["data"].keys()


def test_money_stays_decimal_and_json_integers_are_read_exactly() -> None:
    assert to_json(validate(remittance(amount=1250), 1))["data"]["amount"] == "1250.00"
    model = validate(remittance(amount="1250.1"), 1)
    assert model.data.amount == Decimal("1250.10")  # type: ignore[union-attr]
    body = to_json(model)
    assert body["data"]["amount"] == "1250.10"
    assert b"1250.10" in encode(body)


def test_a_recorded_body_reads_back_as_the_event_projections_see() -> None:
    body = to_json(validate(remittance(), 1)) | {"recorded_at": "2026-02-10T15:00:00+00:00"}
    recorded = RecordedEvent.from_wire(encode(body))
    assert (recorded.type, recorded.farm_id, recorded.data["amount"]) == ("PremiumRemitted", "farm-1", "1250.00")
    assert recorded.occurred_at.utcoffset() is not None and recorded.recorded_at.isoformat() == body["recorded_at"]


def test_the_digest_ignores_recorded_at_and_sees_everything_else() -> None:
    body = to_json(validate(remittance(), 1))
    stamped = body | {"recorded_at": "2026-02-10T15:00:00+00:00"}
    changed = body | {"data": body["data"] | {"amount": "1250.01"}}
    assert content_digest(stamped) == content_digest(body) != content_digest(changed)


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        (remittance(amount="12.345"), "data.amount", "must be an amount above 0"),
        (remittance(amount="-"), "data.amount", "must be an amount above 0"),
        (remittance(sales_period="2026-13"), "data.sales_period", "must be a month written YYYY-MM"),
        (remittance(received_on="10/02/2026"), "data.received_on", "must be a valid date"),
        ({**remittance(), "occurred_at": "2026-02-10T09:00:00"}, "occurred_at",
         "must carry a time zone offset (ISO 8601 with offset)"),
        ({**remittance(), "type": "PremiumPaid"}, "type", "unknown event type 'PremiumPaid'"),
        ({k: v for k, v in remittance().items() if k != "type"}, "type", "missing"),
        ({**remittance(), "colour": "blue"}, "colour", "is not a field of this event type"),
        ({**remittance(), "actor": {"role": "king", "id": "k"}}, "actor.role", "must be 'cooperative'"),
        ({k: v for k, v in remittance().items() if k != "farm_id"}, "farm_id", "missing"),
    ],
)
def test_a_bad_event_is_rejected_naming_line_field_and_problem(raw: dict[str, Any], field: str, problem: str) -> None:
    error = rejection(orjson.dumps(raw))
    assert (error.line, error.field) == (7, field)
    assert error.problem.startswith(problem)
    assert str(error).startswith(f"line 7: {field}: {problem}")


def test_a_nested_field_is_named_by_its_path() -> None:
    line = next(e for e in SAMPLE if e["type"] == "PayrollLineRecorded")
    line = {**line, "data": {**line["data"], "deductions": [{"kind": "rent", "amount": "10.00", "consented": True}]}}
    error = rejection(orjson.dumps(line), 3)
    assert (error.line, error.field) == (3, "data.deductions.0.kind")


def test_a_line_that_is_not_json_or_not_an_object_is_rejected_with_its_number() -> None:
    broken, listed = rejection('{"type": "FarmEnrolled"', 12), rejection("[1, 2]", 13)
    assert broken.line == 12 and broken.field is None and str(broken).startswith("line 12: not valid JSON")
    assert str(listed) == "line 13: each line must be a JSON object"


def test_decimals_are_held_in_their_canonical_form_so_the_dump_writes_them_as_they_are() -> None:
    line = next(e for e in SAMPLE if e["type"] == "PayrollLineRecorded")
    data = {**line["data"], "hours_worked": 40, "hourly_wage": "16", "gross": 640, "net": "639.5"}
    for name in ("md_bonus", "holiday_hours", "md_bonus_period"):
        data.pop(name, None)
    model = validate({**line, "data": data}, 1)
    held = model.data  # type: ignore[union-attr]
    assert (str(held.hourly_wage), str(held.gross), str(held.net), str(held.md_bonus)) == (
        "16.00", "640.00", "639.50", "0.00")  # money: two places, whatever the sender wrote
    assert (str(held.hours_worked), str(held.holiday_hours)) == ("40", "0")  # other decimals: as written
    body = to_json(model)["data"]
    assert (body["hourly_wage"], body["gross"], body["net"], body["md_bonus"]) == ("16.00", "640.00", "639.50",
                                                                                   "0.00")
    assert (body["hours_worked"], body["holiday_hours"]) == ("40", "0")
