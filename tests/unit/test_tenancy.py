"""Tenants who test their limits (issue 9, SPEC §6): a cooperative posts only as the payor, ids the ledger
derives cannot be guessed and one sender's ids never touch another's, and the ledger assigns person ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.auth import policy
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.auth.tokens import TokenStore
from services.ledger.embedded import EmbeddedLedger
from services.ledger.templates import parse_template
from services.sealing.ids import id_secret, ledger_id
from tests.conftest import event, post
from tests.unit.test_auth_endpoints import SUBJECTS, setup_program
from tests.unit.test_su_common import at

HEADER = "payor,attributed_participating_buyer,farm,sales_period,amount,date_received,check_or_transaction_number\n"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    setup_program(ledger)
    store = TokenStore(ledger.engine)
    tokens = {role: store.issue(role, subject).secret for role, subject in SUBJECTS.items()}
    tokens["farm-2"] = store.issue("farm", "farm-2").secret
    tokens["coop-2"] = store.issue("cooperative", "coop-2").secret
    yield {"client": TestClient(create_app(url, deliver=False)), "tokens": tokens, "ledger": ledger}
    ledger.engine.dispose()


def send(api: dict[str, Any], who: str, path: str, body: bytes) -> dict[str, Any]:
    answer = api["client"].post(path, content=body, headers={"Authorization": f"Bearer {api['tokens'][who]}"})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def remittance(payor: str, farm: str = "farm-1", reference: str = "ACH-1", **envelope: Any) -> dict[str, Any]:
    return event("PremiumRemitted", farm, at("2025-03-04"), {
        "remittance_id": f"{payor}/{reference}", "payor_id": payor, "attributed_buyer_id": "buyer-1",
        "sales_period": "2025-02", "amount": "100.00", "received_on": "2025-03-04", "reference": reference},
        role="cooperative", **envelope)


def hire(farm: str, worker: str, **envelope: Any) -> dict[str, Any]:
    return event("WorkerHired", farm, at("2025-02-03"), {"worker_id": worker, "hired_on": "2025-02-03"},
                 role="farm", **envelope)


# -- 1. a cooperative posts remittances only as their payor -----------------------------------------------

def test_tenancy_cooperative_posts_only_as_payor(api: dict[str, Any]) -> None:
    scope = FarmScope("farm-1", True, frozenset({"coop-1", "coop-2"}))
    coop = Principal("cooperative", "coop-1")
    assert policy.may_post(coop, "PremiumRemitted", scope, {"payor_id": "coop-1"})
    refusal = policy.may_post(coop, "PremiumRemitted", scope, {"payor_id": "coop-2"})
    assert not refusal and refusal.field == "data.payor_id"

    # JSON API: its own remittance is accepted, one naming another cooperative as payor is not
    body = orjson.dumps([remittance("coop-1"), remittance("coop-2", reference="ACH-2")])
    answer = send(api, "cooperative", "/events", body)
    assert answer["accepted"] == 1
    assert answer["rejected"] == [{"line": 2, "error": "data.payor_id: a cooperative token posts remittances it "
                                                        "paid: payor_id must be 'coop-1'"}]
    # CSV upload: the refused row names the template's column
    csv = (HEADER + "coop-1,buyer-1,farm-1,2025-02,50.00,2025-03-04,ACH-3\n"
           "coop-2,buyer-1,farm-1,2025-02,50.00,2025-03-04,ACH-4\n")
    answer = send(api, "cooperative", "/templates/remittance", csv.encode())
    assert answer["accepted"] == 1 and [r["line"] for r in answer["rejected"]] == [2]
    assert answer["rejected"][0]["error"].startswith("payor: ")
    # MDSC records a remittance on a cooperative's behalf
    assert send(api, "mdsc", "/events", orjson.dumps(remittance("coop-2", reference="ACH-5")))["accepted"] == 1


def test_tenancy_cooperative_posts_only_as_payor_through_the_cli_with_a_token(api: dict[str, Any],
                                                                            tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from services.cli.main import app as cli

    db = str(api["ledger"].engine.url)
    upload = tmp_path / "remittances.csv"
    upload.write_text(HEADER + "coop-1,buyer-1,farm-1,2025-02,50.00,2025-03-04,CLI-1\n"
                               "coop-2,buyer-1,farm-1,2025-02,50.00,2025-03-04,CLI-2\n")
    run = CliRunner().invoke(cli, ["ingest", str(upload), "--template", "remittance", "--db", db, "--json",
                                   "--token", api["tokens"]["cooperative"]])
    assert run.exit_code == 1, run.output
    report = json.loads(run.output[run.output.index("{"):])
    assert report["accepted"] == 1 and [r["line"] for r in report["rejected"]] == [2]
    assert report["rejected"][0]["error"].startswith("payor: a cooperative token posts remittances it paid")
    bad = CliRunner().invoke(cli, ["ingest", str(upload), "--template", "remittance", "--db", db,
                                   "--token", "dl_unknown"])
    assert bad.exit_code == 2 and "unknown or revoked token" in bad.output


# -- 2. ids the ledger derives cannot be guessed; one sender's ids never touch another's ---------------------

def test_tenancy_derived_ids_cannot_be_guessed_from_public_data(tmp_path: Path) -> None:
    import io

    def row_id(db: Path) -> tuple[str, bytes]:
        ledger = EmbeddedLedger(f"sqlite:///{db}")
        setup_program(ledger)
        csv = (HEADER + "coop-1,buyer-1,farm-1,2025-02,50.00,2025-03-04,ACH-3\n").encode()
        parsed = list(parse_template("remittance", io.BytesIO(csv), ledger))
        secret = id_secret(ledger.engine)
        ledger.engine.dispose()
        return str(parsed[0][1].event_id), secret  # type: ignore[union-attr]

    a, b = tmp_path / "a" / "ledger.db", tmp_path / "b" / "ledger.db"
    a.parent.mkdir()
    b.parent.mkdir()
    (first, secret), (again, _), (other, _) = row_id(a), row_id(a), row_id(b)
    assert first == again  # deterministic for one ledger: a resend is recognised
    assert first != other  # but a function of the ledger's secret, not of the public payor and reference
    old_scheme = uuid.uuid5(uuid.UUID("2b0f6a52-0d4e-4a43-9c53-8f1d2a7c6e10"), "PremiumRemitted/coop-1/ACH-3")
    assert first != str(old_scheme)
    assert len(secret) == 32 and secret not in a.read_bytes()  # kept with the person keys, not the events
    import sqlite3

    with sqlite3.connect(a.parent / "ledger.keys.db") as keys:
        assert keys.execute("select value from secrets where name = 'ledger-ids'").fetchone() == (secret,)


def test_tenancy_a_farm_cannot_pre_post_under_a_cooperatives_future_id(api: dict[str, Any]) -> None:
    """Even a farm that somehow knew the id the cooperative's next CSV row will get cannot take it."""
    engine = api["ledger"].engine
    future = ledger_id(id_secret(engine), "cooperative:coop-1", "PremiumRemitted/coop-1/ACH-9")
    squat = send(api, "farm", "/events", orjson.dumps(hire("farm-1", "w-squat", event_id=future)))
    assert squat["accepted"] == 1 and squat["rows"][0]["event_id"] != future
    csv = HEADER + "coop-1,buyer-1,farm-1,2025-02,50.00,2025-03-04,ACH-9\n"
    answer = send(api, "cooperative", "/templates/remittance", csv.encode())
    assert (answer["accepted"], answer["rejected"]) == (1, [])
    # ... and the same through the operator's door (`dignity ingest`, no token): the CSV id is not taken
    import io

    report = api["ledger"].ingest(parse_template(
        "remittance", io.BytesIO((HEADER + "coop-1,buyer-1,farm-1,2025-02,60.00,2025-03-04,ACH-10\n").encode()),
        api["ledger"]))
    assert (report.accepted, report.rejected) == (1, [])


