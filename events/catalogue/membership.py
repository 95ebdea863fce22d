"""Membership: farms, their buyers and cooperatives, workers and personnel."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from events.envelope import Envelope, Model
from events.types import Day, DayHours, Hours


class FarmEnrolledData(Model):
    owner_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    jurisdiction: str = Field(min_length=1)
    enrolled_on: Day
    time_zone: str
    """IANA zone for the farm's dates (added in schema v2; v1 events are upcast to New York)."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class FarmWithdrawnData(Model):
    on: Day


class BuyerLinkedData(Model):
    buyer_id: str = Field(min_length=1)
    since: Day


class BuyerUnlinkedData(Model):
    buyer_id: str = Field(min_length=1)
    on: Day


class CooperativeLinkedData(Model):
    cooperative_id: str = Field(min_length=1)


class OrientationCompletedData(Model):
    on: Day


class EducationSessionHeldData(Model):
    on: Day
    hours: Hours
    worker_ids: list[str]


class WorkerHiredData(Model):
    worker_id: str = Field(min_length=1)
    hired_on: Day
    supervisory: bool = False
    relative_of_owner: bool = False
    recruited_via: str | None = Field(default=None, min_length=1)
    """The labour contractor the worker was hired through (RR-1, RR-3), if any."""
    regular_day_hours: DayHours = Decimal(8)
    """The worker's regular day: what a sick or vacation day is worth (LV-1, LV-2)."""


class WorkerSeparatedData(Model):
    worker_id: str = Field(min_length=1)
    on: Day
    by: Literal["farm", "worker"] | None = None
    """Who ended the employment (HO-1 concerns separations by the farm)."""
    housed: bool = False
    vacate_by: Day | None = None
    """The last day a housed worker may stay in the farm's housing (HO-1)."""
    article_i_termination: bool = False
    """The termination remedies an Article I violation (HO-1's exception)."""


class PersonnelHiredData(Model):
    person_id: str = Field(min_length=1)
    role: str = Field(min_length=1)
    on: Day


class FarmEnrolled(Envelope):
    type: Literal["FarmEnrolled"]
    data: FarmEnrolledData


class FarmWithdrawn(Envelope):
    type: Literal["FarmWithdrawn"]
    data: FarmWithdrawnData


class BuyerLinked(Envelope):
    type: Literal["BuyerLinked"]
    data: BuyerLinkedData


class BuyerUnlinked(Envelope):
    type: Literal["BuyerUnlinked"]
    data: BuyerUnlinkedData


class CooperativeLinked(Envelope):
    type: Literal["CooperativeLinked"]
    data: CooperativeLinkedData


class OrientationCompleted(Envelope):
    type: Literal["OrientationCompleted"]
    data: OrientationCompletedData


class EducationSessionHeld(Envelope):
    type: Literal["EducationSessionHeld"]
    data: EducationSessionHeldData


class WorkerHired(Envelope):
    type: Literal["WorkerHired"]
    data: WorkerHiredData


class WorkerSeparated(Envelope):
    type: Literal["WorkerSeparated"]
    data: WorkerSeparatedData


class PersonnelHired(Envelope):
    type: Literal["PersonnelHired"]
    data: PersonnelHiredData
