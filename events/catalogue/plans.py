"""Corrective action plans, complaint resolutions, probation and suspension notices."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model
from events.types import Day


class CapAction(Model):
    action_id: str = Field(min_length=1)
    due_on: Day


class CapProposedData(Model):
    cap_id: str = Field(min_length=1)
    violation_ids: list[str] = []
    final: bool = False
    notice_on: Day
    actions: list[CapAction] = []


class CapAgreedData(Model):
    cap_id: str = Field(min_length=1)
    on: Day


class CapActionCompletedData(Model):
    cap_id: str = Field(min_length=1)
    action_id: str = Field(min_length=1)
    on: Day


class ResolutionProposedData(Model):
    cr_id: str = Field(min_length=1)
    complaint_id: str = Field(min_length=1)
    final: bool = False
    notice_on: Day
    resolve_by: Day | None = None


class ResolutionAgreedData(Model):
    cr_id: str = Field(min_length=1)
    on: Day


class ProbationImposedData(Model):
    reason: str = Field(min_length=1)
    on: Day
    cure_by: Day | None = None
    subject_id: str | None = None
    """The cap, appeal, complaint or violation id whose automatic probation this sets `cure_by` for."""


class SuspensionNoticedData(Model):
    suspension_id: str = Field(min_length=1)
    notice_on: Day
    basis: str = Field(min_length=1)
    effective_on: Day | None = None
    """When the suspension takes effect; defaults to notice_on."""
    cascade_of: str | None = None
    """For SU-2: the farm whose suspension this one follows (the owner's other farms)."""
    until: Day | None = None
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
