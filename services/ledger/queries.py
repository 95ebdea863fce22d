"""Read-side access shared by the CLI and the HTTP API: load states and history rows, nothing else.

The answers themselves are computed by the pure queries in `projections/`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from events.types import PROGRAM_KEY
from projections.compliance import FarmView, ordered
from projections.projection import is_parted, merged
from projections.reference.rates import RateMissing
from projections.registry import all_projections, deadline_queries, finding_queries
from services.store.answers import Stored, answering, current_stamps, day_of, load, read, store
from services.store.history import history_rows
from services.store.schema import projection_state
from services.store.states import load_all_parts

R = TypeVar("R")
log = logging.getLogger(__name__)


def farm_history(engine: Engine, farm_id: str, as_of: datetime, known_at: datetime) -> list[dict[str, Any]]:
    """The farm's events, source and derived, in per-farm log order, as of a business time and a ledger time."""
    return [orjson.loads(body) for _, body in farm_history_encoded(engine, farm_id, as_of, known_at)]


def farm_history_encoded(engine: Engine, farm_id: str, as_of: datetime, known_at: datetime
                         ) -> list[tuple[str, bytes]]:
    """`farm_history` as (type, canonical JSON) pairs, undecoded."""
    with engine.connect() as conn:
        return [(event_type, body) for _, _, event_type, body in history_rows(conn, farm_id, as_of, known_at)]


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
    from services.ledger.kin_queries import with_kin_facts

    with_kin_facts(engine, farm_id, states)
    return FarmView(farm_id, states, states_of(engine, PROGRAM_KEY), day)


def farm_ids(engine: Engine, farm_id: str | None = None) -> list[str]:
    return [farm_id] if farm_id else state_keys(engine, "membership")


def _run(queries: list[Callable[[FarmView], list[R]]], view: FarmView, errors: list[str] | None) -> list[R]:
    """Every rule query on one farm. A rate the program never set is an error, never a silent zero: it is
    raised, or, when the caller collects `errors`, reported there while the other rules still answer."""
    rows: list[R] = []
    for query in queries:
        try:
            rows.extend(query(view))
        except RateMissing as exc:
            if errors is None:
                raise
            errors.append(f"{view.farm_id}: {exc}")
        except Exception as exc:  # SPEC §6: one farm's data never stops the other farms' (or rules') answers
            if errors is None:
                raise
            log.exception("%s: %s failed", view.farm_id, getattr(query, "__name__", query))
            errors.append(f"{view.farm_id}: {getattr(query, '__module__', '?')} cannot answer "
                          f"({type(exc).__name__})")
    return rows


def deadlines(
    engine: Engine, farm_id: str | None, as_of: datetime, errors: list[str] | None = None
) -> list[dict[str, Any]]:
    return list(answer_rows(engine, "deadlines", farm_id, as_of, errors))


def findings(
    engine: Engine, farm_id: str | None, as_of: datetime, errors: list[str] | None = None
) -> list[dict[str, Any]]:
    return list(answer_rows(engine, "findings", farm_id, as_of, errors))


def answer_rows(engine: Engine, kind: str, farm_id: str | None, as_of: datetime, errors: list[str] | None = None
                ) -> Iterator[dict[str, Any]]:
    """`deadlines` or `findings` row by row, decoded a farm at a time: what a reader of the whole program
    (the timer, /metrics) takes without holding every row of every farm."""
    for body in answer_bodies(engine, kind, farm_id, as_of, errors):
        yield from orjson.loads(body)


def _deadline_rows(view: FarmView, errors: list[str] | None) -> list[dict[str, Any]]:
    return [o.as_json(view.as_of) for o in ordered(_run(deadline_queries(), view, errors))]


def _finding_rows(view: FarmView, errors: list[str] | None) -> list[dict[str, Any]]:
    rows = sorted((f for f in _run(finding_queries(), view, errors) if f.on <= view.as_of),
                  key=lambda f: (f.on, f.rule, f.subject_id))
    return [f.as_json() for f in rows]


_ANSWERS = {"deadlines": _deadline_rows, "findings": _finding_rows}
PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_FARMS_AT_ONCE = 400
"""Farms whose stored rows are read (and folded ones stored) together: memory bounded by this, not the program."""


def answer_bodies(engine: Engine, kind: str, farm_id: str | None, as_of: datetime,
                  errors: list[str] | None = None) -> Iterator[bytes]:
    """`deadlines` or `findings`: each farm's rows as one JSON array, in farm order; read from `answers` while
    still current for its day, else folded from the farm's states and stored (services/store/answers.py).
    A farm that cannot answer is reported (when errors are collected) and never stored."""
    for _, bodies in farm_answers(engine, (kind,), farm_id, as_of, errors):
        yield bodies[kind]


