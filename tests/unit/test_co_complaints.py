"""CO-1..CO-4: complaints reach MDSC and the farm's contact within 2 working days; impeding an
investigation means probation; a confidential complainant stays hidden from farms and buyers."""

from __future__ import annotations

from typing import Any

import orjson

from projections.complaints.confidential import may_unseal, visible_body
from services.ledger.embedded import EmbeddedLedger
from services.store.states import all_states
from tests.unit.test_su_common import Farm, at


def receive(farm: Farm, cid: str, on: str, by: str = "farm", **extra: Any) -> None:
    data = {"complaint_id": cid, "received_by": by, "received_at": at(on, 9), "categories": ["wages"], **extra}
    farm.post("ComplaintReceived", on, data, role="mdsc" if by == "mdsc" else "worker_org")


def report(farm: Farm, cid: str, on: str) -> None:
    farm.post("ComplaintReportedToMDSC", on, {"complaint_id": cid, "reported_at": at(on, 15)}, role="farm")


def share(farm: Farm, cid: str, on: str) -> None:
    farm.post("ComplaintSharedWithFarm", on, {"complaint_id": cid, "shared_at": at(on, 15)})


def test_co1_reported_to_mdsc_within_two_working_days(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-03-06")  # Thursday: due Monday
    report(farm, "c-1", "2025-03-10")
    receive(farm, "c-2", "2025-03-06", by="worker_org")
    report(farm, "c-2", "2025-03-11")
    rows = {r["subject_id"]: r for r in farm.deadlines("2025-03-12", "CO-1")}
    assert rows["c-1"] == {"rule": "CO-1", "farm_id": "farm-1", "subject_id": "c-1", "due": "2025-03-10",
                           "status": "met", "met_on": "2025-03-10"}
    assert (rows["c-2"]["due"], rows["c-2"]["status"]) == ("2025-03-10", "missed")


def test_co1_across_presidents_day(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-02-14")
    assert farm.deadline("2025-02-18", "CO-1")["due"] == "2025-02-19"
    assert farm.deadline("2025-02-19", "CO-1")["status"] == "open"
    assert farm.deadline("2025-02-20", "CO-1")["status"] == "missed"


def test_co1_a_complaint_mdsc_received_itself_has_nothing_to_report(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-03-06", by="mdsc")
    assert farm.deadlines("2025-03-20", "CO-1") == []


def test_co2_shared_with_the_farm_within_two_working_days_of_mdsc_having_it(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-03-07", by="mdsc")  # Friday: due Tuesday
    share(farm, "c-1", "2025-03-11")
    receive(farm, "c-2", "2025-03-03")
    report(farm, "c-2", "2025-03-04")  # counted from the report: due Thursday
    share(farm, "c-2", "2025-03-07")
    rows = {r["subject_id"]: r for r in farm.deadlines("2025-03-12", "CO-2")}
    assert (rows["c-1"]["due"], rows["c-1"]["status"]) == ("2025-03-11", "met")
    assert (rows["c-2"]["due"], rows["c-2"]["status"]) == ("2025-03-06", "missed")


def test_co2_not_shared_when_the_contact_has_a_conflict_of_interest(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-03-07", by="mdsc", conflict_of_interest=True)
    assert farm.deadlines("2025-04-01", "CO-2") == []


def test_co3_impeding_an_investigation_puts_the_farm_on_probation(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-03-03", by="mdsc")
    assert farm.is_("2025-03-10") == "good_standing"
    farm.post("InvestigationImpeded", "2025-03-10", {"complaint_id": "c-1", "on": "2025-03-10"})
    assert farm.standing("2025-03-10")["standing"] == "probation"
    assert farm.is_("2025-04-10") == "probation"  # no cure date: it never ends by itself (the Code sets none)
    assert farm.is_("2026-03-10") == "probation"


def test_co3_a_probation_without_cure_date_ends_only_with_probation_lifted(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    receive(farm, "c-1", "2025-03-03", by="mdsc")
    farm.post("InvestigationImpeded", "2025-03-10", {"complaint_id": "c-1", "on": "2025-03-10"})
    farm.post("ProbationLifted", "2025-05-02", {"on": "2025-05-02", "reason": "investigation completed"})
    assert farm.is_("2025-05-01") == "probation"
    assert farm.is_("2025-05-02") == "good_standing"
    timed = Farm(ledger, "farm-2", "o-2")  # MDSC's cure_by gives it an end
    timed.post("ProbationImposed", "2025-03-10", {"reason": "CO-3", "on": "2025-03-10", "cure_by": "2025-04-09",
                                                  "subject_id": "c-2"})
    timed.post("InvestigationImpeded", "2025-03-10", {"complaint_id": "c-2", "on": "2025-03-10"})
    assert timed.is_("2025-04-09") == "probation" and timed.is_("2025-04-10") == "good_standing"


def test_co4_confidential_complainant_never_shown_to_farm_or_buyer_roles(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    person = {"name": "Ana Morales", "contact": "+1 802 555 0199"}
    receive(farm, "c-1", "2025-03-03", by="worker_org", confidential=True, complainant=person)
    receive(farm, "c-2", "2025-03-03", by="worker_org", confidential=False, complainant=person)
    [secret, open_] = [e for e in _history(farm) if e["type"] == "ComplaintReceived"]
    assert secret["data"]["complainant"]["sealed"]
    for role in ("farm", "buyer"):
        assert visible_body(secret, role)["data"]["complainant"] is None
        assert visible_body(open_, role)["data"]["complainant"] == open_["data"]["complainant"]
    assert visible_body(secret, "mdsc")["data"]["complainant"] == secret["data"]["complainant"]
    assert may_unseal("mdsc") and not may_unseal("farm") and not may_unseal("buyer")
    with ledger.engine.connect() as conn:  # no read model keeps the complainant
        states = b"".join(orjson.dumps(s) for s in all_states(conn).values())
    assert b"complainant" not in states and b"Ana" not in states


def _history(farm: Farm) -> list[dict[str, Any]]:
    from services.store.history import history_bodies

    with farm.ledger.engine.connect() as conn:
        return [orjson.loads(b) for _, _, b in history_bodies(conn)]