def test_tenancy_one_senders_event_never_makes_anothers_refused(api: dict[str, Any]) -> None:
    shared = str(uuid.uuid4())
    one = send(api, "farm", "/events", orjson.dumps(hire("farm-1", "w-1", event_id=shared)))
    two = send(api, "farm-2", "/events", orjson.dumps(hire("farm-2", "w-2", event_id=shared)))
    assert one["accepted"] == 1 and two["accepted"] == 1
    assert one["rows"][0]["event_id"] != two["rows"][0]["event_id"]
    # each sender's resend is its own duplicate; a changed resend is refused to that sender only
    assert send(api, "farm-2", "/events", orjson.dumps(hire("farm-2", "w-2", event_id=shared)))["duplicates"] == 1
    changed = send(api, "farm", "/events", orjson.dumps(hire("farm-1", "w-other", event_id=shared)))
    assert changed["accepted"] == 0 and "already recorded with different content" in changed["rejected"][0]["error"]
    # an id MDSC used cannot block a farm either
    mdsc_id = str(uuid.uuid4())
    assert send(api, "mdsc", "/events", orjson.dumps(hire("farm-2", "w-3", event_id=mdsc_id)))["accepted"] == 1
    assert send(api, "farm-2", "/events", orjson.dumps(hire("farm-2", "w-4", event_id=mdsc_id)))["accepted"] == 1


