"""The auditors' dashboard in headless Chromium (issue 5): sign in with a token, the farm list with
standing, a farm's timeline and pass-through chart, the `as of` date picker, and a farm token that sees
its own farm only. Screenshots go to docs/screenshots/ for the README.

Debian's `chromium` and `chromium-driver` (installed by `make install`), driven by Selenium; the app is
served by uvicorn on 127.0.0.1 from an embedded ledger made for the test.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from tests.conftest import event, post
from tests.unit.test_su_common import at

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000")
FARM = "farm-00001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _program(url: str) -> None:
    """Three farms over six months; farm-00001 is suspended (Art. I a), appeals, is upheld, is reinstated."""
    ledger = EmbeddedLedger(url)
    report = ledger.ingest(parse_dicts(enumerate(generate(3, 6, 7, "2025-01"), start=1)))
    assert not report.rejected, report.rejected[:3]
    story = [
        ("ViolationFound", "2025-03-03", {"violation_id": "v-forced", "source_id": "audit-x", "article": "I",
                                          "clause": "a", "found_on": "2025-03-03", "offender": {"role": "owner"}}),
        ("AppealFiled", "2025-03-05", {"appeal_id": "ap-1", "subject": "suspension", "subject_id": "v-forced",
                                       "filed_on": "2025-03-05"}),
        ("AppealDecided", "2025-03-20", {"appeal_id": "ap-1", "decided_on": "2025-03-20", "outcome": "upheld"}),
        ("AuditConducted", "2025-05-02", {"audit_id": "reentry-1", "kind": "reentry", "conducted_on": "2025-05-02",
                                          "outcome": "pass"}),
    ]
    for type_, on, data in story:
        answer = post(ledger, event(type_, FARM, at(on), data))
        assert answer.accepted == 1, answer.as_json()
    ledger.engine.dispose()


class Server:
    def __init__(self, url: str) -> None:
        self.port = _free_port()
        config = uvicorn.Config(create_app(url), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        started = time.monotonic()
        while not self.server.started:
            assert time.monotonic() - started < 20, "the app did not start"
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'ledger.db'}"
    _program(url)
    ledger = EmbeddedLedger(url)
    store = TokenStore(ledger.engine)
    tokens = {"mdsc": store.issue("mdsc", "auditor-1").secret, "farm": store.issue("farm", "farm-00002").secret,
              "buyer": store.issue("buyer", "buyer-x").secret, "arbitrator": store.issue("arbitrator", "arb-x").secret}
    server = Server(url)
    yield {"base": server.base, "tokens": tokens}
    server.stop()
    ledger.engine.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("Debian's chromium and chromium-driver are needed: `make install` installs them", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(60)
    chrome.set_script_timeout(30)
    yield chrome
    chrome.quit()


def sign_in(browser: webdriver.Chrome, base: str, token: str, path: str = "/dashboard") -> None:
    browser.delete_all_cookies()
    browser.get(base + path)
    assert "Sign in" in browser.find_element(By.TAG_NAME, "h1").text  # no token: the sign-in form
    browser.find_element(By.ID, "token").send_keys(token)
    submit(browser, "form button[type=submit]")


def submit(browser: webdriver.Chrome, button: str) -> None:
    """Click and wait for the next page to replace this one (bounded)."""
    browser.execute_script("window.__leaving = true")  # gone once the next page is loaded
    browser.find_element(By.CSS_SELECTOR, button).click()
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "return window.__leaving === undefined && document.readyState === 'complete'"))


def full_page(browser: webdriver.Chrome, name: str) -> Path:
    """A screenshot of the whole page (the window is stretched to the page's height first)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 40, 4000))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    assert browser.save_screenshot(str(target))
    browser.set_window_size(1280, 1000)
    return target


def test_dashboard_farm_list_shows_every_farm_with_its_standing(site: dict[str, Any],
                                                                browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], site["tokens"]["mdsc"], "/dashboard?as_of=2025-03-10")
    rows = browser.find_elements(By.CSS_SELECTOR, "#farms tbody tr")
    assert [r.get_attribute("data-farm") for r in rows] == ["farm-00001", "farm-00002", "farm-00003"]
    assert "good standing (stayed)" in rows[0].text  # farm-00001 on 10 March: its suspension stayed by the appeal
    assert "good standing" in rows[1].text and "stayed" not in rows[1].text
    assert full_page(browser, "dashboard-farms.png").stat().st_size > 10_000


def test_dashboard_farm_page_has_timeline_passthrough_and_date_picker(site: dict[str, Any],
                                                                      browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], site["tokens"]["mdsc"], f"/dashboard/farms/{FARM}?as_of=2025-06-30")
    assert FARM in browser.find_element(By.TAG_NAME, "h1").text
    bands = browser.find_elements(By.CSS_SELECTOR, "svg.timeline rect.band")
    kinds = [b.get_attribute("class").split()[-1] for b in bands]
    assert kinds.count("band-suspended") == 2 and "band-good_standing" in kinds
    assert browser.find_elements(By.CSS_SELECTOR, "svg.timeline .mark-conduct")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.timeline .deadline")
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.passthrough rect.bar-pool")
    assert len(bars) == len(browser.find_elements(By.CSS_SELECTOR, "svg.passthrough rect.bar-paid")) >= 5
    assert "good standing" in browser.find_element(By.ID, "standing").text
    full_page(browser, "dashboard-farm.png")

    picker = browser.find_element(By.ID, "as_of")
    browser.execute_script("arguments[0].value = '2025-03-25'", picker)
    submit(browser, "form.asof button")
    assert "as_of=2025-03-25" in browser.current_url
    assert "suspended" in browser.find_element(By.ID, "standing").text  # upheld on 20 March
    later = [b.get_attribute("class").split()[-1] for b in browser.find_elements(By.CSS_SELECTOR, "rect.band")]
    assert later[-1] == "band-suspended"
    full_page(browser, "dashboard-farm-as-of.png")


def test_dashboard_farm_token_sees_its_own_farm_only(site: dict[str, Any], browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], site["tokens"]["farm"])
    rows = browser.find_elements(By.CSS_SELECTOR, "#farms tbody tr")
    assert [r.get_attribute("data-farm") for r in rows] == ["farm-00002"]
    browser.get(f"{site['base']}/dashboard/farms/{FARM}")
    assert "not linked" in browser.find_element(By.TAG_NAME, "body").text
    browser.get(f"{site['base']}/dashboard/farms/farm-00002")
    assert "farm-00002" in browser.find_element(By.TAG_NAME, "h1").text


def test_dashboard_refuses_a_bad_token_and_an_arbitrator(site: dict[str, Any], browser: webdriver.Chrome) -> None:
    sign_in(browser, site["base"], "dl_not-a-token")
    assert "unknown or revoked" in browser.find_element(By.CLASS_NAME, "error").text
    sign_in(browser, site["base"], site["tokens"]["arbitrator"])
    assert "may not open the dashboard" in browser.find_element(By.TAG_NAME, "body").text
    sign_in(browser, site["base"], site["tokens"]["buyer"])  # a buyer has a page of its own (issue 12)
    assert browser.current_url.endswith("/dashboard/buyer")
    assert "buyer-x" in browser.find_element(By.TAG_NAME, "h1").text
