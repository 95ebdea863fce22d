"""RK-1's derived `RiskLevelChanged`: a farm's level in a theme differs from the last one announced.

A level moves with the farm's facts, with MDSC's answers and indicator values (the program's), with other
farms' cases and with time itself (windows of 12 months and 5 years), so the change is found the way the
clock-driven rules are: by asking the level on a date (`dignity tick`, the worker's timer). The id is made
of the farm, theme, date and level, so asking twice announces once.
"""

from __future__ import annotations

from datetime import datetime, time

from events.recorded import RecordedEvent
from projections.calendar import zone
from projections.compliance import FarmView
from projections.derive import derive
from projections.projection import Derived
from projections.risk.method import RISK_LEVEL_THEMES, decimal_text
from projections.risk.projection import RISK
from projections.risk.score import theme_score


def announced(view: FarmView, theme: str) -> str | None:
    """The last level announced on or before the date."""
    day = view.as_of.isoformat()
    levels = view.state(RISK).get("levels", {}).get(theme, {})
    past = [on for on in levels if on <= day]
    return str(levels[max(past)][0]) if past else None


def level_changes(view: FarmView, recorded_at: datetime) -> list[Derived]:
    out = []
    for theme in RISK_LEVEL_THEMES:
        score = theme_score(view, theme)
        level, before = score.level, announced(view, theme)
        if level is None or level == before:
            continue
        evidence = [*(i.event_id for i in score.indicators), *(e for a in score.answers for e in a.events),
                    *score.very_high_because]
        tz = view.state("membership").get("time_zone")
        at = datetime.combine(view.as_of, time.min, zone(tz))
        cause = RecordedEvent(evidence[0] if evidence else view.farm_id, "RiskLevelChanged", view.farm_id, at,
                              recorded_at, "system", {})
        total = score.score
        data = {"theme": theme, "level": level, "previous": before, "on": view.as_of.isoformat(),
                "score": decimal_text(total) if total is not None else None}
        made = derive("RiskLevelChanged", view.farm_id, at, data, [cause], f"{theme}/{view.as_of}/{level}")
        made["causation_id"] = sorted(set(evidence))
        out.append(made)
    return out
