"""The one fold both runners call: events (and the derived events they cause) through every projection and
the cross-farm process managers (SU-2, PE-1), in order.

Pure but for what it is handed: the farm states (`States`, which the runner backs with its cache and
store) and the cross-farm directories (`Directories`, backed by tables). It returns what to write: the
states it touched, each farm's history entries in fold order, the derived events, and the events other
farms' streams must receive through the log (SU-2 notices). A new rule plugs in as a projection or a
ticker in `registry`; the runners never change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from events.catalogue import DERIVED_TYPES
from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.kin import directory as kin_directory
from projections.projection import Derived, Projection, Reopens, State, is_parted
from projections.registry import tickers
from projections.standing import crossfarm

HISTORY = "history"
"""The state (per farm) holding the length of the farm's history: the next entry's `seq`."""

StateKey = tuple[str, ...]
"""(projection, farm) for a whole state, (projection, farm, part) for a part of a split one."""


class States(Protocol):
    def whole(self, projection: Projection, farm: str) -> State:
        """The farm's state of a projection kept whole (its initial state if it has none yet)."""
        ...

    def part(self, projection: Projection, farm: str, part: str) -> State:
        """One part of a split state (`Projection.part`), initial if never written."""
        ...

    def of_farm(self, farm: str) -> Mapping[str, State]:
        """Every projection's whole state of the farm, by name, as the process managers and tickers read it."""
        ...


class Directories(crossfarm.Directory, Protocol):
    def lock(self, owner: str) -> None:
        """Hold the owner's SU-2 directories for the rest of the transaction."""
        ...

    def write(self, table: str, row: dict[str, Any]) -> None:
        """Add a row to a directory (insert-only; a row already there stays)."""
        ...


class Entry(NamedTuple):
    """One line of a farm's history: `seq` in fold order; `position` when the event came from the
    embedded log (the history then points there). A tuple: one is made per event folded."""

    farm_id: str
    seq: int
    event: RecordedEvent | None
    """None when `position` says where the log holds it: a replay's events are then let go once folded."""
    position: int | None


@dataclass
class Folded:
    touched: set[StateKey] = field(default_factory=set)
    history: list[Entry] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    """This farm's derived events, in order (history, outbox)."""
    elsewhere: list[Derived] = field(default_factory=list)
    """Events for other farms, or facts of a farm's stream (SU-2 notices): appended through the log."""


class Fold:
    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = list(projections)
        self.by_name = {p.name: p for p in self.projections}
        self.reopens = {p.name: p for p in self.projections if isinstance(p, Reopens)}
        self.by_type: dict[str, list[Projection]] = {}
        for p in self.projections:
            for t in p.types:
                self.by_type.setdefault(t, []).append(p)
        self._parted: dict[str, bool] = {p.name: is_parted(p) for p in self.projections}
        """Split or whole, asked once per projection rather than once per event."""
        self._plan: dict[str, tuple[tuple[Projection, bool, Reopens | None], ...]] = {
            t: tuple((p, self._parted[p.name], self.reopens.get(p.name)) for p in ps) for t, ps in self.by_type.items()}
        """Per event type: each projection that reads it, whether it is split, and itself if it re-opens
        (`by_type`, `_parted` and `reopens` asked once per type rather than once per event)."""
        self._cross = crossfarm.TYPES | kin_directory.TYPES

    def parts(self, batch: Iterable[RecordedEvent]) -> set[tuple[str, str, str]]:
        """The parts of split states these events touch (for the runner to read in one go)."""
        return {(p.name, e.farm_id, str(p.part(e))) for e in batch  # type: ignore[attr-defined]
                for p, parted, _ in self._plan.get(e.type, ()) if parted}

    def events(self, batch: Iterable[RecordedEvent], states: States, directories: Directories,
               seqs: dict[str, int], positions: Sequence[int] | None = None) -> Folded:
        """Fold a batch, in order. `seqs` is each farm's history length so far (updated in place). `batch` may
        be an iterator that decodes each event as it is asked for (a replay): each is folded while it is
        fresh in the cache, and let go once folded, rather than a batch's thousands decoded first."""
        out = Folded()
        if positions is None:
            for event in batch:
                self._fold(event, states, directories, seqs, out)
        else:
            for event, position in zip(batch, positions, strict=True):
                self._fold(event, states, directories, seqs, out, position)
        return out

    def tick(self, farms: Iterable[str], at: datetime, recorded_at: datetime, states: States,
             directories: Directories, seqs: dict[str, int]) -> Folded:
        """What time alone has brought these farms by `at` (`registry.tickers()`), each farm's day being `at`
        in its time zone, folded as a fact's derived events are; `recorded_at` is the ledger time."""
        out = Folded()
        for farm in sorted(set(farms)):
            mine = states.of_farm(farm)
            day = local_date(at, (mine.get("membership") or {}).get("time_zone"))
            for step in tickers():
                self._route(farm, step(mine, day, recorded_at), states, directories, seqs, out)
        return out

    def _fold(self, event: RecordedEvent, states: States, directories: Directories, seqs: dict[str, int],
              out: Folded, position: int | None = None) -> None:
        farm = event.farm_id
        seq = seqs[farm] = seqs.get(farm, 0) + 1
        out.history.append(Entry(farm, seq, event if position is None else None, position))
        touched = out.touched
        touched.add((HISTORY, farm))
        for projection, parted, reopens in self._plan.get(event.type, ()):
            if parted:
                part = str(projection.part(event))  # type: ignore[attr-defined]  # split: it has `part`
                state = states.part(projection, farm, part)
                touched.add((projection.name, farm, part))
            else:
                state = states.whole(projection, farm)
                touched.add((projection.name, farm))
            if reopens is not None:
                self._reopen(reopens, state, event, states)
            made = projection.apply(state, event)
            if made:
                self._route(farm, made, states, directories, seqs, out)
        if event.type in self._cross:
            self._route(farm, self._cross_farm(event, states, directories), states, directories, seqs, out)

    def _route(self, farm: str, made: list[Derived], states: States, directories: Directories,
               seqs: dict[str, int], out: Folded) -> None:
        for d in made:
            if d["farm_id"] != farm or d["type"] not in DERIVED_TYPES:
                out.elsewhere.append(d)  # another farm's, or a fact of a farm's stream (SU-2): through the log
                continue
            out.derived.append(d)
            self._fold(RecordedEvent.from_wire(d), states, directories, seqs, out)

    def _reopen(self, projection: Reopens, state: State, event: RecordedEvent, states: States) -> None:
        """A projection that keeps a snapshot (standing) and gets an event dated before it names the parts of
        another projection holding the facts the snapshot was made of; it re-opens from them."""
        history = projection.history_wanted(state, event)
        if history is not None:
            name, parts = history
            source = self.by_name[name]
            projection.reopen(state, event, [states.part(source, event.farm_id, p) for p in parts])

    @staticmethod
    def _cross_farm(event: RecordedEvent, states: States, directories: Directories) -> list[Derived]:
        """Write the directories an event feeds, then run the process managers that read them."""
        mine = states.of_farm(event.farm_id)
        for owner in crossfarm.lock_scopes(event, mine):
            directories.lock(owner)
        for table, row in [*crossfarm.directory_rows(event, mine), *kin_directory.directory_rows(event, mine)]:
            directories.write(table, row)
        return crossfarm.react(event, mine, directories)
