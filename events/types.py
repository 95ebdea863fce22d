"""Value types shared by the catalogue: money, hours, dates in the farm's time zone, ids.

Every bound here is a pydantic-core constraint (checked in Rust, on the JSON text when it can be), so
strict validation costs next to nothing; the few Python functions left turn a bare date into midnight
New York and decimals into their canonical string.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetPydanticSchema,
    StringConstraints,
)
from pydantic_core import core_schema as cs

PROGRAM_KEY = "program"
DEFAULT_TZ = ZoneInfo("America/New_York")
CENT = Decimal("0.01")

FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)
"""SPEC §6: every date lies between these (a year 1 or year 9999 date is an error, not a crash later)."""
MONEY_DIGITS = 12
"""Digits before the point: up to 999,999,999,999.99, so a 27-digit amount is refused, not carried."""


def decimal_pattern(digits: int, places: int) -> str:
    """ASCII digits only (a regex's `\\d` would take `١٢`), bounded, no sign, no `_`, no exponent."""
    return rf"^[0-9]{{1,{digits}}}(?:\.[0-9]{{1,{places}}})?$"


def decimal_text(digits: int, places: int, what: str, gt: Decimal | None = None,
                 le: Decimal | None = None, canonical: int | None = None) -> GetPydanticSchema:
    """A non-negative decimal written as a JSON string of ASCII digits (`"1200.00"`) or a JSON integer:
    never a float (binary), never `1_000`, `1e3`, `١٢` or a sign. Bounds are checked by pydantic-core.

    The value held is the canonical one, so it serialises as it is (pydantic-core writes `str(value)`): with
    `canonical` places (money: 2), a value written with fewer is quantized when read; one written with exactly
    that many is canonical already and never meets Python."""
    whole = cs.int_schema(strict=True, ge=0, le=10**digits - 1)
    message = (f"must be {what}: a JSON string or integer of digits 0-9, at most {digits} before the point and "
               f"{places} after, not negative (e.g. \"1200.00\")")
    if canonical is None:
        text = cs.str_schema(pattern=decimal_pattern(digits, places), strict=True)
        accepted = cs.union_schema([text, whole], custom_error_type="decimal_text", custom_error_message=message)
    else:
        exact = cs.str_schema(pattern=rf"^[0-9]{{1,{digits}}}\.[0-9]{{{canonical}}}$", strict=True)
        fewer = cs.str_schema(pattern=decimal_pattern(digits, canonical - 1) if canonical > 1
                              else rf"^[0-9]{{1,{digits}}}$", strict=True)
        step = Decimal(1).scaleb(-canonical)
        quantized = cs.chain_schema([
            cs.union_schema([fewer, whole], mode="left_to_right"), cs.decimal_schema(),
            cs.no_info_plain_validator_function(lambda d: d.quantize(step)),
        ])
        accepted = cs.union_schema([exact, quantized], mode="left_to_right", custom_error_type="decimal_text",
                                   custom_error_message=message)
    schema = cs.chain_schema([accepted, cs.decimal_schema(gt=gt, le=le)])
    return GetPydanticSchema(lambda _tp, _handler: schema)


Money = Annotated[Decimal, decimal_text(MONEY_DIGITS, 2, "an amount", canonical=2)]
"""Dollars and cents, >= 0 (no amount in the catalogue is negative: a correction supersedes a line)."""
PositiveMoney = Annotated[Decimal, decimal_text(MONEY_DIGITS, 2, "an amount above 0", gt=Decimal(0),
                                                canonical=2)]
HOURS_DIGITS, HOURS_PLACES = 5, 4
Hours = Annotated[Decimal, decimal_text(HOURS_DIGITS, HOURS_PLACES, "a number of hours")]
"""Hours of work or of a session: up to 99,999.9999 (a pay period's hours are far below)."""
Quantity = Annotated[Decimal, decimal_text(12, 6, "a quantity")]
"""Other decimals (hundredweights, rates per cwt): non-negative, bounded."""
Share = Annotated[Decimal, decimal_text(1, 6, "a fraction from 0 to 1", le=Decimal(1))]
"""A fraction 0..1 (the workers' share of a remittance)."""
PositiveQuantity = Annotated[Decimal, decimal_text(12, 6, "a quantity above 0", gt=Decimal(0))]
Hundredweights = Annotated[Decimal, decimal_text(8, 6, "hundredweights of milk", le=Decimal(10_000_000))]
RatePerCwt = Annotated[Decimal, decimal_text(3, 6, "a rate per hundredweight", le=Decimal(100))]
DayHours = Annotated[Decimal, decimal_text(2, 4, "the hours of a working day, above 0", gt=Decimal(0),
                                           le=Decimal(24))]
"""Bounds belong in the type: `Field(gt=...)` beside one of these is not applied (the schema is pydantic-core's)."""

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar date, 1990-01-01 .. 2100-12-31."""

PERIOD_PATTERN = r"^(?:199[0-9]|20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])$"
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
"""A calendar month, YYYY-MM (a premium month or a sales period), 1990-01 .. 2100-12."""

SchemaVersion = Annotated[int, Field(strict=True, ge=1, le=1000)]
"""A JSON integer: `"2"`, `true` or a 100-digit number is refused."""


def _date_to_midnight(value: Any) -> Any:
    # SPEC §2: a bare date means midnight America/New_York. Anything else is left to pydantic-core.
    if isinstance(value, str) and len(value) == 10 and value.isascii():
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value  # pydantic-core names what is wrong with it
        return datetime.combine(day, time(0), DEFAULT_TZ)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), DEFAULT_TZ)
    return value


def _on_the_calendar(value: datetime) -> datetime:
    # The date as written (its own offset's wall date), so 1989-12-31T23:00-05:00 is out as its date is.
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise ValueError(f"must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_date_to_midnight), AfterValidator(_on_the_calendar)]
"""A moment in business time; always time-zone aware, its date within the bounds of `Day`."""


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
