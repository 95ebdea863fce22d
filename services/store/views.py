"""A farm's view as the rule queries read it: its states (a split state merged from its parts), the
program's, and the cross-farm rows its rules read (bans, SU-2 siblings' standing, contractor flags, Article
I cases). The read side of every runner and door loads farms through here (services/ledger/queries.py
answers with them; the workers' sweeps fold them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, select

from events.types import PROGRAM_KEY
from projections.compliance import FarmView
from projections.kin.directory import FLAG_KINDS, VIEW
from projections.projection import is_parted, merged
from projections.recruitment.projection import RECRUITMENT
from projections.registry import all_projections
from services.store.answers import day_of
from services.store.schema import kin_facts, projection_state
from services.store.states import load_all_parts


def load_state(engine: Engine, projection: str, key: str) -> dict[str, Any] | None:
    if projection in _parted():
        return states_of(engine, key).get(projection)
    with engine.connect() as conn:
        raw = conn.execute(
            select(projection_state.c.state).where(
                projection_state.c.projection == projection, projection_state.c.key == key
            )
        ).scalar()
    return orjson.loads(raw) if raw is not None else None


def state_keys(engine: Engine, projection: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(projection_state.c.key).where(projection_state.c.projection == projection).order_by(
                    projection_state.c.key
                )
            ).scalars()
        )


def states_of(engine: Engine, key: str) -> dict[str, dict[str, Any]]:
    """Every projection's state for one key (a farm id, or `program`); a split state merged from its parts."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(projection_state.c.projection, projection_state.c.state).where(projection_state.c.key == key)
        )
        states = {name: orjson.loads(raw) for name, raw in rows}
        parts = load_all_parts(conn, None, key)
    split: dict[str, list[dict[str, Any]]] = {}
    for (name, _, _), state in parts.items():
        split.setdefault(name, []).append(state)
    states.update({name: merged({}, mine) for name, mine in split.items()})
    return states


def _parted() -> set[str]:
    return {p.name for p in all_projections() if is_parted(p)}


def farm_view(engine: Engine, farm_id: str, as_of: datetime, ahead: int = 0) -> FarmView:
    """The farm's states and the program's, with `as_of` turned into the farm's local date (`ahead` days on:
    the answer of a day to come, from the states as they are now)."""
    states = states_of(engine, farm_id)
    day = day_of(as_of, states.get("membership", {}).get("time_zone"), ahead)
    with_directories(engine, farm_id, states, day)
    with_kin_facts(engine, farm_id, states)
    return FarmView(farm_id, states, states_of(engine, PROGRAM_KEY), day)


def farm_ids(engine: Engine, farm_id: str | None = None) -> list[str]:
    return [farm_id] if farm_id else state_keys(engine, "membership")


def with_directories(engine: Engine, farm_id: str, states: dict[str, dict[str, Any]], day: date) -> None:
    """Give a farm's view what lives outside its partition: the bans of the people it hired (PE-1), and
    its siblings' suspensions that only time has brought about so far (SU-2, embedded mode)."""
    from projections.personnel.rules import BANS
    from projections.standing.cascade import pending_cascades
    from projections.standing.conduct import NAME as CONDUCT
    from projections.standing.query import NAME
    from services.store.schema import bans, owners

    standing = states.get(NAME)
    if standing is None:
        return
    hired = {f["data"].get("person_id") or f["data"].get("worker_id")
             for f in (states.get(CONDUCT) or {}).get("facts", {}).values()
             if f["type"] in ("PersonnelHired", "WorkerHired")}
    with engine.connect() as conn:
        rows = conn.execute(select(bans).where(bans.c.person_id.in_(sorted(hired)))).mappings() if hired else []
        states[BANS] = {"rows": [dict(r) for r in rows]}
        owner = select(owners.c.owner_id).where(owners.c.farm_id == farm_id)
        siblings = [f for f in conn.execute(select(owners.c.farm_id).where(owners.c.owner_id.in_(owner))).scalars()
                    if f != farm_id]
    if siblings:
        others = {f: load_state(engine, NAME, f) or {} for f in siblings}
        states[NAME] = pending_cascades(farm_id, standing, others, day, _linked(engine, farm_id, siblings))


def _linked(engine: Engine, farm_id: str, siblings: list[str]) -> Callable[[str, str], bool]:
    """SU-2: whether a sibling shares this farm's owner, or a controller in force on both on a day."""
    from services.store.schema import controls, enrolments

    farms = [farm_id, *siblings]
    with engine.connect() as conn:
        owner = dict(conn.execute(select(enrolments.c.farm_id, enrolments.c.owner_id)
                                  .where(enrolments.c.farm_id.in_(farms))).all())
        spans: dict[str, list[tuple[str, str, str | None]]] = {}
        for row in conn.execute(select(controls).where(controls.c.farm_id.in_(farms))).mappings():
            spans.setdefault(row["farm_id"], []).append((row["controller_id"], row["since"], row["until"]))

    def controllers(farm: str, day: str) -> set[str]:
        found = {c for c, since, until in spans.get(farm, []) if since <= day and (until is None or day <= until)}
        return found | ({owner[farm]} if farm in owner else set())

    def linked(sibling: str, day: str) -> bool:
        return bool(controllers(farm_id, day) & controllers(sibling, day))

    return linked


def with_kin_facts(engine: Engine, farm_id: str, states: dict[str, dict[str, Any]]) -> None:
    """Give a farm's view the cross-farm rows its rules read: the flags of the contractors it hired through
    (RR-3) and the Article I cases of its jurisdiction (RK-1 FL-R / CL-R)."""
    via = sorted({h["recruited_via"] for h in (states.get(RECRUITMENT) or {}).get("hires", {}).values()
                  if h.get("recruited_via")})
    jurisdiction = (states.get("membership") or {}).get("jurisdiction")
    with engine.connect() as conn:
        flags = [dict(r) for r in conn.execute(select(kin_facts).where(
            kin_facts.c.kind.in_(FLAG_KINDS), kin_facts.c.key.in_(via))).mappings()] if via else []
        cases = [dict(r) for r in conn.execute(select(kin_facts).where(
            kin_facts.c.kind == "article_i", kin_facts.c.key.in_([f"{jurisdiction}/a", f"{jurisdiction}/b"])
        )).mappings()] if jurisdiction else []
    states[VIEW] = {"flags": flags, "article_i": cases}
