"""Read-side access shared by the CLI and the HTTP API: each SPEC §4 answer, read as stored while current or
folded from the farm's view (services/store/views.py) and stored (services/store/answers.py).

The answers themselves are computed by the pure queries in `projections/`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, select

from events.upcasting import upcast
from projections.compliance import FarmView
from services.store.answers import Stored, as_stored, current_stamps, folded_answers, keep, load, read
from services.store.history import bodies_by_id, history_rows
from services.store.views import farm_ids as farm_ids
from services.store.views import farm_view as farm_view
from services.store.views import load_state as load_state
from services.store.views import state_keys as state_keys
from services.store.views import states_of as states_of

log = logging.getLogger(__name__)


def farm_history(engine: Engine, farm_id: str, as_of: datetime, known_at: datetime, *,
                 since: datetime | None = None, exclude: Collection[str] = ()) -> list[dict[str, Any]]:
    """The farm's events, source and derived, in per-farm log order, as of a business time and a ledger time;
    only those that occurred `since` a time and are of no type in `exclude`, when asked."""
    return [orjson.loads(body) for _, body in farm_history_encoded(engine, farm_id, as_of, known_at,
                                                                   since=since, exclude=exclude)]


def farm_event(engine: Engine, farm_id: str, event_id: str) -> dict[str, Any] | None:
    """One event of the farm's history (source or derived) as `farm_history` gives it, or None: found by its
    id through the indexes, not by reading the farm's whole history."""
    with engine.connect() as conn:
        body = bodies_by_id(conn, [farm_id], [event_id]).get(event_id)
    return None if body is None else upcast(orjson.loads(body))


def farm_history_encoded(engine: Engine, farm_id: str, as_of: datetime, known_at: datetime, *,
                         since: datetime | None = None, exclude: Collection[str] = ()) -> list[tuple[str, bytes]]:
    """`farm_history` as (type, canonical JSON) pairs, undecoded."""
    with engine.connect() as conn:
        return [(event_type, body) for _, _, event_type, body
                in history_rows(conn, farm_id, as_of, known_at, since=since, exclude=exclude)]


@dataclass(frozen=True)
class HistoryPage:
    rows: list[tuple[str, bytes]]
    """(type, canonical JSON), undecoded: what the API streams."""
    next_after: int | None
    """The seq the next page starts after; None when this page is the last."""


def farm_history_page(engine: Engine, farm_id: str, as_of: datetime, known_at: datetime, after: int | None,
                      limit: int) -> HistoryPage:
    """`limit` events of `farm_history` after the seq `after`: a page costs the same however old the farm."""
    with engine.connect() as conn:
        got = list(history_rows(conn, farm_id, as_of, known_at, after, limit + 1))
    more = len(got) > limit
    return HistoryPage([(event_type, body) for _, _, event_type, body in got[:limit]],
                       got[limit - 1][1] if more else None)


Progress = Callable[[int, int], None]
"""Told (farms answered, farms in all) after each farm: a program-wide first ask folds every farm."""


