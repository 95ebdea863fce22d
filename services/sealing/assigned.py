"""The person id behind a sealed value is the ledger's (SPEC §6): a sender posts personal data in clear,
without a `person_id`, and never an already-sealed value. Otherwise a farm could file a complainant under
another person's id (or copy another complaint's sealed value), and MDSC would unseal it as that person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from events.catalogue import Event
from events.codec import EventRejected


def check_unassigned(event: Event, line: int | None, fields: Iterable[str]) -> None:
    """Reject a sender's event whose personal-data `fields` name a person id or carry a sealed value."""
    for name in fields:
        value: Any = getattr(event.data, name, None)
        shown = value.model_dump() if isinstance(value, BaseModel) else value
        if not isinstance(shown, dict):
            continue
        if shown.get("sealed") is not None:
            raise EventRejected(line, f"data.{name}", "is sealed by the ledger: post it in clear")
        if shown.get("person_id") is not None:
            raise EventRejected(line, f"data.{name}.person_id", "is assigned by the ledger: leave it out")
