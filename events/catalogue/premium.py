"""Premium and pay: remittances from cooperatives, monthly reports, payroll lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from events.envelope import Envelope, Model
from events.types import Money, Period, Quantity


class PremiumRemittedData(Model):
    remittance_id: str = Field(min_length=1)
    payor_id: str = Field(min_length=1)
    attributed_buyer_id: str = Field(min_length=1)
    sales_period: Period
    amount: Money = Field(gt=0)
    received_on: date
    reference: str = Field(min_length=1)


class PremiumReportSubmittedData(Model):
    sales_period: Period
    submitted_on: date


class Deduction(Model):
    kind: Literal["housing", "health_insurance", "tax", "other"]
    amount: Money = Field(ge=0)
    consented: bool


class PayrollLineRecordedData(Model):
    worker_id: str = Field(min_length=1)
    period_start: date
    period_end: date
    scheduled_pay_date: date
    paid_on: date | None = None
    hours_worked: Quantity = Field(ge=0)
    hourly_wage: Money = Field(ge=0)
    md_bonus: Money = Field(default=Decimal("0.00"), ge=0)
    md_bonus_label: str | None = None
    md_bonus_period: Period | None = None
    other_bonuses: Money = Field(default=Decimal("0.00"), ge=0)
    gross: Money = Field(ge=0)
    deductions: list[Deduction] = []
    net: Money
    holiday_hours: Quantity = Field(default=Decimal(0), ge=0)
    """Hours worked on Paid Holidays (PT-11: Thanksgiving, Dec 24, Dec 25)."""
    holiday_hourly: Money | None = Field(default=None, ge=0)
    """What those hours were paid per hour (PT-11: >= 1.5 x hourly_wage)."""
    sick_hours_taken: Quantity = Field(default=Decimal(0), ge=0)
    sick_hours_paid: Quantity = Field(default=Decimal(0), ge=0)
    vacation_hours_taken: Quantity = Field(default=Decimal(0), ge=0)
    vacation_hours_paid: Quantity = Field(default=Decimal(0), ge=0)
    vacation_payout: Money = Field(default=Decimal("0.00"), ge=0)
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
