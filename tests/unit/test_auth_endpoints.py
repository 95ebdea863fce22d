"""Every endpoint against every role (issue 5): no endpoint answers without a token, each role reaches
what it may and is refused the rest, a farm or buyer token never reads another's data, and only MDSC
unseals (CO-4, crypto-shredding)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_jsonl
from services.log.sql_log import SqlEventLog
from tests.conftest import event, post
from tests.unit.test_su_common import Farm, at

pytestmark = pytest.mark.usefixtures("local_receivers")  # receivers on 127.0.0.1, allow-listed

COMPLAINANT = {"name": "Ana Pérez", "contact": "+1 802 555 0100"}
SUBJECTS = {"mdsc": "auditor-1", "farm": "farm-1", "cooperative": "coop-1", "buyer": "buyer-1",
            "arbitrator": "arb-1"}


def setup_program(ledger: EmbeddedLedger) -> str:
    """farm-1 (coop-1, buyer-1, appeal ap-1 heard by arb-1, a confidential complaint) and farm-2 (coop-2,
    buyer-2). Returns the complaint's event id."""
    post(ledger, event("BonusWorksheetSet", "program", at("2025-01-01"),
                       {"effective_on": "2025-01-01", "worker_share": "0.8"}))
    for n in (1, 2):
        farm = Farm(ledger, f"farm-{n}", f"owner-{n}")
        farm.post("CooperativeLinked", "2025-01-06", {"cooperative_id": f"coop-{n}"})
        farm.post("BuyerLinked", "2025-01-06", {"buyer_id": f"buyer-{n}", "since": "2025-01-06"})
        farm.violation(f"v-{n}", "2025-03-03", "I", "a")
        farm.appeal(f"ap-{n}", "suspension", f"v-{n}", "2025-03-05")
    complaint = event("ComplaintReceived", "farm-1", at("2025-02-03"), {
        "complaint_id": "c-1", "received_by": "worker_org", "received_at": at("2025-02-03"), "confidential": True,
        "categories": ["wages"], "complainant": COMPLAINANT}, role="worker_org")
    assert post(ledger, complaint).accepted == 1
    TokenStore(ledger.engine).assign("arb-1", "farm-1", "ap-1")
    return str(complaint["event_id"])


