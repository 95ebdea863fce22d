"""Program reference data, keyed `program`: the rates in force by effective date."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from events.envelope import Envelope, Model
from events.types import Money, Quantity


class MinimumWageSetData(Model):
    jurisdiction: str = Field(min_length=1)
    effective_on: date
    hourly: Money


class LivableWageSetData(Model):
    effective_on: date
    hourly: Money


class BonusWorksheetSetData(Model):
    effective_on: date
    worker_share: Quantity = Field(ge=0, le=1)


class MinimumWageSet(Envelope):
    type: Literal["MinimumWageSet"]
    data: MinimumWageSetData


class LivableWageSet(Envelope):
    type: Literal["LivableWageSet"]
    data: LivableWageSetData


class BonusWorksheetSet(Envelope):
    type: Literal["BonusWorksheetSet"]
    data: BonusWorksheetSetData
