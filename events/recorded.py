"""The shape every projection reads: an accepted event as decoded from the log, without re-validation."""

from __future__ import annotations

from dataclasses import dataclass, field
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
        return cls(
            event_id=raw["event_id"], type=raw["type"], farm_id=raw["farm_id"], occurred_at=occurred_at,
            recorded_at=recorded_at, actor_role=raw["actor"]["role"], data=raw["data"],
            causation_id=tuple(raw.get("causation_id") or ()), schema_version=raw.get("schema_version", 1),
            raw=raw,
        )

    @classmethod
    def from_wire(cls, body: bytes | dict[str, Any]) -> RecordedEvent:
        """Decode a trusted body (from the log or a topic): upcast, but do not validate again."""
        raw = upcast(orjson.loads(body) if isinstance(body, bytes | str) else body)
        return cls(
            event_id=raw["event_id"],
            type=raw["type"],
            farm_id=raw["farm_id"],
            occurred_at=moment_of(raw["occurred_at"]),
            recorded_at=moment_of(raw["recorded_at"]),
            actor_role=raw["actor"]["role"],
            data=raw["data"],
            causation_id=tuple(raw.get("causation_id") or ()),
            schema_version=raw.get("schema_version", 1),
            raw=raw,
        )
