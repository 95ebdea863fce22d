"""Schema migrations (issue 12): a database made by the previous release (0.1.0, commit c0c5049: its SQL
dump and its answers, both written by that release's own code) is upgraded by `dignity migrate`, and every
answer the release gave is given unchanged: histories, standing, pass-through, notifications whole; for
deadlines and findings, every row of each rule the release answered (a rule added since may add rows of its
own, e.g. ED-2). An empty database and a second run are upgraded too."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import inspect
from typer.testing import CliRunner

from services.auth.tokens import TokenStore
from services.cli.common import parse_moment
from services.cli.main import app
from services.delivery.subscriptions import Subscriptions
from services.ledger import queries
from services.store.database import connect
from services.store.revisions import current, head, upgrade
from services.store.schema import metadata

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def previous_release(tmp: Path) -> str:
    path = tmp / "release-0.1.0.db"
    with gzip.open(FIXTURES / "release-0.1.0.sql.gz", "rt") as dump:
        con = sqlite3.connect(path)
        con.executescript(dump.read())
        con.close()
    return f"sqlite:///{path}"


def plain(value: Any) -> Any:
    """As the release wrote its answers (JSON, dates and decimals as text)."""
    return json.loads(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


def test_a_database_of_the_previous_release_upgrades_with_every_answer_unchanged(tmp_path: Path) -> None:
    url = previous_release(tmp_path)
    engine = connect(url, create=False)
    before_tables = set(inspect(engine).get_table_names())
    assert "alembic_version" not in before_tables and "events" in before_tables
    result = CliRunner().invoke(app, ["migrate", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    assert done["stamped_baseline"] is True and done["to"] == head() == current(engine)
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)  # what this release added is there
    from services.ledger.embedded import EmbeddedLedger

    EmbeddedLedger(url)  # a start on the upgraded database (the read models in their new shape)
    with gzip.open(FIXTURES / "release-0.1.0-answers.json.gz", "rt") as f:
        answers = json.load(f)
    checked, added = 0, set[str]()
    for key, old in answers.items():
        if key == "notifications":
            assert plain(queries.notifications(engine, "buyer-maple-creamery")) == old
            continue
        farm, as_of = key.split("/")
        moment = parse_moment(as_of)
        assert plain(queries.farm_history(engine, farm, moment, FAR)) == old["history"], key
        assert plain(queries.standing(engine, farm, moment)) == old["standing"], key
        for query in ("deadlines", "findings"):
            now_rows = plain(getattr(queries, query)(engine, farm, moment, []))
            answered = {r["rule"] for r in old[query]}  # the rules the release answered here
            assert [r for r in now_rows if r["rule"] in answered] == old[query], (key, query)
            added |= {r["rule"] for r in now_rows if r["rule"] not in answered}
        for period, answer in old["passthrough"].items():
            assert plain(queries.passthrough(engine, farm, period, moment)) == answer, (key, period)
        checked += 1
    assert checked == 4 and any(a["deadlines"] for k, a in answers.items() if k != "notifications")
    assert not added & {r["rule"] for k, a in answers.items() if k != "notifications" for r in a["deadlines"]}
    assert [t["subject"] for t in TokenStore(engine).tokens()] == ["auditor-old"]  # the old rows are all kept
    assert [s["url"] for s in Subscriptions(engine).all()] == ["https://hooks.example.com/dignity"]
    again = upgrade(engine)
    assert again["from"] == again["to"] == head() and not again["stamped_baseline"] and not again["created_tables"]


def test_an_empty_database_gets_every_revision(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'new.db'}", create=False)
    done = upgrade(engine)
    assert done["from"] is None and done["to"] == head() and not done["stamped_baseline"]
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables) | {"alembic_version"}
