"""CSV templates: the Farm MD Premium Reporting Template (remittances) and payroll lines, one per row.

Rows are numbered from 1, not counting the header. A cell that is wrong (an amount with a comma, a
currency sign, a negative or missing value; a date not written YYYY-MM-DD; a sales period in the future;
an unknown farm) rejects its row with the row number and the column; nothing of that row is appended.

Ids are deterministic, so the log's idempotency recognises a resend: a remittance is named by its payor and
check or transaction number, a payroll line by farm, worker, pay period, scheduled pay date and what it
corrects. They are keyed with the ledger's id secret and scoped to the sender (services/sealing/ids.py),
so nobody can compute a row's id from public data and post something else under it first (docs/decisions.md).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, BinaryIO, Protocol

from sqlalchemy import Engine

from events.catalogue import Event
from events.codec import EventRejected, validate
from events.types import HOURS_DIGITS, HOURS_PLACES, MONEY_DIGITS, decimal_pattern, period_of
from projections.calendar import local_date, zone
from services.ledger.ingest import failure
from services.sealing.ids import id_secret, ledger_id

_AMOUNT = re.compile(decimal_pattern(MONEY_DIGITS, 2))
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
CELL_MAX = 128 * 1024
"""Longest cell (characters): a longer one is refused by name, not by the csv module's exception."""
_CURRENCY = re.compile(r"[$€£¥]|USD|US\$", re.IGNORECASE)
_TRUE, _FALSE = {"yes", "y", "true", "1", "si", "sí", "x"}, {"no", "n", "false", "0", ""}


class Ledger(Protocol):
    engine: Engine
    clock: Callable[[], datetime]

    def enrolled_farms(self) -> set[str]: ...


class Row:
    """One CSV record by column name, with parsers that name the row and the column when a cell is wrong."""

    def __init__(self, number: int, cells: dict[str, str]) -> None:
        self.number, self.cells = number, cells

    def reject(self, column: str, problem: str) -> EventRejected:
        return EventRejected(self.number, column, problem)

    def text(self, column: str, required: bool = True) -> str | None:
        value = self.cells.get(column, "").strip()
        if not value and required:
            raise self.reject(column, "missing")
        return value or None

    def required(self, column: str) -> str:
        value = self.text(column)
        assert value is not None
        return value

    def amount(self, column: str, required: bool = True) -> str | None:
        raw = self.text(column, required)
        if raw is None:
            return None
        if _CURRENCY.search(raw):
            raise self.reject(column, f"{raw!r} has a currency sign: write the number alone, e.g. 1200.00")
        if raw.startswith("-") or (raw.startswith("(") and raw.endswith(")")):
            raise self.reject(column, f"{raw!r} is negative: amounts are written as positive numbers")
        if "," in raw:
            raise self.reject(column, f"{raw!r} has a comma: write the amount without separators, e.g. 1200.00")
        if not _AMOUNT.match(raw):
            raise self.reject(column, f"{raw[:40]!r} is not an amount with at most two decimal places and at most "
                                      f"{MONEY_DIGITS} digits 0-9 before the point, e.g. 1200.00")
        return raw

    def hours(self, column: str) -> str:
        return self.decimal(column, HOURS_DIGITS, HOURS_PLACES, "a number of hours")

    def decimal(self, column: str, digits: int, places: int, what: str) -> str:
        """A non-negative decimal of ASCII digits, bounded as the event's type bounds it."""
        raw = self.required(column)
        if raw.startswith("-"):
            raise self.reject(column, f"{raw!r} is negative")
        if not re.match(decimal_pattern(digits, places), raw):
            raise self.reject(column, f"{raw[:40]!r} is not {what}: digits 0-9, at most {digits} "
                                      f"before the point and {places} after, e.g. 42.5")
        return raw

    def day(self, column: str, required: bool = True) -> date | None:
        raw = self.text(column, required)
        if raw is None:
            return None
        try:
            if not _DATE.match(raw):
                raise ValueError
            return date.fromisoformat(raw)
        except ValueError:
            raise self.reject(column, f"{raw!r} is not a date written YYYY-MM-DD") from None

    def required_day(self, column: str) -> date:
        value = self.day(column)
        assert value is not None
        return value

    def period(self, column: str, required: bool = True) -> str | None:
        raw = self.text(column, required)
        if raw is not None and not _PERIOD.match(raw):
            raise self.reject(column, f"{raw!r} is not a month written YYYY-MM")
        return raw

    def flag(self, column: str) -> bool:
        raw = self.cells.get(column, "").strip().casefold()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise self.reject(column, f"{raw!r} is not yes or no")


