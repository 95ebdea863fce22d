"""What the policy needs to know about a farm: who is linked to it. Read from the read models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, bindparam, select

from services.store.schema import appeal_assignments, projection_state

_CHUNK = 500
_MEMBERS = select(projection_state.c.key, projection_state.c.state).where(
    projection_state.c.projection == "membership", projection_state.c.key.in_(bindparam("farms", expanding=True)))
_ASSIGNED = select(appeal_assignments.c.arbitrator_id, appeal_assignments.c.farm_id,
                   appeal_assignments.c.appeal_id).where(
    appeal_assignments.c.farm_id.in_(bindparam("farms", expanding=True)))
"""Read for every request to a farm's route (the policy's input), so built once, not per call."""


@dataclass(frozen=True, slots=True)
class FarmScope:
    farm_id: str
    enrolled: bool = False
    cooperatives: frozenset[str] = frozenset()
    buyers: frozenset[str] = frozenset()
    """Every buyer ever linked: a former buyer still reads what it was told while linked."""
    assignments: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """(arbitrator_id, appeal_id) of this farm's appeals."""

    @classmethod
    def of(cls, farm_id: str, membership: dict[str, Any] | None,
           assignments: Iterable[tuple[str, str]] = ()) -> FarmScope:
        m = membership or {}
        return cls(farm_id, bool(m.get("enrolled_on")), frozenset(m.get("cooperatives", [])),
                   frozenset(m.get("buyers", {})), frozenset(assignments))


def load_scope(engine: Engine, farm_id: str) -> FarmScope:
    return load_scopes(engine, [farm_id])[farm_id]


def load_scopes(engine: Engine, farm_ids: Iterable[str]) -> dict[str, FarmScope]:
    """The scopes of many farms (the farm list, the feed) in a few queries."""
    wanted = sorted(set(farm_ids))
    members: dict[str, dict[str, Any]] = {}
    assigned: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            for key, raw in conn.execute(_MEMBERS, {"farms": chunk}):
                members[key] = orjson.loads(raw)
            for arbitrator, farm, appeal in conn.execute(_ASSIGNED, {"farms": chunk}):
                assigned.setdefault(farm, []).append((arbitrator, appeal))
    return {f: FarmScope.of(f, members.get(f), assigned.get(f, ())) for f in wanted}
