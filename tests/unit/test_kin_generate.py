"""The generated program exercises every kin rule (BP-1, RR-1..RR-4, RK-1, RK-2), and the shipped indicator
example is the generator's, labelled illustrative."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import orjson

from services.generate.kin import ILLUSTRATIVE, INDICATORS
from services.generate.program import generate
from services.ledger import kin_queries, queries
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import post
from tests.unit.test_pt_common import end_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "risk-indicators.jsonl"


def test_the_generated_program_shows_every_kin_rule(ledger: EmbeddedLedger) -> None:
    from services.cli.commands.demo import SAMPLE, SAMPLE_END

    events = list(generate(*SAMPLE))  # what `make run` loads
    assert post(ledger, *events).rejected == []
    as_of = end_of(SAMPLE_END)
    findings = Counter(f["rule"] for f in queries.findings(ledger.engine, None, as_of))
    assert all(findings[rule] > 0 for rule in ("BP-1", "RR-1", "RR-2", "RR-3")), findings
    fees = Counter(d["status"] for d in queries.deadlines(ledger.engine, None, as_of) if d["rule"] == "RR-2")
    assert fees["met"] > 0 and fees["missed"] > 0
    rows = {c["contractor_id"]: c for c in kin_queries.contractors(ledger.engine, None, as_of)}
    assert any(not c["licence_in_force"] for c in rows.values()) and any(c["certified"] for c in rows.values())
    assert any(c["uncertified_hires"] for c in rows.values()) and any(c["reviews"]["count"] for c in rows.values())
    risk = kin_queries.risk(ledger.engine, "farm-00001", as_of)
    assert risk["forced_labor"]["level"] in ("low", "medium", "high", "very_high")
    assert {a["source"] for a in risk["forced_labor"]["answers"]} >= {"ledger", "mdsc"}
    tick = ledger.tick(as_of)
    assert any(e.type == "RiskLevelChanged" for e in tick.appended)


def test_the_indicator_example_is_the_generators_and_says_it_is_illustrative(ledger: EmbeddedLedger) -> None:
    lines = [orjson.loads(line) for line in EXAMPLE.read_bytes().splitlines()]
    assert all(line["data"]["source"] == ILLUSTRATIVE and "not a real index" in ILLUSTRATIVE for line in lines)
    assert sorted((d["data"]["theme"], d["data"]["indicator"], d["data"]["value"]) for d in lines) == sorted(
        (theme, row[0], row[1]) for theme, rows in INDICATORS.items() for row in rows)
    weights: dict[str, Decimal] = {}
    for line in lines:
        theme = line["data"]["theme"]
        weights[theme] = weights.get(theme, Decimal(0)) + Decimal(line["data"]["weight"])
    assert weights == {"forced_labor": Decimal("0.4"), "child_labor": Decimal("0.4")}  # seed 003: 40 % each
    report = post(ledger, *lines)
    assert report.rejected == [] and report.accepted == len(lines)


def test_kin_read_models_equal_a_replay_that_ticks_where_the_ledger_ticked(ledger: EmbeddedLedger,
                                                                          tmp_path: Path) -> None:
    from services.ledger.read_model_check import check_read_models

    assert post(ledger, *generate(4, 3, seed=5)).rejected == []
    assert any(e.type == "RiskLevelChanged" for e in ledger.tick(end_of("2025-03-31")).appended)
    assert check_read_models(ledger.engine, tmp_path) == []  # kin_facts and the risk states included
