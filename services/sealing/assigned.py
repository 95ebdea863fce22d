"""The person id behind a sealed value is the ledger's (SPEC §6): a sender posts personal data in clear,
without a `person_id`, and never an already-sealed value. Otherwise a farm could file a complainant under
another person's id (or copy another complaint's sealed value), and MDSC would unseal it as that person."""

from __future__ import annotations

from events.catalogue import Event
from events.catalogue.complaints import ClearPerson, SealedPerson
from events.codec import EventRejected


def check_unassigned(event: Event, line: int | None) -> None:
    """Reject a sender's event that names a person id or carries a sealed value."""
    person = getattr(event.data, "complainant", None) if event.type == "ComplaintReceived" else None
    if isinstance(person, SealedPerson):
        raise EventRejected(line, "data.complainant", "is sealed by the ledger: post the complainant in clear "
                                                      "(name, contact)")
    if isinstance(person, ClearPerson) and person.person_id is not None:
        raise EventRejected(line, "data.complainant.person_id", "is assigned by the ledger: leave it out")
