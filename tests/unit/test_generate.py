"""The program generator: deterministic, valid, in posting order, realistic enough to exercise the rules."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from events.codec import validate
from events.types import CENT
from services.cli.main import app
from services.generate.emit import new_id, new_ids
from services.generate.payroll import LABELS, shares
from services.generate.program import generate
from services.ledger.ingest import sender_rules
from tests.conftest import post

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample.jsonl"


def _bytes(events: list[dict]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


@pytest.fixture(scope="module")
def program() -> list[dict]:
    return list(generate(60, 12, seed=3))


def test_same_seed_gives_identical_bytes() -> None:
    assert _bytes(list(generate(8, 3, seed=11))) == _bytes(list(generate(8, 3, seed=11)))
    assert _bytes(list(generate(8, 3, seed=11))) != _bytes(list(generate(8, 3, seed=12)))


def test_event_ids_are_the_rngs_uuid4s() -> None:
    rng = random.Random(5)
    expected = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(40)]
    rng = random.Random(5)
    assert [new_id(rng) for _ in range(3)] + new_ids(rng, 37) == expected


def test_sample_file_is_what_the_generator_makes() -> None:
    assert SAMPLE.read_bytes() == _bytes(list(generate(12, 14, seed=7, showcase=True)))


def test_every_event_validates_and_passes_the_sender_rules_in_posting_order(program: list[dict]) -> None:
    enrolled: set[str] = set()
    for line, raw in enumerate(program, start=1):
        event = validate(raw, line)
        sender_rules(event, line, lambda farm: farm in enrolled)
        if event.type == "FarmEnrolled":
            enrolled.add(event.farm_id)
    assert len(enrolled) == 60


def test_posting_order_is_by_occurred_at_with_reference_data_first(program: list[dict]) -> None:
    moments = [datetime.fromisoformat(e["occurred_at"]) for e in program]
    assert moments == sorted(moments)
    first_farm_fact = next(i for i, e in enumerate(program) if e["farm_id"] != "program")
    assert all(e["farm_id"] != "program" for e in program[first_farm_fact:])
    assert Counter(e["type"] for e in program[:first_farm_fact]) == {
        "MinimumWageSet": 4, "LivableWageSet": 2, "BonusWorksheetSet": 2, "PremiumRateSet": 7,
        "LaborContractorRegistered": 3, "ContractorCertified": 2, "ContractorCertificationEnded": 1,
        "RiskIndicatorSet": 10}


def test_everything_ingests_without_a_rejection(ledger) -> None:  # type: ignore[no-untyped-def]
    events = list(generate(6, 4, seed=21))
    report = post(ledger, *events)
    assert report.rejected == []
    assert report.accepted == len(events)
    assert post(ledger, *events).duplicates == len(events)


def test_reference_data_has_a_raise_and_a_share_change_inside_the_period(program: list[dict]) -> None:
    minimum = defaultdict(list)
    for e in program:
        if e["type"] == "MinimumWageSet":
            minimum[e["data"]["jurisdiction"]].append((e["data"]["effective_on"], Decimal(e["data"]["hourly"])))
    assert set(minimum) == {"VT", "NY"}
    for (first_on, before), (raised_on, after) in minimum.values():
        assert first_on <= "2025-01-01" < raised_on <= "2025-12-31" and after > before
    shares_set = [e["data"]["worker_share"] for e in program if e["type"] == "BonusWorksheetSet"]
    assert shares_set == ["0.80", "0.85"]


def test_farms_owners_and_workers_look_like_the_program(program: list[dict]) -> None:
    owners = Counter(e["data"]["owner_id"] for e in program if e["type"] == "FarmEnrolled")
    assert max(owners.values()) in (2, 3) and min(owners.values()) == 1
    roster: dict[str, list[dict]] = defaultdict(list)
    enrolled_on = {e["farm_id"]: e["data"]["enrolled_on"] for e in program if e["type"] == "FarmEnrolled"}
    for e in program:
        if e["type"] == "WorkerHired" and e["occurred_at"][:10] == enrolled_on[e["farm_id"]]:
            roster[e["farm_id"]].append(e["data"])
    assert all(5 <= len(workers) <= 40 for workers in roster.values())
    hires = [w for workers in roster.values() for w in workers]
    assert any(w["supervisory"] for w in hires) and any(w["relative_of_owner"] for w in hires)
    types = Counter(e["type"] for e in program)
    for needed in ("WorkerSeparated", "ComplaintReceived", "AuditConducted", "ViolationFound", "CapProposed",
                   "AppealFiled", "RemedyCompleted", "OrientationCompleted", "BuyerLinked", "CooperativeLinked"):
        assert types[needed] > 0, needed


def test_remittances_pay_last_months_sales_in_the_middle_of_the_month(program: list[dict]) -> None:
    remitted = [e["data"] for e in program if e["type"] == "PremiumRemitted"]
    assert remitted
    for r in remitted:
        received = date.fromisoformat(r["received_on"])
        previous = date(received.year - (received.month == 1), (received.month - 2) % 12 + 1, 1)
        assert r["sales_period"] == previous.isoformat()[:7]
        assert 8 <= received.day <= 15 and Decimal(r["amount"]) > 0


def test_payroll_lines_add_up(program: list[dict]) -> None:
    lines = [e["data"] for e in program if e["type"] == "PayrollLineRecorded"]
    assert len(lines) > 0.8 * len(program)
    for line in lines:
        wage_pay = (Decimal(line["hours_worked"]) * Decimal(line["hourly_wage"])).quantize(CENT, ROUND_HALF_UP)
        gross = Decimal(line["gross"])
        holiday = Decimal(line.get("holiday_hours", "0")) * (
            Decimal(line.get("holiday_hourly") or line["hourly_wage"]) - Decimal(line["hourly_wage"]))
        extras = holiday.quantize(CENT) + Decimal(line.get("vacation_payout", "0"))  # PT-11 premium, LV-2 payout
        assert gross == wage_pay + Decimal(line["md_bonus"]) + Decimal(line["other_bonuses"]) + extras
        assert Decimal(line["net"]) == gross - sum(Decimal(d["amount"]) for d in line["deductions"])
        assert line["period_start"][:7] == line["period_end"][:7]


def test_bonuses_are_monthly_mostly_labelled_right_with_a_few_mistakes(program: list[dict]) -> None:
    bonus = [e["data"] for e in program if e["type"] == "PayrollLineRecorded" and e["data"]["md_bonus"] != "0.00"]
    assert bonus
    per_month = Counter((b["worker_id"], b["md_bonus_period"]) for b in bonus)
    assert max(per_month.values()) == 1  # one bonus line per worker and premium month
    right = sum(b["md_bonus_label"] in LABELS for b in bonus)
    assert 0.9 * len(bonus) < right < len(bonus)  # mostly right, and some mislabels to find


def test_shares_add_up_to_the_rounded_pool_by_largest_remainder() -> None:
    got = shares(100001, 85, {"c": 1, "b": 1, "a": 1})  # pool = 1000.01 x 0.85 = 850.0085 -> 850.01
    assert got == {"a": 28334, "b": 28334, "c": 28333}  # equal remainders: the smaller ids get the cents
    assert shares(10000, 80, {"a": 3, "b": 1}) == {"a": 6000, "b": 2000}


def test_cli_writes_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(app, ["generate", "--farms", "5", "--months", "2", "--seed", "9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == _bytes(list(generate(5, 2, seed=9)))


def test_no_education_session_before_a_farm_joins() -> None:
    """A farm enrolled late in November gets no make-up session on the 20th (it was not yet in the program:
    the ledger rejects the session, as it did at 100 farms x 36 months)."""
    from services.generate.calendar import Month
    from services.generate.farm import make_farms
    from services.generate.obligations import education
    from services.generate.reference import program_rates

    start = date(2025, 1, 1)
    farm = make_farms(3, start, 12, random.Random(4), program_rates(start, 12))[0]
    farm.enrolled_on = date(2025, 11, 27)
    for worker in farm.workers:
        worker.hired_on, worker.supervisory, worker.relative = min(worker.hired_on, date(2025, 1, 1)), False, False
    held: list[date] = []

    class Out:
        def emit(self, rng: random.Random, kind: str, farm_id: str, on: date, *rest: object) -> None:
            held.append(on)

    education(farm, Month.of(date(2025, 11, 1)), Out())  # type: ignore[arg-type]
    assert held == []
    farm.enrolled_on = date(2025, 11, 3)
    education(farm, Month.of(date(2025, 11, 1)), Out())  # type: ignore[arg-type]
    assert date(2025, 11, 20) in held  # joined before the 20th: the make-up session is held
