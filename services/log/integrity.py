"""What makes the stored log tamper-evident: a hash per row over every column, a chain per farm, and a
Merkle mountain range over the whole log (the root a signed checkpoint carries).

Row hash: SHA-256 of every stored column (event id, type, farm, occurred_at and recorded_at as stored, the
idempotency digest, and the body's own SHA-256). Chain: link_n = SHA-256(link_{n-1} ‖ n ‖ row hash), n the
event's number within its farm, so an edit, a reordering or a deletion inside a farm breaks the next link.
The global order is covered by the Merkle leaves, SHA-256(0x00 ‖ position ‖ link): an edit of any row, a
move of one to another position, or a truncation changes the root. A chain recomputed after an edit holds
by itself; the signed checkpoint (per farm: count and head) is what catches it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from events.codec import content_digest
from services.store.database import utc_text

FORMAT = 2  # the log format this module writes (1: chain over the body only, digest over the clear form)
COLUMNS = ("event_id", "type", "farm_id", "occurred_at", "recorded_at", "digest")


def row_hash(event_id: str, type_: str, farm_id: str, occurred_at: str, recorded_at: str, digest: str,
             body: bytes) -> bytes:
    """Every stored column of an event but its position (which the Merkle leaf covers) and its link."""
    fields = [FORMAT, event_id, type_, farm_id, occurred_at, recorded_at, digest, hashlib.sha256(body).hexdigest()]
    return hashlib.sha256(orjson.dumps(fields)).digest()


def link(head: str, seq: int, row: bytes) -> str:
    return hashlib.sha256(head.encode() + seq.to_bytes(8, "big") + row).hexdigest()


def leaf(position: int, chain: str) -> bytes:
    return hashlib.sha256(b"\x00" + position.to_bytes(8, "big") + bytes.fromhex(chain)).digest()


def columns_of(body: dict[str, Any]) -> dict[str, str]:
    """The columns a body implies: what the table must hold beside it."""
    return {
        "event_id": body["event_id"], "type": body["type"], "farm_id": body["farm_id"],
        "occurred_at": utc_of(body["occurred_at"]),
        "recorded_at": utc_of(body["recorded_at"]),
        "digest": content_digest({k: v for k, v in body.items() if k != "recorded_at"}),
    }


@lru_cache(maxsize=8192)
def utc_of(stamp: str) -> str:
    """A batch shares one recorded_at, and many events one occurred_at: convert each text once."""
    return utc_text(datetime.fromisoformat(stamp))


@dataclass
class MerkleRange:
    """An append-only Merkle mountain range: the peaks are all it keeps, so a checkpoint extends the last one
    with the new leaves only, never trusting the rows it already signed."""

    peaks: list[tuple[int, bytes]] = field(default_factory=list)
    count: int = 0

    def add(self, node: bytes) -> None:
        height = 0
        while self.peaks and self.peaks[-1][0] == height:
            _, left = self.peaks.pop()
            node = hashlib.sha256(b"\x01" + left + node).digest()
            height += 1
        self.peaks.append((height, node))
        self.count += 1

    def root(self) -> str:
        if not self.peaks:
            return hashlib.sha256(b"").hexdigest()
        acc = self.peaks[-1][1]
        for _, peak in reversed(self.peaks[:-1]):
            acc = hashlib.sha256(b"\x02" + peak + acc).digest()
        return acc.hex()

    def as_json(self) -> list[list[Any]]:
        return [[h, p.hex()] for h, p in self.peaks]

    @classmethod
    def from_json(cls, peaks: list[list[Any]], count: int) -> MerkleRange:
        return cls([(int(h), bytes.fromhex(p)) for h, p in peaks], count)


@dataclass
class Tally:
    """The log as a checkpoint describes it: per farm (count, head), the whole log's Merkle range, and the
    last position covered."""

    position: int = 0
    farms: dict[str, list[Any]] = field(default_factory=dict)
    merkle: MerkleRange = field(default_factory=MerkleRange)

    def add(self, position: int, farm: str, chain: str) -> None:
        count, _ = self.farms.get(farm, (0, ""))
        self.farms[farm] = [count + 1, chain]
        self.merkle.add(leaf(position, chain))
        self.position = position

    def head(self, farm: str) -> tuple[int, str]:
        count, head = self.farms.get(farm, (0, ""))
        return int(count), str(head)