@pytest.fixture
def api(tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    complaint = setup_program(ledger)
    store = TokenStore(ledger.engine)
    tokens = {role: store.issue(role, subject).secret for role, subject in SUBJECTS.items()}
    client = TestClient(create_app(url, deliver=False))
    yield {"client": client, "tokens": tokens, "complaint": complaint, "ledger": ledger}
    ledger.engine.dispose()


def call(api: dict[str, Any], role: str | None, method: str, path: str, content_type: str | None = None,
         **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {api['tokens'][role]}"} if role else {}
    if content_type:
        headers["Content-Type"] = content_type
    return api["client"].request(method, path, headers=headers, **kw)


ALL = set(SUBJECTS)
# (method, path, roles answered 2xx; every other role gets 403)
MATRIX: list[tuple[str, str, set[str]]] = [
    ("GET", "/health", ALL),
    ("GET", "/farms", ALL),
    ("GET", "/farms/farm-1/history", {"mdsc", "farm"}),
    ("GET", "/farms/farm-2/history", {"mdsc"}),
    ("GET", "/farms/farm-1/standing", ALL),
    ("GET", "/farms/farm-2/standing", {"mdsc"}),
    ("GET", "/farms/farm-1/passthrough?period=2025-02", {"mdsc", "farm"}),
    ("GET", "/farms/farm-2/passthrough?period=2025-02", {"mdsc"}),
    ("GET", "/farms/farm-1/appeals", {"mdsc", "farm", "arbitrator"}),
    ("GET", "/farms/farm-2/appeals", {"mdsc"}),
    ("GET", "/deadlines", {"mdsc", "farm"}),
    ("GET", "/deadlines?farm=farm-1", {"mdsc", "farm"}),
    ("GET", "/deadlines?farm=farm-2", {"mdsc"}),
    ("GET", "/findings", {"mdsc", "farm"}),
    ("GET", "/findings?farm=farm-2", {"mdsc"}),
    ("GET", "/notifications?buyer=buyer-1", {"mdsc", "buyer"}),
    ("GET", "/notifications?buyer=buyer-2", {"mdsc"}),
    ("GET", "/buyers/buyer-1/webhooks", {"mdsc", "buyer"}),
    ("GET", "/buyers/buyer-2/webhooks", {"mdsc"}),
    ("GET", "/buyers/buyer-1/deliveries", {"mdsc", "buyer"}),
    ("GET", "/appeals", {"mdsc", "arbitrator"}),
    ("GET", "/dashboard", {"mdsc", "farm", "cooperative", "buyer"}),  # a cooperative or buyer: to its own page
    ("GET", "/dashboard/farms/farm-1", {"mdsc", "farm"}),
    ("GET", "/dashboard/farms/farm-2", {"mdsc"}),
    ("GET", "/farms/farm-1/events/{complaint}/unsealed", {"mdsc"}),
    ("POST", "/persons/person-nobody/forget", {"mdsc"}),
    ("POST", "/appeals/assignments", {"mdsc"}),
    ("POST", "/buyers/buyer-1/webhooks", {"mdsc", "buyer"}),
    ("GET", "/dashboard/upload", {"mdsc", "farm", "cooperative"}),
    ("GET", "/dashboard/record", {"mdsc"}),
    ("GET", "/dashboard/record/ViolationFound", {"mdsc"}),
    ("GET", "/dashboard/buyer?buyer=buyer-1", {"mdsc", "buyer"}),
    ("GET", "/dashboard/buyer?buyer=buyer-2", {"mdsc"}),
    ("GET", "/dashboard/farms/farm-1/cases/violation/v-1", {"mdsc", "farm"}),
    ("GET", "/dashboard/farms/farm-2/cases/violation/v-2", {"mdsc"}),
    ("GET", "/dashboard/farms/farm-1/report.pdf?period=2025-03", {"mdsc", "farm"}),
    ("GET", "/dashboard/farms/farm-1/findings.csv", {"mdsc", "farm"}),
    ("GET", "/metrics", {"mdsc"}),
]
BODIES = {"/appeals/assignments": {"arbitrator_id": "arb-2", "farm_id": "farm-2", "appeal_id": "ap-2"},
          "/buyers/buyer-1/webhooks": {"url": "http://127.0.0.1:9/hook"}}


@pytest.mark.parametrize(("method", "path", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_each_role_against_each_endpoint(api: dict[str, Any], method: str, path: str, allowed: set[str]) -> None:
    path = path.replace("{complaint}", api["complaint"])
    kw = {"json": BODIES[path]} if path in BODIES else {}
    assert call(api, None, method, path, **kw).status_code == 401
    for role in SUBJECTS:
        answer = call(api, role, method, path, **kw)
        if role in allowed:
            assert 200 <= answer.status_code < 300, (role, answer.status_code, answer.text[:300])
        else:
            assert answer.status_code == 403, (role, answer.status_code, answer.text[:300])


def test_no_endpoint_answers_without_a_token(api: dict[str, Any]) -> None:
    """Every operation of the OpenAPI document, called without a token (or with a revoked one), is 401;
    the only public operations are the dashboard's sign-in and sign-out."""
    paths = api["client"].get("/openapi.json").json()["paths"]
    store = TokenStore(api["ledger"].engine)
    revoked = store.issue("mdsc", "gone")
    store.revoke(revoked.token_id)
    public = {("post", "/dashboard/login"), ("post", "/dashboard/logout")}
    checked = 0
    for path, operations in paths.items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in operations:
            if (method, path) in public:
                continue
            for headers in ({}, {"Authorization": f"Bearer {revoked.secret}"}, {"Authorization": "Bearer dl_nope"}):
                answer = api["client"].request(method.upper(), concrete, headers=headers)
                assert answer.status_code == 401, (method, path, answer.status_code)
            checked += 1
    assert checked >= 20


def test_lists_are_filtered_to_the_tokens_own_farms(api: dict[str, Any]) -> None:
    expected = {"mdsc": ["farm-1", "farm-2"], "farm": ["farm-1"], "cooperative": ["farm-1"], "buyer": ["farm-1"],
                "arbitrator": ["farm-1"]}
    for role, farms in expected.items():
        assert call(api, role, "GET", "/farms").json() == farms
    farm_rows = call(api, "farm", "GET", "/deadlines").json()
    assert farm_rows and {r["farm_id"] for r in farm_rows} == {"farm-1"}
    assert {r["farm_id"] for r in call(api, "mdsc", "GET", "/deadlines").json()} == {"farm-1", "farm-2"}
    assert call(api, "arbitrator", "GET", "/appeals").json()[0]["appeal_id"] == "ap-1"
    assert set(call(api, "arbitrator", "GET", "/farms/farm-1/appeals").json()) == {"ap-1"}


def test_co4_complainant_hidden_from_farm_unsealed_for_mdsc_and_erased_after_forget(api: dict[str, Any]) -> None:
    def complaint(role: str) -> dict[str, Any]:
        rows = call(api, role, "GET", "/farms/farm-1/history").json()
        return next(r for r in rows if r["type"] == "ComplaintReceived")

    assert complaint("farm")["data"]["complainant"] is None
    sealed = complaint("mdsc")["data"]["complainant"]
    person = sealed["person_id"]  # the ledger's
    assert person.startswith("person-") and "Ana" not in str(sealed)
    unseal = f"/farms/farm-1/events/{api['complaint']}/unsealed"
    clear = call(api, "mdsc", "GET", unseal).json()["data"]["complainant"]
    assert clear == {"person_id": person, **COMPLAINANT}
    page = call(api, "farm", "GET", "/dashboard/farms/farm-1").text
    assert "Ana" not in page and person not in page
    assert call(api, "mdsc", "POST", f"/persons/{person}/forget").json() == {"person_id": person, "erased": True}
    assert call(api, "mdsc", "GET", unseal).json()["data"]["complainant"] == {"erased": True}
    assert not list(SqlEventLog(api["ledger"].engine).verify())  # the chain still verifies


def test_posting_gives_dignity_ingests_answer_with_a_result_per_line(api: dict[str, Any], tmp_path: Path) -> None:
    import orjson

    lines = [
        event("WorkerHired", "farm-1", at("2025-02-03"), {"worker_id": "w-9", "hired_on": "2025-02-03"},
              role="farm"),
        {"type": "WorkerHired", "farm_id": "farm-1"},
        event("WorkerHired", "farm-9", at("2025-02-03"), {"worker_id": "w-9", "hired_on": "2025-02-03"},
              role="farm"),
    ]
    body = b"\n".join(orjson.dumps(x) for x in lines)
    answer = call(api, "mdsc", "POST", "/events", "application/x-ndjson", content=body).json()
    twin = EmbeddedLedger(f"sqlite:///{tmp_path / 'twin.db'}")
    setup_program(twin)
    expected = twin.ingest(parse_jsonl(body.splitlines())).as_json()
    twin.engine.dispose()
    assert {k: v for k, v in answer.items() if k != "rows"} == expected
    assert [r["status"] for r in answer["rows"]] == ["accepted", "rejected", "rejected"]
    # a farm token's ids are the farm's own (docs/decisions.md, "Tenancy"): its resend is a duplicate, under
    # the id the ledger gave its first post
    first = call(api, "farm", "POST", "/events", content=orjson.dumps(lines[0])).json()
    again = call(api, "farm", "POST", "/events", content=orjson.dumps(lines[0])).json()
    assert first["accepted"] == 1 and first["rows"][0]["event_id"] != lines[0]["event_id"]
    assert again["duplicates"] == 1 and again["rows"] == [{"line": 1, "status": "duplicate",
                                                           "event_id": first["rows"][0]["event_id"]}]


def test_a_farm_posts_its_own_payroll_and_not_anothers(api: dict[str, Any]) -> None:
    import orjson

    def line(farm: str) -> dict[str, Any]:
        return event("PayrollLineRecorded", farm, at("2025-02-14"), {
            "worker_id": "w-1", "period_start": "2025-02-01", "period_end": "2025-02-14",
            "scheduled_pay_date": "2025-02-14", "paid_on": "2025-02-14", "hours_worked": "80", "hourly_wage": "16.00",
            "md_bonus": "0.00", "other_bonuses": "0.00", "gross": "1280.00", "deductions": [], "net": "1280.00"},
            role="farm")

    body = orjson.dumps([line("farm-1"), line("farm-2")])
    answer = call(api, "farm", "POST", "/events", content=body).json()
    assert answer["accepted"] == 1
    assert answer["rejected"] == [{"line": 2, "error": "farm_id: a farm token posts for its own farm ('farm-1') only"}]
    buyer = call(api, "buyer", "POST", "/events", content=orjson.dumps(line("farm-1"))).json()
    assert buyer["accepted"] == 0 and "may not post PayrollLineRecorded" in buyer["rejected"][0]["error"]


def test_a_cooperative_uploads_the_remittance_template(api: dict[str, Any]) -> None:
    csv = ("payor,attributed_participating_buyer,farm,sales_period,amount,date_received,check_or_transaction_number\n"
           "coop-1,buyer-1,farm-1,2025-02,1500.00,2025-03-04,ACH-77\n"
           "coop-1,buyer-1,farm-2,2025-02,1500.00,2025-03-04,ACH-78\n"
           "coop-1,buyer-1,farm-1,2025-02,$15,2025-03-04,ACH-79\n")
    answer = call(api, "cooperative", "POST", "/templates/remittance", "text/csv", content=csv.encode()).json()
    assert (answer["accepted"], [r["line"] for r in answer["rejected"]]) == (1, [2, 3])
    assert [r["status"] for r in answer["rows"]] == ["accepted", "rejected", "rejected"]
    assert "currency sign" in answer["rejected"][1]["error"]
    assert call(api, "cooperative", "POST", "/templates/nope", content=b"a,b\n").status_code == 404
    passthrough = call(api, "farm", "GET", "/farms/farm-1/passthrough?period=2025-03").json()
    assert (passthrough["premium_received"], passthrough["bonus_pool"]) == ("1500.00", "1200.00")


def test_a_buyer_manages_its_own_webhooks_only(api: dict[str, Any]) -> None:
    made = call(api, "buyer", "POST", "/buyers/buyer-1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    assert made.status_code == 201 and made.json()["secret"]
    listed = call(api, "buyer", "GET", "/buyers/buyer-1/webhooks").json()
    assert [s["subscription_id"] for s in listed] == [made.json()["subscription_id"]]
    assert "secret" not in listed[0]
    assert call(api, "buyer", "POST", "/buyers/buyer-2/webhooks", json={"url": "http://127.0.0.1:9/x"}
                ).status_code == 403
    assert call(api, "buyer", "GET", "/notifications").json() == call(api, "mdsc", "GET",
                                                                      "/notifications?buyer=buyer-1").json()


def test_co4_a_history_row_that_does_not_name_its_type_is_still_hidden_from_farm(api: dict[str, Any]) -> None:
    """The history streams bodies undecoded unless the reader's role may see them rewritten: a row without a
    type (the distributed shape, body in the row) must be decoded and looked at, never passed on."""
    from sqlalchemy import select, update

    from services.store.history import history_rows
    from services.store.schema import events, history

    engine = api["ledger"].engine
    with engine.begin() as conn:
        [(seq, body)] = [(seq, body) for _, seq, kind, body in history_rows(conn, "farm-1")
                         if kind == "ComplaintReceived" and b'"confidential":true' in body]
        position = conn.execute(select(history.c.position).where(
            history.c.farm_id == "farm-1", history.c.seq == seq)).scalar()
        occurred, recorded = conn.execute(select(events.c.occurred_at, events.c.recorded_at).where(
            events.c.position == position)).one()
        conn.execute(update(history).where(history.c.farm_id == "farm-1", history.c.seq == seq).values(
            body=body, position=None, type=None, occurred_at=occurred, recorded_at=recorded))
    rows = call(api, "farm", "GET", "/farms/farm-1/history").json()
    complaint = next(r for r in rows if r["type"] == "ComplaintReceived" and r["data"].get("confidential"))
    assert complaint["data"]["complainant"] is None
    assert call(api, "mdsc", "GET", "/farms/farm-1/history").json() != rows  # MDSC still sees it sealed