def test_tenancy_a_reused_id_does_not_answer_whether_it_exists(api: dict[str, Any]) -> None:
    taken = str(uuid.uuid4())
    send(api, "farm", "/events", orjson.dumps(hire("farm-1", "w-1", event_id=taken)))

    def probe(event_id: str) -> dict[str, Any]:
        answer = send(api, "farm-2", "/events", orjson.dumps(hire("farm-2", "w-9", event_id=event_id)))
        return {**answer, "rows": [{k: v for k, v in r.items() if k != "event_id"} for r in answer["rows"]]}

    assert probe(taken) == probe(str(uuid.uuid4())) == {
        "accepted": 1, "duplicates": 0, "rejected": [], "rows": [{"line": 1, "status": "accepted"}]}


def test_tenancy_a_farm_corrects_its_own_payroll_line_by_its_own_id(api: dict[str, Any]) -> None:
    def line(hours: str, event_id: str, corrects: str | None = None) -> dict[str, Any]:
        return event("PayrollLineRecorded", "farm-1", at("2025-02-14"), {
            "worker_id": "w-1", "period_start": "2025-02-01", "period_end": "2025-02-14",
            "scheduled_pay_date": "2025-02-14", "paid_on": "2025-02-14", "hours_worked": hours,
            "hourly_wage": "16.00", "md_bonus": "0.00", "other_bonuses": "0.00", "gross": "1280.00",
            "deductions": [], "net": "1280.00", "corrects": corrects}, role="farm", event_id=event_id)

    mine, fix = str(uuid.uuid4()), str(uuid.uuid4())
    first = send(api, "farm", "/events", orjson.dumps(line("80", mine)))
    stored = first["rows"][0]["event_id"]
    send(api, "farm", "/events", orjson.dumps(line("70", fix, corrects=mine)))
    history = api["client"].get("/farms/farm-1/history",
                                headers={"Authorization": f"Bearer {api['tokens']['farm']}"}).json()
    correction = next(r for r in history if r["type"] == "PayrollLineRecorded" and r["data"]["corrects"])
    assert correction["data"]["corrects"] == stored  # the farm's own id named its own line


# -- 3. the ledger assigns person ids ---------------------------------------------------------------------

def complaint(complainant: dict[str, Any], complaint_id: str = "c-9") -> dict[str, Any]:
    return event("ComplaintReceived", "farm-1", at("2025-02-05"), {
        "complaint_id": complaint_id, "received_by": "farm", "received_at": at("2025-02-05"), "confidential": False,
        "categories": ["wages"], "complainant": complainant}, role="farm")


