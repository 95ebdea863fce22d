"""`dignity verify --read-models`: replay the log into a scratch database and compare every read model with
the ledger's, row by row.

The replay ticks where the ledger ticked (the `ticks` table: after which log position, at which business
moment and ledger time), so the standing changes only time brought are replayed too: it is `dignity
rebuild`'s replay, run on a copy. Delivery state (`published` flags) is not a read model of the log and is
left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import orjson
from sqlalchemy import Engine, Table, inspect, select

from services.ledger.embedded import EmbeddedLedger
from services.store.schema import READ_MODELS as STORED_READ_MODELS
from services.store.schema import events, metadata, ticks

ANSWER_CACHES = {"answers", "answer_stamps"}
"""Emptied by a rebuild too, but a cache of what queries asked (stamps are fresh ids), not a function of the
log: a replay that was never asked has none."""
READ_MODELS = tuple(t.name for t in STORED_READ_MODELS if t.name not in ANSWER_CACHES)
NOT_COMPARED = {"published"}
EXAMPLES = 10  # differences shown per table


def check_read_models(engine: Engine, scratch_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every difference between the ledger's read models and a replay of its log (empty: they agree)."""
    with TemporaryDirectory(dir=scratch_dir) as tmp:
        scratch = EmbeddedLedger(f"sqlite:///{Path(tmp) / 'replay.db'}", sign=False)
        try:
            replay(engine, scratch)
            return differences(engine, scratch.engine)
        finally:
            scratch.engine.dispose()


def replay(source: Engine, scratch: EmbeddedLedger) -> None:
    """The log and where the ledger ticked, copied into the scratch database as they are; its catch-up from
    nothing then replays both, as `dignity rebuild` does (`EmbeddedLedger.catch_up`)."""
    for table in (events, ticks):
        _copy(source, scratch.engine, table)
    scratch.catch_up()


def _copy(source: Engine, target: Engine, table: Table, batch: int = 5000) -> None:
    with source.connect() as src, target.begin() as dst:
        rows = src.execution_options(stream_results=True, yield_per=batch).execute(select(table))
        while chunk := rows.fetchmany(batch):
            dst.execute(table.insert(), [dict(r._mapping) for r in chunk])


def differences(live: Engine, replayed: Engine) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    present = set(inspect(live).get_table_names())
    for name in READ_MODELS:
        if name not in present:
            continue
        table = metadata.tables[name]
        shown = 0
        counts = {"missing": 0, "extra": 0, "differs": 0}
        for kind, key in _diff(table, live, replayed):
            counts[kind] += 1
            if shown < EXAMPLES:
                found.append({"table": name, "kind": kind, "key": key})
                shown += 1
        if sum(counts.values()) > shown:
            found.append({"table": name, "kind": "more", "counts": counts})
    return found


def _diff(table: Table, live: Engine, replayed: Engine) -> Iterator[tuple[str, list[Any]]]:
    """Merge the two tables in primary-key order: rows the replay lacks (extra in the ledger), rows the
    ledger lacks (missing), rows that differ."""
    keys = [c.name for c in table.primary_key.columns]
    compared = [c.name for c in table.c if c.name not in NOT_COMPARED]
    query = select(*(table.c[c] for c in compared)).order_by(*(table.c[k] for k in keys))
    with live.connect() as a, replayed.connect() as b:
        left, right = iter(a.execute(query).mappings()), iter(b.execute(query).mappings())
        x, y = next(left, None), next(right, None)
        while x is not None or y is not None:
            kx = [x[k] for k in keys] if x is not None else None
            ky = [y[k] for k in keys] if y is not None else None
            if ky is None or (kx is not None and kx < ky):
                yield "extra", kx  # type: ignore[misc]
                x = next(left, None)
            elif kx is None or ky < kx:
                yield "missing", ky
                y = next(right, None)
            else:
                if any(_value(x[c]) != _value(y[c]) for c in compared):
                    yield "differs", kx
                x, y = next(left, None), next(right, None)


def _value(v: Any) -> Any:
    """JSON blobs compare by content, not by key order."""
    if isinstance(v, bytes | bytearray | memoryview):
        try:
            return orjson.loads(bytes(v))
        except orjson.JSONDecodeError:
            return bytes(v)
    return v
