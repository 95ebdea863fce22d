"""SPEC §6 at the door: hostile lines are rejected naming line and field, never crash, never half-append."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import orjson
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from events.catalogue import DERIVED_TYPES, Event
from events.codec import EventRejected, decode_document, decode_line, validate
from services.cli.main import app
from services.generate.program import generate
from services.ledger import ingest as ingest_module
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts, parse_jsonl
from services.store.bodies import unpack
from services.store.schema import events
from tests.conftest import event, post
from tests.unit.test_pt_common import FARM, enrol, line


@functools.cache
def program() -> tuple[bytes, ...]:
    """About 2,500 generated lines (five farms, a year), as a sender writes them."""
    return tuple(orjson.dumps(e) for e in generate(farms=5, months=12, seed=5))


def count(ledger: EmbeddedLedger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def remittance(**data: Any) -> dict[str, Any]:
    fields = {"remittance_id": "rem-1", "payor_id": "coop-1", "attributed_buyer_id": "buyer-1",
              "sales_period": "2026-01", "amount": "1250.00", "received_on": "2026-02-10", "reference": "CHK-1"}
    return event("PremiumRemitted", FARM, "2026-02-10", fields | data, role="cooperative")


def payroll(**data: Any) -> dict[str, Any]:
    raw = line("w1", "2026-01-01", "2026-01-14", "80")
    return {**raw, "data": {**raw["data"], **data}}


def refused(raw: bytes | dict[str, Any], line_no: int = 4) -> EventRejected:
    with pytest.raises(EventRejected) as info:
        decode_line(raw if isinstance(raw, bytes) else orjson.dumps(raw), line_no)
    assert info.value.line == line_no
    return info.value


def test_trust_well_formed_money_hours_and_dates_are_accepted() -> None:
    model = validate(payroll(hourly_wage=16, gross="1280.0", net="1100.5", hours_worked="80.25"))
    body = model.model_dump(mode="json")["data"]
    assert (body["hourly_wage"], body["gross"], body["net"], body["hours_worked"]) == (
        "16.00", "1280.00", "1100.50", "80.25")
    validate(remittance(received_on="1990-01-01", sales_period="2100-12"))


@pytest.mark.parametrize("amount", [1250.5, 1e3, 1250.0])
def test_trust_money_float_rejected(amount: float) -> None:
    error = refused(remittance(amount=amount))
    assert error.field == "data.amount" and "JSON string or integer" in error.problem


@pytest.mark.parametrize("amount", ["1_000.00", "١٢٠٠.٠٠", "１２００", "1e3", " 12.00", "12.345", "+5", "NaN",
                                    "Infinity", "0x10"])
def test_trust_money_in_other_writings_rejected(amount: str) -> None:
    assert refused(remittance(amount=amount)).field == "data.amount"


@pytest.mark.parametrize("amount", ["1" * 27, "9" * 100 + ".00"])
def test_trust_money_of_27_digits_or_more_rejected_not_crashing(amount: str) -> None:
    assert refused(remittance(amount=amount)).field == "data.amount"
    assert refused(orjson.dumps(remittance()).replace(b'"1250.00"', amount.split(".")[0].encode())).field == (
        "data.amount")


@pytest.mark.parametrize("field", ["hourly_wage", "gross", "net", "md_bonus", "other_bonuses", "hours_worked"])
def test_trust_negative_wages_net_pay_and_hours_rejected(field: str) -> None:
    assert refused(payroll(**{field: "-1.00"})).field == f"data.{field}"


def test_trust_hours_of_1e400_and_other_huge_hours_rejected() -> None:
    text = orjson.dumps(payroll()).replace(b'"hours_worked":"80"', b'"hours_worked":1e400')
    assert b"1e400" in text
    assert refused(text).field == "data.hours_worked"
    assert refused(payroll(hours_worked="100000")).field == "data.hours_worked"


@pytest.mark.parametrize(("field", "value"), [
    ("occurred_at", "0001-01-01T00:00:00+14:00"), ("occurred_at", "9999-12-31T23:59:59-12:00"),
    ("occurred_at", "0001-01-01"), ("occurred_at", "1989-12-31T23:00:00-05:00"),
    ("occurred_at", "2101-01-01T00:00:00+00:00"),
])
def test_trust_times_outside_1990_to_2100_rejected_not_crashing(field: str, value: str) -> None:
    error = refused({**remittance(), field: value})
    assert error.field == field and "between 1990-01-01 and 2100-12-31" in error.problem


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1989-12-31", "2101-01-01"])
def test_trust_dates_outside_1990_to_2100_rejected(value: str) -> None:
    assert refused(payroll(scheduled_pay_date=value)).field == "data.scheduled_pay_date"
    audit = event("AuditConducted", FARM, "2026-01-01", {"audit_id": "a1", "kind": "remedial",
                                                          "conducted_on": value, "outcome": "pass"})
    assert refused(audit).field == "data.conducted_on"


@pytest.mark.parametrize("kind", [["PremiumRemitted"], {"name": "PremiumRemitted"}, 7, True])
def test_trust_type_must_be_a_string(kind: Any) -> None:
    error = refused({**remittance(), "type": kind})
    assert error.field == "type"


@pytest.mark.parametrize("version", ["2", True, 10**100, [1], {"v": 1}, 1.0, 0, 100_000])
def test_trust_schema_version_must_be_a_bounded_json_integer(version: Any) -> None:
    raw = {**enrol(), "schema_version": version}  # FarmEnrolled has an upcaster: it must not see these
    text = orjson.dumps(raw) if version != 10**100 else orjson.dumps({**raw, "schema_version": 1}).replace(
        b'"schema_version":1', b'"schema_version":' + b"1" * 100)
    assert refused(text).field == "schema_version"
    assert validate({**enrol(), "schema_version": 2})


@pytest.mark.parametrize("data", ["x", 7, [1, 2], None, True])
@pytest.mark.parametrize("make", [enrol, remittance])
def test_trust_data_must_be_an_object_for_known_types(data: Any, make: Any) -> None:
    error = refused({**make(), "data": data})
    assert error.field == "data" and error.problem == "must be a JSON object"


@pytest.mark.parametrize(("text", "twice"), [
    (b'{"farm_id":"farm-a","farm_id":"farm-b"}', True),
    (b'{"data":{"amount":"1.00","amount":"2.00"}}', True),
    (b'{"a":"x:y","a" : "z"}', True),
    (b'{"a":"\\u003a","a":"\\u003a"}', True),
    (b'{"a":"\\u003a","b":{"c":"d:e"}}', False),
    (b'{"a":"12:00:00","b":[{"c":1},{"c":2}],"d":"\\":"}', False),
])
def test_trust_duplicated_json_key_rejected(text: bytes, twice: bool) -> None:
    with pytest.raises(EventRejected) as info:
        decode_line(text, 9)
    assert ("written twice" in str(info.value)) is twice


def test_trust_duplicated_key_in_a_json_array_rejects_only_that_event() -> None:
    good, bad = orjson.dumps(remittance()), orjson.dumps(remittance()).replace(b'"farm_id"', b'"farm_id":"x","farm_id"')
    items = decode_document(b"[" + good + b"," + bad + b"]")
    assert validate(items[0], 1)
    with pytest.raises(EventRejected, match="written twice"):
        validate(items[1], 2)


def test_trust_sender_supplied_causation_id_rejected(ledger: EmbeddedLedger) -> None:
    report = post(ledger, enrol(), {**payroll(), "causation_id": [str(uuid.uuid4())]})
    assert report.accepted == 1
    assert report.rejected == [{"line": 2, "error": "causation_id: is set by the ledger for the events it derives; "
                                                    "leave it out"}]


def complaint(person: dict[str, Any], complaint_id: str = "c1") -> dict[str, Any]:
    return event("ComplaintReceived", FARM, "2026-01-05", {
        "complaint_id": complaint_id, "received_by": "worker_org", "received_at": "2026-01-05T10:00:00-05:00",
        "complainant": person}, role="worker_org")


def test_trust_complainant_posted_as_an_already_sealed_value_rejected(ledger: EmbeddedLedger) -> None:
    report = post(ledger, enrol(), complaint({"person_id": "p-1", "sealed": "AAAA"}))
    assert report.accepted == 1 and [r["line"] for r in report.rejected] == [2]
    assert report.rejected[0]["error"].startswith("data.complainant:")


def test_trust_complaint_whose_complainant_was_forgotten_is_answered_not_crashing(ledger: EmbeddedLedger) -> None:
    """The ledger assigns the person id; once that person is forgotten, a resend of their complaint is
    answered (a rejection or a duplicate), never an exception, and other complaints go on."""
    first = complaint({"name": "Ana"})
    assert post(ledger, enrol(), first).accepted == 2
    with ledger.engine.connect() as conn:
        body = orjson.loads(unpack(conn.execute(select(events.c.body).where(
            events.c.event_id == first["event_id"])).scalar_one()))
    ledger.vault.forget(body["data"]["complainant"]["person_id"])
    report = post(ledger, first, complaint({"name": "Bo"}, "c3"))
    assert report.accepted == 1
    assert report.duplicates + len(report.rejected) == 1
    assert all(r["line"] == 1 and r["error"].startswith("data.complainant") for r in report.rejected)


def test_trust_an_exception_inside_ingest_rejects_that_line_only(ledger: EmbeddedLedger,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> dict[str, str]:
        raise RuntimeError("vault offline")

    post(ledger, enrol())
    monkeypatch.setattr(ledger.vault, "seal", broken)
    report = post(ledger, payroll(), complaint({"name": "Ana"}), payroll(period_start="2026-01-15",
                                                                         period_end="2026-01-28"))
    assert report.accepted == 2
    assert report.rejected == [{"line": 2, "error": "data.complainant: cannot be sealed (RuntimeError: vault offline)"}]


def test_trust_a_line_the_reader_chokes_on_is_rejected_by_number(monkeypatch: pytest.MonkeyPatch) -> None:
    import services.ledger.prepare as prepare

    def choke(text: bytes, number: int) -> Any:
        if number == 2:
            raise RecursionError("deep")
        return decode_line(text, number)

    monkeypatch.setattr(prepare, "decode_line", choke)
    parsed = dict(parse_jsonl([orjson.dumps(enrol()), b"{}", orjson.dumps(enrol())]))
    assert isinstance(parsed[2], EventRejected) and "RecursionError" in str(parsed[2])
    assert not isinstance(parsed[1], EventRejected)


def poison_apply(ledger: EmbeddedLedger, poison: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A projection that raises on one event (as a year-9999 date once made them)."""
    apply = ledger.writer.apply

    def guarded(conn: Any, batch: Any, *rest: Any) -> Any:
        if any(e.event_id == poison for e in batch):
            raise OverflowError("date value out of range")
        return apply(conn, batch, *rest)

    monkeypatch.setattr(ledger.writer, "apply", guarded)


