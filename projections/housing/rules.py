"""HO-1 (Housing ¶4): a housed worker whose employment the farm ends gets at least 14 days' notice from the
date of separation to vacate, unless the termination remedies an Article I violation. A separation with no
`vacate_by` gave no notice. A finding per worker, dated by the separation."""

from __future__ import annotations

from datetime import date

from projections.calendar import add_days
from projections.compliance import FarmView, Finding
from projections.education.rules import workers

NOTICE_DAYS = 14


def vacate_notices(view: FarmView) -> list[Finding]:
    out = []
    for worker_id, w in workers(view):
        sep = w.get("separation") or {}
        left = w.get("separated_on")
        if not left or sep.get("by") != "farm" or not sep.get("housed") or sep.get("article_i_termination"):
            continue
        on = date.fromisoformat(left)
        if on > view.as_of:
            continue
        needed = add_days(on, NOTICE_DAYS)
        given = date.fromisoformat(sep["vacate_by"]) if sep.get("vacate_by") else None
        if given is not None and given >= needed:
            continue
        detail = {"separated_on": left, "vacate_by": sep.get("vacate_by"), "required_by": needed.isoformat(),
                  "days": (given - on).days if given else None}
        out.append(Finding("HO-1", view.farm_id, worker_id, on, detail, (sep["event_id"],)))
    return out


FINDINGS = [vacate_notices]
