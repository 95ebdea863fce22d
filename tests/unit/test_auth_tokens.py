"""Tokens (issue 5): issued once, stored as a digest, revocable; and posting under a token, which applies
the policy line by line with `dignity ingest`'s answers plus a result per row."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from services.auth.posting import ingest
from services.auth.roles import Principal
from services.auth.scope import load_scope
from services.auth.tokens import TokenStore
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.ledger.templates import parse_template
from services.store.schema import api_tokens
from tests.conftest import event
from tests.unit.test_su_common import Farm, at

HEADER = "payor,attributed_participating_buyer,farm,sales_period,amount,date_received,check_or_transaction_number\n"


def test_a_token_is_shown_once_and_stored_only_as_a_digest(ledger: EmbeddedLedger) -> None:
    store = TokenStore(ledger.engine)
    issued = store.issue("farm", "farm-1", label="payroll office")
    assert issued.secret.startswith("dl_") and len(issued.secret) > 40
    with ledger.engine.connect() as conn:
        stored = conn.execute(select(api_tokens)).mappings().one()
    assert issued.secret not in {str(v) for v in stored.values()}
    assert store.authenticate(issued.secret) == Principal("farm", "farm-1", issued.token_id)
    assert store.authenticate(issued.secret + "x") is None
    assert store.authenticate("Bearer " + issued.secret) is None


def test_a_revoked_token_stops_working(ledger: EmbeddedLedger) -> None:
    store = TokenStore(ledger.engine)
    issued = store.issue("buyer", "buyer-1")
    assert store.revoke(issued.token_id)
    assert store.authenticate(issued.secret) is None
    assert not store.revoke(issued.token_id)


def test_only_the_five_roles_get_tokens(ledger: EmbeddedLedger) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        TokenStore(ledger.engine).issue("system", "dignity-ledger")
    with pytest.raises(ValueError, match="subject"):
        TokenStore(ledger.engine).issue("farm", " ")


def test_arbitrators_are_assigned_appeals(ledger: EmbeddedLedger) -> None:
    store = TokenStore(ledger.engine)
    assert store.assign("arb-1", "farm-1", "ap-1")
    assert not store.assign("arb-1", "farm-1", "ap-1")
    assert load_scope(ledger.engine, "farm-1").assignments == {("arb-1", "ap-1")}
    assert [a["appeal_id"] for a in store.assignments("arb-1")] == ["ap-1"]
    assert store.assignments("arb-2") == []


def linked_farms(ledger: EmbeddedLedger) -> None:
    for farm_id, coop in (("farm-1", "coop-1"), ("farm-2", "coop-2")):
        farm = Farm(ledger, farm_id, f"owner-{farm_id}")
        farm.post("CooperativeLinked", "2025-01-06", {"cooperative_id": coop})


def post_csv(ledger: EmbeddedLedger, who: Principal, text: str) -> dict[str, object]:
    parsed = parse_template("remittance", io.BytesIO(text.encode()), ledger)
    return ingest(ledger, parsed, who, lambda f: load_scope(ledger.engine, f))


def test_a_cooperative_uploads_remittances_for_its_farms_only_with_a_result_per_row(ledger: EmbeddedLedger) -> None:
    linked_farms(ledger)
    coop = Principal("cooperative", "coop-1")
    text = HEADER + ("coop-1,buyer-1,farm-1,2025-02,1200.00,2025-03-03,CHK-1\n"
                     "coop-1,buyer-1,farm-2,2025-02,900.00,2025-03-03,CHK-2\n"
                     "coop-1,buyer-1,farm-1,2025-02,\"1,200.00\",2025-03-03,CHK-3\n")
    answer = post_csv(ledger, coop, text)
    assert answer["accepted"] == 1 and answer["duplicates"] == 0
    assert answer["rejected"] == [
        {"line": 2, "error": "farm_id: farm 'farm-2' is not linked to cooperative 'coop-1'"},
        {"line": 3, "error": "amount: '1,200.00' has a comma: write the amount without separators, e.g. 1200.00"},
    ]
    assert [(r["line"], r["status"]) for r in answer["rows"]] == [(1, "accepted"), (2, "rejected"), (3, "rejected")]
    again = post_csv(ledger, coop, HEADER + "coop-1,buyer-1,farm-1,2025-02,1200.00,2025-03-03,CHK-1\n")
    assert again["duplicates"] == 1 and again["rows"] == [
        {"line": 1, "status": "duplicate", "event_id": answer["rows"][0]["event_id"]}]
    remitted = [e for e in queries.farm_history(ledger.engine, "farm-1", *(2 * [ledger.clock()]))
                if e["type"] == "PremiumRemitted"]
    assert len(remitted) == 1 and remitted[0]["actor"] == {"role": "cooperative", "id": "coop-1"}


def test_non_mdsc_events_carry_the_tokens_actor_and_mdsc_keeps_the_senders(ledger: EmbeddedLedger) -> None:
    linked_farms(ledger)
    line = event("WorkerHired", "farm-1", at("2025-02-03"), {"worker_id": "w-1", "hired_on": "2025-02-03",
                                                             "supervisory": False, "relative_of_owner": False},
                 role="mdsc")
    complaint = event("ComplaintReceived", "farm-1", at("2025-02-04"), {
        "complaint_id": "c-1", "received_by": "worker_org", "received_at": at("2025-02-04"), "confidential": True,
        "complainant": {"name": "Ana", "contact": "555-0100"}}, role="worker_org")
    farm_answer = ingest(ledger, parse_dicts([(1, line), (2, complaint)]), Principal("farm", "farm-1"),
                         lambda f: load_scope(ledger.engine, f))
    assert farm_answer["accepted"] == 1
    assert farm_answer["rejected"][0]["line"] == 2 and "received_by" in farm_answer["rejected"][0]["error"]
    mdsc_answer = ingest(ledger, parse_dicts([(1, complaint)]), Principal("mdsc", "alice"),
                         lambda f: load_scope(ledger.engine, f))
    assert mdsc_answer["accepted"] == 1
    rows = {e["type"]: e for e in queries.farm_history(ledger.engine, "farm-1", *(2 * [ledger.clock()]))}
    assert rows["WorkerHired"]["actor"] == {"role": "farm", "id": "farm-1"}
    assert rows["ComplaintReceived"]["actor"] == {"role": "worker_org", "id": "worker_org-1"}
    assert "sealed" in rows["ComplaintReceived"]["data"]["complainant"]  # sealed before it was stored
