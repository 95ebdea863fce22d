"""The kin pages in headless Chromium (issue 11), like test_browser_dashboard: a farm's risk panel (the
score's parts as a stacked bar, each answer with its source), a buyer's page (hotspots as a Pareto chart,
premium owed against remitted per month, a buyer token sees its own page only) and the contractor pages.
Screenshots go to docs/screenshots/."""

from __future__ import annotations

from typing import Any

from selenium import webdriver
from selenium.webdriver.common.by import By

from services.generate.program import generate
from tests.integration.test_browser_dashboard import FARM, browser, full_page, sign_in, site  # noqa: F401

BUYER = next(e["data"]["buyer_id"] for e in generate(3, 6, 7, "2025-01")
             if e["type"] == "MilkPurchased" and e["farm_id"] == FARM)


def test_kin_farm_risk_panel_stacks_the_parts_and_names_each_source(site: dict[str, Any],  # noqa: F811
                                                                    browser: webdriver.Chrome) -> None:  # noqa: F811
    sign_in(browser, site["base"], site["tokens"]["mdsc"], f"/dashboard/farms/{FARM}?as_of=2025-06-30")
    browser.find_element(By.ID, "risk-link").click()
    assert "/risk" in browser.current_url and "Risk map" in browser.find_element(By.TAG_NAME, "h1").text
    parts = browser.find_elements(By.CSS_SELECTOR, "svg.risk rect.part-forced_labor")
    assert len(parts) == 8  # seven indicators and the risk in practice
    assert browser.find_elements(By.CSS_SELECTOR, "svg.risk rect.in-practice")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.risk line.threshold")) == 2
    assert "very high" in browser.find_element(By.ID, "level-forced_labor").text  # its Article I (a) in March
    sources = {r.get_attribute("class").split()[-1] for r in browser.find_elements(By.CSS_SELECTOR, "tr.answer")}
    assert {"source-ledger", "source-mdsc"} <= sources
    full_page(browser, "dashboard-risk.png")


def test_kin_buyer_page_has_the_pareto_of_hotspots_and_premium_per_month(site: dict[str, Any],  # noqa: F811
                                                                         browser: webdriver.Chrome  # noqa: F811
                                                                         ) -> None:
    sign_in(browser, site["base"], site["tokens"]["mdsc"], f"/dashboard/buyers/{BUYER}?period=2025-05")
    assert BUYER in browser.find_element(By.TAG_NAME, "h1").text
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.pareto rect.hotspot")
    assert bars and browser.find_elements(By.CSS_SELECTOR, "svg.pareto polyline.cumulative")
    assert len(bars) == len(browser.find_elements(By.CSS_SELECTOR, "tr.hotspot-row"))
    owed = browser.find_elements(By.CSS_SELECTOR, "svg.premium rect.bar-owed")
    assert len(owed) == len(browser.find_elements(By.CSS_SELECTOR, "svg.premium rect.bar-remitted")) >= 4
    full_page(browser, "dashboard-buyer.png")


def test_kin_a_buyer_token_opens_its_own_page_only(site: dict[str, Any], browser: webdriver.Chrome  # noqa: F811
                                                   ) -> None:
    sign_in(browser, site["base"], site["tokens"]["buyer"])  # buyer-x
    browser.get(f"{site['base']}/dashboard/buyers/buyer-x")
    assert "buyer-x" in browser.find_element(By.TAG_NAME, "h1").text
    browser.get(f"{site['base']}/dashboard/buyers/{BUYER}")
    assert "notifications of buyer" in browser.find_element(By.TAG_NAME, "body").text  # another buyer's: refused


def test_kin_contractor_pages(site: dict[str, Any], browser: webdriver.Chrome) -> None:  # noqa: F811
    sign_in(browser, site["base"], site["tokens"]["mdsc"], "/dashboard/contractors?as_of=2025-06-30")
    rows = browser.find_elements(By.CSS_SELECTOR, "#contractors tr.contractor")
    assert len(rows) == 4 and any("none" in r.text for r in rows) and any("Clearview" in r.text for r in rows)
    full_page(browser, "dashboard-contractors.png")
    rows[-1].find_element(By.TAG_NAME, "a").click()
    assert "contractor=" in browser.current_url and browser.find_elements(By.ID, "detail")
