"""RK-1's `RiskLevelChanged`, found on the clock: a farm's level moves with the program's indicators, MDSC's
answers, other farms' cases and time itself, so the runners ask each farm's level when they tick (the
embedded `dignity tick`, the distributed worker's timer) and write a change through the log, like an SU-2
notice: appended after what caused it, then folded (the farm's history, its risk state, its buyers'
notifications). The ids are the farm's, theme's, date's and level's, so asking twice announces once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from events.types import PROGRAM_KEY
from projections.projection import Derived
from projections.risk.changes import level_changes
from services.store.schema import events, partition_offsets, relay
from services.store.views import farm_view


class Throttle:
    """Ask again only when something could have moved a level: a new day (windows of 12 months and 5 years)
    or a new event on the log (embedded: its last position; distributed: the partitions' offsets). A server
    ticking every minute then reads every farm's view once a day, and after each change to the log."""

    def __init__(self) -> None:
        self._last: tuple[object, ...] | None = None

    def due(self, engine: Engine, at: datetime, farms: Iterable[str] = ()) -> bool:
        with engine.connect() as conn:
            log = conn.execute(select(func.max(events.c.position))).scalar()
            offsets = tuple(conn.execute(select(partition_offsets.c.topic, partition_offsets.c.partition,
                                                partition_offsets.c.offset).order_by(
                partition_offsets.c.topic, partition_offsets.c.partition)).all())
        key = (at.date().isoformat(), log, offsets, frozenset(farms))
        if key == self._last:
            return False
        self._last = key
        return True


def risk_level_changes(engine: Engine, farms: Iterable[str], at: datetime, recorded_at: datetime) -> list[Derived]:
    """The `RiskLevelChanged` events these farms owe by `at` (their local date), not yet folded."""
    out: list[Derived] = []
    for farm in sorted(set(farms) - {PROGRAM_KEY}):
        view = farm_view(engine, farm, at)
        if view.state("membership").get("enrolled_on"):
            out += level_changes(view, recorded_at)
    return out


def not_relayed(conn: Connection, made: list[Derived]) -> list[Derived]:
    """Distributed mode: the changes not already on their way to the events topic (`relay`)."""
    if not made:
        return []
    known = set(conn.execute(select(relay.c.event_id).where(
        relay.c.event_id.in_([d["event_id"] for d in made]))).scalars())
    return [d for d in made if d["event_id"] not in known]
