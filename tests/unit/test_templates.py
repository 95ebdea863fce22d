"""CSV templates: the Farm MD Premium Reporting Template and payroll lines, through `dignity ingest --template`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from services.cli.main import app
from services.ledger.embedded import EmbeddedLedger
from services.ledger.queries import deadlines as all_deadlines
from services.ledger.templates import parse_template
from services.store.schema import events
from tests.unit.test_pt_common import (
    end_of,
    enrol,
    findings,
    hire,
    livable_wage,
    minimum_wage,
    ok,
    passthrough,
    worker_share,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FARM = "farm-maple"
REMITTANCE_HEADER = ("Payor,Attributed Participating Buyer,Farm,Sales Period,Amount,Date Received,"
                     "Check or Transaction Number\n")
PAYROLL_HEADER = ("farm,worker_id,period_start,period_end,scheduled_pay_date,paid_on,hours_worked,hourly_wage,"
                  "gross,net\n")


@pytest.fixture
def farm(ledger: EmbeddedLedger) -> EmbeddedLedger:
    # The program rates of examples/sample.jsonl, so the demo agrees with these tests.
    ok(ledger, enrol(FARM, enrolled_on="2024-06-03"), minimum_wage("14.01", "2025-01-01"),
       minimum_wage("14.42", "2025-04-01"), livable_wage("19.20", "2025-01-01"), worker_share("0.80", "2025-01-01"),
       hire("w-001", farm=FARM), hire("w-002", farm=FARM), hire("w-003", supervisory=True, farm=FARM),
       hire("w-004", farm=FARM))
    return ledger


def ingest(ledger: EmbeddedLedger, template: str, path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["ingest", str(path), "--template", template, "--json",
                                      "--db", str(ledger.engine.url)])
    ledger.writer.forget_cache()  # the CLI wrote through its own ledger: drop this one's cached states
    return dict(orjson.loads(result.output[result.output.index("{"):]))


def stored(ledger: EmbeddedLedger, type_: str) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(events.c.type == type_)).scalar_one())


def deadlines(ledger: EmbeddedLedger, as_of: str, farm: str) -> list[dict[str, Any]]:
    return all_deadlines(ledger.engine, farm, end_of(as_of))


def csv_file(tmp_path: Path, text: str, name: str = "upload.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_example_remittances_ingest_and_a_resend_is_one_remittance(farm: EmbeddedLedger) -> None:
    first = ingest(farm, "remittance", EXAMPLES / "remittances.csv")
    assert first == {"accepted": 4, "duplicates": 0, "rejected": []}
    again = ingest(farm, "remittance", EXAMPLES / "remittances.csv")
    assert again == {"accepted": 0, "duplicates": 4, "rejected": []}
    assert stored(farm, "PremiumRemitted") == 4
    assert passthrough(farm, "2025-02", farm=FARM)["premium_received"] == "2085.80"


def test_the_example_payroll_ingests_with_its_correction_and_passes_the_february_premium_through(
        farm: EmbeddedLedger) -> None:
    ingest(farm, "remittance", EXAMPLES / "remittances.csv")
    result = ingest(farm, "payroll", EXAMPLES / "payroll.csv")
    assert result == {"accepted": 17, "duplicates": 0, "rejected": []}
    answer = passthrough(farm, "2025-02", farm=FARM)
    assert answer["bonus_pool"] == "1668.64"
    rows = {w["worker_id"]: (w["eligible"], w["hours"], w["expected"], w["paid"], w["shortfall"])
            for w in answer["workers"]}
    assert rows == {
        "w-001": (True, "180.00", "883.40", "883.40", "0.00"),
        "w-002": (True, "160.00", "785.24", "785.24", "0.00"),
        "w-003": (False, "200.00", "0.00", "0.00", "0.00"),
        "w-004": (False, "82.00", "0.00", "0.00", "0.00"),  # 43 + 39: the correction replaced the 37
    }
    # The example's housing deduction takes w-002 below the minimum wage in the short February period. The
    # second half of March, paid on 4 April, is judged by the days worked (14.01), not by April's 14.42.
    assert [(r["subject_id"], r["on"], r["detail"]["cause"], r["detail"]["lines"])
            for r in findings(farm, "2025-12-31", "PT-7", farm=FARM)] == [("w-002", "2025-03-05", "housing", 1)]
    assert findings(farm, "2025-12-31", "PT-5", farm=FARM) == []
    assert findings(farm, "2025-12-31", "PT-4", farm=FARM) == []  # February and March passed through in full
    assert passthrough(farm, "2025-03", farm=FARM)["workers"][0]["paid"] == "726.79"
    statuses = {(r["rule"], r["subject_id"]): r["status"] for r in deadlines(farm, "2025-06-01", farm=FARM)}
    assert statuses[("PT-1", FARM)] == "met"
    assert {k: v for k, v in statuses.items() if k[0] == "PT-2"} == {
        ("PT-2", "w-001/2025-02"): "met", ("PT-2", "w-002/2025-02"): "met",
        ("PT-2", "w-001/2025-03"): "met", ("PT-2", "w-002/2025-03"): "met"}
    assert ingest(farm, "payroll", EXAMPLES / "payroll.csv") == {"accepted": 0, "duplicates": 17, "rejected": []}


@pytest.mark.parametrize(("cell", "problem"), [
    ("\"1,840.00\"", "has a comma"),
    ("$1840.00", "has a currency sign"),
    ("-1840.00", "is negative"),
    ("", "missing"),
    ("18.405", "at most two decimal places"),
    ("0.00", "must be more than 0"),
])
def test_bad_amounts_reject_the_row_naming_the_column(farm: EmbeddedLedger, tmp_path: Path, cell: str,
                                                      problem: str) -> None:
    text = (REMITTANCE_HEADER + "Co-op,Buyer,farm-maple,2025-01,100.00,2025-02-10,CHK-1\n"
            f"Co-op,Buyer,farm-maple,2025-01,{cell},2025-02-11,CHK-2\n")
    result = ingest(farm, "remittance", csv_file(tmp_path, text))
    assert result["accepted"] == 1
    [rejected] = result["rejected"]
    assert rejected["line"] == 2
    assert rejected["error"].startswith("amount: ") and problem in rejected["error"]
    assert stored(farm, "PremiumRemitted") == 1


@pytest.mark.parametrize(("row", "column", "problem"), [
    ("Co-op,Buyer,farm-maple,2025-01,100.00,02/10/2025,CHK-9", "date_received", "is not a date written YYYY-MM-DD"),
    ("Co-op,Buyer,farm-maple,2025-1,100.00,2025-02-10,CHK-9", "sales_period", "is not a month written YYYY-MM"),
    ("Co-op,Buyer,farm-maple,2099-01,100.00,2025-02-10,CHK-9", "sales_period", "2099-01 is in the future"),
    ("Co-op,Buyer,farm-maple,2025-03,100.00,2025-02-10,CHK-9", "sales_period", "after the month the payment"),
    ("Co-op,Buyer,farm-maple,2025-01,100.00,2099-02-10,CHK-9", "date_received", "is in the future"),
    ("Co-op,Buyer,farm-99999,2025-01,100.00,2025-02-10,CHK-9", "farm", "unknown farm 'farm-99999'"),
    ("Co-op,Buyer,farm-maple,2025-01,100.00,2025-02-10,", "check_or_transaction_number", "missing"),
    ("Co-op,,farm-maple,2025-01,100.00,2025-02-10,CHK-9", "attributed_participating_buyer", "missing"),
])
def test_bad_remittance_cells_name_row_and_column_and_append_nothing(farm: EmbeddedLedger, tmp_path: Path, row: str,
                                                                    column: str, problem: str) -> None:
    result = ingest(farm, "remittance", csv_file(tmp_path, REMITTANCE_HEADER + row + "\n"))
    assert result["accepted"] == 0
    assert [r["line"] for r in result["rejected"]] == [1]
    assert result["rejected"][0]["error"].startswith(f"{column}: ")
    assert problem in result["rejected"][0]["error"]
    assert stored(farm, "PremiumRemitted") == 0


@pytest.mark.parametrize(("row", "column", "problem"), [
    ("farm-maple,w-001,2025-02-01,2025-02-15,2025-02-20,,97,16.00,\"1,552.00\",1552.00", "gross", "has a comma"),
    ("farm-maple,w-001,2025-02-15,2025-02-01,2025-02-20,,97,16.00,1552.00,1552.00", "period_end", "before"),
    ("farm-maple,w-001,2025-02-01,2025-02-15,20.02.2025,,97,16.00,1552.00,1552.00", "scheduled_pay_date", "YYYY-MM-DD"),
    ("farm-maple,w-001,2025-02-01,2025-02-15,2025-02-20,2099-01-01,97,16.00,1552.00,1552.00", "paid_on", "future"),
    ("farm-maple,w-001,2025-02-01,2025-02-15,2025-02-20,,-97,16.00,1552.00,1552.00", "hours_worked", "negative"),
    ("farm-maple,,2025-02-01,2025-02-15,2025-02-20,,97,16.00,1552.00,1552.00", "worker_id", "missing"),
    ("farm-maple,w-001,2025-02-01,2025-02-15,2025-02-20,,97,$16.00,1552.00,1552.00", "hourly_wage", "currency sign"),
    ("nowhere,w-001,2025-02-01,2025-02-15,2025-02-20,,97,16.00,1552.00,1552.00", "farm", "unknown farm"),
])
def test_bad_payroll_cells_name_row_and_column_and_append_nothing(farm: EmbeddedLedger, tmp_path: Path, row: str,
                                                                  column: str, problem: str) -> None:
    good = "farm-maple,w-002,2025-02-01,2025-02-15,2025-02-20,2025-02-20,86,15.50,1333.00,1333.00"
    result = ingest(farm, "payroll", csv_file(tmp_path, PAYROLL_HEADER + good + "\n" + row + "\n"))
    assert result["accepted"] == 1
    assert [r["line"] for r in result["rejected"]] == [2]
    assert result["rejected"][0]["error"].startswith(f"{column}: ") and problem in result["rejected"][0]["error"]
    assert stored(farm, "PayrollLineRecorded") == 1


def test_a_bonus_needs_its_premium_month(farm: EmbeddedLedger, tmp_path: Path) -> None:
    header = PAYROLL_HEADER.strip() + ",md_bonus,md_bonus_label,md_bonus_period\n"
    stub = "farm-maple,w-001,2025-03-01,2025-03-15,2025-03-20,,97,16.00,1652.00,1652.00,100.00,MD Bonus/Bono LcD,"
    rows = f"{stub}\n{stub}2025-04\n{stub}2025-02\n"
    result = ingest(farm, "payroll", csv_file(tmp_path, header + rows))
    assert result["accepted"] == 1
    assert [(r["line"], r["error"].split(":")[0]) for r in result["rejected"]] == [
        (1, "md_bonus_period"), (2, "md_bonus_period")]


def test_a_header_with_an_unknown_or_missing_column_rejects_the_file(farm: EmbeddedLedger, tmp_path: Path) -> None:
    typo = PAYROLL_HEADER.replace("hours_worked", "hours_wrked")
    result = ingest(farm, "payroll", csv_file(tmp_path, typo + "farm-maple,w-001,2025-02-01,2025-02-15,"
                                                        "2025-02-20,,97,16.00,1552.00,1552.00\n"))
    assert result["accepted"] == 0
    assert result["rejected"][0]["line"] == 0 and "hours_wrked" in result["rejected"][0]["error"]
    missing = ingest(farm, "remittance", csv_file(tmp_path, "Payor,Farm,Amount\nCo-op,farm-maple,10.00\n"))
    assert missing["rejected"][0]["line"] == 0 and "missing column" in missing["rejected"][0]["error"]


def test_a_changed_resend_of_a_remittance_is_rejected_not_counted_twice(farm: EmbeddedLedger, tmp_path: Path) -> None:
    ingest(farm, "remittance", csv_file(tmp_path, REMITTANCE_HEADER + "Co-op,Buyer,farm-maple,2025-01,100.00,"
                                                  "2025-02-10,CHK-1\n"))
    result = ingest(farm, "remittance", csv_file(tmp_path, REMITTANCE_HEADER + "Co-op,Buyer,farm-maple,2025-01,"
                                                           "150.00,2025-02-10,CHK-1\n", "second.csv"))
    assert result["accepted"] == 0 and result["rejected"][0]["line"] == 1
    assert "already recorded with different content" in result["rejected"][0]["error"]
    assert passthrough(farm, "2025-02", farm=FARM)["premium_received"] == "100.00"


def test_parse_template_directly_numbers_rows_from_one_and_skips_blank_rows(farm: EmbeddedLedger) -> None:
    text = REMITTANCE_HEADER + "\n" + "Co-op,Buyer,farm-maple,2025-01,100.00,2025-02-10,CHK-1\n"
    parsed = list(parse_template("remittance", io.BytesIO(text.encode()), farm))
    assert [n for n, _ in parsed] == [2]
    unknown = list(parse_template("invoices", io.BytesIO(text.encode()), farm))
    assert unknown[0][0] == 0 and "unknown template" in str(unknown[0][1])
