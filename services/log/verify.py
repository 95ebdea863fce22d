"""`dignity verify`: every row against its columns, digest and link, and the log against the latest signed
checkpoint (signature, per-farm count and head, count and Merkle root). Rows after the checkpoint are
checked row by row and counted as not yet signed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, select

from services.log.audit import Problem, check_row, compare, stored_rows
from services.log.checkpoint import latest_stored, newest, read_copy
from services.log.integrity import Tally
from services.store.schema import ledger_meta


@dataclass
class Verdict:
    events: int = 0
    unsigned: int = 0
    checkpoint: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def broken_farms(self) -> list[str]:
        return sorted({p.farm_id for p in self.problems if p.farm_id})

    def as_json(self) -> dict[str, Any]:
        signed = self.checkpoint
        return {
            "ok": self.ok, "events": self.events, "not_yet_signed": self.unsigned,
            "checkpoint": {k: signed[k] for k in ("at", "position", "count", "root")} if signed else None,
            "broken_farms": self.broken_farms(), "problems": [p.as_json() for p in self.problems],
        }


def verify_log(engine: Engine, public_key: bytes | None, copy: Path | None = None) -> Verdict:
    verdict = Verdict()
    with engine.connect() as conn:
        stored = latest_stored(conn)
        copied = read_copy(copy) if copy else None
        for where, found in (("in the database", stored), ("outside it", copied)):
            if found is not None and not found.usable():
                verdict.problems.append(Problem("checkpoint_unreadable",
                                                f"the latest checkpoint {where} is not a checkpoint"))
        stored = stored if stored is None or stored.usable() else None
        signed = newest(stored, copied)
        if signed is not None:
            verdict.checkpoint = signed.state
            if signed is not stored:
                verdict.problems.append(Problem(
                    "checkpoint_missing", "the latest checkpoint (kept outside the database) is missing from it"))
            if public_key is None:
                verdict.problems.append(Problem("signature", "no signing key to check the checkpoint with"))
            elif not signed.holds(public_key):
                verdict.problems.append(Problem("signature", "the checkpoint's signature does not hold"))
        boundary = signed.state["position"] if signed else None
        tally, compared = Tally(), False
        for row in stored_rows(conn):
            if boundary is not None and row[0] > boundary:
                if not compared:
                    verdict.problems += compare(tally, signed.state) if signed else []
                    compared = True
                verdict.unsigned += 1
            verdict.problems += check_row(row, tally)
            verdict.events += 1
    if signed is not None and not compared:
        verdict.problems += compare(tally, signed.state)
    if signed is None and verdict.events:
        verdict.problems.append(Problem("unsigned", "no signed checkpoint covers the log (dignity checkpoint)"))
    verdict.problems += _broken_before_migration(engine)
    return verdict


def _broken_before_migration(engine: Engine) -> list[Problem]:
    """Farms whose format-1 chain did not hold when the log was migrated: an earlier edit stays reported."""
    with engine.connect() as conn:
        found = conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.name == "format1_broken_farms")).scalar()
    return [Problem("format1_chain", f"farm {farm}: its chain did not hold when the log was migrated to format 2",
                    farm_id=farm) for farm in (orjson.loads(found) if found else [])]


def verify_database(engine: Engine) -> Verdict:
    """Verify an embedded log with the configured signing key and checkpoint copy (never makes a key)."""
    from services.log.checkpoint import checkpoint_copy_path
    from services.log.signer import FileSigner, signing_key_path

    signer = FileSigner(signing_key_path(engine.url))
    return verify_log(engine, signer.public_key() if signer.exists() else None, checkpoint_copy_path(engine.url))
