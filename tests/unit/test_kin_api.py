"""The kin programs' doors: `dignity premium | contractors | risk` and their HTTP routes, per role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.conftest import event, post
from tests.unit.test_auth_endpoints import api, call  # noqa: F401  (the fixture)
from tests.unit.test_kin_common import contractor, hire_via, indicator, purchase, rate, remit_for
from tests.unit.test_su_common import at

KIN = [rate("0.05", "2025-01-01"), contractor("flc-1", "2025-01-01", "2026-12-31"),
       indicator("composite", "20", "40", "0.4", jurisdiction="VT", effective_on="2025-01-01")]


def kin_events(farm: str, buyer: str) -> list[dict[str, Any]]:
    return [purchase(buyer, "2025-02", "1000", farm=farm),
            remit_for(buyer, "2025-02", "40.00", "2025-03-05", farm=farm),
            hire_via(f"w-{farm}", "2025-02-10", "flc-1", farm=farm),
            event("RecruiterReviewed", farm, at("2025-03-01"), {"review_id": f"r-{farm}", "contractor_id": "flc-1",
                                                              "worker_id": f"w-{farm}", "rating": 4,
                                                              "comment": f"fair at {farm}"})]


@pytest.fixture
def kin_api(api: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    report = post(api["ledger"], *KIN, *kin_events("farm-1", "buyer-1"), *kin_events("farm-2", "buyer-2"))
    assert not report.rejected, report.rejected
    return api


@pytest.mark.parametrize(("path", "allowed"), [
    ("/buyers/buyer-1/premium", {"mdsc", "buyer"}), ("/buyers/buyer-2/premium", {"mdsc"}),
    ("/buyers/buyer-1/risk?period=2025-02", {"mdsc", "buyer"}), ("/farms/farm-1/risk", {"mdsc", "farm", "buyer"}),
    ("/farms/farm-2/risk", {"mdsc"}), ("/contractors", {"mdsc", "farm", "buyer", "cooperative", "arbitrator"}),
    ("/contractors/flc-1/reviews", {"mdsc"}),
])
def test_kin_routes_answer_the_roles_that_may_read_them(kin_api: dict[str, Any], path: str, allowed: set[str]
                                                        ) -> None:
    assert call(kin_api, None, "GET", path).status_code == 401
    for role in ("mdsc", "farm", "cooperative", "buyer", "arbitrator"):
        status = call(kin_api, role, "GET", path).status_code
        assert (status == 200) == (role in allowed), (role, path, status)


def test_bp1_premium_route_answers_the_cli_shape(kin_api: dict[str, Any]) -> None:
    [row] = call(kin_api, "buyer", "GET", "/buyers/buyer-1/premium?period=2025-02").json()
    assert (row["farm_id"], row["owed"], row["remitted"], row["difference"]) == ("farm-1", "50.00", "40.00", "-10.00")


def test_rr4_reviews_are_aggregates_outside_mdsc(kin_api: dict[str, Any]) -> None:
    farm_view = call(kin_api, "farm", "GET", "/contractors").json()[0]
    assert [f["farm_id"] for f in farm_view["farms"]] == ["farm-1"] and farm_view["reviews"]["count"] == 2
    assert call(kin_api, "buyer", "GET", "/contractors").json()[0]["farms"] == []
    reviews = call(kin_api, "mdsc", "GET", "/contractors/flc-1/reviews").json()
    assert [r["comment"] for r in reviews] == ["fair at farm-1", "fair at farm-2"]
    history = call(kin_api, "farm", "GET", "/farms/farm-1/history").json()
    review = next(e for e in history if e["type"] == "RecruiterReviewed")
    assert set(review["data"]) == {"review_id", "contractor_id"}  # no worker, rating or sealed comment


def test_kin_commands_print_json(kin_api: dict[str, Any], tmp_path: Path) -> None:
    db = str(kin_api["ledger"].engine.url)
    runner = CliRunner()
    premium = runner.invoke(app, ["premium", "--buyer", "buyer-1", "--json", "--db", db])
    assert premium.exit_code == 0, premium.output
    assert orjson.loads(premium.output)[0]["owed"] == "50.00"
    risk = runner.invoke(app, ["risk", "farm-1", "--as-of", "2025-02-28", "--json", "--db", db])
    assert risk.exit_code == 0, risk.output
    assert orjson.loads(risk.output)["forced_labor"]["level"] == "low"
    portfolio = runner.invoke(app, ["risk", "--buyer", "buyer-1", "--period", "2025-02", "--json", "--db", db])
    assert orjson.loads(portfolio.output)["buyer_id"] == "buyer-1"
    rows = runner.invoke(app, ["contractors", "--json", "--db", db])
    assert orjson.loads(rows.output)[0]["hires"] == 2
    unknown = runner.invoke(app, ["risk", "farm-nope", "--db", db])
    assert unknown.exit_code == 1


def test_kin_dashboard_pages_per_role(kin_api: dict[str, Any]) -> None:
    risk = call(kin_api, "mdsc", "GET", "/dashboard/farms/farm-1/risk?as_of=2025-03-31")
    assert risk.status_code == 200 and risk.text.count('class="part part-forced_labor') == 2  # one indicator + practice
    assert call(kin_api, "farm", "GET", "/dashboard/farms/farm-2/risk").status_code == 403
    page = call(kin_api, "buyer", "GET", "/dashboard/buyers/buyer-1?period=2025-02")
    assert page.status_code == 200 and 'class="hotspot-row"' in page.text and "bar-owed" in page.text
    assert call(kin_api, "buyer", "GET", "/dashboard/buyers/buyer-2").status_code == 403
    assert call(kin_api, "buyer", "GET", "/dashboard/contractors").status_code == 403
    listing = call(kin_api, "farm", "GET", "/dashboard/contractors?contractor=flc-1")
    assert listing.status_code == 200 and "farm-2" not in listing.text  # a farm sees its own hires only


def test_bp1_a_cooperative_uploads_the_milk_template_for_its_own_farms(kin_api: dict[str, Any]) -> None:
    csv = ("Processor,Producer,Month,Pounds Shipped,Cwt,Cooperative,Line\n"
           "buyer-1,farm-1,2025-03,150000,,coop-1,L-1\n"
           "buyer-2,farm-2,2025-03,150000,,coop-1,L-2\n")
    answer = call(kin_api, "cooperative", "POST", "/templates/milk", "text/csv", content=csv.encode())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["accepted"] == 1 and [r["line"] for r in body["rejected"]] == [2]  # farm-2 is coop-2's
    assert call(kin_api, "farm", "POST", "/templates/milk", "text/csv", content=csv.encode()).json()["accepted"] == 0
