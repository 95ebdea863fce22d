"""Read-side access for the kin programs (SPEC §4 `premium`, `contractors`, `risk`): load the farms' views
and the cross-farm `kin_facts` rows, answer with the pure queries in `projections/`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from events.types import PROGRAM_KEY
from projections.calendar import local_date, month_bounds
from projections.compliance import FarmView
from projections.premium.owed import premium_months
from projections.recruitment.projection import RECRUITMENT
from projections.recruitment.query import contractors as contractor_rows
from projections.risk.query import buyer_risk_of, farm_part, farm_risk, part_json, part_of
from services.ledger.queries import PERIOD, states_of, stored_answer
from services.store.schema import kin_facts

CONTRACTOR_KINDS = ("contractor_hire", "contractor_fee", "contractor_violation", "contractor_review")


def _rows(engine: Engine, kinds: tuple[str, ...], key: str | None = None) -> list[dict[str, Any]]:
    query = select(kin_facts).where(kin_facts.c.kind.in_(kinds))
    if key is not None:
        query = query.where(kin_facts.c.key == key)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(kin_facts.c.on, kin_facts.c.event_id)).mappings()]


def buyer_farms(engine: Engine, buyer_id: str, period: str | None = None) -> list[str]:
    """The farms the buyer bought milk from (in the period, when given)."""
    return sorted({r["farm_id"] for r in _rows(engine, ("purchase",), buyer_id)
                   if period is None or r["value"].split(" ")[0] == period})


def premium(engine: Engine, buyer_id: str, period: str | None, as_of: datetime,
            errors: list[str] | None = None) -> list[dict[str, Any]]:
    """SPEC §4 `dignity premium --buyer B [--period M]`: owed vs remitted per farm and month (BP-1). A farm
    whose rate is not in force is reported in `errors` (when given) and the others still answer."""
    out: list[dict[str, Any]] = []
    kind = f"premium/{buyer_id}/{period or 'all'}" if period is None or PERIOD.fullmatch(period) else None

    def months(view: FarmView) -> Any:
        return [m.as_json() for m in premium_months(view, buyer_id, period)]

    for farm in buyer_farms(engine, buyer_id, period):
        try:
            out += stored_answer(engine, kind, farm, as_of, months, enrolled=False)
        except LookupError as exc:
            if errors is None:
                raise
            errors.append(f"{farm}: {exc}")
    return sorted(out, key=lambda r: (r["period"], r["farm_id"]))


def contractors(engine: Engine, contractor_id: str | None, as_of: datetime) -> list[dict[str, Any]]:
    """SPEC §4 `dignity contractors [--contractor ID] [--as-of DATE]` (dates in New York time)."""
    program = states_of(engine, PROGRAM_KEY)
    rows = _rows(engine, CONTRACTOR_KINDS, contractor_id)
    answer = contractor_rows(program, rows, local_date(as_of), contractor_id)
    if contractor_id and answer and answer[0]["name"] is None and answer[0]["hires"] == 0:
        raise LookupError(f"unknown contractor {contractor_id!r} (no LaborContractorRegistered recorded)")
    return answer


def risk(engine: Engine, farm_id: str, as_of: datetime, period: str | None = None) -> dict[str, Any]:
    """SPEC §4 `dignity risk FARM`; LookupError for a farm never enrolled."""
    kind = f"risk/{period or 'now'}" if period is None or PERIOD.fullmatch(period) else None
    return stored_answer(engine, kind, farm_id, as_of, lambda view: farm_risk(view, period))  # type: ignore[no-any-return]


def buyer_portfolio(engine: Engine, buyer_id: str, period: str, as_of: datetime) -> dict[str, Any]:
    """SPEC §4 `dignity risk --buyer B --period M`: the buyer's mrh-eq and its hotspots."""
    kind = f"riskpart/{buyer_id}/{period}" if PERIOD.fullmatch(period) else None

    def part(view: FarmView) -> Any:
        return part_json(farm_part(view, buyer_id, period))

    parts = [part_of(stored_answer(engine, kind, farm, as_of, part, enrolled=False))
             for farm in buyer_farms(engine, buyer_id, period)]
    return buyer_risk_of(parts, buyer_id, period)


def period_end(period: str) -> date:
    return month_bounds(period)[1]


def reviews(engine: Engine, contractor_id: str) -> list[dict[str, Any]]:
    """Every review of a contractor with its comment unsealed (MDSC's view; callers check the role)."""
    from services.ledger.queries import load_state
    from services.sealing.vault import KeyVault

    vault = KeyVault(engine)
    out = []
    for farm in sorted({r["farm_id"] for r in _rows(engine, ("contractor_review",), contractor_id)}):
        for review in (load_state(engine, RECRUITMENT, farm) or {}).get("reviews", {}).values():
            if review["contractor_id"] != contractor_id:
                continue
            comment = review.get("comment")
            text = vault.unseal(comment).get("comment") if isinstance(comment, dict) else comment
            out.append({"farm_id": farm, "review_id": review["review_id"], "worker_id": review["worker_id"],
                        "rating": review["rating"], "reviewed_on": review["reviewed_on"], "comment": text})
    return sorted(out, key=lambda r: (r["reviewed_on"], r["review_id"]))