def test_tenancy_the_ledger_assigns_person_ids(api: dict[str, Any]) -> None:
    ledger: EmbeddedLedger = api["ledger"]
    history = api["client"].get("/farms/farm-1/history",
                                headers={"Authorization": f"Bearer {api['tokens']['mdsc']}"}).json()
    ana = next(r for r in history if r["type"] == "ComplaintReceived")["data"]["complainant"]

    # a farm naming an existing person's id, or copying their sealed value, is refused (API and CLI door)
    forged = send(api, "farm", "/events", orjson.dumps([
        complaint({"name": "Someone Else", "person_id": ana["person_id"]}),
        complaint(ana, "c-10")]))
    assert forged["accepted"] == 0
    assert [r["error"].split(":")[0] for r in forged["rejected"]] == ["data.complainant.person_id",
                                                                     "data.complainant"]
    report = post(ledger, complaint({"name": "Someone Else", "person_id": "person-chosen"}))
    assert report.accepted == 0 and report.rejected[0]["error"].startswith("data.complainant.person_id")

    # in clear, without an id: the ledger picks a fresh one each time, and Ana's key is untouched
    ok = send(api, "farm", "/events", orjson.dumps([complaint({"name": "Bo"}, "c-11"),
                                                     complaint({"name": "Bo"}, "c-12")]))
    assert ok["accepted"] == 2
    history = api["client"].get("/farms/farm-1/history",
                                headers={"Authorization": f"Bearer {api['tokens']['mdsc']}"}).json()
    sealed = [r["data"]["complainant"] for r in history if r["type"] == "ComplaintReceived"]
    ids = [s["person_id"] for s in sealed]
    assert len(set(ids)) == len(ids) == 3
    assert ledger.vault.unseal(ana)["name"] == "Ana Pérez"
    assert [ledger.vault.unseal(s)["name"] for s in sealed[1:]] == ["Bo", "Bo"]


# -- 5. the dashboard cookie on the dashboard's pages only; its forms carry a CSRF token --------------------

def signed_in(api: dict[str, Any]) -> tuple[TestClient, str]:
    """A browser signed in as MDSC, and the CSRF token its pages carry."""
    import re

    client: TestClient = api["client"]
    assert client.post("/dashboard/login", data={"token": api["tokens"]["mdsc"]},
                       follow_redirects=False).status_code == 303
    page = client.get("/dashboard")
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert page.status_code == 200 and found is not None
    return client, found[1]


def test_tenancy_dashboard_cookie_only_on_dashboard_pages(api: dict[str, Any]) -> None:
    client, _ = signed_in(api)
    assert client.get("/dashboard/farms/farm-1").status_code == 200
    gets = [path for path, ops in client.get("/openapi.json", headers={
        "Authorization": f"Bearer {api['tokens']['mdsc']}"}).json()["paths"].items()
        if "get" in ops and not path.startswith("/dashboard")]
    assert len(gets) >= 10
    for path in gets:
        concrete = path.replace("{farm_id}", "farm-1").replace("{buyer_id}", "buyer-1")
        assert client.get(concrete.replace("{", "x").replace("}", "")).status_code == 401, path
    # the same routes answer the bearer token
    bearer = {"Authorization": f"Bearer {api['tokens']['mdsc']}"}
    assert client.get("/farms", headers=bearer).json() == ["farm-1", "farm-2"]


