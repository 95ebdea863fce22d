"""`dignity webhooks`: subscribe, run a round, read the dead letters, redeliver on request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_webhooks import Receiver, program

pytestmark = pytest.mark.usefixtures("local_receivers")  # receivers on 127.0.0.1, allow-listed


def test_webhooks_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(db)
    program(ledger)
    receiver = Receiver(fail_first=1)
    run = CliRunner()
    try:
        added = run.invoke(app, ["webhooks", "add", "--buyer", "buyer-2", "--url", receiver.url, "--db", db, "--json"])
        assert added.exit_code == 0, added.output
        assert json.loads(added.output)["secret"]
        first = json.loads(run.invoke(app, ["webhooks", "run", "--once", "--max-attempts", "1", "--db", db,
                                            "--json"]).output)
        assert (first["enqueued"], first["delivered"], first["dead"]) == (4, 0, 1)  # the receiver failed once
        dead = json.loads(run.invoke(app, ["webhooks", "dead", "--db", db, "--json"]).output)
        assert len(dead) == 1 and dead[0]["last_error"] == "HTTP 500"
        again = run.invoke(app, ["webhooks", "redeliver", dead[0]["delivery_id"], "--db", db, "--json"])
        assert json.loads(again.output) == {"redelivering": [dead[0]["delivery_id"]]}
        second = json.loads(run.invoke(app, ["webhooks", "run", "--once", "--db", db, "--json"]).output)
        assert second["delivered"] == 4
        rows = json.loads(run.invoke(app, ["webhooks", "deliveries", "--db", db, "--json"]).output)
        assert {r["status"] for r in rows} == {"delivered"}
        listed = json.loads(run.invoke(app, ["webhooks", "list", "--db", db, "--json"]).output)
        assert "secret" not in listed[0]
        assert run.invoke(app, ["webhooks", "redeliver", "nope", "--db", db]).exit_code == 1
    finally:
        receiver.close()
        ledger.engine.dispose()
