"""`dignity demo --no-serve` and the HTTP API over the demo's database."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.cli.commands.demo import SAMPLE_END
from services.cli.common import parse_moment
from services.cli.main import app
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.database import connect
from tests.conftest import event, post


def test_demo_no_serve_loads_once_and_prints_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGNITY_DB", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "dignity-demo.db").exists()
    text = " ".join(first.output.split())  # whatever the terminal width wrapped
    assert "12 farms" in text and "0 already there, 0 rejected" in text and "deadlines" in text
    events = int(text.split("farms, ")[1].split(" events")[0])
    sent = int(text.split("this run: ")[1].split(" new")[0])
    assert sent <= events  # the log also holds the SU-2 notices the ledger addressed to sibling farms
    again = runner.invoke(app, ["demo", "--no-serve", "--json"])
    assert again.exit_code == 0, again.output
    assert f'"events": {events},' in again.output  # nothing doubled
    assert '"accepted": 0' in again.output and f'"duplicates": {sent}' in again.output


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--db", url])
    assert result.exit_code == 0, result.output
    return url


def mdsc_headers(url: str) -> dict[str, str]:
    """Every API route needs a token (issue 5): an MDSC one reads everything."""
    return {"Authorization": f"Bearer {TokenStore(connect(url)).issue('mdsc', 'tests').secret}"}


@pytest.fixture
def client(demo_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(demo_db), headers=mdsc_headers(demo_db)) as client:
        yield client


def test_api_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def history_pages(client: TestClient, path: str, **params: str | int) -> list[list[dict[str, Any]]]:
    """A farm's history as the API pages it: the first page, then each `rel="next"` link, in order."""
    pages, response = [], client.get(path, params=params or None)  # {} would drop a link's own query
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if "next" not in response.links:
            return pages
        response = client.get(response.links["next"]["url"])


