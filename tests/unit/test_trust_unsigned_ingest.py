"""SPEC §6, "the report is always printed": when the checkpoint after an ingest cannot be signed (the key file
unreadable, a full disk), the events stay stored, the report is still given and says why, and the CLI exits
non-zero (`UNSIGNED_EXIT`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

import services.ledger.embedded as embedded
from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.cli.main import UNSIGNED_EXIT, app
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_jsonl
from services.store.schema import events, signed_checkpoints
from tests.unit.test_pt_common import enrol, line


def lines() -> list[bytes]:
    return [orjson.dumps(e) for e in (enrol(), line("w1", "2026-01-01", "2026-01-14", "80"))]


def stored(url: str) -> tuple[int, int]:
    engine = EmbeddedLedger(url).engine
    with engine.connect() as conn:
        return (int(conn.execute(select(func.count()).select_from(events)).scalar_one()),
                int(conn.execute(select(func.count()).select_from(signed_checkpoints)).scalar_one()))


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_: Any, **__: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(embedded, "write_checkpoint", failing)


def test_trust_an_ingest_whose_checkpoint_cannot_be_signed_still_reports(tmp_path: Path, disk_full: None) -> None:
    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'l.db'}")
    report = ledger.ingest(parse_jsonl(lines())).as_json()
    assert report["accepted"] == 2 and report["rejected"] == []
    assert "No space left on device" in report["unsigned"] and "OSError" in report["unsigned"]


def test_trust_an_ingest_that_signs_says_nothing_of_signing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert "unsigned" not in EmbeddedLedger(url).ingest(parse_jsonl(lines())).as_json()
    assert stored(url) == (2, 1)


def test_trust_cli_prints_the_report_and_exits_non_zero_when_signing_fails(tmp_path: Path, disk_full: None) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines()) + b"\n")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    human = CliRunner().invoke(app, ["ingest", str(path), "--db", url])
    assert human.exit_code == UNSIGNED_EXIT != 0
    assert "accepted 2" in human.output and "not signed" in human.output and "No space left" in human.output
    as_json = CliRunner().invoke(app, ["ingest", str(path), "--db", url, "--json"])  # resent: duplicates
    assert as_json.exit_code == UNSIGNED_EXIT
    report = orjson.loads(as_json.output[as_json.output.index("{"):])
    assert report["duplicates"] == 2 and "No space left" in report["unsigned"]
    assert stored(url)[0] == 2  # stored though not signed (what the next checkpoint will sign)


def test_trust_api_answer_says_the_checkpoint_was_not_signed(tmp_path: Path, disk_full: None) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    token = TokenStore(EmbeddedLedger(url).engine).issue("mdsc", "mdsc").secret
    answer = TestClient(create_app(url, deliver=False)).post(
        "/events", content=b"\n".join(lines()), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 2 and "No space left" in answer.json()["unsigned"]
