"""What a projection is: a pure fold over one farm's events, plus pure queries over its state.

`apply` reads one event and the farm's state, updates that state and returns derived events. It does no
I/O and never reads the clock: business time comes from the events, "now" is passed to queries.
State is JSON-native (str, int, bool, None, list, dict; decimals as strings) so every runner stores it
the same way and the two modes can be compared byte for byte.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from events.recorded import RecordedEvent

State = dict[str, Any]
Derived = dict[str, Any]
"""A derived event in canonical JSON form, made by `projections.derive.derive`."""


class Projection(Protocol):
    name: ClassVar[str]
    types: ClassVar[frozenset[str]]
    """The event types this projection reads; the runner skips the others."""

    def initial(self, key: str) -> State: ...

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]: ...


def part_of(projection: Projection, event: RecordedEvent) -> str | None:
    """The part of the state `event` touches, for a projection whose state is split into parts (it defines
    `part(event) -> str`); None for one kept whole. A part is a state of the projection's own shape holding
    only some entries; `apply` folds the event into that part alone, and the whole state is `merged(parts)`.
    Only a fold that files entries by id, never reading the others, may be split."""
    part = getattr(projection, "part", None)
    return None if part is None else str(part(event))


def is_parted(projection: Projection) -> bool:
    return getattr(projection, "part", None) is not None


def merged(initial: State, parts: list[State]) -> State:
    """The whole state of a split projection: every part's entries, merged dict by dict."""
    whole = initial
    for part in parts:
        _merge_into(whole, part)
    return whole


def _merge_into(into: dict[str, Any], part: dict[str, Any]) -> None:
    for k, v in part.items():
        mine = into.get(k)
        if isinstance(v, dict) and isinstance(mine, dict):
            _merge_into(mine, v)
        else:
            into[k] = v


@runtime_checkable
class Reopens(Protocol):
    """A projection that keeps a snapshot plus what came after it (standing): an event dated before the
    snapshot needs the facts it was made of, which another (split) projection keeps."""

    def history_wanted(self, state: State, event: RecordedEvent) -> tuple[str, list[str]] | None:
        """(projection, its parts) holding the facts the snapshot was made of, if `event` re-opens it."""
        ...

    def reopen(self, state: State, event: RecordedEvent, parts: list[State]) -> None: ...
