"""RK-1 (Rainforest Alliance risk maps, seed 003) and RK-2 (forced-labour risk hours, seed 004)."""

from __future__ import annotations

from typing import Any

from services.ledger import kin_queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_kin_common import answer, farm, hire_via, indicator, purchase, violation
from tests.unit.test_pt_common import FARM, end_of, line, ok, separate, setup


def risk(ledger: EmbeddedLedger, as_of: str = "2024-06-30", period: str | None = None, farm_id: str = FARM
         ) -> dict[str, Any]:
    return kin_queries.risk(ledger.engine, farm_id, end_of(as_of), period)


def sources(theme: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {a["question_id"]: (a["answer"], a["source"]) for a in theme["answers"]}


def test_rk1_structural_score_is_weight_times_raw_scaled_with_inverse_indicators(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, indicator("rule_of_law", "50", "100", "0.2"),
       indicator("gni_per_capita", "25", "100", "0.2", inverse=True))
    fl = risk(ledger)["forced_labor"]
    # 10 x (0.2 x 0.5 + 0.2 x (1 - 0.25)) = 2.5; nothing in practice: low.
    assert (fl["structural"], fl["in_practice"], fl["score"], fl["level"]) == ("2.5000", "0.0000", "2.5000", "low")
    assert [i["raw"] for i in fl["indicators"]] == ["0.7500", "0.5000"]  # sorted by name; the inverse one first


def test_rk1_a_score_of_exactly_3_3_is_medium_and_just_below_is_low(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, indicator("composite", "33", "40", "0.4"),
       indicator("composite", "32.99", "40", "0.4", theme="child_labor"))
    answer_ = risk(ledger)
    assert (answer_["forced_labor"]["score"], answer_["forced_labor"]["level"]) == ("3.3000", "medium")
    assert (answer_["child_labor"]["score"], answer_["child_labor"]["level"]) == ("3.2990", "low")


def test_rk1_a_score_of_exactly_6_7_is_medium_and_above_is_high(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, indicator("composite", "37", "40", "0.4", theme="child_labor"),
       *(answer(f"CL-{n}", 1) for n in range(1, 6)))
    cl = risk(ledger)["child_labor"]
    assert (cl["structural"], cl["in_practice"], cl["score"], cl["level"]) == ("3.7000", "3.0000", "6.7000", "medium")
    ok(ledger, answer("CL-6", 1))
    assert (risk(ledger)["child_labor"]["score"], risk(ledger)["child_labor"]["level"]) == ("7.3000", "high")


def test_rk1_every_answer_says_its_source_and_the_latest_mdsc_answer_counts(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, indicator("composite", "0", "40", "0.4"), answer("FL-1", 1, "2024-01-15"),
       answer("FL-1", 0, "2024-03-01"), answer("FL-7", 1, "2024-02-01"), answer("FL-7", 0, "2024-09-01"))
    fl = risk(ledger)["forced_labor"]
    got = sources(fl)
    assert got["FL-1"] == (0, "mdsc") and got["FL-7"] == (1, "mdsc")
    assert got["FL-4"] == (0, "unanswered") and got["FL-R"] == (0, "ledger")
    assert fl["in_practice"] == "0.5455"  # 1 x 6 / 11
    assert all(a["events"] for a in fl["answers"] if a["source"] == "mdsc")


def test_rk1_article_i_violations_answer_the_reported_cases_question_and_make_it_very_high(
        ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, indicator("composite", "0", "40", "0.4"), violation("v-1", "a", "2024-02-01"))
    fl = risk(ledger)["forced_labor"]
    assert sources(fl)["FL-R"] == (2, "ledger") and fl["level"] == "very_high"
    assert risk(ledger)["child_labor"]["level"] is None  # no child-labour indicators: not guessed
    ok(ledger, violation("v-2", "a", "2024-03-01"))
    assert sources(risk(ledger)["forced_labor"])["FL-R"] == (3, "ledger")
    later = risk(ledger, "2029-02-15")["forced_labor"]  # five years on, the first case has aged out
    assert sources(later)["FL-R"] == (2, "ledger")
    assert risk(ledger, "2029-12-31")["forced_labor"]["level"] == "low"


def test_rk1_two_cases_at_other_farms_of_the_jurisdiction_answer_1(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, farm("farm-b"), farm("farm-c"), farm("farm-ny", jurisdiction="NY"),
       violation("v-b", "a", "2024-02-01", farm="farm-b"), violation("v-ny1", "a", "2024-02-01", farm="farm-ny"),
       violation("v-ny2", "a", "2024-02-01", farm="farm-ny"))
    assert sources(risk(ledger)["forced_labor"])["FL-R"] == (0, "ledger")
    ok(ledger, violation("v-c", "a", "2024-03-01", farm="farm-c"))
    fl = risk(ledger)["forced_labor"]
    assert sources(fl)["FL-R"] == (1, "ledger")
    assert next(a for a in fl["answers"] if a["question_id"] == "FL-R")["detail"]["farms"] == ["farm-b", "farm-c"]


def test_rk1_hires_through_contractors_and_short_employment_come_from_the_ledger(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, answer("FL-3", 0), answer("FL-2", 0),
       hire_via("w1", "2024-01-10", "flc-1"), hire_via("w2", "2024-01-10", None), hire_via("w3", "2024-02-10", None),
       hire_via("w4", "2024-03-10", None), separate("w2", "2024-03-01"))
    got = sources(risk(ledger)["forced_labor"])
    assert got["FL-3"] == (1, "ledger")  # 1 of 4 hires: 25 %
    assert got["FL-2"] == (1, "ledger")  # w2 stayed 7 weeks: 1 of 4 workers employed
    ok(ledger, hire_via("w5", "2024-04-10", None))
    got = sources(risk(ledger)["forced_labor"])
    assert got["FL-3"] == (0, "ledger") and got["FL-2"] == (0, "ledger")
    assert sources(risk(ledger, "2026-01-01")["forced_labor"])["FL-3"] == (0, "mdsc")  # no hires in 12 months


def test_rk2_risk_hours_are_the_level_factor_times_payroll_hours(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, indicator("composite", "20", "40", "0.4"),  # 2.0: low
       line("w1", "2024-03-01", "2024-03-31", "160"), line("w1", "2024-04-01", "2024-04-30", "100"))
    hours = risk(ledger, "2024-03-31")["risk_hours"]
    assert (hours["period"], hours["hours"], hours["level"], hours["mrh_eq"]) == ("2024-03", "160.00", "low", "1.6000")
    ok(ledger, indicator("composite", "40", "40", "0.4", effective_on="2024-04-01"))  # 4.0: medium
    assert risk(ledger, "2024-04-30")["risk_hours"]["mrh_eq"] == "100.0000"
    assert risk(ledger, "2024-04-30", "2024-03")["risk_hours"]["mrh_eq"] == "1.6000"  # March's level, March's hours


def test_rk2_a_farm_with_no_payroll_hours_has_no_risk_hours(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, indicator("composite", "40", "40", "0.4"))
    assert risk(ledger, "2024-03-31")["risk_hours"] == {
        "period": "2024-03", "hours": "0.00", "mrh_eq": "0.0000", "level": "medium", "payroll_lines": 0}


def buyer(ledger: EmbeddedLedger, buyer_id: str, period: str) -> dict[str, Any]:
    return kin_queries.buyer_portfolio(ledger.engine, buyer_id, period, end_of("2099-12-31"))


def test_rk2_a_buyers_portfolio_weights_each_farm_by_its_share_of_the_milk(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, farm("farm-b"), hire_via("w9", "2022-01-03", None, farm="farm-b"),
       indicator("composite", "40", "40", "0.4"),  # medium everywhere in VT
       line("w1", "2024-03-01", "2024-03-31", "100"), line("w9", "2024-03-01", "2024-03-31", "300", farm="farm-b"),
       purchase("buyer-1", "2024-03", "750"), purchase("buyer-2", "2024-03", "250"),
       purchase("buyer-1", "2024-03", "100", farm="farm-b"), purchase("buyer-2", "2024-03", "300", farm="farm-b"))
    got = buyer(ledger, "buyer-1", "2024-03")
    # farm-pt: 100 h x 1 x 0.75 = 75; farm-b: 300 h x 1 x 0.25 = 75; equal parts, ordered by id.
    assert got["mrh_eq"] == "150.0000"
    assert [(h["farm_id"], h["mrh_eq"], h["share"], h["cumulative_share"]) for h in got["hotspots"]] == [
        ("farm-b", "75.0000", "0.5000", "0.5000"), (FARM, "75.0000", "0.5000", "1.0000")]


def test_rk2_a_buyer_with_one_farm_holding_all_the_risk(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, farm("farm-b"), indicator("composite", "40", "40", "0.4"), violation("v-1", "a", "2024-02-01"),
       line("w1", "2024-03-01", "2024-03-31", "100"),
       purchase("buyer-1", "2024-03", "500"), purchase("buyer-1", "2024-03", "500", farm="farm-b"))
    got = buyer(ledger, "buyer-1", "2024-03")
    assert got["mrh_eq"] == "1000.0000"  # very high: 10 x 100 h; farm-b has no payroll hours
    assert [(h["farm_id"], h["share"], h["cumulative_share"]) for h in got["hotspots"]] == [
        (FARM, "1.0000", "1.0000"), ("farm-b", "0.0000", "1.0000")]


def test_rk1_a_change_of_level_is_derived_once_and_reaches_the_buyers(ledger: EmbeddedLedger) -> None:
    from services.ledger.queries import farm_history, notifications
    from tests.conftest import event

    setup(ledger)
    ok(ledger, event("BuyerLinked", FARM, "2022-01-03", {"buyer_id": "buyer-1", "since": "2022-01-03"}),
       indicator("composite", "20", "40", "0.4"))
    first = ledger.tick(end_of("2024-01-31"))
    assert [(e.type, e.data["level"]) for e in first.appended] == [("RiskLevelChanged", "low")]  # on the log
    assert [d["type"] for d in first.derived] == ["BuyerNotified"]
    again = ledger.tick(end_of("2024-02-29"))
    assert again.derived == [] and again.appended == []  # the same level: nothing more
    ok(ledger, violation("v-1", "a", "2024-03-05"))
    ledger.tick(end_of("2024-03-31"))
    changes = [e["data"] for e in farm_history(ledger.engine, FARM, end_of("2099-12-31"), end_of("2099-12-31"))
               if e["type"] == "RiskLevelChanged"]
    assert [(c["theme"], c["previous"], c["level"], c["on"]) for c in changes] == [
        ("forced_labor", None, "low", "2024-01-31"), ("forced_labor", "low", "very_high", "2024-03-31")]
    assert [(n["kind"], n["standing"]) for n in notifications(ledger.engine, "buyer-1")] == [
        ("risk_forced_labor", "low"), ("suspension", "suspended"), ("risk_forced_labor", "very_high")]
    before = notifications(ledger.engine, "buyer-1")
    ledger.rebuild()
    assert notifications(ledger.engine, "buyer-1") == before  # on the log: a replay tells the same


def test_rk1_a_high_level_announced_shortens_au9s_interval(ledger: EmbeddedLedger) -> None:
    from tests.conftest import event
    from tests.unit.test_pt_common import deadlines

    setup(ledger)
    ok(ledger, indicator("composite", "20", "40", "0.4"),
       event("AuditConducted", FARM, "2024-03-03", {"audit_id": "a-1", "kind": "annual", "conducted_on": "2024-03-03",
                                                    "outcome": "pass"}),
       violation("v-1", "a", "2024-05-01"))
    before = [r["due"] for r in deadlines(ledger, "2024-06-30", "AU-9")]
    assert "2025-03-03" in before and "2024-09-03" not in before  # nothing announced yet: 12 months
    ledger.tick(end_of("2024-05-31"))  # RiskLevelChanged: forced labour very high
    after = [r["due"] for r in deadlines(ledger, "2024-06-30", "AU-9")]
    assert "2024-09-03" in after  # 6 months while high or very high
