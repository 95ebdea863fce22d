"""RK-1 per farm and theme: the structural score of the jurisdiction's indicators in force, the risk in
practice of the answers, their sum and the level.

Indicators: those of the farm's jurisdiction in force on the date (per indicator, the latest effective);
when that jurisdiction has none for the theme, the country's (`US`). With none at all the ledger does not
guess: the structural part, the score and the level are null, unless the level is very high anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from projections.compliance import FarmView
from projections.reference.rates import in_force
from projections.risk.evidence import Answer, answer_sum, answers, article_i_here
from projections.risk.method import (
    ARTICLE_I_CLAUSE,
    Indicator,
    Level,
    decimal_text,
    in_practice,
    indicator_of,
    level_of,
    structural,
)
from projections.risk.projection import INDICATORS

COUNTRY = "US"


@dataclass(frozen=True, slots=True)
class ThemeScore:
    theme: str
    indicators: tuple[Indicator, ...]
    answers: tuple[Answer, ...]
    very_high_because: tuple[str, ...]
    """The Article I violations (event ids) that make the level very high."""

    @property
    def structural(self) -> Fraction | None:
        return structural(self.indicators) if self.indicators else None

    @property
    def in_practice(self) -> Fraction:
        return in_practice(self.theme, (a.answer for a in self.answers))

    @property
    def score(self) -> Fraction | None:
        s = self.structural
        return None if s is None else s + self.in_practice

    @property
    def level(self) -> Level | None:
        if self.very_high_because:
            return "very_high"
        score = self.score
        return None if score is None else level_of(score, False)

    def as_json(self) -> dict[str, Any]:
        s, score = self.structural, self.score
        return {
            "score": decimal_text(score) if score is not None else None,
            "structural": decimal_text(s) if s is not None else None,
            "in_practice": decimal_text(self.in_practice), "level": self.level,
            "answers": [a.as_json() for a in self.answers],
            "indicators": [i.as_json() for i in self.indicators],
            "answered": answer_sum(self.answers),
            "very_high_because": list(self.very_high_because),
        }


def indicators_in_force(view: FarmView, theme: str) -> tuple[Indicator, ...]:
    table = (view.program.get(INDICATORS) or {}).get("indicators", {})
    jurisdiction = view.state("membership").get("jurisdiction")
    for where in (jurisdiction, COUNTRY):
        by_name = (table.get(where) or {}).get(theme) or {}
        found = []
        for name in sorted(by_name):
            rate = in_force(by_name[name], view.as_of)
            if rate is not None:
                found.append(indicator_of(next(e for e in by_name[name] if e["event_id"] == rate.event_id)))
        if found:
            return tuple(found)
    return ()


def theme_score(view: FarmView, theme: str) -> ThemeScore:
    cases = article_i_here(view, ARTICLE_I_CLAUSE[theme])
    return ThemeScore(theme, indicators_in_force(view, theme), tuple(answers(view, theme)),
                      tuple(f["event_id"] for f in cases))


def levels(view: FarmView) -> dict[str, Level | None]:
    """The farm's level per theme on the date: what AU-9 reads (6-month audit interval when high or very
    high in either theme)."""
    return {theme: theme_score(view, theme).level for theme in ("forced_labor", "child_labor")}

