"""The dashboard's posting pages through the app (issue 12), signed in with the cookie as a browser is: a
form without the page's CSRF token is refused; each page's submission changes what the ledger answers,
for a role that may, and is refused for one that may not; a confidential complainant never shows (CO-4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.delivery import feed
from services.delivery.backoff import Backoff
from services.delivery.sender import Sent
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.database import now
from tests.unit.test_auth_endpoints import COMPLAINANT, SUBJECTS, setup_program

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSV = ("Payor,Attributed Participating Buyer,Farm,Sales Period,Amount,Date Received,Check or Transaction Number\n"
       "coop-1,buyer-1,farm-1,2025-02,1200.00,2025-03-05,CHK-1\n"
       "coop-1,buyer-1,farm-1,2025-02,$12,2025-03-05,CHK-2\n"
       "coop-1,buyer-1,farm-1,2025-02,1200.00,2025-03-05,CHK-1\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("DIGNITY_WEBHOOK_ALLOW", "127.0.0.1")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    setup_program(ledger)
    store = TokenStore(ledger.engine)
    tokens = {role: store.issue(role, subject).secret for role, subject in SUBJECTS.items()}
    tokens["buyer-2"] = store.issue("buyer", "buyer-2").secret
    app = create_app(url, deliver=False)
    yield {"app": app, "tokens": tokens, "ledger": ledger}
    ledger.engine.dispose()


def browser(site: dict[str, Any], who: str, page: str) -> tuple[TestClient, str]:
    """A client signed in with the cookie, and the CSRF token of `page`."""
    client = TestClient(site["app"])
    signed = client.post("/dashboard/login", data={"token": site["tokens"][who], "next": page},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text
    shown = client.get(page)
    assert shown.status_code == 200, shown.text[:300]
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', shown.text)
    assert found is not None
    return client, found[1]


def test_upload_answers_per_row_and_gives_back_the_rejected_rows(site: dict[str, Any]) -> None:
    engine = site["ledger"].engine
    before = queries.passthrough(engine, "farm-1", "2025-03")["premium_received"]
    client, token = browser(site, "cooperative", "/dashboard/upload")
    headers = {"Content-Type": "text/csv"}
    assert client.post("/dashboard/upload/remittance", content=CSV, headers=headers).status_code == 403  # no CSRF
    answer = client.post("/dashboard/upload/remittance", content=CSV, headers={**headers, "X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(r["line"], r["status"]) for r in body["rows"]] == [(1, "accepted"), (2, "rejected"), (3, "duplicate")]
    assert body["rows"][1]["column"] == "amount" and "currency" in body["rows"][1]["why"]
    assert body["rejected_csv"].splitlines() == [CSV.splitlines()[0], CSV.splitlines()[2]]
    after = queries.passthrough(engine, "farm-1", "2025-03")["premium_received"]
    assert (before, after) == ("0.00", "1200.00")  # the ledger answers the remittance
    page = client.get("/dashboard/upload").text
    assert "2025-03" in page and "PremiumRemitted" in page and "1200.00" in page  # posted, by month
    farm, farm_token = browser(site, "farm", "/dashboard/upload")
    refused = farm.post("/dashboard/upload/remittance", content=CSV, headers={**headers, "X-CSRF-Token": farm_token})
    assert refused.status_code == 403 and "does not upload the remittance" in refused.text


def test_record_previews_then_appends_and_refuses_a_farm(site: dict[str, Any]) -> None:
    engine = site["ledger"].engine
    client, token = browser(site, "mdsc", "/dashboard/record/ViolationFound?farm_id=farm-2")
    assert 'name="article"' in client.get("/dashboard/record/ViolationFound").text
    form = {"csrf_token": token, "farm_id": "farm-2", "occurred_at": "2025-04-01T10:00:00-04:00",
            "violation_id": "v-9", "source_id": "audit-9", "article": "IV", "found_on": "2025-04-01",
            "offender.role": "owner", "action": "preview"}
    wrong = client.post("/dashboard/record/ViolationFound", data=form)
    assert wrong.status_code == 422 and 'id="error-article"' in wrong.text and "&#39;I&#39;" in wrong.text
    form["article"] = "II"
    whole = client.post("/dashboard/record/ViolationFound", data=form)  # a rule of the model as a whole
    assert whole.status_code == 422 and 'id="error-data"' in whole.text and "clause must be one of" in whole.text
    form["clause"] = "c"
    preview = client.post("/dashboard/record/ViolationFound", data=form)
    assert preview.status_code == 200 and 'id="preview"' in preview.text and 'id="append"' in preview.text
    event_id = re.search(r'name="event_id" value="([0-9a-f-]{36})"', preview.text)
    assert event_id is not None
    def recorded() -> list[dict[str, Any]]:
        return [e for e in queries.farm_history(engine, "farm-2", now(), now()) if e["event_id"] == event_id[1]]

    assert recorded() == []  # a preview appends nothing
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', preview.text)
    assert previewed is not None
    changed = client.post("/dashboard/record/ViolationFound", follow_redirects=False, data={
        **form, "event_id": event_id[1], "previewed": previewed[1], "clause": "d", "action": "append"})
    assert changed.status_code == 200 and 'id="preview"' in changed.text  # changed since: previewed again
    assert recorded() == []
    form["previewed"] = previewed[1]
    appended = client.post("/dashboard/record/ViolationFound", follow_redirects=False,
                           data={**form, "event_id": event_id[1], "action": "append"})
    assert appended.status_code == 303, appended.text
    assert appended.headers["location"].startswith("/dashboard/farms/farm-2/cases/violation/v-9")
    case = client.get(appended.headers["location"])
    assert case.status_code == 200 and "ViolationFound appended" in case.text and "ViolationFound" in case.text
    assert [e["data"]["violation_id"] for e in recorded()] == ["v-9"]  # `dignity history` answers it
    again = client.post("/dashboard/record/ViolationFound", follow_redirects=False,
                        data={**form, "event_id": event_id[1], "action": "append"})
    assert again.status_code == 303  # the same event twice is one event
    assert len(recorded()) == 1
    farm, farm_token = browser(site, "farm", "/dashboard")
    assert farm.get("/dashboard/record/ViolationFound").status_code == 403
    assert farm.post("/dashboard/record/ViolationFound", data={**form, "csrf_token": farm_token}).status_code == 403


def test_case_pages_keep_a_confidential_complainant_confidential(site: dict[str, Any]) -> None:
    for who in ("farm", "mdsc"):
        client, _ = browser(site, who, "/dashboard/farms/farm-1/cases/complaint/c-1")
        page = client.get("/dashboard/farms/farm-1/cases/complaint/c-1").text
        assert "ComplaintReceived" in page and "CO-1" in page
        assert COMPLAINANT["name"] not in page and COMPLAINANT["contact"] not in page
        assert ("sealed (" in page) is (who == "mdsc")  # MDSC sees that it is sealed; a farm not even that
    client, _ = browser(site, "mdsc", "/dashboard")
    assert client.get("/dashboard/farms/farm-1/cases/complaint/c-404").status_code == 404
    assert "cases/violation/v-1" in client.get("/dashboard/farms/farm-1").text


def test_buyer_page_subscribes_rotates_removes_and_sends_again(site: dict[str, Any]) -> None:
    engine = site["ledger"].engine
    client, token = browser(site, "buyer", "/dashboard/buyer")
    made = client.post("/dashboard/buyer/webhooks", data={"csrf_token": token, "url": "http://127.0.0.1:9/h"})
    assert made.status_code == 200 and "whsec_" in made.text
    (sub,) = Subscriptions(engine).all("buyer-1")
    refused = client.post("/dashboard/buyer/webhooks", data={"csrf_token": token, "url": "http://10.0.0.1/h"})
    assert refused.status_code == 422 and "Not subscribed" in refused.text
    feed.sync(engine)
    hooks = Webhooks(engine, Backoff(max_attempts=1), lambda *a: Sent(False, "HTTP 500"))
    hooks.enqueue()
    hooks.dispatch()
    (dead,) = [d for d in hooks.deliveries() if d["status"] == "dead"]
    page = client.get("/dashboard/buyer").text
    assert dead["delivery_id"] in page and "send again" in page and "suspended" in page
    again = client.post(f"/dashboard/buyer/deliveries/{dead['delivery_id']}/redeliver", data={"csrf_token": token})
    assert again.status_code == 200 and "will be sent again" in again.text
    assert hooks.deliveries(delivery_id=dead["delivery_id"])[0]["status"] == "pending"
    rotated = client.post(f"/dashboard/buyer/webhooks/{sub['subscription_id']}/rotate", data={"csrf_token": token})
    new = re.search(r'class="secret">(whsec_[^<]+)<', rotated.text)
    assert new is not None and new[1] != sub["secret"]
    other, other_token = browser(site, "buyer-2", "/dashboard/buyer")
    stolen = other.post(f"/dashboard/buyer/webhooks/{sub['subscription_id']}/remove", data={"csrf_token": other_token})
    assert stolen.status_code == 404  # buyer-2 cannot touch buyer-1's subscription
    assert other.post("/dashboard/buyer/webhooks", data={"csrf_token": other_token, "buyer": "buyer-1",
                                                         "url": "http://127.0.0.1:9/x"}).status_code == 403
    gone = client.post(f"/dashboard/buyer/webhooks/{sub['subscription_id']}/remove", data={"csrf_token": token})
    assert gone.status_code == 200 and "removed" in gone.text


MILK = ("Processor,Producer,Month,Pounds Shipped,Cwt,Cooperative,Line\n"
        "buyer-1,farm-1,2025-03,150000,,coop-1,L-1\n"
        "buyer-1,farm-1,2025-03,,-5,coop-1,L-2\n")


def test_bp1_upload_page_takes_a_cooperatives_milk_purchase_report(site: dict[str, Any]) -> None:
    engine = site["ledger"].engine

    def purchases() -> list[str]:
        return [b["data"]["cwt"] for b in queries.farm_history(engine, "farm-1", now(), now())
                if b["type"] == "MilkPurchased"]

    assert purchases() == []
    client, token = browser(site, "cooperative", "/dashboard/upload")
    assert '<option value="milk">' in client.get("/dashboard/upload").text
    answer = client.post("/dashboard/upload/milk", content=MILK,
                         headers={"Content-Type": "text/csv", "X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["rows"]
    assert [(r["line"], r["status"], r["column"]) for r in rows] == [(1, "accepted", ""), (2, "rejected", "cwt")]
    assert [Decimal(c) for c in purchases()] == [Decimal(1500)]  # 150,000 lb = 1,500 cwt, on the ledger
    page = client.get("/dashboard/upload").text
    assert "MilkPurchased" in page and "1500" in page
    farm, farm_token = browser(site, "farm", "/dashboard/upload")
    refused = farm.post("/dashboard/upload/milk", content=MILK,
                        headers={"Content-Type": "text/csv", "X-CSRF-Token": farm_token})
    assert refused.status_code == 403 and "does not upload the milk" in refused.text
    assert [Decimal(c) for c in purchases()] == [Decimal(1500)]  # the refused upload appended nothing
