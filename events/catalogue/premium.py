"""Premium and pay: remittances from cooperatives, monthly reports, payroll lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from events.envelope import Envelope, Model
from events.types import Day, Hours, Money, Period, PositiveMoney


class PremiumRemittedData(Model):
    remittance_id: str = Field(min_length=1)
    payor_id: str = Field(min_length=1)
    attributed_buyer_id: str = Field(min_length=1)
    sales_period: Period
    amount: PositiveMoney
    received_on: Day
    reference: str = Field(min_length=1)


class PremiumReportSubmittedData(Model):
    sales_period: Period
    submitted_on: Day


class Deduction(Model):
    kind: Literal["housing", "health_insurance", "tax", "other"]
    amount: Money
    consented: bool


class PayrollLineRecordedData(Model):
    worker_id: str = Field(min_length=1)
    period_start: Day
    period_end: Day
    scheduled_pay_date: Day
    paid_on: Day | None = None
    hours_worked: Hours
    hourly_wage: Money
    md_bonus: Money = Decimal("0.00")
    md_bonus_label: str | None = None
    md_bonus_period: Period | None = None
    other_bonuses: Money = Decimal("0.00")
    gross: Money
    deductions: list[Deduction] = []
    net: Money
    holiday_hours: Hours = Decimal(0)
    """Hours worked on Paid Holidays (PT-11: Thanksgiving, Dec 24, Dec 25)."""
    holiday_hourly: Money | None = None
    """What those hours were paid per hour (PT-11: >= 1.5 x hourly_wage)."""
    sick_hours_taken: Hours = Decimal(0)
    sick_hours_paid: Hours = Decimal(0)
    vacation_hours_taken: Hours = Decimal(0)
    vacation_hours_paid: Hours = Decimal(0)
    vacation_payout: Money = Decimal("0.00")
    """Unused vacation days paid out (LV-2)."""
    corrects: UUID | None = None
    """event_id of an earlier PayrollLineRecorded this line supersedes (docs/decisions.md)."""

    @model_validator(mode="after")
    def _consistent(self) -> PayrollLineRecordedData:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.md_bonus > 0 and self.md_bonus_period is None:
            raise ValueError("md_bonus_period is required when md_bonus > 0")
        return self


class PremiumRemitted(Envelope):
    type: Literal["PremiumRemitted"]
    data: PremiumRemittedData


class PremiumReportSubmitted(Envelope):
    type: Literal["PremiumReportSubmitted"]
    data: PremiumReportSubmittedData


class PayrollLineRecorded(Envelope):
    type: Literal["PayrollLineRecorded"]
    data: PayrollLineRecordedData
