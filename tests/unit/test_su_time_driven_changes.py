"""Standing changes brought by time alone (SU-1 a served period, AP-5 a cure period over, AU-4 a termination
deadline passed) are written by a tick — `EmbeddedLedger.tick`, `dignity tick` — with their buyer
notifications (BU-1) and SU-2 notices, once each; ingest never ticks by itself."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from services.cli.main import app
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.schema import history
from tests.unit.test_su_common import Farm, end_of


def link(farm: Farm, buyer: str, since: str = "2025-01-06") -> None:
    farm.post("BuyerLinked", since, {"buyer_id": buyer, "since": since})


def told(farm: Farm, buyer: str) -> list[tuple[str, str, str]]:
    return [(n["kind"], n["standing"], n["effective_on"]) for n in queries.notifications(farm.ledger.engine, buyer)
            if n["farm_id"] == farm.id]


def changes(farm: Farm) -> list[tuple[str, str, str]]:
    return [(c["data"]["standing"], c["data"]["kind"], c["occurred_at"][:10]) for c in farm.derived("StandingChanged")]


def rows(ledger: EmbeddedLedger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(history)).scalar_one())


def test_su1_a_tick_at_the_end_of_a_served_period_reinstates_and_tells_each_buyer(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1")
    link(farm, "b-2")
    farm.suspend("s-1", "2025-02-03")  # period ends 2025-03-05
    farm.reentry("2025-02-20")  # passed during the period: reinstated once it is served
    assert farm.is_("2025-03-06") == "good_standing"  # the query knows at once ...
    assert changes(farm) == [("suspended", "suspension", "2025-02-03")]  # ... the history not yet

    assert ledger.tick(end_of("2025-03-05")).derived == []  # the last suspended day: nothing due
    report = ledger.tick(end_of("2025-03-06"))
    assert [d["type"] for d in report.derived] == ["StandingChanged", "BuyerNotified", "BuyerNotified"]
    assert changes(farm)[1:] == [("good_standing", "reinstated", "2025-03-06")]
    assert told(farm, "b-1") == told(farm, "b-2") == [("suspension", "suspended", "2025-02-03"),
                                                      ("reinstated", "good_standing", "2025-03-06")]
    [change] = [d for d in report.derived if d["type"] == "StandingChanged"]
    facts = [f for f in ledger.log.read(farm_id=farm.id)]
    assert datetime.fromisoformat(change["recorded_at"]) > max(f.recorded_at for f in facts)  # the tick's time
    assert set(change["causation_id"]) <= {f.event_id for f in facts}


def test_su1_a_second_tick_or_a_later_fact_adds_nothing(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1")
    farm.suspend("s-1", "2025-02-03")
    farm.reentry("2025-02-20")
    ledger.tick(end_of("2025-03-06"))
    written = rows(ledger)
    assert ledger.tick(end_of("2025-03-06")).derived == [] and ledger.tick(end_of("2025-03-20")).derived == []
    assert rows(ledger) == written
    farm.post("OrientationCompleted", "2025-03-10", {"on": "2025-03-10"})  # the next fact: no second copy
    assert rows(ledger) == written + 1
    assert [c[1] for c in changes(farm)] == ["suspension", "reinstated"]
    assert len(told(farm, "b-1")) == 2


def test_ap5_a_tick_turns_an_unpaid_fee_into_probation_then_suspension(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1")
    farm.post("ArbitrationInvoiced", "2025-03-03", {"appeal_id": "ap-1", "invoiced_on": "2025-03-03",
                                                    "farm_share": "750.00"})
    assert ledger.tick(end_of("2025-04-17")).derived == []  # the 45th day: still in time
    ledger.tick(end_of("2025-04-18"))
    assert changes(farm) == [("probation", "probation", "2025-04-18")]
    ledger.tick(end_of("2025-05-18"))  # the last day of the 30-day probation
    assert len(changes(farm)) == 1
    ledger.tick(end_of("2025-05-19"))
    assert changes(farm)[1:] == [("suspended", "suspension", "2025-05-19")]
    assert told(farm, "b-1") == [("probation", "probation", "2025-04-18"), ("suspension", "suspended", "2025-05-19")]
    paid = Farm(ledger, "farm-2", "owner-2")  # the case that meets AP-5: nothing to write
    paid.post("ArbitrationInvoiced", "2025-03-03", {"appeal_id": "ap-1", "invoiced_on": "2025-03-03",
                                                    "farm_share": "750.00"})
    paid.post("ArbitrationReimbursed", "2025-04-10", {"appeal_id": "ap-1", "on": "2025-04-10"}, role="farm")
    ledger.tick(end_of("2025-06-01"))
    assert changes(paid) == []


def test_su2_a_suspension_written_by_a_tick_reaches_the_owners_other_farm(ledger: EmbeddedLedger) -> None:
    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    link(sibling, "b-1")
    origin.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # AU-4: nobody terminated
    assert changes(origin) == [] and sibling.derived("SuspensionNoticed") == []
    report = ledger.tick(end_of("2025-02-05"))
    assert changes(origin) == [("suspended", "suspension", "2025-02-05")]
    assert [e.farm_id for e in report.appended] == ["farm-b"]  # the notice went through the log
    assert changes(sibling) == [("suspended", "suspension", "2025-02-05")]
    assert told(sibling, "b-1") == [("suspension", "suspended", "2025-02-05")]
    assert sibling.standing("2025-02-05")["suspension_count"] == 1  # the query-time notice is the same event


def test_dignity_tick_writes_once_and_never_runs_ahead_of_the_clock(ledger: EmbeddedLedger, tmp_path: Path) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-02-03")
    farm.reentry("2025-02-20")
    url = str(ledger.engine.url)
    ledger.engine.dispose()
    runner = CliRunner()
    first = runner.invoke(app, ["tick", "--as-of", "2025-03-06", "--db", url, "--json"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert [(d["type"], d["data"]["kind"]) for d in out["derived"]] == [("StandingChanged", "reinstated")]
    again = runner.invoke(app, ["tick", "--as-of", "2025-03-06", "--db", url, "--json"])
    assert json.loads(again.output)["derived"] == []
    ahead = runner.invoke(app, ["tick", "--as-of", "2999-01-01", "--db", url])
    assert ahead.exit_code == 2 and "after today" in ahead.output
