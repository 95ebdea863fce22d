"""The PT rules' exact arithmetic in integers is the Fraction arithmetic it replaced, to the last digit.

PT-3 (hours and wage pay of a worker's month, full time, below the livable wage), PT-4 (the largest-remainder
split) and PT-7 (net of housing against the minimum) sum and compare integer ratios instead of building a
Fraction per term. Each is checked here against the Fraction formula it stands for, on random lines,
including pay periods that span months, zero and negative amounts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

from hypothesis import given, settings
from hypothesis import strategies as st

from events.types import CENT
from projections.passthrough.eligibility import WAGE_DEDUCTIONS, WorkerMonth, worker_month
from projections.passthrough.minimum_wage import meets, wage_check
from projections.passthrough.payroll import PayrollLine
from projections.passthrough.pool import split
from projections.reference.rates import Rate

amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("5000"), places=2, allow_nan=False,
                      allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=3, allow_nan=False,
                       allow_infinity=False)
rate = st.decimals(min_value=Decimal("0"), max_value=Decimal("40"), places=2, allow_nan=False,
                   allow_infinity=False).map(lambda v: Rate(v, date(2020, 1, 1), "rate"))
kinds = st.sampled_from(["housing", "health_insurance", "tax", "advance"])


@st.composite
def lines(draw: st.DrawFn, worker: str = "w") -> PayrollLine:
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 120)))
    end = start + timedelta(days=draw(st.integers(0, 45)))
    deductions = tuple(draw(st.lists(st.tuples(kinds, amounts), max_size=3)))
    return PayrollLine(
        event_id=f"e{draw(st.integers(0, 10**6))}", occurred_at=draw(st.datetimes()), worker_id=worker,
        period_start=start, period_end=end, scheduled_pay_date=end, paid_on=None,
        hours=draw(st.one_of(amounts, positive)), hourly_wage=Decimal("15.00"), md_bonus=draw(amounts),
        md_bonus_label=None, md_bonus_period=None, other_bonuses=Decimal(0), gross=draw(amounts),
        deductions=deductions, net=Decimal(0), corrects=None,
        deduction_consents=tuple((k, a, True) for k, a in deductions),
    )


def fraction_month(period: str, mine: list[PayrollLine]) -> tuple[Fraction, Fraction]:
    """PT-3's sums as they were written with Fractions."""
    hours, pay = Fraction(0), Fraction(0)
    for line in mine:
        part = line.in_month(period)
        hours += part * Fraction(line.hours)
        pay += part * Fraction(line.gross - line.md_bonus - line.deducted(*WAGE_DEDUCTIONS))
    return hours, pay


@settings(max_examples=300)
@given(mine=st.lists(lines(), max_size=6), others=st.lists(lines("x"), max_size=2),
       month=st.sampled_from(["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]), livable=rate)
def test_pt3_a_worker_months_hours_and_wage_pay_are_the_fractions_of_its_lines(
        mine: list[PayrollLine], others: list[PayrollLine], month: str, livable: Rate) -> None:
    got = worker_month("w", month, [*mine, *others], None, livable)
    assert (got.hours, got.wage_pay) == fraction_month(month, mine)
    assert got.causes == tuple(sorted(line.event_id for line in mine))


@settings(max_examples=500)
@given(hours=st.fractions(min_value=-300, max_value=300, max_denominator=10_000),
       pay=st.fractions(min_value=-9000, max_value=9000, max_denominator=10_000),
       days=st.integers(1, 31), livable=rate)
def test_pt3_full_time_and_below_livable_compare_as_the_fractions_do(hours: Fraction, pay: Fraction, days: int,
                                                                     livable: Rate) -> None:
    month = WorkerMonth("w", "2024-02", hours, days, pay, True, livable, ())
    assert month.full_time == (hours > 0 and hours * 7 / days >= 30)
    assert month.below_livable == (hours != 0 and pay / hours < Fraction(livable.value))


def fraction_split(pool: Decimal, hours: dict[str, Fraction]) -> dict[str, Decimal]:
    """PT-4's split as it was written with Fractions."""
    total = sum(hours.values(), Fraction(0))
    if not hours or total <= 0:
        return {w: Decimal("0.00") for w in hours}
    cents = int(pool / CENT)
    exact = {w: cents * h / total for w, h in hours.items()}
    base = {w: floor(x) for w, x in exact.items()}
    left = cents - sum(base.values())
    for w in sorted(hours, key=lambda w: (-(exact[w] - base[w]), w))[:left]:
        base[w] += 1
    return {w: Decimal(c) * CENT for w, c in base.items()}


@settings(max_examples=500)
@given(pool=st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100),
       hours=st.dictionaries(st.text("abcdef", min_size=1, max_size=2),
                             st.fractions(min_value=-5, max_value=400, max_denominator=1000), max_size=10))
def test_pt4_the_split_is_the_largest_remainder_of_the_exact_shares(pool: Decimal, hours: dict[str, Fraction]
                                                                    ) -> None:
    got = split(pool, hours)
    assert got == fraction_split(pool, hours)
    assert [str(v) for v in got.values()] == [str(v) for v in fraction_split(pool, hours).values()]


@settings(max_examples=500)
@given(line=lines(), minimum=rate)
def test_pt7_meeting_the_minimum_is_the_fraction_comparison(line: PayrollLine, minimum: Rate) -> None:
    if line.hours <= 0:
        line = replace(line, hours=-line.hours + CENT)
    check = wage_check(line, minimum, line.period_start)
    assert meets(line, minimum) == (check.net_of_housing >= Fraction(minimum.value))