def test_trust_a_line_that_breaks_its_batch_is_rejected_and_the_rest_recorded(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = program()
    assert len(lines) > 2_100
    poison = orjson.loads(lines[2_099])["event_id"]  # line 2,100: inside the second batch
    poison_apply(ledger, poison, monkeypatch)
    report = ledger.ingest(parse_jsonl(lines)).as_json()
    assert [r["line"] for r in report["rejected"]] == [2_100]
    assert "OverflowError" in report["rejected"][0]["error"]
    assert report["accepted"] == len(lines) - 1 == count(ledger)
    assert list(ledger.log.verify()) == []  # the chains hold: no head of a rolled-back batch was kept


def test_trust_a_store_failure_appends_nothing_of_its_batch_and_reports_every_line(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = program()
    append, calls = ledger.append, []
    monkeypatch.setattr(ingest_module, "BATCH", 2_000)  # the second batch starts at line 2,001

    def failing(batch: Any, at: Any) -> Any:
        calls.append(len(batch))
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return append(batch, at)

    monkeypatch.setattr(ledger, "append", failing)
    report = ledger.ingest(parse_jsonl(lines)).as_json()
    assert report["accepted"] == 2_000 == count(ledger)
    assert "disk I/O error" in report["stopped"]
    assert [r["line"] for r in report["rejected"]] == list(range(2_001, len(lines) + 1))
    assert all(r["error"].startswith("not recorded:") for r in report["rejected"])


def test_trust_cli_prints_the_report_when_the_ingest_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(program()[:2_500]) + b"\n")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    real = EmbeddedLedger.append
    monkeypatch.setattr(ingest_module, "BATCH", 2_000)  # the second batch starts at line 2,001

    def failing(self: EmbeddedLedger, batch: Any, at: Any) -> Any:
        if batch[0].line and batch[0].line > 2_000:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(self, batch, at)

    monkeypatch.setattr(EmbeddedLedger, "append", failing)
    result = CliRunner().invoke(app, ["ingest", str(path), "--json", "--db", db])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    report = orjson.loads(result.output[result.output.index("{"):])
    assert report["accepted"] == 2_000 and len(report["rejected"]) == 500 and "database is locked" in report["stopped"]


def test_trust_an_enrolment_that_comes_back_as_a_duplicate_still_enrols(tmp_path: Path) -> None:
    """Two ingests of one file at once: the second finds the enrolments recorded by the first."""
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first, second = EmbeddedLedger(url), EmbeddedLedger(url)  # both read the enrolled farms before either ran
    lines = program()
    assert first.ingest(parse_jsonl(lines)).accepted == len(lines)
    report = second.ingest(parse_jsonl(lines)).as_json()
    assert report == {"accepted": 0, "duplicates": len(lines), "rejected": []}


def test_trust_nul_characters_rejected(ledger: EmbeddedLedger) -> None:
    report = post(ledger, enrol(), payroll(worker_id="w\x001"))
    assert report.accepted == 1 and report.rejected[0]["line"] == 2 and "NUL" in report.rejected[0]["error"]


def test_trust_json_array_items_that_are_not_objects_are_rejected_by_number() -> None:
    parsed = dict(parse_dicts(enumerate([1, "x", None, [], enrol()], start=1)))
    assert all(isinstance(parsed[n], EventRejected) for n in (1, 2, 3, 4))
    assert not isinstance(parsed[5], EventRejected)


def _unbounded(model: type[BaseModel], path: str = "") -> Iterator[str]:
    """Fields of a catalogue model (and the models it nests) that take a date, a time or a decimal without
    the bounds of `events/types.py`."""
    for name, info in model.model_fields.items():
        where = f"{path}{name}"
        for kind, metadata in _leaves(info.annotation, list(info.metadata)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _unbounded(kind, f"{where}.")
            elif kind in (date, datetime, Decimal) and not _bounded(metadata):
                yield f"{where} ({kind.__name__})"


def _leaves(annotation: Any, metadata: list[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """Each type a field takes, with the constraints that reach it (`Day | None`: date, with Day's)."""
    if get_origin(annotation) is Annotated:
        yield from _leaves(get_args(annotation)[0], metadata + list(annotation.__metadata__))
        return
    args = get_args(annotation)
    if not args:
        yield annotation, metadata
        return
    for arg in args:
        yield from _leaves(arg, metadata)


def _bounded(metadata: list[Any]) -> bool:
    """A `Day` carries Ge/Le (in a FieldInfo); an `Instant` its calendar check; the decimals their schema."""
    kinds = {type(m).__name__ for m in metadata}
    for m in metadata:
        if isinstance(m, FieldInfo):
            kinds |= {type(x).__name__ for x in m.metadata}
    return bool(kinds & {"Ge", "Le", "AfterValidator", "GetPydanticSchema"})


@pytest.mark.parametrize("model", sorted((m for m in get_args(get_args(Event)[0]) if m.__name__ not in DERIVED_TYPES),
                                         key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_trust_every_posted_date_time_and_amount_is_bounded(model: type[BaseModel]) -> None:
    """A new catalogue field written `date`, `datetime` or `Decimal` would let year 9999 or 27 digits in
    again: use `Day`, `Instant`, `Money`/`PositiveMoney`, `Hours`, `Quantity` or `Share` (events/types.py)."""
    assert list(_unbounded(model)) == []