def test_tenancy_dashboard_forms_carry_a_csrf_token(api: dict[str, Any]) -> None:
    from fastapi import Depends
    from fastapi.responses import PlainTextResponse

    from services.auth.deps import principal

    app = api["client"].app

    def form_action(who: Principal = Depends(principal)) -> PlainTextResponse:  # noqa: B008 (FastAPI style)
        return PlainTextResponse(f"done by {who.subject}")

    app.add_api_route("/dashboard/probe", form_action, methods=["POST"])  # what a dashboard form would post to
    client, token = signed_in(api)
    form = "application/x-www-form-urlencoded"
    assert client.post("/dashboard/probe", content=b"note=x", headers={"Content-Type": form}).status_code == 403
    wrong = client.post("/dashboard/probe", content=b"csrf_token=" + b"0" * 64, headers={"Content-Type": form})
    assert wrong.status_code == 403
    ok = client.post("/dashboard/probe", content=f"note=x&csrf_token={token}".encode(), headers={"Content-Type": form})
    assert ok.status_code == 200 and ok.text == "done by auditor-1"
    assert client.post("/dashboard/probe", headers={"X-CSRF-Token": token}).status_code == 200
    # the right token from another site's page is still refused, and so is a sign-in posted from elsewhere
    assert client.post("/dashboard/probe", headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}
                       ).status_code == 403
    assert client.post("/dashboard/login", data={"token": api["tokens"]["farm"]},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    # a bearer token needs no CSRF token (nothing ambient)
    bearer = {"Authorization": f"Bearer {api['tokens']['farm']}"}
    assert client.post("/dashboard/probe", headers=bearer).text == "done by farm-1"  # the header wins


# -- 6. bounded requests: 413 over the limit, answers stream -------------------------------------------------

def test_tenancy_request_bodies_over_the_limit_get_413(api: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from services.api.limits import DEFAULT, ENV, max_body

    assert max_body() == DEFAULT == 10 * 1024 * 1024
    monkeypatch.setenv(ENV, "2000")
    client = TestClient(create_app(str(api["ledger"].engine.url), deliver=False))
    auth = {"Authorization": f"Bearer {api['tokens']['farm']}"}
    line = orjson.dumps(hire("farm-1", "w-big")) + b"\n"
    def stored() -> int:
        with api["ledger"].engine.connect() as conn:
            return int(conn.exec_driver_sql("select count(*) from events").scalar_one())

    before = stored()
    big = line * (2000 // len(line) + 1)
    assert client.post("/events", content=big, headers=auth).status_code == 413  # by its Content-Length

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield from (line for _ in range(2000 // len(line) + 1))

    refused = client.post("/events", content=chunked(), headers=auth)
    assert refused.status_code == 413 and "2000 bytes" in refused.json()["detail"]
    assert client.post("/templates/payroll", content=b"x" * 2001, headers=auth).status_code == 413
    assert stored() == before  # nothing of a refused body was appended
    assert client.post("/events", content=line, headers=auth).json()["accepted"] == 1  # under the limit


def test_tenancy_answers_stream_and_spill_to_disk(api: dict[str, Any]) -> None:
    from services.auth import posting

    body = b"x\n" * 20_000  # short bad lines: the answer is ~100 times the body
    answer = api["client"].post("/events", content=body,
                                headers={"Authorization": f"Bearer {api['tokens']['farm']}"})
    assert answer.status_code == 200 and "content-length" not in answer.headers  # streamed, not sized up front
    report = answer.json()
    assert (report["accepted"], len(report["rejected"]), len(report["rows"])) == (0, 20_000, 20_000)
    assert [r["line"] for r in report["rows"]] == list(range(1, 20_001))  # in order across chunks
    assert {r["status"] for r in report["rows"]} == {"rejected"}
    # the spool holds a few MB in memory at most, the rest on disk
    spooled = posting.Answer()
    spooled.add({"accepted": 0, "duplicates": 0, "rejected": report["rejected"]}, report["rows"])
    assert spooled._rows._rolled and spooled._rejected._rolled  # type: ignore[attr-defined]
    assert spooled.as_json()["rows"] == report["rows"]


def test_tenancy_a_farm_uploads_the_example_payroll_and_its_correction_applies(tmp_path: Path) -> None:
    """The payroll CSV's `corrects: yes` names the line of the same worker and pay period, whose id only the
    ledger can compute; through the API the farm's namespace and the CSV's key agree."""
    from tests.unit.test_templates import EXAMPLES, FARM, farm, passthrough

    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    farm.__wrapped__(ledger)  # type: ignore[attr-defined]
    store = TokenStore(ledger.engine)
    coop, own = store.issue("mdsc", "staff").secret, store.issue("farm", FARM).secret
    client = TestClient(create_app(str(ledger.engine.url), deliver=False))
    for token, template in ((coop, "remittance"), (own, "payroll")):
        path = EXAMPLES / ("remittances.csv" if template == "remittance" else "payroll.csv")
        answer = client.post(f"/templates/{template}", content=path.read_bytes(),
                             headers={"Authorization": f"Bearer {token}"}).json()
        assert answer["rejected"] == [], answer["rejected"]
    ledger.writer.forget_cache()
    workers = {w["worker_id"]: w["hours"] for w in passthrough(ledger, "2025-02", farm=FARM)["workers"]}
    assert workers["w-004"] == "82.00"  # 43 + 39: the correction replaced the 37
    ledger.engine.dispose()
