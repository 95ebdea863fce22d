"""Ingest throughput: `dignity ingest` of a generated program into the embedded ledger on SQLite (validate,
seal, append, every projection, in batches), beside a bare SQLite append of the same lines.

    python -m bench.ingest [--farms 200] [--months 12] [--seed 1] [--profile]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
from pathlib import Path

import orjson

from bench.common import CEILING_BATCH, machine, per_second, profiled, program_lines, show, temp_db, timed
from events.codec import decode_line
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import BATCH, parse_jsonl

_BARE = """CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL, farm_id TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
  digest TEXT NOT NULL, chain TEXT NOT NULL, body BLOB NOT NULL)"""


def bare_sqlite(lines: list[bytes]) -> float:
    """The floor: the same rows into the same shape of table with sqlite3, nothing validated or projected."""
    path = Path(tempfile.mkdtemp(prefix="dignity-bench-")) / "bare.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(_BARE)
    conn.execute("CREATE INDEX events_by_farm ON events (farm_id, position)")

    def run() -> None:
        for i in range(0, len(lines), CEILING_BATCH):
            rows = []
            for line in lines[i : i + CEILING_BATCH]:
                e = orjson.loads(line)
                digest = hashlib.sha256(line).hexdigest()
                rows.append((e["event_id"], e["type"], e["farm_id"], e["occurred_at"], e["occurred_at"],
                             digest, digest, line))
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO events (event_id, type, farm_id, occurred_at, recorded_at, digest, "
                             "chain, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")

    _, seconds = timed(run)
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the full ingest")
    args = parser.parse_args()

    lines, generated = program_lines(args.farms, args.months, args.seed)
    n = len(lines)
    _, validating = timed(lambda: [decode_line(line, i) for i, line in enumerate(lines, 1)])
    bare = bare_sqlite(lines)
    ledger = EmbeddedLedger(temp_db("ingest.db"))
    with profiled(args.profile):
        report, ingesting = timed(lambda: ledger.ingest(parse_jsonl(lines)))
    assert report.accepted == n and not report.rejected, report.as_json()["rejected"][:3]
    show(f"ingest: {args.farms} farms x {args.months} months = {n:,} events (batches of {BATCH})",
         ["what", "seconds", "events/s"],
         [["generate (dignity generate)", f"{generated:.2f}", per_second(n, generated)],
          ["bare SQLite append (sqlite3, no validation)", f"{bare:.2f}", per_second(n, bare)],
          ["decode + validate only (pydantic)", f"{validating:.2f}", per_second(n, validating)],
          ["dignity ingest: validate, seal, append, every projection", f"{ingesting:.2f}", per_second(n, ingesting)]])
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
