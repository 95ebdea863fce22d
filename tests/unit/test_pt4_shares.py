"""PT-4: the pool (remittances x worker share in force) is split among the month's eligible workers by hours,
in cents that add up to the pool; paid more than a cent below the expected share is a shortfall."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from projections.passthrough.pool import split
from projections.reference.rates import RateMissing
from services.cli.main import app
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import post
from tests.unit.test_pt_common import (
    FARM,
    enrol,
    findings,
    full_month,
    hire,
    line,
    livable_wage,
    minimum_wage,
    ok,
    passthrough,
    remit,
    setup,
    worker_row,
    worker_share,
)


def test_pt4_a_pool_that_does_not_divide_evenly_still_adds_up_to_the_cent(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2", "w3")
    ok(ledger, remit("100.00", "2024-03-05"), *(full_month(w, "2024-03") for w in ("w1", "w2", "w3")))
    answer = passthrough(ledger, "2024-03")
    assert (answer["premium_received"], answer["bonus_pool"]) == ("100.00", "50.00")
    expected = [w["expected"] for w in answer["workers"]]
    assert expected == ["16.67", "16.67", "16.66"]  # largest remainder; a tie goes to the smaller worker id
    assert sum(Decimal(e) for e in expected) == Decimal("50.00")


def test_pt4_shares_follow_hours_worked(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2", "boss")
    ok(ledger, hire("boss", supervisory=True))
    ok(ledger, remit("300.00", "2024-03-05"), remit("150.00", "2024-03-20"),
       full_month("w1", "2024-03", "60"), full_month("w2", "2024-03", "30"), full_month("boss", "2024-03", "60"))
    answer = passthrough(ledger, "2024-03")
    assert answer["bonus_pool"] == "225.00"
    assert [(w["worker_id"], w["eligible"], w["expected"]) for w in answer["workers"]] == [
        ("boss", False, "0.00"), ("w1", True, "150.00"), ("w2", True, "75.00")]


def test_pt4_paid_a_cent_short_is_rounding_two_cents_short_is_a_shortfall(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2", "w3")
    ok(ledger, remit("100.00", "2024-01-10"), *(full_month(w, "2024-01") for w in ("w1", "w2", "w3")))
    ok(ledger,  # expected 16.67 / 16.67 / 16.66
       line("w1", "2024-02-01", "2024-02-15", "0", bonus="16.67", bonus_period="2024-01", gross="16.67"),
       line("w2", "2024-02-01", "2024-02-15", "0", bonus="16.66", bonus_period="2024-01", gross="16.66"),
       line("w3", "2024-02-01", "2024-02-15", "0", bonus="16.64", bonus_period="2024-01", gross="16.64"))
    answer = passthrough(ledger, "2024-01")
    assert [(w["paid"], w["shortfall"]) for w in answer["workers"]] == [
        ("16.67", "0.00"), ("16.66", "0.00"), ("16.64", "0.02")]
    assert findings(ledger, "2024-02-28", "PT-4") == []  # not due before the end of the following month
    rows = findings(ledger, "2024-02-29", "PT-4")
    assert [(r["subject_id"], r["on"], r["detail"]["shortfall"]) for r in rows] == [("w3", "2024-02-29", "0.02")]
    assert rows[0]["detail"]["months"] == {"2024-01": {"expected": "16.66", "paid": "16.64", "shortfall": "0.02"}}


def test_pt4_unpaid_share_is_a_shortfall_and_a_top_up_clears_it(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("80.00", "2024-04-03"), full_month("w1", "2024-04"))
    assert [r["subject_id"] for r in findings(ledger, "2024-05-31", "PT-4")] == ["w1"]
    ok(ledger, line("w1", "2024-06-01", "2024-06-15", "0", bonus="40.00", bonus_period="2024-04", gross="40.00",
                    scheduled="2024-06-20"))
    assert findings(ledger, "2024-06-19", "PT-4") != []  # as of before the top-up, still short
    assert findings(ledger, "2024-06-20", "PT-4") == []


def test_pt4_one_finding_per_worker_lists_every_short_month(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("80.00", "2024-04-03"), remit("60.00", "2024-05-03"),
       full_month("w1", "2024-04"), full_month("w1", "2024-05"))
    rows = findings(ledger, "2024-07-31", "PT-4")
    assert len(rows) == 1
    assert rows[0]["on"] == "2024-05-31"
    assert rows[0]["detail"]["shortfall"] == "70.00"
    assert set(rows[0]["detail"]["months"]) == {"2024-04", "2024-05"}


def test_pt4_worker_share_changes_mid_year_and_mid_month(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, worker_share("0.6", "2024-07-15"),
       remit("100.00", "2024-06-28"), remit("100.00", "2024-07-14"), remit("100.00", "2024-07-15"),
       full_month("w1", "2024-06"), full_month("w1", "2024-07"))
    assert passthrough(ledger, "2024-06")["bonus_pool"] == "50.00"
    assert passthrough(ledger, "2024-07")["bonus_pool"] == "110.00"  # 100 x 0.5 + 100 x 0.6


def test_pt4_a_correction_supersedes_the_bonus_line(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    short = line("w1", "2024-02-01", "2024-02-15", "0", bonus="10.00", bonus_period="2024-01", gross="10.00")
    ok(ledger, remit("100.00", "2024-01-10"), full_month("w1", "2024-01"), short)
    assert worker_row(passthrough(ledger, "2024-01"), "w1")["shortfall"] == "40.00"
    ok(ledger, line("w1", "2024-02-01", "2024-02-15", "0", bonus="50.00", bonus_period="2024-01", gross="50.00",
                    corrects=short["event_id"]))
    row = worker_row(passthrough(ledger, "2024-01"), "w1")
    assert (row["paid"], row["shortfall"]) == ("50.00", "0.00")
    assert findings(ledger, "2024-03-31", "PT-4") == []


def test_pt4_the_same_remittance_twice_counts_once(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2024-03-05", reference="CHK-1"), remit("100.00", "2024-03-05", reference="CHK-1"),
       full_month("w1", "2024-03"))
    assert passthrough(ledger, "2024-03")["premium_received"] == "100.00"


def test_pt4_a_month_with_no_worker_share_in_force_is_an_error(ledger: EmbeddedLedger) -> None:
    assert not post(ledger, enrol(), minimum_wage("13.67", "2020-01-01"), livable_wage("17.00", "2020-01-01"),
                    worker_share("0.5", "2024-04-01"), hire("w1")).rejected
    ok(ledger, remit("100.00", "2024-03-05"), full_month("w1", "2024-03"))
    with pytest.raises(RateMissing, match="no BonusWorksheetSet in force on 2024-03-05"):
        passthrough(ledger, "2024-03")
    result = CliRunner().invoke(app, ["passthrough", FARM, "--period", "2024-03", "--db", str(ledger.engine.url)])
    assert result.exit_code == 1
    assert "no BonusWorksheetSet in force on 2024-03-05" in result.output


def test_pt4_cli_answers_the_spec_shape_with_money_as_strings(ledger: EmbeddedLedger) -> None:
    import orjson

    setup(ledger, "w1", "w2")
    ok(ledger, remit("99.99", "2024-03-05"), full_month("w1", "2024-03"), full_month("w2", "2024-03", "20"),
       line("w1", "2024-04-01", "2024-04-15", "0", bonus="25.00", bonus_period="2024-03", gross="25.00"))
    db = str(ledger.engine.url)
    result = CliRunner().invoke(app, ["passthrough", FARM, "--period", "2024-03", "--json", "--db", db])
    assert result.exit_code == 0, result.output
    answer = orjson.loads(result.output)
    assert answer == {
        "farm_id": FARM, "period": "2024-03", "premium_received": "99.99", "bonus_pool": "50.00",
        "workers": [
            {"worker_id": "w1", "eligible": True, "hours": "177.14", "expected": "50.00", "paid": "25.00",
             "shortfall": "25.00"},
            {"worker_id": "w2", "eligible": False, "hours": "88.57", "expected": "0.00", "paid": "0.00",
             "shortfall": "0.00"},
        ],
    }
    table = CliRunner().invoke(app, ["passthrough", FARM, "--period", "2024-03", "--db", db])
    assert table.exit_code == 0 and "w1" in table.output and "25.00" in table.output
    bad = CliRunner().invoke(app, ["passthrough", FARM, "--period", "2024-13", "--db", db])
    assert bad.exit_code != 0
    unknown = CliRunner().invoke(app, ["passthrough", "nowhere", "--period", "2024-03", "--db", db])
    assert unknown.exit_code == 1 and "unknown farm" in unknown.output


def test_pt4_pure_split_uses_largest_remainder() -> None:
    assert split(Decimal("0.05"), {"a": Fraction(1), "b": Fraction(1)}) == {"a": Decimal("0.03"), "b": Decimal("0.02")}
    assert split(Decimal("10.00"), {"a": Fraction(2), "b": Fraction(1)}) == {"a": Decimal("6.67"), "b": Decimal("3.33")}
    assert split(Decimal("10.00"), {}) == {}
