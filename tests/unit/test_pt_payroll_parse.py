"""A payroll line of the fold's state, as the PT/LV rules read it: every field from its own key.

`payroll._line` passes the fields positionally (it is the hot path of every first ask), so a field given in
the wrong place would go unnoticed by types alone (most are Decimal): each one here has a value no other has.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from projections.passthrough.payroll import PayrollLine, _line, effective_lines

RAW = {
    "event_id": "e-1", "occurred_at": "2024-03-01T09:30:00-05:00", "worker_id": "w-1",
    "period_start": "2024-02-01", "period_end": "2024-02-15", "scheduled_pay_date": "2024-02-20",
    "paid_on": "2024-02-21", "hours_worked": "80.01", "hourly_wage": "17.02", "md_bonus": "3.03",
    "md_bonus_label": "MD Bonus/Bono LcD", "md_bonus_period": "2024-01", "other_bonuses": "4.04",
    "gross": "1500.05", "deductions": [{"kind": "housing", "amount": "6.06", "consented": False},
                                       {"kind": "tax", "amount": "7.07"}],
    "net": "1400.08", "corrects": "e-0", "holiday_hours": "9.09", "holiday_hourly": "25.10",
    "sick_hours_taken": "1.11", "sick_hours_paid": "1.12", "vacation_hours_taken": "1.13",
    "vacation_hours_paid": "1.14", "vacation_payout": "1.15",
}

EXPECTED = {
    "event_id": "e-1", "occurred_at": datetime(2024, 3, 1, 9, 30, tzinfo=timezone(-timedelta(hours=5))),
    "worker_id": "w-1", "period_start": date(2024, 2, 1), "period_end": date(2024, 2, 15),
    "scheduled_pay_date": date(2024, 2, 20), "paid_on": date(2024, 2, 21), "hours": Decimal("80.01"),
    "hourly_wage": Decimal("17.02"), "md_bonus": Decimal("3.03"), "md_bonus_label": "MD Bonus/Bono LcD",
    "md_bonus_period": "2024-01", "other_bonuses": Decimal("4.04"), "gross": Decimal("1500.05"),
    "deductions": (("housing", Decimal("6.06")), ("tax", Decimal("7.07"))), "net": Decimal("1400.08"),
    "corrects": "e-0",
    "deduction_consents": (("housing", Decimal("6.06"), False), ("tax", Decimal("7.07"), True)),
    "holiday_hours": Decimal("9.09"), "holiday_hourly": Decimal("25.10"), "sick_hours_taken": Decimal("1.11"),
    "sick_hours_paid": Decimal("1.12"), "vacation_hours_taken": Decimal("1.13"),
    "vacation_hours_paid": Decimal("1.14"), "vacation_payout": Decimal("1.15"),
}


def test_pt_every_field_of_a_payroll_line_is_read_from_its_own_key() -> None:
    line = _line(RAW)
    assert {f.name for f in fields(PayrollLine)} == set(EXPECTED)
    for name, value in EXPECTED.items():
        got = getattr(line, name)
        assert got == value and str(got) == str(value), name  # str: the same digits ("0.00" stays "0.00")


def test_pt_missing_amounts_are_zero_and_a_zero_keeps_its_digits() -> None:
    bare = {k: v for k, v in RAW.items() if k not in ("paid_on", "holiday_hourly", "deductions", "md_bonus",
                                                    "vacation_payout", "corrects")}
    line = _line({**bare, "hours_worked": "0.00", "sick_hours_taken": "0", "other_bonuses": None, "net": ""})
    assert line.paid_on is None and line.holiday_hourly is None and line.corrects is None
    assert line.deductions == () and line.deduction_consents == ()
    assert [str(x) for x in (line.hours, line.sick_hours_taken, line.other_bonuses, line.net, line.md_bonus,
                             line.vacation_payout)] == ["0.00", "0", "0", "0", "0", "0"]
    assert effective_lines({"lines": {"e-1": bare}})[0].md_bonus == 0
