"""PT-7: the hourly wage, without the MD bonus and net of housing, is at least the prevailing minimum wage in
force on each day worked (Part 3 wages ¶7, housing ¶1e, App. B II.1)."""

from __future__ import annotations

import pytest

from projections.reference.rates import RateMissing
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import post
from tests.unit.test_pt_common import enrol, findings, hire, line, minimum_wage, ok, setup

# 40 hours at the Vermont minimum 13.67 is 546.80.


def test_pt7_the_minimum_exactly_passes_a_cent_less_fails(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    ok(ledger, line("w1", "2024-03-01", "2024-03-07", "40", "13.67", scheduled="2024-03-08"),
       line("w2", "2024-03-01", "2024-03-07", "40", "13.66", scheduled="2024-03-08"))
    rows = findings(ledger, "2024-12-31", "PT-7")
    assert [(r["subject_id"], r["on"], r["detail"]["hourly"], r["detail"]["minimum"], r["detail"]["cause"])
            for r in rows] == [("w2", "2024-03-08", "13.66", "13.67", "wage")]


def test_pt7_housing_may_not_take_pay_below_the_minimum_and_the_bonus_does_not_count(ledger: EmbeddedLedger) -> None:
    setup(ledger, "housed", "bonused", "fine")
    ok(ledger,
       line("housed", "2024-03-01", "2024-03-07", "40", "14.00", housing="13.21"),   # (560 - 13.21) / 40 = 13.6698
       line("fine", "2024-03-01", "2024-03-07", "40", "14.00", housing="13.20"),     # exactly 13.67
       line("bonused", "2024-03-01", "2024-03-07", "40", "13.00", bonus="100.00", bonus_period="2024-02"))
    rows = {r["subject_id"]: r["detail"] for r in findings(ledger, "2024-12-31", "PT-7")}
    assert set(rows) == {"housed", "bonused"}
    assert (rows["housed"]["cause"], rows["bonused"]["cause"]) == ("housing", "wage")


def test_pt7_minimum_wage_rise_applies_to_the_days_worked_from_its_effective_date(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    ok(ledger, minimum_wage("14.01", "2025-01-01"),  # December's work paid in January: December's minimum
       line("w1", "2024-12-16", "2024-12-31", "80", "13.67", scheduled="2025-01-02"))
    assert findings(ledger, "2025-12-31", "PT-7") == []
    ok(ledger, line("w2", "2024-12-23", "2025-01-05", "80", "13.67", scheduled="2025-01-08"))  # spans the rise
    rows = findings(ledger, "2025-12-31", "PT-7")
    assert [(r["subject_id"], r["on"], r["detail"]["day"], r["detail"]["minimum"]) for r in rows] == [
        ("w2", "2025-01-08", "2025-01-01", "14.01")]


def test_pt7_first_year_of_enrolment_is_a_time_bound_plan_but_housing_never_is(ledger: EmbeddedLedger) -> None:
    ok(ledger, enrol(enrolled_on="2024-02-01"), minimum_wage("13.67", "2024-01-01"), hire("w1"), hire("w2"))
    ok(ledger, line("w1", "2024-03-01", "2024-03-07", "40", "12.00"),                  # in the grace year
       line("w2", "2024-03-01", "2024-03-07", "40", "14.00", housing="50.00"),          # housing: no grace
       line("w1", "2025-02-01", "2025-02-07", "40", "12.00"))                           # a year on: a finding
    rows = {r["subject_id"]: r for r in findings(ledger, "2025-12-31", "PT-7")}
    assert (rows["w1"]["on"], rows["w1"]["detail"]["cause"]) == ("2025-02-07", "wage")
    assert (rows["w2"]["on"], rows["w2"]["detail"]["cause"]) == ("2024-03-07", "housing")


def test_pt7_the_federal_floor_applies_and_no_minimum_at_all_is_an_error(ledger: EmbeddedLedger) -> None:
    assert not post(ledger, enrol(jurisdiction="NH"), minimum_wage("7.25", "2009-07-24", "US"), hire("w1")).rejected
    ok(ledger, line("w1", "2024-03-01", "2024-03-07", "40", "7.25"))
    assert findings(ledger, "2024-12-31", "PT-7") == []
    ok(ledger, line("w1", "2024-03-08", "2024-03-14", "40", "7.00"))
    assert [r["subject_id"] for r in findings(ledger, "2024-12-31", "PT-7")] == ["w1"]


def test_pt7_no_minimum_wage_in_force_is_an_explicit_error(ledger: EmbeddedLedger) -> None:
    ok(ledger, enrol(), hire("w1"), line("w1", "2024-03-01", "2024-03-07", "40", "15.00"))
    with pytest.raises(RateMissing, match="MinimumWageSet in force for jurisdiction 'VT' on 2024-03-01"):
        findings(ledger, "2024-12-31", "PT-7")
