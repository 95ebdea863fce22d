"""`dignity rebuild` replays the ticks too: what time alone brought (AU-4's suspension by the calendar, its
SU-2 notice to the owner's other farm, the buyers told) is in the read models after a rebuild exactly as
before it, at the same ledger times, not only after the next tick."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner

from services.cli.main import app
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.read_model_check import differences
from services.store.database import connect
from services.store.schema import history, ticks
from tests.unit.test_su_common import Farm, end_of


def ticked(ledger: EmbeddedLedger, later: bool = True) -> None:
    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    sibling.post("BuyerLinked", "2025-01-06", {"buyer_id": "b-1", "since": "2025-01-06"})
    origin.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # AU-4: suspended by time
    assert [e.farm_id for e in ledger.tick(end_of("2025-02-05")).appended] == ["farm-b"]  # SU-2 via the log
    if not later:  # nothing after the tick: only a replayed tick brings the suspension back
        return
    sibling.post("BuyerLinked", "2025-02-10", {"buyer_id": "b-2", "since": "2025-02-10"})  # after the tick
    origin.post("WorkerHired", "2025-02-11", {"worker_id": "w-9", "hired_on": "2025-02-11"})


def copy_of(ledger: EmbeddedLedger, tmp_path: Path) -> str:
    target = tmp_path / "before.db"
    with ledger.engine.connect() as conn:
        conn.execute(text(f"VACUUM INTO '{target}'"))
    return f"sqlite:///{target}"


def time_derived(ledger: EmbeddedLedger) -> list[tuple[str, str]]:
    with ledger.engine.connect() as conn:
        return sorted(conn.execute(select(history.c.farm_id, history.c.type).where(
            history.c.type.in_(["StandingChanged", "BuyerNotified"]))).tuples())


def test_trust_rebuild_replays_the_ticks_where_the_ledger_ticked(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    ticked(ledger)
    before = connect(copy_of(ledger, tmp_path))
    derived = time_derived(ledger)
    assert ("farm-a", "StandingChanged") in derived
    farm = "farm-a"
    moment = end_of("2025-03-01")
    answers = (queries.standing(ledger.engine, farm, moment), queries.farm_history(ledger.engine, farm, moment, moment))
    ledger.rebuild()
    assert time_derived(ledger) == derived
    assert differences(before, ledger.engine) == []  # every read model row, as before
    assert (queries.standing(ledger.engine, farm, moment),
            queries.farm_history(ledger.engine, farm, moment, moment)) == answers
    with ledger.engine.connect() as conn:
        assert len(conn.execute(select(ticks)).all()) == 1  # replayed, not recorded again
    assert ledger.tick(end_of("2025-02-05")).derived == []  # nothing left for the tick to bring


def test_trust_rebuild_from_the_cli_and_a_reopened_ledger_keep_the_ticks(ledger: EmbeddedLedger,
                                                                        tmp_path: Path) -> None:
    ticked(ledger, later=False)
    before = connect(copy_of(ledger, tmp_path))
    derived = time_derived(ledger)
    assert ("farm-a", "StandingChanged") in derived and ("farm-b", "StandingChanged") in derived
    result = CliRunner().invoke(app, ["rebuild", "--db", str(ledger.engine.url), "--json"])
    assert result.exit_code == 0, result.output
    assert time_derived(EmbeddedLedger(engine=ledger.engine)) == derived
    assert differences(before, ledger.engine) == []


def test_trust_rebuild_replays_ticks_that_announced_risk_levels(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    """RK-1: a tick appends `RiskLevelChanged` to the log and tells the buyers; a rebuild gives back every row."""
    from tests.conftest import event
    from tests.unit.test_rk_risk_maps import FARM, indicator, ok, setup, violation

    setup(ledger)
    ok(ledger, event("BuyerLinked", FARM, "2022-01-03", {"buyer_id": "buyer-1", "since": "2022-01-03"}),
       indicator("composite", "20", "40", "0.4"))
    assert [e.type for e in ledger.tick(end_of("2024-01-31")).appended] == ["RiskLevelChanged"]
    ok(ledger, violation("v-1", "a", "2024-03-05"))
    ledger.tick(end_of("2024-03-31"))
    before = connect(copy_of(ledger, tmp_path))
    answers = queries.notifications(ledger.engine, "buyer-1")
    assert len(answers) == 3
    ledger.rebuild()
    assert differences(before, ledger.engine) == []
    assert queries.notifications(ledger.engine, "buyer-1") == answers
