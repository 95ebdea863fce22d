"""Derived events: written only by the processors, each naming the events that caused it."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from events.envelope import Envelope, Model


class DeadlineMissedData(Model):
    rule: str
    subject_id: str
    due: date


class PassThroughDiscrepancyData(Model):
    rule: str
    subject_id: str
    on: date
    detail: dict[str, Any] = {}


class StandingChangedData(Model):
    standing: Literal["good_standing", "probation", "suspended", "withdrawn"]
    since: date
    stayed: bool = False
    reason: str = ""
    kind: str = ""
    """What buyers are told (BU-1): suspension, suspension_stayed, appeal_upheld, appeal_overturned, ..."""
    suspension_id: str | None = None
    until: date | None = None
    """While suspended: the last day of the suspension period (SU-1)."""
    cascade_of: str | None = None


class BuyerNotifiedData(Model):
    notification_id: str
    buyer_id: str
    kind: str
    standing: str
    effective_on: date


class PersonnelBanViolatedData(Model):
    person_id: str
    banned_until: date | None = Field(default=None, description="None: banned for life")
    hired_on: date


class DeadlineMissed(Envelope):
    type: Literal["DeadlineMissed"]
    data: DeadlineMissedData


class PassThroughDiscrepancy(Envelope):
    type: Literal["PassThroughDiscrepancy"]
    data: PassThroughDiscrepancyData


class StandingChanged(Envelope):
    type: Literal["StandingChanged"]
    data: StandingChangedData


class BuyerNotified(Envelope):
    type: Literal["BuyerNotified"]
    data: BuyerNotifiedData


class PersonnelBanViolated(Envelope):
    type: Literal["PersonnelBanViolated"]
    data: PersonnelBanViolatedData
