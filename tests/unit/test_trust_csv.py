"""SPEC §6 for the CSV templates: unreadable bytes, huge cells, repeated columns and runaway quotes are
rejected naming row and column; money follows the same rules as in JSON."""

from __future__ import annotations

import io

import pytest

from events.codec import EventRejected
from services.ledger.embedded import EmbeddedLedger
from services.ledger.templates import CELL_MAX, parse_template
from tests.unit.test_templates import FARM, PAYROLL_HEADER, REMITTANCE_HEADER, farm  # noqa: F401  (fixture)

GOOD = "Co-op,Buyer,farm-maple,2025-01,100.00,2025-02-10,CHK-{n}\n"


def rows(ledger: EmbeddedLedger, data: bytes, template: str = "remittance") -> dict[int, object]:
    return dict(parse_template(template, io.BytesIO(data), ledger))


def rejected(result: dict[int, object], number: int) -> EventRejected:
    item = result[number]
    assert isinstance(item, EventRejected), item
    return item


def test_trust_csv_good_rows_still_read(farm: EmbeddedLedger) -> None:  # noqa: F811
    result = rows(farm, (REMITTANCE_HEADER + GOOD.format(n=1) + GOOD.format(n=2)).encode())
    assert [n for n, item in result.items() if isinstance(item, EventRejected)] == []
    assert sorted(result) == [1, 2]


def test_trust_csv_non_utf8_byte_rejected_naming_row_and_column(farm: EmbeddedLedger) -> None:  # noqa: F811
    data = (REMITTANCE_HEADER + GOOD.format(n=1)).encode() + b"Co-op,Buyer\xff,farm-maple,2025-01,100.00,2025-02-10,X\n"
    data += GOOD.format(n=3).encode()
    result = rows(farm, data)
    error = rejected(result, 2)
    assert error.field == "attributed_participating_buyer" and "not UTF-8" in error.problem and "0xff" in error.problem
    assert not isinstance(result[1], EventRejected) and not isinstance(result[3], EventRejected)


def test_trust_csv_non_utf8_header_rejected(farm: EmbeddedLedger) -> None:  # noqa: F811
    error = rejected(rows(farm, b"Pay\xe9or," + REMITTANCE_HEADER.split(",", 1)[1].encode()), 0)
    assert error.field == "header" and "not UTF-8" in error.problem


def test_trust_csv_cell_over_128_kib_rejected(farm: EmbeddedLedger) -> None:  # noqa: F811
    huge = "C" * (CELL_MAX + 1)
    data = (REMITTANCE_HEADER + GOOD.format(n=1) + GOOD.format(n=huge) + GOOD.format(n=3)).encode()
    result = rows(farm, data)
    error = rejected(result, 2)
    assert error.field == "check_or_transaction_number" and "longer than 128 KiB" in error.problem
    assert not isinstance(result[3], EventRejected)


def test_trust_csv_duplicated_column_rejected(farm: EmbeddedLedger) -> None:  # noqa: F811
    header = REMITTANCE_HEADER.rstrip("\n") + ",farm_id\n"  # an alias of Farm: the same column twice
    error = rejected(rows(farm, (header + GOOD.format(n=1).rstrip("\n") + ",other-farm\n").encode()), 0)
    assert error.field == "header" and "farm" in error.problem and "more than once" in error.problem


def test_trust_csv_unbalanced_quote_rejected_not_swallowing_rows(farm: EmbeddedLedger) -> None:  # noqa: F811
    data = (REMITTANCE_HEADER + GOOD.format(n=1) + 'Co-op,"Buyer,farm-maple,2025-01,100.00,2025-02-10,CHK-2\n'
            + GOOD.format(n=3) + GOOD.format(n=4)).encode()
    result = rows(farm, data)
    error = rejected(result, 2)
    assert error.field == "attributed_participating_buyer" and "quote" in error.problem
    assert [n for n, item in result.items() if not isinstance(item, EventRejected)] == [1]


@pytest.mark.parametrize("amount", ["1_000.00", "١٠٠.٠٠", "１００", "1" * 27, "1e3", "100.000"])
def test_trust_csv_money_under_the_json_rules(farm: EmbeddedLedger, amount: str) -> None:  # noqa: F811
    data = (REMITTANCE_HEADER + f"Co-op,Buyer,farm-maple,2025-01,{amount},2025-02-10,CHK-1\n").encode()
    assert rejected(rows(farm, data), 1).field == "amount"


@pytest.mark.parametrize(("column", "value"), [("hours_worked", "٤٠"), ("hours_worked", "1" * 30),
                                               ("net", "-5.00"), ("scheduled_pay_date", "9999-12-31")])
def test_trust_csv_payroll_cells_under_the_json_rules(farm: EmbeddedLedger, column: str, value: str) -> None:  # noqa: F811
    cells = {"farm": FARM, "worker_id": "w-001", "period_start": "2025-02-01", "period_end": "2025-02-14",
             "scheduled_pay_date": "2025-02-20", "paid_on": "2025-02-20", "hours_worked": "40",
             "hourly_wage": "15.00", "gross": "600.00", "net": "600.00"} | {column: value}
    data = (PAYROLL_HEADER + ",".join(cells.values()) + "\n").encode()
    assert rejected(rows(farm, data, "payroll"), 1).field == column
