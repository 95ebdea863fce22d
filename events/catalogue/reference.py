"""Program reference data, keyed `program`: the rates in force by effective date."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model
from events.types import Day, Money, Share


class MinimumWageSetData(Model):
    jurisdiction: str = Field(min_length=1)
    effective_on: Day
    hourly: Money


class LivableWageSetData(Model):
    effective_on: Day
    hourly: Money


class BonusWorksheetSetData(Model):
    effective_on: Day
    worker_share: Share


class MinimumWageSet(Envelope):
    type: Literal["MinimumWageSet"]
    data: MinimumWageSetData


class LivableWageSet(Envelope):
    type: Literal["LivableWageSet"]
    data: LivableWageSetData


class BonusWorksheetSet(Envelope):
    type: Literal["BonusWorksheetSet"]
    data: BonusWorksheetSetData
