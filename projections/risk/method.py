"""The Rainforest Alliance risk-map method (seed 003, SPEC §5 RK-1), exactly as the seed gives it.

Structural risk (0-4): raw = value ÷ max (1 − that for an inverse indicator), × weight, summed; the seed's
weights are percentages summing to 40 %, so the sum of weight × raw (0-0.4) is scaled ×10.
Risk in practice (0-6): Annex 1 / Annex 2 questions answered 0 or 1, the reported-cases question 0-3,
summed and rescaled to 6 (× 6 ÷ 11 for forced labour, × 6 ÷ 10 for child labour).
Level: low < 3.3 ≤ medium ≤ 6.7 < high; very high when the theme's Article I violation was found at the
farm in the last 5 years. Arithmetic is exact (fractions): a score of exactly 3.3 is medium.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Literal

Level = Literal["low", "medium", "high", "very_high"]
LOW_BELOW = Fraction("3.3")
HIGH_ABOVE = Fraction("6.7")
STRUCTURAL_SCALE = 10
IN_PRACTICE_MAX = 6

QUESTIONS: Mapping[str, tuple[str, ...]] = {
    "forced_labor": ("FL-1", "FL-2", "FL-3", "FL-4", "FL-5", "FL-6", "FL-7", "FL-8", "FL-R"),
    "child_labor": ("CL-1", "CL-2", "CL-3", "CL-4", "CL-5", "CL-6", "CL-7", "CL-R"),
}
"""Annex 2 (FL-1 manual labour .. FL-8 other nationality or group) and Annex 1 (CL-1 heights/tools/loads ..
CL-7 water), in the seed's order, then the reported-cases question."""
REPORTED = {"forced_labor": "FL-R", "child_labor": "CL-R"}
ARTICLE_I_CLAUSE = {"forced_labor": "a", "child_labor": "b"}
"""Code Part 6 Article I (a) forced labour, (b) systemic child labour."""


def theme_maximum(theme: str) -> int:
    """11 for forced labour (8 yes/no + 3), 10 for child labour (7 + 3)."""
    return len(QUESTIONS[theme]) - 1 + 3


@dataclass(frozen=True, slots=True)
class Indicator:
    indicator: str
    value: Fraction
    max_value: Fraction
    inverse: bool
    weight: Fraction
    event_id: str

    @property
    def raw(self) -> Fraction:
        raw = self.value / self.max_value
        return 1 - raw if self.inverse else raw

    @property
    def part(self) -> Fraction:
        """Its share of the structural score (0-4 scale)."""
        return self.weight * self.raw * STRUCTURAL_SCALE

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "value": decimal_text(self.value),
                "max_value": decimal_text(self.max_value), "inverse": self.inverse,
                "weight": decimal_text(self.weight), "raw": decimal_text(self.raw), "part": decimal_text(self.part),
                "event_id": self.event_id}


def indicator_of(entry: Mapping[str, Any]) -> Indicator:
    return Indicator(entry["indicator"], Fraction(entry["value"]), Fraction(entry["max_value"]),
                     bool(entry.get("inverse")), Fraction(entry["weight"]), entry["event_id"])


def structural(indicators: Iterable[Indicator]) -> Fraction:
    return sum((i.part for i in indicators), Fraction(0))


def in_practice(theme: str, answers: Iterable[int]) -> Fraction:
    return Fraction(sum(answers) * IN_PRACTICE_MAX, theme_maximum(theme))


def level_of(score: Fraction, very_high: bool) -> Level:
    if very_high:
        return "very_high"
    if score < LOW_BELOW:
        return "low"
    if score > HIGH_ABOVE:
        return "high"
    return "medium"


def decimal_text(value: Fraction, places: int = 4) -> str:
    """A fraction as a decimal string rounded to `places` (display only; levels use the exact value)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))

RISK_LEVEL_THEMES = ("forced_labor", "child_labor")
