"""The same tamper evidence on the Kafka log: per-farm chains over the exact bytes the ledger produced, kept
beside the event-id index (`event_chains`), and signed checkpoints of the topic.

A record's link is computed from its value as the embedded log computes it from a row (`integrity.row_hash`
of the columns the body implies and the bytes). The Merkle leaves are the chained records in partition and
offset order (offsets never change on a topic); a checkpoint signs, besides each farm's count and head, the
end offset of every partition it read, so a later verify knows which records it covered.

SU-2 notices the workers relay are appended like the ledger's own (indexed and chained,
`KafkaEventLog.append_relayed`) and also checked against their `relay` row; one relayed before that, not
indexed, is checked against its row only. Records on the events topic the ledger did not append are
`unindexed`: produced by someone else, or the first copy of a batch whose index commit a crash prevented
(the index's `recorded_at` tells the copy the ledger kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Engine, select

from services.log.audit import Problem, compare
from services.log.checkpoint import CheckpointRefused, Signed, latest_stored, newest, read_copy, write_copy
from services.log.integrity import COLUMNS, FORMAT, Tally, columns_of, link, row_hash
from services.log.signer import Signer
from services.runner.read_models import upsert
from services.store.database import utc_text
from services.store.schema import event_chains, event_index, relay, signed_checkpoints

if TYPE_CHECKING:
    from services.log.kafka_log import KafkaEventLog

_CHUNK = 500
_OFFSET_BITS = 40  # a leaf's position: partition << 40 | offset


def load_heads(conn: Connection, farms: set[str]) -> dict[str, tuple[int, str]]:
    heads: dict[str, tuple[int, str]] = {}
    names = sorted(farms)
    for i in range(0, len(names), _CHUNK):
        rows = conn.execute(select(event_chains.c.farm_id, event_chains.c.count, event_chains.c.head)
                            .where(event_chains.c.farm_id.in_(names[i:i + _CHUNK])))
        heads.update({farm: (count, head) for farm, count, head in rows})
    return heads


def chain_records(conn: Connection, bodies: Sequence[dict[str, Any]], raws: Sequence[bytes]
                  ) -> dict[str, tuple[int, str]]:
    """The farms' new (count, head) once these records are appended, in order."""
    heads = load_heads(conn, {b["farm_id"] for b in bodies})
    for body, raw in zip(bodies, raws, strict=True):
        farm = body["farm_id"]
        columns = columns_of(body)
        count, head = heads.get(farm, (0, ""))
        heads[farm] = (count + 1, link(head, count + 1, row_hash(*(columns[c] for c in COLUMNS), raw)))
    return heads


def save_heads(conn: Connection, heads: dict[str, tuple[int, str]]) -> None:
    upsert(conn, event_chains, [{"farm_id": f, "count": n, "head": h} for f, (n, h) in sorted(heads.items())],
           ["farm_id"], ["count", "head"])


@dataclass
class TopicScan:
    tally: Tally = field(default_factory=Tally)
    ends: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    records: int = 0


def scan_topic(log: KafkaEventLog, engine: Engine, signed: dict[str, Any] | None = None) -> TopicScan:
    """Rechain the topic from its first record; with `signed`, also compare what it covered."""
    with engine.connect() as conn:
        index = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
            select(event_index.c.event_id, event_index.c.farm_id, event_index.c.digest, event_index.c.recorded_at))}
        relayed = {r[0]: orjson.loads(r[1]) for r in conn.execute(select(relay.c.event_id, relay.c.body))}
        stored_heads = {r[0]: (r[1], r[2]) for r in conn.execute(select(event_chains))}
    per_partition = log._fetch(log.topic, 0, None)
    scan = TopicScan(ends={str(p): (rows[-1].offset + 1 if rows else 0) for p, rows in per_partition.items()})
    covered = Tally()
    signed_ends = {int(p): e for p, e in (signed or {}).get("ends", {}).items()}
    chained: set[str] = set()
    for partition in sorted(per_partition):
        for record in per_partition[partition]:
            scan.records += 1
            body, event_id = record.body, str(record.body.get("event_id"))
            where = {"position": (partition << _OFFSET_BITS) | record.offset, "event_id": event_id,
                     "farm_id": str(body.get("farm_id"))}
            if event_id in relayed:
                if relayed[event_id] != body:
                    scan.problems.append(Problem("relay", "a relayed record differs from what the worker relayed",
                                                 **where))
                if event_id not in index:
                    continue  # relayed before relays were chained: its relay row is all there is to check
            known = index.get(event_id)
            if known is None:
                scan.problems.append(Problem("unindexed", "a record the ledger never appended", **where))
                continue
            if event_id in chained or known[2] != _recorded(body):
                continue  # a second copy, or the copy a crash left before the index commit
            chained.add(event_id)
            scan.problems += _check(body, record.raw, known, scan.tally, where)
            if signed is not None and record.offset < signed_ends.get(partition, 0):
                covered.add(where["position"], body["farm_id"], scan.tally.head(body["farm_id"])[1])
    for event_id in sorted(set(index) - chained):
        scan.problems.append(Problem("missing_on_topic", "an indexed event is not on the topic", event_id=event_id,
                                     farm_id=index[event_id][0]))
    for farm in sorted(set(stored_heads) | set(scan.tally.farms)):
        if tuple(scan.tally.head(farm)) != tuple(stored_heads.get(farm, (0, ""))):
            scan.problems.append(Problem("farm_head", f"farm {farm}: the topic's chain differs from the index's",
                                         farm_id=farm))
    if signed is not None:
        scan.problems += compare(covered, signed)
    return scan


