"""`dignity deadlines` / `dignity findings` of the whole program (issue 8): an aged program answers hundreds of
thousands of rows, so the table is printed in time linear in its rows, each row whole on one line, and the
farms answered are told as they go (the first ask after an ingest folds every farm)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli.common import PLAIN_ABOVE, print_table
from services.cli.main import app
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_trust_poison import AS_OF, two_farms  # noqa: F401  (the fixture)


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"rule": "PT-2", "farm_id": f"farm-{i % 7:05d}", "subject_id": f"wk-{i:05d}-a-long-worker-subject/2026-01",
             "due": "2026-02-28", "status": ("open", "met", "missed")[i % 3], "met_on": None if i % 3 else "2026-02-01"}
            for i in range(n)]


def test_cli_a_long_program_wide_table_prints_every_row_whole_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(PLAIN_ABOVE * 3)
    monkeypatch.setattr(queries, "deadlines", lambda *args, **kwargs: rows)
    result = CliRunner().invoke(app, ["deadlines", "--farm", "farm-00001", "--db", "sqlite://"],
                                env={"COLUMNS": "80"})  # a narrow terminal: a rich table wraps and cuts cells
    assert result.exit_code == 0, result.output
    printed = [tuple(line.split()) for line in result.stdout.splitlines()]
    lines = set(printed)
    for r in rows:
        met = (r["met_on"],) if r["met_on"] else ()
        assert (r["rule"], r["farm_id"], r["subject_id"], r["due"], r["status"], *met) in lines, r
    assert sum(1 for cells in printed if cells[:1] == ("PT-2",)) == len(rows)  # once each


def test_cli_a_short_table_is_still_a_rich_table(capsys: pytest.CaptureFixture[str]) -> None:
    print_table("probe", ("a", "b"), [("x", "y")])
    out = capsys.readouterr().out
    assert "probe" in out and "x" in out and "┃" in out  # rich's box, not plain text


def test_program_wide_answers_tell_each_farm_answered(two_farms: EmbeddedLedger) -> None:  # noqa: F811
    told: list[tuple[int, int]] = []
    rows = queries.deadlines(two_farms.engine, None, AS_OF, [], lambda done, total: told.append((done, total)))
    assert {r["farm_id"] for r in rows} == {"farm-a", "farm-b"}
    farms = len(queries.farm_ids(two_farms.engine))
    assert told == [(i, farms) for i in range(1, farms + 1)]


def test_trust_cli_table_cells_are_text_never_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    """A farm's ids and an error's words reach the terminal as they are: `[/x]` was read as a closing tag, and
    the command failed with rich's MarkupError instead of printing the farm's rows."""
    rows = _rows(2)
    rows[0]["subject_id"], rows[1]["subject_id"] = "[/oops]", "[bold]w2[/bold]"
    monkeypatch.setattr(queries, "deadlines", lambda *args, **kwargs: rows)
    result = CliRunner().invoke(app, ["deadlines", "--farm", "farm-00001", "--db", "sqlite://"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "[/oops]" in result.stdout and "[bold]w2[/bold]" in result.stdout
