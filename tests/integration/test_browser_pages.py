"""The posting pages in headless Chromium (issue 12): a cooperative uploads its remittance CSV and sees each
row's result, MDSC records a violation through the form built from its model (preview, then append) and
lands on the case page, a buyer subscribes a webhook, rotates its secret and sends a dead letter again.
Each submission changes what the ledger answers; a role that may not is refused. Screenshots go to
docs/screenshots/ for the README. Same browser and server as test_browser_dashboard.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from services.auth.tokens import TokenStore
from services.cli.common import parse_moment as at
from services.delivery import feed
from services.delivery.backoff import Backoff
from services.delivery.sender import Sent
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.database import now
from tests.integration.test_browser_dashboard import Server, _program, full_page, sign_in, submit
from tests.integration.test_browser_dashboard import browser as browser  # noqa: F401 (the fixture)

COOP, BUYER, FARM = "coop-green-mountain", "buyer-maple-creamery", "farm-00001"
HEADER = "Payor,Attributed Participating Buyer,Farm,Sales Period,Amount,Date Received,Check or Transaction Number"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGNITY_WEBHOOK_ALLOW", "127.0.0.1")  # the test's receiver address (SPEC §6 allow-list)
        url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'ledger.db'}"
        _program(url)
        ledger = EmbeddedLedger(url)
        store = TokenStore(ledger.engine)
        tokens = {"mdsc": store.issue("mdsc", "auditor-1").secret, "farm": store.issue("farm", "farm-00002").secret,
                  "cooperative": store.issue("cooperative", COOP).secret,
                  "buyer": store.issue("buyer", BUYER).secret, "other-buyer": store.issue("buyer", "buyer-x").secret}
        server = Server(url)
        yield {"base": server.base, "tokens": tokens, "engine": ledger.engine,
               "files": tmp_path_factory.mktemp("uploads")}
        server.stop()
        ledger.engine.dispose()


def wait_for(browser: webdriver.Chrome, css: str, count: int = 1) -> list[Any]:
    WebDriverWait(browser, 30).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, css)) >= count)
    return list(browser.find_elements(By.CSS_SELECTOR, css))


def test_cooperative_uploads_its_remittances_and_sees_each_row(site: dict[str, Any],
                                                              browser: webdriver.Chrome) -> None:
    engine = site["engine"]
    before = queries.passthrough(engine, FARM, "2025-07", at("2025-07-31"))["premium_received"]
    csv = site["files"] / "remittances-july.csv"
    csv.write_text("\n".join([HEADER, f"{COOP},{BUYER},{FARM},2025-06,987.65,2025-07-08,CHK-BROWSER-1",
                              f"{COOP},{BUYER},{FARM},2025-06,$40,2025-07-08,CHK-BROWSER-2",
                              f"{COOP},{BUYER},farm-00003,2025-06,10.00,2025-07-08,CHK-BROWSER-3"]) + "\n")
    sign_in(browser, site["base"], site["tokens"]["cooperative"])
    assert browser.current_url.endswith("/dashboard/upload")  # a cooperative lands on its upload page
    browser.find_element(By.ID, "file").send_keys(str(csv))
    browser.find_element(By.ID, "send").click()
    rows = wait_for(browser, "#rows tbody tr", 3)
    assert [r.get_attribute("class") for r in rows] == ["accepted", "rejected", "rejected"]
    assert "amount" in rows[1].text and "currency" in rows[1].text
    assert "farm" in rows[2].text and "not linked" in rows[2].text
    assert browser.find_element(By.ID, "progress").get_attribute("value") == "100"
    assert browser.find_element(By.ID, "rejected-file").is_displayed()
    rejected = browser.execute_async_script(
        "const done = arguments[0]; fetch(document.getElementById('rejected-file').href)"
        ".then(r => r.text()).then(done)")
    assert rejected.splitlines() == [HEADER, f"{COOP},{BUYER},{FARM},2025-06,$40,2025-07-08,CHK-BROWSER-2",
                                     f"{COOP},{BUYER},farm-00003,2025-06,10.00,2025-07-08,CHK-BROWSER-3"]
    after = queries.passthrough(engine, FARM, "2025-07", at("2025-07-31"))["premium_received"]
    assert float(after) - float(before) == pytest.approx(987.65)  # the ledger answers the upload
    full_page(browser, "pages-upload.png")
    browser.refresh()
    posted = browser.find_element(By.ID, "posted").text
    assert "2025-07" in posted and "987.65" in posted


def test_a_buyer_may_not_upload(site: dict[str, Any], browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], site["tokens"]["buyer"])
    browser.get(site["base"] + "/dashboard/upload")
    assert "may not upload" in browser.find_element(By.TAG_NAME, "body").text


def test_mdsc_records_a_violation_with_a_preview_and_lands_on_its_case(site: dict[str, Any],
                                                                     browser: webdriver.Chrome) -> None:
    engine = site["engine"]
    assert queries.standing(engine, "farm-00002", at("2025-06-20"))["standing"] == "good_standing"
    sign_in(browser, site["base"], site["tokens"]["mdsc"], "/dashboard/record/ViolationFound?farm_id=farm-00002")
    fill = {"occurred_at": "2025-06-16T10:00:00-04:00", "f-violation_id": "v-browser", "f-source_id": "audit-b",
            "f-clause": "a", "f-found_on": "2025-06-16"}
    Select(browser.find_element(By.ID, "f-article")).select_by_value("III")  # wrong for clause a: refused
    for field, value in fill.items():
        browser.find_element(By.ID, field).send_keys(value)
    submit(browser, "button[value=preview]")
    assert browser.find_elements(By.ID, "error-data") and not browser.find_elements(By.ID, "append")
    Select(browser.find_element(By.ID, "f-article")).select_by_value("I")
    Select(browser.find_element(By.ID, "f-offender.role")).select_by_value("owner")
    submit(browser, "button[value=preview]")
    assert "v-browser" in browser.find_element(By.ID, "preview").text
    assert queries.standing(engine, "farm-00002", at("2025-06-20"))["standing"] == "good_standing"  # not yet
    full_page(browser, "pages-record-preview.png")
    submit(browser, "#append")
    assert "/dashboard/farms/farm-00002/cases/violation/v-browser" in browser.current_url
    assert "ViolationFound appended" in browser.find_element(By.ID, "recorded").text
    assert queries.standing(engine, "farm-00002", at("2025-06-20"))["standing"] == "suspended"  # Art. I a (SU-1)
    assert "v-browser" in browser.find_element(By.ID, "due-next").text  # the case's ids
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.record")]
    assert any(h.endswith("/RemedyDesignated?farm_id=farm-00002&violation_id=v-browser") for h in links)
    full_page(browser, "pages-case.png")


def test_a_farm_may_not_record_for_mdsc(site: dict[str, Any], browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], site["tokens"]["farm"])
    browser.get(site["base"] + "/dashboard/record/ViolationFound")
    assert "only MDSC" in browser.find_element(By.TAG_NAME, "body").text


def test_buyer_subscribes_rotates_and_sends_a_dead_letter_again(site: dict[str, Any],
                                                              browser: webdriver.Chrome) -> None:
    engine = site["engine"]
    sign_in(browser, site["base"], site["tokens"]["buyer"])
    assert browser.current_url.endswith("/dashboard/buyer")
    browser.find_element(By.ID, "url").send_keys("http://127.0.0.1:9/hooks/dignity")
    submit(browser, "#subscribe button")
    secret = browser.find_element(By.CSS_SELECTOR, "#secret .secret").text
    (sub,) = Subscriptions(engine).all(BUYER)
    assert secret == sub["secret"] and secret.startswith("whsec_")
    submit(browser, f"tr[data-subscription='{sub['subscription_id']}'] button.rotate")
    rotated = browser.find_element(By.CSS_SELECTOR, "#secret .secret").text
    assert rotated != secret and Subscriptions(engine).get(sub["subscription_id"])["secret"] == rotated

    # The buyer's receiver is down (the server's own loop is already retrying): a day later, the heads of its
    # farms' queues have used their last try.
    feed.sync(engine)
    hooks = Webhooks(engine, Backoff(max_attempts=1), lambda *a: Sent(False, "HTTP 503"),
                     clock=lambda: now() + timedelta(days=1))
    hooks.enqueue()
    hooks.dispatch()
    dead = [d for d in hooks.deliveries() if d["status"] == "dead"]
    assert dead
    browser.get(site["base"] + "/dashboard/buyer")
    assert "suspended" in browser.find_element(By.ID, "notifications").text
    full_page(browser, "pages-buyer.png")
    submit(browser, f"#dead tr[data-delivery='{dead[0]['delivery_id']}'] button.redeliver")
    assert "will be sent again" in browser.find_element(By.ID, "message").text
    assert hooks.deliveries(delivery_id=dead[0]["delivery_id"])[0]["status"] == "pending"  # queued again


def test_another_buyer_is_refused_the_buyers_page(site: dict[str, Any], browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], site["tokens"]["other-buyer"])
    browser.get(f"{site['base']}/dashboard/buyer?buyer={BUYER}")
    assert "that buyer's and MDSC's only" in browser.find_element(By.TAG_NAME, "body").text


def test_screens_are_written(site: dict[str, Any]) -> None:
    shots = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    for name in ("pages-upload.png", "pages-record-preview.png", "pages-case.png", "pages-buyer.png"):
        assert (shots / name).stat().st_size > 10_000, name