def _recorded(body: dict[str, Any]) -> str | None:
    try:
        return utc_text(datetime.fromisoformat(body["recorded_at"]))
    except (KeyError, TypeError, ValueError):
        return None


def _check(body: dict[str, Any], raw: bytes, known: tuple[str, str, str], tally: Tally,
           where: dict[str, Any]) -> list[Problem]:
    farm, digest, _ = known
    problems = []
    try:
        columns = columns_of(body)
    except (KeyError, TypeError, ValueError):
        columns = {c: str(body.get(c)) for c in COLUMNS}
    if columns["digest"] != digest or columns["farm_id"] != farm:
        problems.append(Problem("digest", "the record does not match the event-id index", **where))
    count, head = tally.head(farm)
    tally.add(where["position"], farm, link(head, count + 1, row_hash(*(columns[c] for c in COLUMNS), raw)))
    return problems


def write_topic_checkpoint(log: KafkaEventLog, engine: Engine, signer: Signer, at: datetime,
                           copy: Path | None = None) -> Signed:
    """Rechain the whole topic and sign it; refused if anything does not hold. The latest checkpoint is also
    written to `copy`, outside the database."""
    with engine.connect() as conn:
        stored = _latest_kafka(conn)
    previous = newest(stored, read_copy(copy) if copy else None)
    if previous is not None and not previous.holds(signer.public_key()):
        raise CheckpointRefused([Problem("signature", "the latest checkpoint's signature does not hold")])
    if previous is not stored:
        raise CheckpointRefused([Problem("checkpoint_missing", "the latest checkpoint is missing from the database")])
    scan = scan_topic(log, engine, previous.state if previous else None)
    if scan.problems:
        raise CheckpointRefused(scan.problems)
    state = {"format": FORMAT, "mode": "kafka", "at": utc_text(at), "position": 0, "count": scan.tally.merkle.count,
             "root": scan.tally.merkle.root(), "peaks": scan.tally.merkle.as_json(), "farms": scan.tally.farms,
             "ends": scan.ends, "key": signer.public_key().hex()}
    body = orjson.dumps(state, option=orjson.OPT_SORT_KEYS)
    signed = Signed(body, signer.sign(body))
    with engine.begin() as conn:
        conn.execute(signed_checkpoints.insert().values(
            at=state["at"], position=0, count=state["count"], root=state["root"], body=body,
            signature=signed.signature.hex()))
    if copy is not None:
        write_copy(copy, signed)
    return signed


def _latest_kafka(conn: Connection) -> Signed | None:
    latest = latest_stored(conn)
    return latest if latest is not None and latest.state.get("mode") == "kafka" else None


def verify_topic(log: KafkaEventLog, engine: Engine, public_key: bytes | None, copy: Path | None = None
                 ) -> TopicScan:
    with engine.connect() as conn:
        stored = _latest_kafka(conn)
    signed = newest(stored, read_copy(copy) if copy else None)
    scan = scan_topic(log, engine, signed.state if signed else None)
    if signed is not stored:
        scan.problems.append(Problem("checkpoint_missing", "the latest checkpoint (kept outside the database) "
                                     "is missing from it"))
    if signed is None:
        if scan.records:
            scan.problems.append(Problem("unsigned", "no signed checkpoint covers the topic (dignity checkpoint)"))
    elif public_key is None or not signed.holds(public_key):
        scan.problems.append(Problem("signature", "the checkpoint's signature does not hold"))
    return scan
