"""The SPEC §2 envelope shared by every event."""

from __future__ import annotations

from typing import Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from events.types import Instant, SchemaVersion

Role = Literal["cooperative", "farm", "worker_org", "mdsc", "buyer", "arbitrator", "system"]


STR_MAX = 16_384
"""Longest text in any field (ids, names, sealed values): a line cannot carry a megabyte in one field."""


class Model(BaseModel):
    """Base of every event part: unknown fields are refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=STR_MAX)


class Actor(Model):
    role: Role
    id: str = Field(min_length=1)


class Envelope(Model):
    event_id: UUID = Field(default_factory=uuid4)
    schema_version: SchemaVersion = 1
    farm_id: str = Field(min_length=1)
    occurred_at: Instant
    recorded_at: Instant | None = None
    actor: Actor
    causation_id: list[UUID] | None = None
