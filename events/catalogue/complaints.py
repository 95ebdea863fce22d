"""Complaints: received, reported to MDSC, shared with the farm, impeded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model
from events.types import Day, Instant


class ClearPerson(Model):
    """Personal data as a sender posts it; the ledger seals it before anything is stored."""

    name: str = Field(min_length=1)
    contact: str | None = None
    person_id: str | None = None


class SealedPerson(Model):
    """Personal data as it travels on the log: ciphertext under a per-person key (crypto-shredding)."""

    person_id: str = Field(min_length=1)
    sealed: str = Field(min_length=1)


class ComplaintReceivedData(Model):
    complaint_id: str = Field(min_length=1)
    received_by: Literal["farm", "worker_org", "mdsc"]
    received_at: Instant
    confidential: bool = False
    conflict_of_interest: bool = False
    categories: list[str] = []
    complainant: SealedPerson | ClearPerson | None = None


class ComplaintReportedToMDSCData(Model):
    complaint_id: str = Field(min_length=1)
    reported_at: Instant


class ComplaintSharedWithFarmData(Model):
    complaint_id: str = Field(min_length=1)
    shared_at: Instant


class InvestigationImpededData(Model):
    complaint_id: str = Field(min_length=1)
    on: Day


class ComplaintReceived(Envelope):
    type: Literal["ComplaintReceived"]
    data: ComplaintReceivedData


class ComplaintReportedToMDSC(Envelope):
    type: Literal["ComplaintReportedToMDSC"]
    data: ComplaintReportedToMDSCData


class ComplaintSharedWithFarm(Envelope):
    type: Literal["ComplaintSharedWithFarm"]
    data: ComplaintSharedWithFarmData


class InvestigationImpeded(Envelope):
    type: Literal["InvestigationImpeded"]
    data: InvestigationImpededData
