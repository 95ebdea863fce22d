"""The business calendar edges the standards council's deadlines meet (SPEC §3 calendar, AP-1, SU-1)."""

from __future__ import annotations

from datetime import date

from projections.appeals.windows import window_end
from projections.calendar import add_business_days, add_years, is_business_day, roll_forward
from projections.standing.lengths import period_end


def test_two_working_days_across_a_weekend() -> None:
    assert add_business_days(date(2025, 3, 6), 2) == date(2025, 3, 10)  # Thursday -> Monday
    assert add_business_days(date(2025, 3, 7), 2) == date(2025, 3, 11)  # Friday -> Tuesday


def test_two_working_days_across_presidents_day() -> None:
    assert not is_business_day(date(2025, 2, 17))  # Presidents' Day (Washington's Birthday)
    assert add_business_days(date(2025, 2, 14), 2) == date(2025, 2, 19)  # Fri, skip Sat/Sun/holiday Mon
    assert add_business_days(date(2025, 2, 10), 2) == date(2025, 2, 12)  # an ordinary week


def test_observed_holiday_on_a_friday() -> None:
    assert not is_business_day(date(2026, 7, 3))  # 4 July 2026 is a Saturday, observed Friday 3 July
    assert add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 6)


def test_appeal_window_ending_on_a_saturday_extends_to_monday() -> None:
    # a suspension noticed Wed 5 March 2025: 10 days end Sat 15 March, so the farm may file on Mon 17 March
    assert window_end("suspension", date(2025, 3, 5)) == date(2025, 3, 17)
    assert roll_forward(date(2025, 3, 15)) == date(2025, 3, 17)
    assert window_end("suspension", date(2025, 3, 4)) == date(2025, 3, 14)  # a Friday: no extension


def test_cap_window_ending_on_presidents_day_extends_to_tuesday() -> None:
    assert window_end("cap", date(2025, 2, 3)) == date(2025, 2, 18)  # 14 days = Mon 17 Feb, a holiday


def test_suspension_period_crossing_a_year_end() -> None:
    assert period_end(date(2025, 12, 15), 1) == date(2026, 1, 14)
    assert period_end(date(2025, 12, 15), 2) == date(2026, 3, 15)
    assert period_end(date(2025, 12, 15), 3) == date(2026, 12, 15)


def test_third_suspension_lasts_one_calendar_year_from_a_leap_day() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert period_end(date(2024, 2, 29), 3) == date(2025, 2, 28)
    assert period_end(date(2024, 2, 15), 1) == date(2024, 3, 16)  # 29 Feb counts as a day
    assert period_end(date(2025, 2, 15), 1) == date(2025, 3, 17)
