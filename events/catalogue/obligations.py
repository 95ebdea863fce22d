"""Revision 2 facts of the Code's obligations: a probation MDSC lifts, who controls a farm, handbooks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from events.envelope import Envelope, Model
from events.types import Day


class ProbationLiftedData(Model):
    on: Day
    reason: str = Field(min_length=1)
    subject_id: str | None = None
    """The complaint or audit id of the probation lifted (CO-3, AU-2); every open-ended one when absent."""


class ControlRecordedData(Model):
    controller_id: str = Field(min_length=1)
    role: Literal["owner", "operator", "entity"]
    since: Day
    until: Day | None = None
    """The last day of control; open while absent."""

    @model_validator(mode="after")
    def _ordered(self) -> ControlRecordedData:
        if self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class HandbookDistributedData(Model):
    worker_ids: list[str] = Field(min_length=1)
    on: Day


class ProbationLifted(Envelope):
    type: Literal["ProbationLifted"]
    data: ProbationLiftedData


class ControlRecorded(Envelope):
    type: Literal["ControlRecorded"]
    data: ControlRecordedData


class HandbookDistributed(Envelope):
    type: Literal["HandbookDistributed"]
    data: HandbookDistributedData
