"""PT-3: a Bonus Eligible QW averaged >= 30 hours a week in the month and earned a net hourly wage below the
livable wage (App. A 11, 13)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from projections.passthrough.eligibility import employed_days, month_workers, worker_month
from projections.passthrough.payroll import effective_lines
from projections.reference.rates import Rate
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import (
    books,
    full_month,
    hire,
    line,
    livable_wage,
    ok,
    passthrough,
    remit,
    separate,
    setup,
    worker_row,
)

LIVABLE_RATE = Rate(Decimal("17.00"), date(2020, 1, 1), "rate-1")


def eligible(ledger: EmbeddedLedger, period: str, worker: str) -> bool:
    return bool(worker_row(passthrough(ledger, period), worker)["eligible"])


def test_pt3_exactly_30_hours_a_week_in_february_is_eligible_a_hundredth_less_is_not(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-at", "w-under")
    # February 2023 has 28 days: 30 h/week is exactly 120 hours.
    ok(ledger, remit("100.00", "2023-02-10"),
       line("w-at", "2023-02-01", "2023-02-28", "120"), line("w-under", "2023-02-01", "2023-02-28", "119.99"))
    assert eligible(ledger, "2023-02", "w-at") is True
    assert eligible(ledger, "2023-02", "w-under") is False


def test_pt3_leap_february_and_a_31_day_month_scale_the_30_hour_threshold(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    # 29 days: 30 x 29 / 7 = 124.2857 hours; 31 days: 132.8571 hours.
    ok(ledger, line("w1", "2024-02-01", "2024-02-29", "124.29"), line("w2", "2024-02-01", "2024-02-29", "124.28"),
       line("w1", "2024-03-01", "2024-03-31", "132.86"), line("w2", "2024-03-01", "2024-03-31", "132.85"))
    assert (eligible(ledger, "2024-02", "w1"), eligible(ledger, "2024-02", "w2")) == (True, False)
    assert (eligible(ledger, "2024-03", "w1"), eligible(ledger, "2024-03", "w2")) == (True, False)


def test_pt3_net_wage_must_be_below_the_livable_wage(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-at", "w-below", "w-housed", "w-insured", "w-bonus")
    ok(ledger,
       full_month("w-at", "2024-04", wage="17.00"),               # exactly the livable wage: not below
       full_month("w-below", "2024-04", wage="16.99"),
       full_month("w-housed", "2024-04", wage="18.00", housing="200.00"),   # housing takes it below
       full_month("w-insured", "2024-04", wage="17.50", health="100.00"),   # so does health insurance
       full_month("w-bonus", "2024-04", wage="16.50", bonus="300.00", bonus_period="2024-03"))  # bonus is not wage
    assert eligible(ledger, "2024-04", "w-at") is False
    assert eligible(ledger, "2024-04", "w-below") is True
    assert eligible(ledger, "2024-04", "w-housed") is True
    assert eligible(ledger, "2024-04", "w-insured") is True
    assert eligible(ledger, "2024-04", "w-bonus") is True


def test_pt3_supervisors_and_relatives_of_the_owner_are_not_qualifying_workers(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, hire("boss", supervisory=True), hire("cousin", relative=True))
    ok(ledger, *(full_month(w, "2024-04") for w in ("w1", "boss", "cousin")))
    assert [eligible(ledger, "2024-04", w) for w in ("w1", "boss", "cousin")] == [True, False, False]


def test_pt3_a_new_hire_averages_over_the_days_employed_in_the_month(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, hire("new", hired_on="2024-03-20"), hire("old"), hire("leaver"), separate("leaver", "2024-03-12"))
    # 12 days employed (20..31 March): 60 hours is 35 h/week. Over the whole month it would be 13.5.
    ok(ledger, line("new", "2024-03-20", "2024-03-31", "60"), line("old", "2024-03-20", "2024-03-31", "60"),
       line("leaver", "2024-03-01", "2024-03-12", "60"))
    assert eligible(ledger, "2024-03", "new") is True
    assert eligible(ledger, "2024-03", "old") is False
    assert eligible(ledger, "2024-03", "leaver") is True
    assert employed_days({"hired_on": "2024-03-20", "separated_on": None}, "2024-03") == 12
    assert employed_days({"hired_on": "2024-01-01", "separated_on": "2024-03-12"}, "2024-03") == 12


def test_pt3_a_pay_period_spanning_two_months_is_split_by_calendar_days(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    # 25 Mar..7 Apr: 7 days in each month, so 80 hours count 40 + 40.
    ok(ledger, line("w1", "2024-03-25", "2024-04-07", "80"), line("w1", "2024-03-01", "2024-03-24", "100"))
    assert worker_row(passthrough(ledger, "2024-03"), "w1")["hours"] == "140.00"
    assert worker_row(passthrough(ledger, "2024-04"), "w1")["hours"] == "40.00"
    assert eligible(ledger, "2024-03", "w1") is True  # 140 h over 31 days = 31.6 h/week
    assert eligible(ledger, "2024-04", "w1") is False  # 40 h over 30 days


def test_pt3_livable_wage_changes_mid_year(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", livable="15.00")
    ok(ledger, livable_wage("16.00", "2024-07-01"),
       full_month("w1", "2024-06", wage="15.50"), full_month("w1", "2024-07", wage="15.50"))
    assert eligible(ledger, "2024-06", "w1") is False
    assert eligible(ledger, "2024-07", "w1") is True


def test_pt3_a_correction_supersedes_the_line_it_corrects(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    original = line("w1", "2023-02-01", "2023-02-28", "100")
    ok(ledger, original)
    assert eligible(ledger, "2023-02", "w1") is False
    ok(ledger, line("w1", "2023-02-01", "2023-02-28", "130", corrects=original["event_id"]))
    assert eligible(ledger, "2023-02", "w1") is True
    assert worker_row(passthrough(ledger, "2023-02"), "w1")["hours"] == "130.00"
    assert len(books(ledger).lines) == 1


def test_pt3_pure_weekly_average_and_net_wage() -> None:
    lines = effective_lines({"lines": {
        "a": {**full_month("w", "2024-02", "30", wage="16.00")["data"], "event_id": "a",
              "occurred_at": "2024-02-29T00:00:00-05:00"},
    }})
    month = worker_month("w", "2024-02", lines, None, LIVABLE_RATE)
    assert month.hours == Fraction("124.29")
    assert month.weekly_average >= 30 and month.net_hourly == Fraction(16)
    assert month.eligible
    assert not worker_month("w", "2024-02", lines, {"supervisory": True}, LIVABLE_RATE).eligible
    assert month_workers(lines, {}, {}, "2024-05") == []  # no pay in the month: no rate needed
