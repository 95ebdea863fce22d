"""SPEC §6: one farm's data never stops another farm's answers; a program-wide query names the farm it
cannot answer and answers the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from projections import registry
from services.cli.main import app
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store import answers as stored_answers
from services.store.schema import projection_state
from tests.conftest import post
from tests.unit.test_pt_common import enrol, hire, line, livable_wage, minimum_wage, worker_share

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def two_farms(ledger: EmbeddedLedger) -> EmbeddedLedger:
    report = post(ledger, enrol("farm-a"), enrol("farm-b"), minimum_wage("13.67", "2022-01-01"),
                  livable_wage("17.00", "2022-01-01"), worker_share("0.80", "2022-01-01"),
                  hire("w1", farm="farm-a"), hire("w1", farm="farm-b"),
                  line("w1", "2026-01-01", "2026-01-14", "80", farm="farm-a"),
                  line("w1", "2026-01-01", "2026-01-14", "80", farm="farm-b"))
    assert not report.rejected, report.rejected
    return ledger


def farms_in(rows: list[dict[str, Any]]) -> set[str]:
    return {r["farm_id"] for r in rows}


def test_trust_program_wide_deadlines_answer_every_farm_when_none_is_poisoned(two_farms: EmbeddedLedger) -> None:
    errors: list[str] = []
    assert farms_in(queries.deadlines(two_farms.engine, None, AS_OF, errors)) == {"farm-a", "farm-b"}
    assert errors == []


def test_trust_a_rule_that_raises_on_one_farm_is_reported_and_the_rest_answer(
        two_farms: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = registry.deadline_queries()

    def poisoned(view: Any) -> Any:
        if view.farm_id == "farm-b":
            raise KeyError("payor_id")
        return rules[0](view)

    monkeypatch.setattr(stored_answers, "deadline_queries", lambda: [poisoned, *rules[1:]])
    errors: list[str] = []
    rows = queries.deadlines(two_farms.engine, None, AS_OF, errors)
    assert "farm-a" in farms_in(rows) and "farm-b" in farms_in(rows)  # farm-b's other rules still answer
    assert len(errors) == 1 and errors[0].startswith("farm-b:") and "KeyError" in errors[0]
    with pytest.raises(KeyError):
        queries.deadlines(two_farms.engine, "farm-b", AS_OF)  # asked alone, the farm's error is the answer


def test_trust_a_farm_whose_states_cannot_be_read_is_reported_and_the_rest_answer(two_farms: EmbeddedLedger) -> None:
    with two_farms.engine.begin() as conn:
        conn.execute(update(projection_state).where(projection_state.c.key == "farm-b",
                                                    projection_state.c.projection == "membership")
                     .values(state=orjson.dumps({"time_zone": "Mars/Olympus_Mons"})))
    errors: list[str] = []
    assert farms_in(queries.findings(two_farms.engine, None, AS_OF, errors)) <= {"farm-a"}
    assert farms_in(queries.deadlines(two_farms.engine, None, AS_OF, errors)) == {"farm-a"}
    assert errors and all(e.startswith("farm-b:") for e in errors)


def test_trust_cli_deadlines_print_the_answerable_farms_and_name_the_other(
        two_farms: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = registry.deadline_queries()

    def poisoned(view: Any) -> Any:
        if view.farm_id == "farm-b":
            raise OverflowError("date value out of range")
        return rules[0](view)

    monkeypatch.setattr(stored_answers, "deadline_queries", lambda: [poisoned, *rules[1:]])
    result = CliRunner().invoke(app, ["deadlines", "--as-of", "2026-06-01", "--json", "--db",
                                      str(two_farms.engine.url)])
    assert result.exit_code == 1
    rows = orjson.loads(result.stdout[result.stdout.index("["):result.stdout.rindex("]") + 1])
    assert farms_in(rows) == {"farm-a", "farm-b"}
    assert "farm-b" in result.stderr and "OverflowError" in result.stderr