@dataclass(frozen=True)
class Template:
    columns: tuple[str, ...]
    required: frozenset[str]
    aliases: dict[str, str]
    fields: dict[str, str]
    """Catalogue field (as the codec names it) -> column, to name the column when validation fails."""
    build: Callable[[Row, Farms], dict[str, Any]]


class Farms:
    """What a row is checked against: the enrolled farms, their time zones, and today in each farm."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger, self.known = ledger, ledger.enrolled_farms()
        self._zones: dict[str, str | None] = {}
        self.now = ledger.clock()
        self._secret: bytes | None = None

    def check(self, row: Row) -> str:
        farm = row.required("farm")
        if farm not in self.known:
            raise row.reject("farm", f"unknown farm {farm!r} (no FarmEnrolled recorded)")
        return farm

    def time_zone(self, farm: str) -> str | None:
        if farm not in self._zones:
            from services.ledger.queries import load_state

            self._zones[farm] = (load_state(self.ledger.engine, "membership", farm) or {}).get("time_zone")
        return self._zones[farm]

    def row_id(self, sender: str, name: str) -> str:
        """A row's event id: keyed by the ledger's secret and scoped to its sender, unguessable without it."""
        if self._secret is None:
            self._secret = id_secret(self.ledger.engine)
        return ledger_id(self._secret, sender, name)

    def today(self, farm: str) -> date:
        return local_date(self.now, self.time_zone(farm))

    def midnight(self, farm: str, day: date) -> str:
        return datetime.combine(day, time(0), zone(self.time_zone(farm))).isoformat()


def _not_future(row: Row, column: str, day: date, today: date) -> None:
    if day > today:
        raise row.reject(column, f"{day.isoformat()} is in the future")


# -- remittances: the Farm MD Premium Reporting Template (App. B III.1) ------------------------------------

def _remittance(row: Row, farms: Farms) -> dict[str, Any]:
    farm = farms.check(row)
    payor, reference = row.required("payor"), row.required("check_or_transaction_number")
    buyer = row.required("attributed_participating_buyer")
    today = farms.today(farm)
    received = row.required_day("date_received")
    _not_future(row, "date_received", received, today)
    sales = row.period("sales_period")
    assert sales is not None
    if sales > period_of(today):
        raise row.reject("sales_period", f"{sales} is in the future")
    if sales > period_of(received):
        raise row.reject("sales_period", f"{sales} is after the month the payment was received "
                                         f"({period_of(received)})")
    amount = row.amount("amount")
    if amount is not None and Decimal(amount) == 0:
        raise row.reject("amount", "must be more than 0")
    return {
        "event_id": farms.row_id(f"cooperative:{payor}", f"PremiumRemitted/{payor}/{reference}"),
        "type": "PremiumRemitted", "farm_id": farm, "occurred_at": farms.midnight(farm, received),
        "actor": {"role": "cooperative", "id": payor},
        "data": {"remittance_id": f"{payor}/{reference}", "payor_id": payor, "attributed_buyer_id": buyer,
                 "sales_period": sales, "amount": amount, "received_on": received.isoformat(),
                 "reference": reference},
    }


REMITTANCE = Template(
    columns=("payor", "attributed_participating_buyer", "farm", "sales_period", "amount", "date_received",
             "check_or_transaction_number"),
    required=frozenset({"payor", "attributed_participating_buyer", "farm", "sales_period", "amount",
                        "date_received", "check_or_transaction_number"}),
    aliases={"payor_name": "payor", "name_of_payor": "payor", "attributed_buyer": "attributed_participating_buyer",
             "participating_buyer": "attributed_participating_buyer", "farm_id": "farm",
             "total_md_premium_amount_received": "amount", "md_premium_amount": "amount",
             "date_payment_received": "date_received", "received_on": "date_received",
             "check_number": "check_or_transaction_number", "transaction_number": "check_or_transaction_number",
             "check_transaction_number": "check_or_transaction_number", "reference": "check_or_transaction_number"},
    fields={"farm_id": "farm", "data.payor_id": "payor", "data.attributed_buyer_id": "attributed_participating_buyer",
            "data.sales_period": "sales_period", "data.amount": "amount", "data.received_on": "date_received",
            "data.reference": "check_or_transaction_number"},
    build=_remittance,
)


# -- payroll: one line per worker per pay period (the pay-stub fields of App. B II.3) ----------------------

DEDUCTIONS = (("housing", "housing", True), ("health_insurance", "health_insurance", True),
              ("tax", "tax", False), ("other", "other_deductions", True))
"""(kind, amount column, has a consent column): tax is withheld by law and needs no consent (Part 3 wages ¶8)."""


def _deductions(row: Row) -> list[dict[str, Any]]:
    out = []
    for kind, column, consent in DEDUCTIONS:
        amount = row.amount(column, required=False)
        if amount is not None and Decimal(amount) > 0:
            out.append({"kind": kind, "amount": amount,
                        "consented": row.flag(f"{column}_consented") if consent else False})
    return out


def _payroll(row: Row, farms: Farms) -> dict[str, Any]:
    farm = farms.check(row)
    worker = row.required("worker_id")
    start, end = row.required_day("period_start"), row.required_day("period_end")
    if end < start:
        raise row.reject("period_end", f"{end.isoformat()} is before period_start {start.isoformat()}")
    scheduled = row.required_day("scheduled_pay_date")
    paid = row.day("paid_on", required=False)
    today = farms.today(farm)
    if paid is not None:
        _not_future(row, "paid_on", paid, today)
    bonus = row.amount("md_bonus", required=False) or "0.00"
    bonus_period = row.period("md_bonus_period", required=False)
    if Decimal(bonus) > 0 and bonus_period is None:
        raise row.reject("md_bonus_period", "missing: the premium month this bonus passes through (YYYY-MM)")
    if bonus_period is not None and bonus_period > period_of(paid or scheduled):
        raise row.reject("md_bonus_period", f"{bonus_period} is after the month the bonus is paid in "
                                            f"({period_of(paid or scheduled)})")
    line = f"PayrollLineRecorded/{farm}/{worker}/{start}/{end}/{scheduled}/"
    corrects = row.text("corrects", required=False)
    if corrects is not None and corrects.casefold() in _TRUE:  # the row this worker, period and pay date had
        corrects = farms.row_id(f"farm:{farm}", line)
    elif corrects is not None:
        try:
            corrects = str(uuid.UUID(corrects))
        except ValueError:
            raise row.reject("corrects", f"{corrects!r} is neither the event_id of a payroll line nor 'yes' "
                                         "(the line of this worker, pay period and pay date)") from None
    key = line + (corrects or "")
    data = {
        "worker_id": worker, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "scheduled_pay_date": scheduled.isoformat(), "paid_on": paid.isoformat() if paid else None,
        "hours_worked": row.hours("hours_worked"), "hourly_wage": row.amount("hourly_wage"),
        "md_bonus": bonus, "md_bonus_label": row.text("md_bonus_label", required=False),
        "md_bonus_period": bonus_period, "other_bonuses": row.amount("other_bonuses", required=False) or "0.00",
        "gross": row.amount("gross"), "deductions": _deductions(row), "net": row.amount("net"),
        "corrects": corrects,
    }
    return {
        "event_id": farms.row_id(f"farm:{farm}", key), "type": "PayrollLineRecorded", "farm_id": farm,
        "occurred_at": farms.midnight(farm, paid or scheduled), "actor": {"role": "farm", "id": farm}, "data": data,
    }


PAYROLL_COLUMNS = (
    "farm", "worker_id", "period_start", "period_end", "scheduled_pay_date", "paid_on", "hours_worked",
    "hourly_wage", "md_bonus", "md_bonus_label", "md_bonus_period", "other_bonuses", "gross",
    "housing", "housing_consented", "health_insurance", "health_insurance_consented", "tax",
    "other_deductions", "other_deductions_consented", "net", "corrects",
)

PAYROLL = Template(
    columns=PAYROLL_COLUMNS,
    required=frozenset({"farm", "worker_id", "period_start", "period_end", "scheduled_pay_date", "hours_worked",
                        "hourly_wage", "gross", "net"}),
    aliases={"farm_id": "farm", "worker": "worker_id", "hours": "hours_worked", "wage_per_hour": "hourly_wage",
             "gross_earnings": "gross", "net_wage": "net", "md_bonus_month": "md_bonus_period",
             "pay_date": "scheduled_pay_date"},
    fields={"farm_id": "farm", **{f"data.{c}": c for c in PAYROLL_COLUMNS}},
    build=_payroll,
)

TEMPLATES = {"remittance": REMITTANCE, "payroll": PAYROLL}


# -- reading a file ------------------------------------------------------------------------------------------

def _column(name: str, template: Template) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().casefold()).strip("_")
    return template.aliases.get(key, key)


def _header(cells: list[str], template: Template) -> list[str]:
    """Canonical column names; raises EventRejected (line 0: the header) for unknown or missing columns."""
    names = [_column(c, template) for c in cells]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise EventRejected(0, "header", f"column(s) {', '.join(twice)} appear more than once")
    unknown = [raw for raw, name in zip(cells, names, strict=True) if name not in template.columns]
    if unknown:
        raise EventRejected(0, "header", f"unknown column(s) {', '.join(map(repr, unknown))}; "
                                         f"expected: {', '.join(template.columns)}")
    missing = [c for c in template.columns if c in template.required and c not in names]
    if missing:
        raise EventRejected(0, "header", f"missing column(s) {', '.join(missing)}")
    return names


def _event(row: Row, template: Template, farms: Farms) -> Event:
    raw = template.build(row, farms)
    try:
        return validate(raw, row.number)
    except EventRejected as exc:
        column = template.fields.get(exc.field or "", exc.field)
        raise row.reject(column or "row", exc.problem) from None


def _cell_problem(cell: str, span: int) -> str | None:
    """What makes a cell unreadable, in the file's terms (`span`: the lines its record took)."""
    if "\n" in cell or "\r" in cell:
        return (f"spans {span} lines: a quote opened here is not closed, so it swallows the rows after it")
    if len(cell) > CELL_MAX:
        return f"is longer than {CELL_MAX // 1024} KiB"
    if any("\udc80" <= ch <= "\udcff" for ch in cell):
        byte = next(ord(ch) - 0xDC00 for ch in cell if "\udc80" <= ch <= "\udcff")
        return f"holds a byte that is not UTF-8 text (0x{byte:02x}); save the file as UTF-8"
    if "\x00" in cell:
        return "holds a NUL character"
    return None


