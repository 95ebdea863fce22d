"""The compliance report (issue 12): the period's standing, pass-through per month, deadlines met and
missed, findings — the ledger's answers cut to the period — as a PDF that opens (pdftotext reads it, pdftoppm
renders its first page with the charts drawn), from `dignity report` and from the dashboard."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.common import parse_moment
from services.cli.main import app
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.reports.compliance import Period, farm_report
from services.reports.pdf import render
from tests.unit.test_su_common import Farm, at

SUSPENDED_RED = (0xC0, 0x39, 0x2B)


def story(ledger: EmbeddedLedger) -> Farm:
    """farm-1: suspended in March (Art. I a), reinstated in May; a complaint never reported (CO-1 missed)."""
    farm = Farm(ledger, "farm-1")
    farm.violation("v-1", "2025-03-03", "I", "a")
    farm.reentry("2025-05-01")
    farm.post("ComplaintReceived", "2025-02-03", {"complaint_id": "c-1", "received_by": "farm",
                                                  "received_at": at("2025-02-03"), "categories": ["wages"]})
    return farm


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is needed (Debian's poppler-utils: `make browser` installs it)", pytrace=False)
    return found


def page_pixels(pdf: Path, tmp: Path) -> tuple[int, int, bytes]:
    """The first page rendered by pdftoppm as raw RGB (PPM P6)."""
    subprocess.run([poppler("pdftoppm"), "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp / "page")],
                   check=True, timeout=60)
    raw = next(tmp.glob("page*.ppm")).read_bytes()
    magic, width, height, depth, pixels = raw.split(maxsplit=4)
    assert magic == b"P6" and depth == b"255"
    return int(width), int(height), pixels


def test_period_is_a_month_a_year_or_a_range() -> None:
    assert (str(Period.parse("2025-03")), Period.parse("2025-03").end.isoformat()) == ("2025-03", "2025-03-31")
    assert (Period.parse("2024").first, Period.parse("2024").last) == ("2024-01", "2024-12")
    feb = Period.parse("2024-01..2024-02")
    assert feb.end.isoformat() == "2024-02-29" and feb.holds("2024-02-29") and not feb.holds("2024-03-01")
    for bad in ("2025-13", "2025-3", "2025-06..2025-01", "last year"):
        with pytest.raises(ValueError, match="period"):
            Period.parse(bad)


def test_report_cuts_the_ledgers_answers_to_the_period(ledger: EmbeddedLedger) -> None:
    story(ledger)
    report = farm_report(ledger.engine, "farm-1", Period.parse("2025-03..2025-04"))
    assert report.as_of.isoformat() == "2025-04-30"
    assert [c["standing"] for c in report.changes] == ["suspended"]  # the May reinstatement is outside
    assert report.at_start["standing"] == "good_standing" and report.standing["standing"] == "suspended"
    every = queries.deadlines(ledger.engine, "farm-1", parse_moment("2025-04-30"))  # farm-1 is in New York
    assert report.deadlines == [d for d in every if "2025-03-01" <= d["due"] <= "2025-04-30"]
    assert all(report.period.holds(f["on"]) for f in report.findings)
    february = farm_report(ledger.engine, "farm-1", Period.parse("2025-02"))
    assert any(d["rule"] == "CO-1" and d["status"] == "missed" for d in february.missed)  # never reported
    assert february.changes == [] and february.standing["standing"] == "good_standing"
    with pytest.raises(LookupError, match="unknown farm"):
        farm_report(ledger.engine, "farm-9", Period.parse("2025-02"))


def test_report_pdf_opens_with_its_text_and_charts(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    story(ledger)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(farm_report(ledger.engine, "farm-1", Period.parse("2025-01..2025-06"))))
    text = subprocess.run([poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "Compliance report" in text and "farm-1" in text and "2025-01..2025-06" in text
    assert "suspended" in text and "CO-1" in text and "Deadlines due in the period" in text
    width, height, pixels = page_pixels(pdf, tmp_path)
    assert width > 300 and height > 400
    rgb = [tuple(pixels[i:i + 3]) for i in range(0, len(pixels), 3)]
    assert sum(1 for p in rgb if p != (255, 255, 255)) > len(rgb) * 0.03  # not a blank page
    assert sum(1 for p in rgb if p == SUSPENDED_RED) > 20  # the standing band of the suspension is drawn


def test_dignity_report_writes_the_pdf(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    story(ledger)
    url = str(ledger.engine.url)
    out = tmp_path / "farm-1.pdf"
    result = CliRunner().invoke(app, ["report", "farm-1", "--period", "2025-02", "--out", str(out), "--db", url,
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and '"deadlines_missed": ' in result.output
    refused = CliRunner().invoke(app, ["report", "farm-1", "--period", "spring", "--out", str(out), "--db", url])
    assert refused.exit_code == 2 and "period" in refused.output
    unknown = CliRunner().invoke(app, ["report", "farm-9", "--period", "2025", "--out", str(out), "--db", url])
    assert unknown.exit_code == 1


def test_dashboard_serves_the_report_and_every_list_as_csv(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from services.api.app import create_app
    from services.auth.tokens import TokenStore

    story(ledger)
    Farm(ledger, "farm-2", "owner-2")
    store = TokenStore(ledger.engine)
    mdsc, own, other = (store.issue("mdsc", "a-1").secret, store.issue("farm", "farm-1").secret,
                        store.issue("farm", "farm-2").secret)
    client = TestClient(create_app(str(ledger.engine.url), deliver=False))

    def get(path: str, token: str) -> object:
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    pdf = get("/dashboard/farms/farm-1/report.pdf?period=2025-02", own)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and "compliance-farm-1-2025-02.pdf" in pdf.headers["content-disposition"]
    assert get("/dashboard/farms/farm-1/report.pdf?period=2025-02", other).status_code == 403
    assert get("/dashboard/farms/farm-1/report.pdf?period=soon", mdsc).status_code == 422
    page = get("/dashboard/farms/farm-1?as_of=2025-06-30", mdsc)
    assert 'action="/dashboard/farms/farm-1/report.pdf"' in page.text and "missed.csv" in page.text
    missed = get("/dashboard/farms/farm-1/missed.csv?as_of=2025-06-30", mdsc)
    assert missed.status_code == 200 and missed.headers["content-type"].startswith("text/csv")
    lines = missed.text.splitlines()
    assert lines[0].split(",")[:3] == ["rule", "farm_id", "subject_id"] and any(",c-1," in x for x in lines)
    every = get("/dashboard/farms/farm-1/deadlines.csv?as_of=2025-06-30", mdsc).text.splitlines()
    assert len(every) - 1 == len(queries.deadlines(ledger.engine, "farm-1", parse_moment("2025-06-30")))
    events = get("/dashboard/farms/farm-1/events.csv?as_of=2025-06-30", mdsc).text
    assert "ViolationFound" in events and "ComplaintReceived" in events
    assert get("/dashboard/farms/farm-1/secrets.csv", mdsc).status_code == 404
    farms = get("/dashboard/farms.csv?as_of=2025-06-30", own).text.splitlines()
    assert farms[0].startswith("farm_id,name") and [x.split(",")[0] for x in farms[1:]] == ["farm-1"]


def test_csv_cells_never_run_as_spreadsheet_formulas() -> None:
    from services.reports.csv import to_csv

    text = to_csv([{"a": "=HYPERLINK(\"x\")", "b": "-12.50", "c": "@SUM(1)", "d": {"k": "v", "e": None}}])
    assert text.splitlines()[1] == "\"'=HYPERLINK(\"\"x\"\")\",-12.50,'@SUM(1),k=v"
