"""Shared fixtures: an embedded ledger on a fresh SQLite file, and event builders."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import IngestReport, parse_dicts

_counter = itertools.count(1)


def event(type_: str, farm_id: str, occurred_at: str, data: dict[str, Any], role: str = "mdsc",
          **envelope: Any) -> dict[str, Any]:
    """An event as a sender would post it (JSON form)."""
    return {
        "event_id": envelope.pop("event_id", str(uuid.uuid4())),
        "type": type_, "farm_id": farm_id, "occurred_at": occurred_at,
        "actor": {"role": role, "id": f"{role}-1"}, "data": data, **envelope,
    }


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[EmbeddedLedger]:
    led = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield led
    led.engine.dispose()


def post(ledger: EmbeddedLedger, *events: dict[str, Any]) -> IngestReport:
    """Ingest events (numbered from 1) into an embedded ledger."""
    return ledger.ingest(parse_dicts(enumerate(events, start=1)))


@pytest.fixture
def local_receivers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook receivers in tests listen on 127.0.0.1: the operator's allow-list names it (SPEC §6)."""
    monkeypatch.setenv("DIGNITY_WEBHOOK_ALLOW", "127.0.0.1")
