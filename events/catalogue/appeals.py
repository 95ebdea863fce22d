"""Appeals: filing, hearing, decision, and the arbitrator's fee."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model
from events.types import Money


class AppealFiledData(Model):
    appeal_id: str = Field(min_length=1)
    subject: Literal["cap", "cr", "suspension", "nda"]
    subject_id: str = Field(min_length=1)
    filed_on: date
    notice_on: date | None = None
    """The final notice appealed, when no event records it (an NDA dispute resolution)."""


class ArbitratorAvailabilityNoticedData(Model):
    appeal_id: str = Field(min_length=1)
    noticed_on: date
    hearing_on: date


class HearingHeldData(Model):
    appeal_id: str = Field(min_length=1)
    on: date


class AppealDecidedData(Model):
    appeal_id: str = Field(min_length=1)
    decided_on: date
    outcome: Literal["mdsc_adopted", "farm_adopted", "upheld", "overturned"]


class ArbitrationInvoicedData(Model):
    appeal_id: str = Field(min_length=1)
    invoiced_on: date
    farm_share: Money = Field(ge=0)


class ArbitrationReimbursedData(Model):
    appeal_id: str = Field(min_length=1)
    on: date


class AppealFiled(Envelope):
    type: Literal["AppealFiled"]
    data: AppealFiledData


class ArbitratorAvailabilityNoticed(Envelope):
    type: Literal["ArbitratorAvailabilityNoticed"]
    data: ArbitratorAvailabilityNoticedData


class HearingHeld(Envelope):
    type: Literal["HearingHeld"]
    data: HearingHeldData


class AppealDecided(Envelope):
    type: Literal["AppealDecided"]
    data: AppealDecidedData


class ArbitrationInvoiced(Envelope):
    type: Literal["ArbitrationInvoiced"]
    data: ArbitrationInvoicedData


class ArbitrationReimbursed(Envelope):
    type: Literal["ArbitrationReimbursed"]
    data: ArbitrationReimbursedData
