"""Value types shared by the catalogue: money, hours, dates in the farm's time zone, ids."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

PROGRAM_KEY = "program"
DEFAULT_TZ = ZoneInfo("America/New_York")
CENT = Decimal("0.01")


def _no_float_money(value: Any) -> Any:
    # JSON numbers arrive as floats; their shortest repr is exact for two places, so go through str.
    if isinstance(value, float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _two_places(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    if value != value.quantize(CENT):
        raise ValueError("must have at most two decimal places")
    return value.quantize(CENT)


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be finite")
    return value


_as_str = PlainSerializer(lambda d: str(d), return_type=str, when_used="always")

Money = Annotated[Decimal, BeforeValidator(_no_float_money), AfterValidator(_two_places), _as_str]
Quantity = Annotated[Decimal, BeforeValidator(_no_float_money), AfterValidator(_finite), _as_str]
"""Hours, fractions, rates other than money: decimal, any precision."""

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(value: str) -> str:
    if not _PERIOD.match(value):
        raise ValueError("must be a month written YYYY-MM")
    return value


Period = Annotated[str, AfterValidator(_period)]
"""A calendar month, YYYY-MM (a premium month or a sales period)."""


def _date_to_midnight(value: Any) -> Any:
    # SPEC §2: a bare date means midnight America/New_York.
    if isinstance(value, str) and len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(0), DEFAULT_TZ)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), DEFAULT_TZ)
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a time zone offset (ISO 8601 with offset)")
    return value


Instant = Annotated[datetime, BeforeValidator(_date_to_midnight), AfterValidator(_aware)]
"""A moment in business time; always time-zone aware."""


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
