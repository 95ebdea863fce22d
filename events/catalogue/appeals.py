"""Appeals: filing, hearing, decision, and the arbitrator's fee."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model
from events.types import Day, Money


class AppealFiledData(Model):
    appeal_id: str = Field(min_length=1)
    subject: Literal["cap", "cr", "suspension", "nda"]
    subject_id: str = Field(min_length=1)
    filed_on: Day
    notice_on: Day | None = None
    """The final notice appealed, when no event records it (an NDA dispute resolution)."""


class ArbitratorAvailabilityNoticedData(Model):
    appeal_id: str = Field(min_length=1)
    noticed_on: Day
    hearing_on: Day


class HearingHeldData(Model):
    appeal_id: str = Field(min_length=1)
    on: Day


class AppealDecidedData(Model):
    appeal_id: str = Field(min_length=1)
    decided_on: Day
    outcome: Literal["mdsc_adopted", "farm_adopted", "upheld", "overturned"]


class ArbitrationInvoicedData(Model):
    appeal_id: str = Field(min_length=1)
    invoiced_on: Day
    farm_share: Money


class ArbitrationReimbursedData(Model):
    appeal_id: str = Field(min_length=1)
    on: Day


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
