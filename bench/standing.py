"""Stored standing state per farm as a program ages: the snapshot plus the facts after it (this shape),
beside what the previous shape stored (every conduct fact of the farm in the one state), and the `conduct`
months the rules read, as stored (deflated).

    python -m bench.standing [--farms 20] [--months 24] [--seed 1] [--steps 4]

The log is ingested in `--steps` parts in order (as `bench.growth` does); after each, every farm's stored
states are measured. The previous shape's bytes are the same facts as that version kept them (one JSON
state: the farm's keys and every fact), so one run shows both.
"""

from __future__ import annotations

import argparse
import statistics

import orjson
from sqlalchemy import func, select

from bench.common import machine, program_lines, show, temp_db
from projections.standing.conduct import NAME as CONDUCT
from projections.standing.conduct import all_facts
from projections.standing.query import NAME
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_jsonl
from services.ledger.queries import load_state, states_of
from services.store.schema import state_parts


def _measure(ledger: EmbeddedLedger, farms: list[str]) -> list[str]:
    now, before, months, facts = [], [], [], 0
    with ledger.engine.connect() as conn:
        stored = dict(conn.execute(select(state_parts.c.key, func.sum(func.length(state_parts.c.state)))
                                   .where(state_parts.c.projection == CONDUCT).group_by(state_parts.c.key)).all())
    for farm in farms:
        state = load_state(ledger.engine, NAME, farm)
        if state is None:
            continue
        every = all_facts(states_of(ledger.engine, farm).get(CONDUCT) or {}, state.get("time_zone"))
        facts += len(every)
        old = {k: state[k] for k in ("farm_id", "time_zone", "seq", "watermark", "emitted")}
        old["facts"] = [{k: v for k, v in f.items() if k != "at"} for f in every]
        now.append(len(orjson.dumps(state)))
        before.append(len(orjson.dumps(old)))
        months.append(int(stored.get(farm) or 0))
    return [f"{facts:,}", f"{statistics.mean(before):,.0f} / {max(before):,}",
            f"{statistics.mean(now):,.0f} / {max(now):,}", f"{statistics.mean(before) / statistics.mean(now):.1f}x",
            f"{statistics.mean(months):,.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=20)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()

    lines, _ = program_lines(args.farms, args.months, args.seed)
    ledger = EmbeddedLedger(temp_db("standing.db"))
    farms = [f"farm-{n:05d}" for n in range(1, args.farms + 1)]
    rows = []
    size = -(-len(lines) // args.steps)
    for step in range(args.steps):
        part = lines[step * size:(step + 1) * size]
        ledger.ingest(parse_jsonl(part))
        watermark = max(((load_state(ledger.engine, NAME, f) or {}).get("watermark") or "") for f in farms)
        rows.append([f"{step + 1}/{args.steps}", f"{(step + 1) * size if step + 1 < args.steps else len(lines):,}",
                     watermark[:7], *_measure(ledger, farms)])
    show(f"stored standing state per farm: {args.farms} farms x {args.months} months",
         ["log ingested", "events", "latest date", "conduct facts", "previous shape B/farm (mean / max)",
          "snapshot + after B/farm (mean / max)", "smaller by", "conduct months B/farm (deflated)"], rows)
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
