"""The shape every projection reads: an accepted event as decoded from the log, without re-validation."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from events.upcasting import upcast

moment_of = lru_cache(maxsize=8192)(datetime.fromisoformat)
"""A batch's events share one recorded_at, and many one occurred_at: each text is parsed once (a datetime is
immutable, so one object serves them all)."""


@dataclass(slots=True, frozen=True)
class RecordedEvent:
    """One accepted event. `data` is the JSON form: money and hours are decimal strings, dates ISO."""

    event_id: str
    type: str
    farm_id: str
    occurred_at: datetime
    recorded_at: datetime
    actor_role: str
    data: dict[str, Any]
    causation_id: tuple[str, ...] = ()
    schema_version: int = 1
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The whole upcast body, as the history shows it."""

    @classmethod
    def of_current(cls, raw: dict[str, Any], occurred_at: datetime, recorded_at: datetime) -> RecordedEvent:
        """An event just validated (so already at its current version) whose times the caller has parsed."""
        return _made(raw, occurred_at, recorded_at)

    @classmethod
    def from_wire(cls, body: bytes | dict[str, Any]) -> RecordedEvent:
        """Decode a trusted body (from the log or a topic): upcast, but do not validate again."""
        raw = upcast(orjson.loads(body) if isinstance(body, bytes | str) else body)
        return _made(raw, moment_of(raw["occurred_at"]), moment_of(raw["recorded_at"]))


_new = object.__new__
_NAMES = ("event_id", "type", "farm_id", "occurred_at", "recorded_at", "actor_role", "data", "causation_id",
          "schema_version", "raw")
assert set(_NAMES) == {f.name for f in fields(RecordedEvent)}, "every field of RecordedEvent is set by _made"
(_event_id, _type, _farm_id, _occurred_at, _recorded_at, _actor_role, _data, _causation_id, _schema_version,
 _raw) = (getattr(RecordedEvent, name).__set__ for name in _NAMES)


def _made(raw: dict[str, Any], occurred_at: datetime, recorded_at: datetime) -> RecordedEvent:
    """A `RecordedEvent` of a body, its slots set directly: a frozen dataclass's `__init__` sets each field
    through `object.__setattr__`, which cost more than decoding the body's JSON (one is made per event
    replayed). Still frozen: assigning a field afterwards raises as before."""
    event = _new(RecordedEvent)
    _event_id(event, raw["event_id"])
    _type(event, raw["type"])
    _farm_id(event, raw["farm_id"])
    _occurred_at(event, occurred_at)
    _recorded_at(event, recorded_at)
    _actor_role(event, raw["actor"]["role"])
    _data(event, raw["data"])
    _causation_id(event, tuple(raw.get("causation_id") or ()))
    _schema_version(event, raw.get("schema_version", 1))
    _raw(event, raw)
    return event