def test_api_farms_and_history_answer_what_the_cli_answers(client: TestClient, demo_db: str) -> None:
    farms = client.get("/farms").json()
    assert len(farms) == 12 and "farm-00001" in farms
    engine = connect(demo_db)
    cli = queries.farm_history(engine, "farm-00001", parse_moment("2025-03-31"), parse_moment(None))
    pages = history_pages(client, "/farms/farm-00001/history", as_of="2025-03-31")
    rows = [row for page in pages for row in page]
    assert rows == cli and len(pages) == -(-len(cli) // 200)  # pages of 200 (HISTORY_PAGE), none empty
    assert rows[0]["type"] == "FarmEnrolled" and all(r["occurred_at"] <= "2025-04" for r in rows)
    everything = [row for page in history_pages(client, "/farms/farm-00001/history") for row in page]
    assert len(everything) > len(rows)
    known = client.get("/farms/farm-00001/history", params={"known_at": "2000-01-01"})
    assert known.json() == [] and "next" not in known.links  # nothing was recorded by then


def test_api_history_pages_of_any_size_put_together_are_the_whole_history(client: TestClient,
                                                                           demo_db: str) -> None:
    far = parse_moment("2030-01-01")
    whole = queries.farm_history(connect(demo_db), "farm-00002", far, far)
    assert len(whole) > 60
    for limit in (1, 7, 60, len(whole), 1000):
        pages = history_pages(client, "/farms/farm-00002/history", as_of="2030-01-01", known_at="2030-01-01",
                              limit=limit)
        assert [row for page in pages for row in page] == whole, limit
        assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit
    for bad in ({"limit": 0}, {"limit": 1001}, {"after": -1}, {"limit": "x"}):
        answer = client.get("/farms/farm-00002/history", params=bad)
        assert answer.status_code == 422 and next(iter(bad)) in answer.text, bad


def test_api_history_next_link_pins_the_first_page_s_times(tmp_path: Path) -> None:
    """The pages are one answer: what the ledger records between two pages never slips into the later ones."""
    url = f"sqlite:///{tmp_path / 'paged.db'}"
    ledger = EmbeddedLedger(url)
    enrolled = event("FarmEnrolled", "farm-a", "2025-01-02", {"owner_id": "o", "name": "A", "jurisdiction": "VT",
                                                            "enrolled_on": "2025-01-02"})
    notes = [event("WorkerHired", "farm-a", f"2025-01-{day:02d}", {"worker_id": f"w{day}", "hired_on":
                                                                   f"2025-01-{day:02d}"}, role="farm")
             for day in range(3, 9)]
    assert post(ledger, enrolled, *notes).rejected == []
    with TestClient(create_app(url), headers=mdsc_headers(url)) as client:
        first = client.get("/farms/farm-a/history", params={"limit": 3})
        link = first.links["next"]["url"]
        assert link.startswith("/farms/farm-a/history?") and "limit=3" in link
        assert parse_moment(parse_qs(urlsplit(link).query)["known_at"][0]) <= datetime.now(UTC)
        late = event("WorkerHired", "farm-a", "2025-01-04", {"worker_id": "late", "hired_on": "2025-01-04"},
                     role="farm")
        assert post(ledger, late).accepted == 1
        rest = [row for page in history_pages(client, link) for row in page]
        ids = [row["event_id"] for row in first.json() + rest]
        assert ids == [e["event_id"] for e in (enrolled, *notes)]  # not the late one, though it is dated in
        assert late["event_id"] in {row["event_id"] for page in history_pages(client, "/farms/farm-a/history")
                                    for row in page}  # a new first page sees it


def cli_history_pages(args: list[str]) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """`dignity history ... --json` page after page, each next one run as the previous page told on stderr."""
    pages, told = [], []
    while True:
        result = CliRunner().invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        pages.append(json.loads(result.stdout))
        if not result.stderr:
            return pages, told
        told.append(result.stderr.strip())
        args = [*shlex.split(told[-1].removeprefix("more: "))[1:], *args[args.index("--db"):args.index("--db") + 2]]


def test_cli_history_pages_put_together_are_the_whole_history(demo_db: str) -> None:
    far = parse_moment("2030-01-01")
    whole = queries.farm_history(connect(demo_db), "farm-00002", far, far)
    for limit in (7, len(whole)):
        pages, told = cli_history_pages(["history", "farm-00002", "--limit", str(limit), "--as-of", "2030-01-01",
                                         "--known-at", "2030-01-01", "--db", demo_db])
        assert [row for page in pages for row in page] == whole, limit
        assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit
        assert len(told) == len(pages) - 1 and all(f"--limit {limit} --as-of {far.isoformat()}" in t for t in told)
    bad = CliRunner().invoke(app, ["history", "farm-00002", "--limit", "0", "--db", demo_db])
    assert bad.exit_code == 2 and "--limit" in bad.output


def test_cli_history_prints_a_page_of_200_and_pins_the_times_of_the_next(demo_db: str) -> None:
    engine = connect(demo_db)
    farm = max(queries.farm_ids(engine), key=lambda f: len(queries.farm_history(engine, f, parse_moment(None),
                                                                                parse_moment(None))))
    result = CliRunner().invoke(app, ["history", farm, "--db", demo_db])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("FarmEnrolled") == 1 and "history of " + farm in result.stdout
    told = shlex.split(result.stderr.removeprefix("more: "))
    assert told[:5] == ["dignity", "history", farm, "--after", told[4]] and told[5:7] == ["--limit", "200"]
    first = queries.farm_history_page(engine, farm, parse_moment(told[8]), parse_moment(told[10]), None, 200)
    assert first.next_after == int(told[4])  # the table was the first 200, the next page starts after them


def test_api_history_of_an_unknown_farm_is_404_and_a_bad_date_422(client: TestClient) -> None:
    assert client.get("/farms/farm-99999/history").status_code == 404
    response = client.get("/farms/farm-00001/history", params={"as_of": "someday"})
    assert response.status_code == 422 and "as_of" in response.text


def test_api_deadlines_and_findings_are_the_query_answers(client: TestClient, demo_db: str) -> None:
    engine, as_of = connect(demo_db), parse_moment(SAMPLE_END)
    deadlines = client.get("/deadlines", params={"farm": "farm-00002", "as_of": SAMPLE_END}).json()
    assert deadlines == queries.deadlines(engine, "farm-00002", as_of)
    findings = client.get("/findings", params={"as_of": SAMPLE_END}).json()
    assert findings == queries.findings(engine, None, as_of)


def test_api_names_rules_it_could_not_evaluate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    ledger = EmbeddedLedger(url)
    enrolled = event("FarmEnrolled", "farm-a", "2025-01-02", {"owner_id": "o", "name": "A", "jurisdiction": "VT",
                                                            "enrolled_on": "2025-01-02"})
    line = event("PayrollLineRecorded", "farm-a", "2025-01-20", {
        "worker_id": "w", "period_start": "2025-01-01", "period_end": "2025-01-15",
        "scheduled_pay_date": "2025-01-20", "paid_on": "2025-01-20", "hours_worked": "80", "hourly_wage": "15.00",
        "gross": "1200.00", "net": "1200.00"}, role="farm")
    assert post(ledger, enrolled, line).rejected == []
    with TestClient(create_app(url), headers=mdsc_headers(url)) as client:
        response = client.get("/findings", params={"as_of": "2025-02-28"})
    assert response.status_code == 200
    assert response.json() == queries.findings(connect(url), None, parse_moment("2025-02-28"), [])
    assert "farm-a" in response.headers["X-Not-Evaluated"]  # no minimum wage was ever set