def _unreadable(number: int, names: list[str], cells: list[str], span: int = 1) -> EventRejected | None:
    for index, cell in enumerate(cells):
        problem = _cell_problem(cell, span)
        if problem is not None:
            column = names[index] if index < len(names) else f"column {index + 1}"
            return EventRejected(number, column, problem)
    return None


def _records(handle: BinaryIO) -> Any:
    """CSV records of the whole file. Bytes that are not UTF-8 stay visible (as surrogates) so the row and
    column holding them are named; no cell size makes the csv module raise (cells are measured instead)."""
    text = handle.read().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(max(len(text) + 1, CELL_MAX + 1))
    return csv.reader(io.StringIO(text, newline=""))


def parse_template(template: str, handle: BinaryIO, ledger: Ledger) -> Iterator[tuple[int, Event | EventRejected]]:
    """Each data row as an event or as the rejection naming its row and column (row 0 is the header)."""
    spec = TEMPLATES.get(template)
    if spec is None:
        yield 0, EventRejected(0, "template", f"unknown template {template!r}: use {' or '.join(TEMPLATES)}")
        return
    reader = _records(handle)
    try:
        header = next(reader, [])
        bad = _unreadable(0, [], header)
        if bad is not None:
            raise EventRejected(0, "header", f"{bad.field}: {bad.problem}")
        names = _header(header, spec)
        header_lines = reader.line_num
    except EventRejected as exc:
        yield 0, exc
        return
    farms = Farms(ledger)
    lines_read = reader.line_num
    for cells in reader:
        # Numbered by the file's line the record starts on (less the header): the same as counting records,
        # unless a quote left open made one record of several lines.
        number, span, lines_read = lines_read + 1 - header_lines, reader.line_num - lines_read, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        row = Row(number, dict(zip(names, cells, strict=False)))
        bad = _unreadable(number, names, cells, span)
        if bad is not None:
            yield number, bad
            continue
        if len(cells) > len(names):
            yield number, row.reject("row", f"has {len(cells)} cells but the header has {len(names)} columns")
            continue
        try:
            yield number, _event(row, spec, farms)
        except EventRejected as exc:
            yield number, exc
        except Exception as exc:  # SPEC §6: whatever a row makes the reader raise rejects that row
            yield number, row.reject("row", f"cannot be read ({failure(exc)})")


def _kin_templates() -> None:
    """The kin programs' templates (BP-1's milk purchases) live beside their concept."""
    from services.ledger.milk_template import MILK

    TEMPLATES["milk"] = MILK


_kin_templates()