def deadlines(
    engine: Engine, farm_id: str | None, as_of: datetime, errors: list[str] | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    return list(answer_rows(engine, "deadlines", farm_id, as_of, errors, progress))


def findings(
    engine: Engine, farm_id: str | None, as_of: datetime, errors: list[str] | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    return list(answer_rows(engine, "findings", farm_id, as_of, errors, progress))


def answer_rows(engine: Engine, kind: str, farm_id: str | None, as_of: datetime, errors: list[str] | None = None,
                progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """`deadlines` or `findings` row by row, decoded a farm at a time: what a reader of the whole program
    (the timer, /metrics) takes without holding every row of every farm."""
    for body in answer_bodies(engine, kind, farm_id, as_of, errors, progress):
        yield from orjson.loads(body)


PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_FARMS_AT_ONCE = 400
"""Farms whose stored rows are read (and folded ones stored) together: memory bounded by this, not the program."""


def answer_bodies(engine: Engine, kind: str, farm_id: str | None, as_of: datetime,
                  errors: list[str] | None = None, progress: Progress | None = None) -> Iterator[bytes]:
    """`deadlines` or `findings`: each farm's rows as one JSON array, in farm order; read from `answers` while
    still current for its day, else folded from the farm's states and stored (services/store/answers.py).
    A farm that cannot answer is reported (when errors are collected) and never stored."""
    for _, bodies in farm_answers(engine, (kind,), farm_id, as_of, errors, progress=progress):
        yield bodies[kind]


def farm_answers(engine: Engine, kinds: tuple[str, ...], farm_id: str | None, as_of: datetime,
                 errors: list[str] | None = None, ahead: int = 0, progress: Progress | None = None
                 ) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(farm, {kind: JSON array}) in farm order, for several kinds at once: a farm whose stored rows of any
    of them are stale is read and folded once for all of them (the timer keeps both kinds warm, for today and,
    with `ahead=1`, the day after). A farm whose states cannot be read is left out (reported when errors are
    collected); a kind whose rules could not all answer is given but never stored."""
    farms = farm_ids(engine, farm_id)
    for i in range(0, len(farms), _FARMS_AT_ONCE):
        chunk = farms[i: i + _FARMS_AT_ONCE]
        with engine.connect() as conn:
            stamps = current_stamps(conn, chunk)  # before the rows and the states: see services/store/answers.py
            stored = {kind: load(conn, kind, chunk, stamps, as_of, ahead) for kind in kinds}
        fresh: dict[str, dict[str, Stored]] = {kind: {} for kind in kinds}
        for n, farm in enumerate(chunk, start=i + 1):
            bodies: dict[str, bytes] | None = {
                kind: hit.body for kind in kinds if (hit := stored[kind].get(farm)) is not None}
            if bodies is not None and len(bodies) < len(kinds):
                view = _view_or_none(engine, farm, as_of, errors, ahead)
                if view is None:
                    bodies = None  # reported: the others answer
                else:
                    for kind, (body, whole) in folded_answers(view, [k for k in kinds if k not in bodies],
                                                              errors).items():
                        bodies[kind] = body
                        if whole:
                            fresh[kind][farm] = as_stored(view, stamps[farm], body)
            if progress is not None:  # a farm left out is done with too: the count reaches every farm
                progress(n, len(farms))
            if bodies is not None:
                yield farm, bodies
        for kind in kinds:
            keep(engine, kind, fresh[kind])


def stored_answer(engine: Engine, kind: str | None, farm_id: str, as_of: datetime,
                  answer: Callable[[FarmView], Any], enrolled: bool = True, ahead: int = 0) -> Any:
    """One farm's answer of `kind` (JSON-ready) for `as_of` (`ahead` days on), read from `answers` while
    current for its day, else folded and stored (not stored when `kind` is None). LookupError for a farm
    never enrolled (with `enrolled`); whatever `answer` raises is raised and nothing is stored. Read or
    folded, the caller gets the same decoded JSON."""
    if kind is not None:
        with engine.connect() as conn:
            stamps, stored = read(conn, kind, [farm_id], as_of, ahead)
        stamp = stamps[farm_id]
        if (hit := stored.get(farm_id)) is not None:
            return orjson.loads(hit.body)
    view = farm_view(engine, farm_id, as_of, ahead)
    if enrolled and not view.state("membership").get("enrolled_on"):
        raise LookupError(f"unknown farm {farm_id!r} (no FarmEnrolled recorded)")
    body = orjson.dumps(answer(view))
    if kind is not None:
        keep(engine, kind, {farm_id: as_stored(view, stamp, body)})
    return orjson.loads(body)


def _view_or_none(engine: Engine, farm: str, as_of: datetime, errors: list[str] | None,
                  ahead: int = 0) -> FarmView | None:
    """The farm's view; None when its states cannot be read (reported when errors are collected, the other
    farms still answer)."""
    try:
        return farm_view(engine, farm, as_of, ahead)
    except Exception as exc:
        if errors is None:
            raise
        log.exception("%s: states not readable", farm)
        errors.append(f"{farm}: its states cannot be read ({type(exc).__name__})")
        return None


def passthrough(engine: Engine, farm_id: str, period: str, as_of: datetime | None = None) -> dict[str, Any]:
    """SPEC §4 `dignity passthrough`: load the farm's books and answer with the pure query.
    Raises LookupError for an unknown farm, or RateMissing (a LookupError) when a rate is not in force."""
    from projections.passthrough.books import Books
    from projections.passthrough.query import pass_through
    from services.store.database import now

    def answer(view: FarmView) -> Any:
        return pass_through(Books.of(view), period, view.as_of).as_json()

    kind = f"passthrough/{period}" if PERIOD.fullmatch(period) else None  # only a real month is stored
    return stored_answer(engine, kind, farm_id, as_of or now(), answer)  # type: ignore[no-any-return]


# -- standing, notifications and the cross-farm directories (SU-2, PE-1, BU-1) ----------------------------
def standing(engine: Engine, farm_id: str, as_of: datetime, ahead: int = 0) -> dict[str, Any]:
    """SPEC §4 `dignity standing` (`ahead` days after `as_of`: what the timer stores ahead of time);
    LookupError for a farm never enrolled."""
    from projections.standing.query import NAME, standing_as_of

    def answer(view: FarmView) -> Any:
        return standing_as_of(view.state(NAME), view.as_of).as_json()

    return stored_answer(engine, "standing", farm_id, as_of, answer, ahead=ahead)  # type: ignore[no-any-return]


def notifications(engine: Engine, buyer_id: str) -> list[dict[str, Any]]:
    """SPEC §4 `dignity notifications --buyer B`: what the buyer was told, in order per farm."""
    from services.store.schema import notifications as table

    query = select(table.c.notification_id, table.c.farm_id, table.c.kind, table.c.standing,
                   table.c.effective_on).where(table.c.buyer_id == buyer_id).order_by(table.c.position)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
