"""Upcasters: older schema versions are rewritten to the current one on read.

The log keeps what was sent; every reader (validation at ingest, trusted replay, Kafka consumers)
goes through `upcast`, so a projection only ever sees the current shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Raw = dict[str, Any]
Upcaster = Callable[[Raw], Raw]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}
CURRENT_VERSION: dict[str, int] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that turns `event_type` v`from_version` into v`from_version + 1`."""

    def register(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(event_type, from_version)] = fn
        CURRENT_VERSION[event_type] = max(CURRENT_VERSION.get(event_type, 1), from_version + 1)
        return fn

    return register


def upcast(raw: Raw) -> Raw:
    """Apply registered upcasters until the event is at its current version (no-op for most events)."""
    step = _UPCASTERS.get((raw.get("type"), raw.get("schema_version", 1)))  # type: ignore[arg-type]
    while step is not None:
        raw = step(raw)
        step = _UPCASTERS.get((raw["type"], raw["schema_version"]))
    return raw


def may_upcast(event_type: str) -> bool:
    """Whether some upcaster rewrites events of this type (a body of any other type is read as it is)."""
    return event_type in CURRENT_VERSION


@upcaster("FarmEnrolled", 1)
def _farm_time_zone(raw: Raw) -> Raw:
    # v1 had no time zone: SPEC §2 says farms are in America/New_York unless they say otherwise.
    data = dict(raw.get("data") or {})
    data.setdefault("time_zone", "America/New_York")
    return {**raw, "schema_version": 2, "data": data}
