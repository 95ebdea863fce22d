"""`dignity token`: issue (the secret once), list (never the secret), revoke, assign appeals."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from services.auth.tokens import TokenStore
from services.cli.main import app
from services.store.database import connect


def test_token_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    run = CliRunner()
    issued = run.invoke(app, ["token", "issue", "--role", "farm", "--subject", "farm-1", "--db", db, "--json"])
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.output)
    assert TokenStore(connect(db)).authenticate(token["token"]).subject == "farm-1"  # type: ignore[union-attr]
    listed = run.invoke(app, ["token", "list", "--db", db, "--json"])
    assert token["token"] not in listed.output and json.loads(listed.output)[0]["token_id"] == token["token_id"]
    bad = run.invoke(app, ["token", "issue", "--role", "worker", "--subject", "x", "--db", db])
    assert bad.exit_code != 0 and "unknown role" in bad.output
    assert run.invoke(app, ["token", "revoke", token["token_id"], "--db", db]).exit_code == 0
    assert run.invoke(app, ["token", "revoke", token["token_id"], "--db", db]).exit_code == 1
    assert TokenStore(connect(db)).authenticate(token["token"]) is None
    assigned = run.invoke(app, ["token", "assign", "--arbitrator", "arb-1", "--farm", "farm-1", "--appeal", "ap-1",
                                "--db", db, "--json"])
    assert json.loads(assigned.output)["new"] is True
    rows = json.loads(run.invoke(app, ["token", "assignments", "--db", db, "--json"]).output)
    assert [(r["arbitrator_id"], r["appeal_id"]) for r in rows] == [("arb-1", "ap-1")]
