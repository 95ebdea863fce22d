"""Corrective action plans, complaint resolutions, probation and suspension notices."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model


class CapAction(Model):
    action_id: str = Field(min_length=1)
    due_on: date


class CapProposedData(Model):
    cap_id: str = Field(min_length=1)
    violation_ids: list[str] = []
    final: bool = False
    notice_on: date
    actions: list[CapAction] = []


class CapAgreedData(Model):
    cap_id: str = Field(min_length=1)
    on: date


class CapActionCompletedData(Model):
    cap_id: str = Field(min_length=1)
    action_id: str = Field(min_length=1)
    on: date


class ResolutionProposedData(Model):
    cr_id: str = Field(min_length=1)
    complaint_id: str = Field(min_length=1)
    final: bool = False
    notice_on: date
    resolve_by: date | None = None


class ResolutionAgreedData(Model):
    cr_id: str = Field(min_length=1)
    on: date


class ProbationImposedData(Model):
    reason: str = Field(min_length=1)
    on: date
    cure_by: date | None = None
    subject_id: str | None = None
    """The cap, appeal, complaint or violation id whose automatic probation this sets `cure_by` for."""


class SuspensionNoticedData(Model):
    suspension_id: str = Field(min_length=1)
    notice_on: date
    basis: str = Field(min_length=1)
    effective_on: date | None = None
    """When the suspension takes effect; defaults to notice_on."""
    cascade_of: str | None = None
    """For SU-2: the farm whose suspension this one follows (the owner's other farms)."""
    until: date | None = None
    """For SU-2: the last day of the origin farm's suspension period (the same period)."""
    cascade_status: Literal["effective", "stayed", "void"] | None = None
    """For SU-2: the origin's suspension took effect, was stayed by an appeal, or was overturned."""


class CapProposed(Envelope):
    type: Literal["CapProposed"]
    data: CapProposedData


class CapAgreed(Envelope):
    type: Literal["CapAgreed"]
    data: CapAgreedData


class CapActionCompleted(Envelope):
    type: Literal["CapActionCompleted"]
    data: CapActionCompletedData


class ResolutionProposed(Envelope):
    type: Literal["ResolutionProposed"]
    data: ResolutionProposedData


class ResolutionAgreed(Envelope):
    type: Literal["ResolutionAgreed"]
    data: ResolutionAgreedData


class ProbationImposed(Envelope):
    type: Literal["ProbationImposed"]
    data: ProbationImposedData


class SuspensionNoticed(Envelope):
    type: Literal["SuspensionNoticed"]
    data: SuspensionNoticedData