def farm_answers(engine: Engine, kinds: tuple[str, ...], farm_id: str | None, as_of: datetime,
                 errors: list[str] | None = None, ahead: int = 0) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(farm, {kind: JSON array}) in farm order, for several kinds at once: a farm whose stored rows of any
    of them are stale is read and folded once for all of them (the timer keeps both kinds warm, for today and,
    with `ahead=1`, the day after). A farm whose states cannot be read is left out (reported when errors are
    collected); a kind whose rules could not all answer is given but never stored."""
    farms = farm_ids(engine, farm_id)
    for i in range(0, len(farms), _FARMS_AT_ONCE):
        chunk = farms[i: i + _FARMS_AT_ONCE]
        with engine.connect() as conn:
            stamps = current_stamps(conn, chunk)  # before the rows and the states: see services/store/answers.py
            stored = {kind: load(conn, kind, chunk) for kind in kinds}
        fresh: dict[str, dict[str, Stored]] = {kind: {} for kind in kinds}
        for farm in chunk:
            bodies = {kind: hit.body for kind in kinds
                      if (hit := answering(stored[kind].get(farm, []), stamps[farm], as_of, ahead)) is not None}
            if len(bodies) < len(kinds):
                view = _view_or_none(engine, farm, as_of, errors, ahead)
                if view is None:
                    continue
                for kind, (body, whole) in folded_answers(view, [k for k in kinds if k not in bodies], errors).items():
                    bodies[kind] = body
                    if whole:
                        fresh[kind][farm] = _stored(view, stamps[farm], body)
            yield farm, bodies
        for kind in kinds:
            _keep(engine, kind, fresh[kind])


def folded_answers(view: FarmView, kinds: list[str], errors: list[str] | None) -> dict[str, tuple[bytes, bool]]:
    """The view's `deadlines` / `findings` as JSON arrays, each with whether every rule answered (only then
    may it be stored)."""
    out: dict[str, tuple[bytes, bool]] = {}
    for kind in kinds:
        before = len(errors) if errors is not None else 0
        body = orjson.dumps(_ANSWERS[kind](view, errors))
        out[kind] = (body, errors is None or len(errors) == before)
    return out


def keep_folded(engine: Engine, kinds: list[str], folded: list[tuple[FarmView, str]]) -> None:
    """Store the answers of views someone folded anyway (the workers' sweep), each under the stamps its caller
    read before loading it (services/store/answers.py); a kind a farm's rules could not all answer is not kept."""
    fresh: dict[str, dict[str, Stored]] = {kind: {} for kind in kinds}
    for view, stamps in folded:
        for kind, (body, whole) in folded_answers(view, kinds, []).items():
            if whole:
                fresh[kind][view.farm_id] = _stored(view, stamps, body)
    for kind in kinds:
        _keep(engine, kind, fresh[kind])


def _stored(view: FarmView, stamps: str, body: bytes) -> Stored:
    return Stored(view.state("membership").get("time_zone"), view.as_of.isoformat(), stamps, body)


def stored_answer(engine: Engine, kind: str | None, farm_id: str, as_of: datetime,
                  answer: Callable[[FarmView], Any], enrolled: bool = True, ahead: int = 0) -> Any:
    """One farm's answer of `kind` (JSON-ready) for `as_of` (`ahead` days on), read from `answers` while
    current for its day, else folded and stored (not stored when `kind` is None). LookupError for a farm
    never enrolled (with `enrolled`); whatever `answer` raises is raised and nothing is stored. Read or
    folded, the caller gets the same decoded JSON."""
    if kind is not None:
        with engine.connect() as conn:
            stamps, stored = read(conn, kind, [farm_id])
        stamp = stamps[farm_id]
        if (hit := answering(stored.get(farm_id, []), stamp, as_of, ahead)) is not None:
            return orjson.loads(hit.body)
    view = farm_view(engine, farm_id, as_of, ahead)
    if enrolled and not view.state("membership").get("enrolled_on"):
        raise LookupError(f"unknown farm {farm_id!r} (no FarmEnrolled recorded)")
    body = orjson.dumps(answer(view))
    if kind is not None:
        _keep(engine, kind, {farm_id: _stored(view, stamp, body)})
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


def _keep(engine: Engine, kind: str, fresh: dict[str, Stored]) -> None:
    """Store what was folded, if the database lets us at once: a query never waits on an ingest's write lock
    (nor fails because of it); the next query folds again."""
    if not fresh:
        return
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
            waits = raw.execute("PRAGMA busy_timeout").fetchone()[0] if raw is not None else None
            if raw is not None:
                raw.execute("PRAGMA busy_timeout = 100")
            try:
                with conn.begin():
                    store(conn, kind, fresh)
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {int(waits)}")  # the pooled connection's own wait again
    except SQLAlchemyError as exc:  # busy, or anything else: the answer stands, it is only not kept
        log.info("answers of %d farms not stored: %s", len(fresh), type(exc).__name__)


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
