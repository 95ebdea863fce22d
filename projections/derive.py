"""Making derived events: deterministic ids, so the same cause always yields the same event (idempotency)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from events.recorded import RecordedEvent
from projections.projection import Derived

_NAMESPACE = uuid.UUID("6f1c2c4e-7a51-4b0e-9d7b-3a2f6c0de5a1")


def derived_id(*parts: str) -> str:
    """A stable id from what the derived fact is about: the same fact derived twice has the same id."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def derive(
    event_type: str,
    farm_id: str,
    occurred_at: datetime,
    data: dict[str, Any],
    causes: list[RecordedEvent],
    key: str,
) -> Derived:
    """A derived event named by `key` (unique per fact), caused by `causes`, known when its last cause was."""
    return {
        "event_id": derived_id(event_type, farm_id, key),
        "schema_version": 1,
        "type": event_type,
        "farm_id": farm_id,
        "occurred_at": occurred_at.isoformat(),
        "recorded_at": max(c.recorded_at for c in causes).isoformat(),
        "actor": {"role": "system", "id": "dignity-ledger"},
        "causation_id": [c.event_id for c in causes],
        "data": data,
    }
