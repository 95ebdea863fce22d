"""Signed checkpoints: what the log was at a moment (per farm: count and chain head; the whole log: count,
Merkle root and peaks, the last position), signed with the ledger's Ed25519 key.

A checkpoint extends the previous one with the rows after it, checking each (columns, digest, link) on the
way; it never re-reads what was signed before, so an edit made since is not signed over, and it refuses to
sign a log whose new rows do not hold. The latest checkpoint is also copied to a file outside the database
(`DIGNITY_CHECKPOINT_FILE`, by default beside an SQLite database), so deleting checkpoint rows together with
the events after them does not roll the evidence back unseen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select

from services.log.audit import Problem, scan, stored_rows
from services.log.integrity import FORMAT, MerkleRange, Tally
from services.log.signer import Signer, beside_database, signature_holds
from services.settings import settings
from services.store.database import utc_text
from services.store.schema import signed_checkpoints

CHECKPOINT_FILE_ENV = "DIGNITY_CHECKPOINT_FILE"


class CheckpointRefused(RuntimeError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.detail for p in problems[:5]))


@dataclass(frozen=True)
class Signed:
    body: bytes
    signature: bytes

    @property
    def state(self) -> dict[str, Any]:
        parsed: dict[str, Any] = orjson.loads(self.body)
        return parsed

    def usable(self) -> bool:
        """A JSON object with every field a checkpoint has (a garbled row or file is not one)."""
        try:
            s = self.state
            return (isinstance(s, dict) and isinstance(s["farms"], dict) and isinstance(s["peaks"], list)
                    and all(isinstance(s[k], int) for k in ("position", "count"))
                    and all(isinstance(s[k], str) for k in ("root", "at")))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return False

    def holds(self, public_key: bytes) -> bool:
        return signature_holds(public_key, self.body, self.signature)

    def tally(self) -> Tally:
        s = self.state
        return Tally(s["position"], {f: list(v) for f, v in s["farms"].items()},
                     MerkleRange.from_json(s["peaks"], s["count"]))


def checkpoint_copy_path(event_url: Any) -> Path:
    configured = settings().checkpoint_file  # DIGNITY_CHECKPOINT_FILE
    return Path(configured) if configured else beside_database(event_url, ".checkpoint.json", "dignity.checkpoint.json")


def latest_stored(conn: Connection) -> Signed | None:
    row = conn.execute(select(signed_checkpoints.c.body, signed_checkpoints.c.signature)
                       .order_by(signed_checkpoints.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    try:
        return Signed(bytes(row[0]), bytes.fromhex(row[1]))
    except (TypeError, ValueError):
        return Signed(b"", b"")  # unusable: reported as such


def read_copy(path: Path) -> Signed | None:
    if not path.exists():
        return None
    try:
        raw = orjson.loads(path.read_bytes())
        return Signed(raw["body"].encode(), bytes.fromhex(raw["signature"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return Signed(b"", b"")  # unusable: reported as such


def newest(stored: Signed | None, copy: Signed | None) -> Signed | None:
    """The later of the database's latest checkpoint and the copy outside it (an unusable one is neither)."""
    stored = stored if stored is None or stored.usable() else None
    copy = copy if copy is None or copy.usable() else None
    if stored is None or copy is None:
        return stored or copy
    return copy if copy.state["count"] > stored.state["count"] else stored


def write_checkpoint(engine: Engine, signer: Signer, at: datetime, copy: Path | None = None,
                     written: Mapping[str, str] | None = None) -> Signed:
    """Sign the log as it is now (or return the latest checkpoint if nothing was appended since). `written`:
    the links this process appended (`audit.check_row`), whose rows are checked by their link alone."""
    with engine.begin() as conn:
        stored = latest_stored(conn)
        copied = read_copy(copy) if copy else None
        problems = [Problem("checkpoint_unreadable", f"the latest checkpoint {where} is not a checkpoint")
                    for where, c in (("in the database", stored), ("outside it", copied)) if c and not c.usable()]
        if problems:
            raise CheckpointRefused(problems)
        previous = newest(stored, copied)
        if previous is not None and not previous.holds(signer.public_key()):
            problems.append(Problem("signature", "the latest checkpoint's signature does not hold"))
        if previous is not None and previous is not stored:
            problems.append(Problem("checkpoint_missing", "the latest checkpoint is missing from the database"))
        if problems:
            raise CheckpointRefused(problems)
        tally = previous.tally() if previous else Tally()
        problems = scan(stored_rows(conn, after=tally.position), tally, written)
        if problems:
            raise CheckpointRefused(problems)
        if previous is not None and tally.merkle.count == previous.state["count"]:
            return previous
        state = {"format": FORMAT, "at": utc_text(at), "position": tally.position, "count": tally.merkle.count,
                 "root": tally.merkle.root(), "peaks": tally.merkle.as_json(), "farms": tally.farms,
                 "key": signer.public_key().hex()}
        body = orjson.dumps(state, option=orjson.OPT_SORT_KEYS)
        signed = Signed(body, signer.sign(body))
        conn.execute(signed_checkpoints.insert().values(
            at=state["at"], position=state["position"], count=state["count"], root=state["root"], body=body,
            signature=signed.signature.hex()))
    if copy is not None:
        write_copy(copy, signed)
    return signed


def write_copy(copy: Path, signed: Signed) -> None:
    tmp = copy.with_name(copy.name + ".tmp")
    tmp.write_bytes(orjson.dumps({"body": signed.body.decode(), "signature": signed.signature.hex()}))
    tmp.replace(copy)

