"""The clock-driven half of the distributed runner: deadlines that passed and pass-through shortfalls
become derived events (`DeadlineMissed`, `PassThroughDiscrepancy`), each exactly once.

The rule queries are the ones `dignity deadlines` / `dignity findings` run; the ids are deterministic
(type, farm, rule, subject, date), so the `outbox` primary key keeps a fact from being emitted twice
however often the timer fires or however many workers evaluate a farm. These events go to the derived
topic only, not into the farm's history, so the history stays the same in both modes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import InterfaceError, OperationalError

from events.recorded import RecordedEvent
from events.types import PROGRAM_KEY
from projections.calendar import local_date, zone
from projections.compliance import FarmView
from projections.derive import derive, derived_id
from projections.projection import Derived
from projections.registry import deadline_queries, finding_queries
from services.store.answers import current_stamps, keep_folded
from services.store.history import bodies_by_id
from services.store.schema import outbox
from services.store.upsert import upsert
from services.store.views import farm_view

log = logging.getLogger(__name__)

DISCREPANCY_RULES = frozenset({"PT-4"})


class Fact:
    """One derived fact to emit: what it is and which events it rests on."""

    def __init__(self, type_: str, view: FarmView, data: dict[str, Any], key: str, day: date,
                 causes: Iterable[str]) -> None:
        self.type, self.farm_id, self.data, self.key = type_, view.farm_id, data, key
        tz = view.state("membership").get("time_zone")
        self.occurred_at = datetime.combine(day, time(0), zone(tz))
        self.causes = list(causes)
        self.event_id = derived_id(type_, view.farm_id, key)


def facts(view: FarmView) -> list[Fact]:
    out = []
    for deadline_query in deadline_queries():
        for o in deadline_query(view):
            if o.status(view.as_of) == "missed":  # also met late: the deadline was missed all the same
                data = {"rule": o.rule, "subject_id": o.subject_id, "due": o.due.isoformat()}
                out.append(Fact("DeadlineMissed", view, data, f"{o.rule}/{o.subject_id}/{o.due}",
                                o.due + timedelta(days=1), o.causes))
    for finding_query in finding_queries():
        for f in finding_query(view):
            if f.rule in DISCREPANCY_RULES and f.on <= view.as_of:
                data = {"rule": f.rule, "subject_id": f.subject_id, "on": f.on.isoformat(),
                        "detail": orjson.loads(orjson.dumps(dict(f.detail), default=str))}
                out.append(Fact("PassThroughDiscrepancy", view, data, f"{f.rule}/{f.subject_id}/{f.on}",
                                f.on, f.causes))
    return out


class Swept:
    """Each farm's stamps (services/store/answers.py) and local day when it was last swept. A farm whose stamps
    and day are still those has the facts it had then, all in the outbox already: a timer that fires every
    few seconds folds only the farms something was written for, and each farm once on a new day."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, str | None, date]] = {}

    def unchanged(self, farm: str, stamp: str, at: datetime) -> bool:
        last = self._last.get(farm)
        return last is not None and last[0] == stamp and local_date(at, last[1]) == last[2]

    def note(self, farm: str, stamp: str, view: FarmView) -> None:
        self._last[farm] = (stamp, view.state("membership").get("time_zone"), view.as_of)


def sweep(engine: Engine, farms: Iterable[str], at: datetime, swept: Swept | None = None) -> list[Derived]:
    """The new derived events for these farms as of `at`, already written to the outbox (to publish). With
    `swept`, a farm unchanged since its last sweep is passed over, and each farm swept is noted once the
    outbox has its facts."""
    wanted = sorted(set(farms) - {PROGRAM_KEY})
    stamps: dict[str, str] = {}
    if swept is not None:
        with engine.connect() as conn:  # read before the states are: a write meanwhile gives a newer stamp
            stamps = current_stamps(conn, wanted)
        wanted = [farm for farm in wanted if not swept.unchanged(farm, stamps[farm], at)]
    folded = [done for done in (_view_of(engine, farm, at) for farm in wanted) if done is not None]
    found = [fact for _, facts_of in folded for fact in facts_of]
    made = _emit(engine, found) if found else []
    if swept is not None:
        for view, _ in folded:
            swept.note(view.farm_id, stamps[view.farm_id], view)
        _keep_answers(engine, [(view, stamps[view.farm_id]) for view, _ in folded], at)
    return made


KEPT = ["deadlines", "findings"]
"""The answers the sweep keeps stored, as the embedded server's timer does (services/ledger/ticker.py): MDSC's
program-wide lists, read as rows the first time they are asked, and the next day's too."""


def _keep_answers(engine: Engine, folded: list[tuple[FarmView, str]], at: datetime) -> None:
    """Today's answers from the views the sweep folded anyway, and the next day's from views folded now, each
    under the stamps read before the first views were (a write since gives a newer stamp: never taken for
    current), so the first asks after midnight read rows. The facts are out before this runs."""
    keep_folded(engine, KEPT, folded)
    for i in range(0, len(folded), _AHEAD_AT_ONCE):  # views held a chunk at a time, not the whole sweep's
        ahead = []
        for view, stamps in folded[i: i + _AHEAD_AT_ONCE]:
            try:
                ahead.append((farm_view(engine, view.farm_id, at, ahead=1), stamps))
            except (OperationalError, InterfaceError) as exc:  # the database: the facts are out, only this waits
                log.warning("sweep: the next day's answers not kept (%r); folded when asked", exc)
                return
            except Exception:  # its answers are folded when asked; the other farms' are still kept
                log.exception("sweep: %s's next day cannot be folded", view.farm_id)
        keep_folded(engine, KEPT, ahead)


_AHEAD_AT_ONCE = 100


def _emit(engine: Engine, found: list[Fact]) -> list[Derived]:
    made: list[Derived] = []
    with engine.begin() as conn:
        known = set(conn.execute(select(outbox.c.event_id).where(
            outbox.c.event_id.in_([f.event_id for f in found]))).scalars())
        for fact in found:
            if fact.event_id in known:
                continue
            known.add(fact.event_id)
            causes = _events(conn, fact.farm_id, fact.causes)
            if not causes:  # derive() dates a fact by its causes; a rule must name at least one
                log.warning("%s %s names no recorded cause; not emitted", fact.type, fact.key)
                continue
            made.append(derive(fact.type, fact.farm_id, fact.occurred_at, fact.data, causes, fact.key))
        upsert(conn, outbox, [{"event_id": d["event_id"], "farm_id": d["farm_id"], "body": orjson.dumps(d),
                               "published": 0} for d in made], ["event_id"], [])
    return made


def _view_of(engine: Engine, farm: str, at: datetime) -> tuple[FarmView, list[Fact]] | None:
    """One farm's view and facts; a farm whose rules cannot answer is logged and skipped (None), never stops
    the others'."""
    try:
        view = farm_view(engine, farm, at)
        return view, facts(view)
    except (OperationalError, InterfaceError):
        raise  # the database, not the farm: the whole sweep is tried again
    except Exception:
        log.exception("sweep: %s cannot be evaluated; the other farms go on", farm)
        return None


def _events(conn: Connection, farm_id: str, ids: list[str]) -> list[RecordedEvent]:
    """The causes as recorded (the farm's and the program's history), in the order the rule named them."""
    if not ids:
        return []
    by_id = {event_id: RecordedEvent.from_wire(body)
             for event_id, body in bodies_by_id(conn, [farm_id, PROGRAM_KEY], ids).items()}
    return [by_id[i] for i in ids if i in by_id]
