"""Bringing a log written by an older version to the current format, once, on first open.

Format 1 chained the body alone and kept a digest of the event as sent (a complainant in clear). The
migration recomputes, in log order, each row's digest over the stored (sealed) body and its link over every
column, and records the format in `ledger_meta`. It checks the old chains first and records the farms
whose old chain did not hold (`format1_broken_farms`), so a migration never hides an earlier edit.
"""

from __future__ import annotations

import hashlib

import orjson
from sqlalchemy import Engine, select, update

from services.log.integrity import COLUMNS, FORMAT, columns_of, link, row_hash
from services.store.bodies import unpack
from services.store.schema import events, ledger_meta

FORMAT_KEY = "log_format"


def migrate_log_format(engine: Engine) -> bool:
    """True if the log was migrated now."""
    with engine.begin() as conn:
        if conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.name == FORMAT_KEY)).scalar() == str(FORMAT):
            return False
        old_heads: dict[str, str] = {}
        new_heads: dict[str, tuple[int, str]] = {}
        broken: set[str] = set()
        rows = conn.execute(select(events.c.position, events.c.farm_id, events.c.chain, events.c.body)
                            .order_by(events.c.position)).all()
        for position, farm, chain, raw in rows:
            body = unpack(raw)
            old = hashlib.sha256(old_heads.get(farm, "").encode() + hashlib.sha256(body).digest()).hexdigest()
            if old != chain:
                broken.add(farm)
            old_heads[farm] = chain
            columns = columns_of(orjson.loads(body))
            seq, head = new_heads.get(farm, (0, ""))
            new = link(head, seq + 1, row_hash(*(columns[c] for c in COLUMNS), body))
            new_heads[farm] = (seq + 1, new)
            conn.execute(update(events).where(events.c.position == position).values(chain=new, **columns))
        conn.execute(ledger_meta.delete().where(ledger_meta.c.name.in_([FORMAT_KEY, "format1_broken_farms"])))
        conn.execute(ledger_meta.insert(), [{"name": FORMAT_KEY, "value": str(FORMAT)}] + (
            [{"name": "format1_broken_farms", "value": orjson.dumps(sorted(broken)).decode()}] if broken else []))
        return bool(rows)
