"""The token store: bearer tokens for the five roles. Only a digest of each secret is kept.

A secret is `dl_` and 43 url-safe characters (256 random bits); it is shown once, when issued. A lookup
hashes the presented secret and finds the row by that digest, so the database never holds a usable token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select, update

from services.auth.roles import ROLES, Principal
from services.delivery.rows import plain
from services.store.database import now, utc_text
from services.store.schema import api_tokens, appeal_assignments

PREFIX = "dl_"
_LIVE = (select(api_tokens.c.token_id, api_tokens.c.role, api_tokens.c.subject)
         .where(api_tokens.c.digest == bindparam("digest"), api_tokens.c.revoked_at.is_(None)))
"""The lookup of every request, built once: building a select and its cache key per call cost more than the
indexed read itself."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    token_id: str
    role: str
    subject: str
    secret: str

    def as_json(self) -> dict[str, str]:
        return {"token_id": self.token_id, "role": self.role, "subject": self.subject, "token": self.secret}


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(self, role: str, subject: str, label: str | None = None) -> Issued:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if not subject.strip():
            raise ValueError("the subject (whose token it is) is required")
        secret = PREFIX + secrets.token_urlsafe(32)
        token_id = uuid.uuid4().hex[:16]
        with self.engine.begin() as conn:
            conn.execute(insert(api_tokens).values(
                token_id=token_id, digest=digest(secret), role=role, subject=subject, label=label,
                issued_at=utc_text(now()), revoked_at=None))
        return Issued(token_id, role, subject, secret)

    def authenticate(self, secret: str) -> Principal | None:
        """The principal of a live token, or None (unknown, malformed or revoked)."""
        if not secret.startswith(PREFIX):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(_LIVE, {"digest": digest(secret)}).first()
        return Principal(row.role, row.subject, row.token_id) if row else None

    def revoke(self, token_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(api_tokens).where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=utc_text(now())))
        return bool(result.rowcount)

    def tokens(self) -> list[dict[str, Any]]:
        query = select(api_tokens.c.token_id, api_tokens.c.role, api_tokens.c.subject, api_tokens.c.label,
                       api_tokens.c.issued_at, api_tokens.c.revoked_at).order_by(api_tokens.c.issued_at)
        with self.engine.connect() as conn:
            return plain(conn.execute(query).mappings())

    # -- arbitrators hear the appeals the MD Program assigns them (App. C V.6) ---------------------------
    def assign(self, arbitrator_id: str, farm_id: str, appeal_id: str) -> bool:
        """True if newly assigned."""
        from services.runner.read_models import upsert

        row = {"arbitrator_id": arbitrator_id, "farm_id": farm_id, "appeal_id": appeal_id,
               "assigned_at": utc_text(now())}
        with self.engine.begin() as conn:
            before = conn.execute(select(appeal_assignments.c.appeal_id).where(
                appeal_assignments.c.arbitrator_id == arbitrator_id, appeal_assignments.c.farm_id == farm_id,
                appeal_assignments.c.appeal_id == appeal_id)).first()
            upsert(conn, appeal_assignments, [row], ["arbitrator_id", "farm_id", "appeal_id"], [])
        return before is None

    def assignments(self, arbitrator_id: str | None = None) -> list[dict[str, str]]:
        query = select(appeal_assignments).order_by(appeal_assignments.c.assigned_at)
        if arbitrator_id is not None:
            query = query.where(appeal_assignments.c.arbitrator_id == arbitrator_id)
        with self.engine.connect() as conn:
            return plain(conn.execute(query).mappings())
