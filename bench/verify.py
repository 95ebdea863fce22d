"""Tamper evidence: `dignity verify` (every row, chain and the signed checkpoint), a checkpoint signed from
nothing (what the first `dignity checkpoint` of a migrated log costs) and `verify --read-models`, beside the
floor of reading every row and hashing its body once, on the same database.

    python -m bench.verify [--farms 200] [--months 12] [--seed 1] [--read-models]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import select

from bench.common import machine, per_second, show, timed
from bench.replay import ledger_with_program
from services.ledger.embedded import EmbeddedLedger
from services.ledger.read_model_check import check_read_models
from services.log.checkpoint import write_checkpoint
from services.log.verify import verify_database
from services.store.bodies import unpack
from services.store.schema import events, signed_checkpoints


def raw_floor(ledger: EmbeddedLedger) -> int:
    n = 0
    with ledger.engine.connect() as conn:
        for (body,) in conn.execution_options(stream_results=True, yield_per=5000).execute(select(events.c.body)):
            hashlib.sha256(unpack(body)).digest()  # the stored body's JSON (decompressed), as verify hashes it
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--read-models", action="store_true", help="also time verify --read-models (a replay)")
    args = parser.parse_args()

    cached = ledger_with_program(args.farms, args.months, args.seed)
    if not verify_database(cached.engine).ok:  # a cache from before checkpoints: sign it once
        write_checkpoint(cached.engine, cached.signer, cached.clock())
    rows = []
    n, seconds = timed(lambda: raw_floor(cached))
    rows.append(["floor: read every row, SHA-256 of its body", f"{n:,}", f"{seconds:.2f}", per_second(n, seconds)])
    verdict, seconds = timed(lambda: verify_database(cached.engine))
    rows.append([f"verify (ok={verdict.ok})", f"{verdict.events:,}", f"{seconds:.2f}",
                 per_second(verdict.events, seconds)])

    scratch = Path(tempfile.mkdtemp(prefix="dignity-bench-"))
    copy = scratch / "copy.db"
    with cached.engine.connect() as conn:  # a consistent copy, WAL included
        conn.exec_driver_sql(f"VACUUM INTO '{copy}'")
    fresh = EmbeddedLedger(f"sqlite:///{copy}", sign=False)
    with fresh.engine.begin() as conn:
        conn.execute(signed_checkpoints.delete())
    signed, seconds = timed(lambda: write_checkpoint(fresh.engine, fresh.signer, fresh.clock()))
    count = signed.state["count"]
    rows.append(["checkpoint signed from nothing", f"{count:,}", f"{seconds:.2f}", per_second(count, seconds)])
    if args.read_models:
        found, seconds = timed(lambda: check_read_models(cached.engine, scratch))
        rows.append([f"verify --read-models ({len(found)} differences)", f"{count:,}", f"{seconds:.2f}",
                     per_second(count, seconds)])
    shutil.rmtree(scratch, ignore_errors=True)
    show(f"verify: {args.farms} farms x {args.months} months", ["what", "events", "seconds", "events/s"], rows)
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
