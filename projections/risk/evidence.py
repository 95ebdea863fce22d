"""Where each risk-in-practice answer comes from (RK-1): the ledger's own evidence where it holds it,
else MDSC's latest `RiskAnswerRecorded`, else unanswered (counts 0). Every answer names its events.

From the ledger:
  FL-R / CL-R  3 if the farm had ≥ 2 Article I (a) / (b) violations in the last 5 years, 2 if one, 1 if none
               at the farm but ≥ 2 at other farms of its jurisdiction, else 0. A 0 gives way to MDSC's answer
               (reports outside the program), if it recorded one.
  FL-3         1 when ≥ 25 % of the hires in the 12 months up to the date came through a contractor
               (answered by the ledger when there were hires in those months).
  FL-2         1 when ≥ 25 % of the workers employed in those 12 months were employed under 3 months in
               all (a worker counts as short once separated; answered when anyone was employed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Literal

from projections.calendar import add_months, add_years
from projections.compliance import FarmView
from projections.kin.directory import VIEW
from projections.recruitment.projection import RECRUITMENT
from projections.risk.method import ARTICLE_I_CLAUSE, QUESTIONS, REPORTED
from projections.risk.projection import RISK
from projections.standing.view import facts

Source = Literal["ledger", "mdsc", "unanswered"]
SHARE = Fraction(1, 4)
SHORT_MONTHS = 3
WINDOW_MONTHS = 12
CASE_YEARS = 5


@dataclass(frozen=True, slots=True)
class Answer:
    question_id: str
    answer: int
    source: Source
    events: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"question_id": self.question_id, "answer": self.answer, "source": self.source,
                "events": list(self.events), **({"detail": dict(self.detail)} if self.detail else {})}


def article_i_here(view: FarmView, clause: str) -> list[dict[str, Any]]:
    """The farm's Article I violations of a clause found in the 5 years up to the date."""
    since = add_years(view.as_of, -CASE_YEARS)
    return [f for f in facts(view, "ViolationFound")
            if f["data"].get("article") == "I" and f["data"].get("clause") == clause
            and since < date.fromisoformat(f["on"]) <= view.as_of]


def _article_i_elsewhere(view: FarmView, clause: str) -> list[Mapping[str, Any]]:
    since, day = add_years(view.as_of, -CASE_YEARS).isoformat(), view.as_of.isoformat()
    jurisdiction = view.state("membership").get("jurisdiction")
    return [r for r in view.state(VIEW).get("article_i", [])
            if r["key"] == f"{jurisdiction}/{clause}" and r["farm_id"] != view.farm_id and since < r["on"] <= day]


def reported_cases(view: FarmView, theme: str) -> Answer | None:
    clause = ARTICLE_I_CLAUSE[theme]
    here = article_i_here(view, clause)
    qid = REPORTED[theme]
    if here:
        return Answer(qid, 3 if len(here) >= 2 else 2, "ledger", tuple(f["event_id"] for f in here))
    elsewhere = _article_i_elsewhere(view, clause)
    if len(elsewhere) >= 2:
        return Answer(qid, 1, "ledger", tuple(r["event_id"] for r in elsewhere),
                      {"farms": sorted({r["farm_id"] for r in elsewhere})})
    return None


def _window(view: FarmView) -> tuple[date, date]:
    return add_months(view.as_of, -WINDOW_MONTHS) + timedelta(days=1), view.as_of


def contractor_hires(view: FarmView) -> Answer | None:
    """FL-3 from the hires of the last 12 months."""
    first, last = _window(view)
    hires = [(eid, h) for eid, h in view.state(RECRUITMENT).get("hires", {}).items()
             if first <= date.fromisoformat(h["hired_on"]) <= last]
    if not hires:
        return None
    through = sorted(eid for eid, h in hires if h.get("recruited_via"))
    share = Fraction(len(through), len(hires))
    return Answer("FL-3", int(share >= SHARE), "ledger", tuple(through),
                  {"hires": len(hires), "through_contractors": len(through)})


def short_employment(view: FarmView) -> Answer | None:
    """FL-2 from the workers employed in the last 12 months."""
    first, last = _window(view)
    hire_events = {h["worker_id"]: eid for eid, h in sorted(view.state(RECRUITMENT).get("hires", {}).items())}
    employed = []
    for worker_id, w in view.state("membership").get("workers", {}).items():
        hired = date.fromisoformat(w["hired_on"])
        left = date.fromisoformat(w["separated_on"]) if w.get("separated_on") else None
        if hired <= last and (left is None or left >= first):
            employed.append((worker_id, hired, left))
    if not employed:
        return None
    short = sorted(w for w, hired, left in employed
                   if left is not None and left <= last and left < add_months(hired, SHORT_MONTHS))
    share = Fraction(len(short), len(employed))
    return Answer("FL-2", int(share >= SHARE), "ledger", tuple(hire_events[w] for w in short if w in hire_events),
                  {"employed": len(employed), "under_3_months": len(short)})


def recorded(view: FarmView) -> dict[str, tuple[dict[str, Any], str]]:
    """MDSC's latest answer to each question dated up to the date: question -> (answer data, event id)."""
    day = view.as_of.isoformat()
    latest: dict[str, tuple[dict[str, Any], str]] = {}
    ordered = sorted(view.state(RISK).get("answers", {}).items(),
                     key=lambda kv: (kv[1]["on"], datetime.fromisoformat(kv[1]["occurred_at"]), kv[0]))
    for eid, a in ordered:
        if a["on"] <= day:
            latest[a["question_id"]] = (a, eid)
    return latest


LEDGER_EVIDENCE = {"FL-2": short_employment, "FL-3": contractor_hires}


def answers(view: FarmView, theme: str) -> list[Answer]:
    mdsc = recorded(view)
    out = []
    for qid in QUESTIONS[theme]:
        found = reported_cases(view, theme) if qid == REPORTED[theme] else (
            LEDGER_EVIDENCE[qid](view) if qid in LEDGER_EVIDENCE else None)
        if found is None and qid in mdsc:
            data, eid = mdsc[qid]
            found = Answer(qid, int(data["answer"]), "mdsc", (eid,), {"source": data["source"], "on": data["on"]})
        if found is None and qid == REPORTED[theme]:
            found = Answer(qid, 0, "ledger")  # the program's records hold no case; nor did MDSC record one
        out.append(found or Answer(qid, 0, "unanswered"))
    return out


def answer_sum(items: Iterable[Answer]) -> int:
    return sum(a.answer for a in items)
