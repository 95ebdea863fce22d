"""What a projection is: a pure fold over one farm's events, plus pure queries over its state.

`apply` reads one event and the farm's state, updates that state and returns derived events. It does no
I/O and never reads the clock: business time comes from the events, "now" is passed to queries.
State is JSON-native (str, int, bool, None, list, dict; decimals as strings) so every runner stores it
the same way and the two modes can be compared byte for byte.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

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
