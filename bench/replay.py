"""Full replay: `EmbeddedLedger.rebuild` (drop every read model, decode the trusted log rows without
validating them again, fold them through every projection) on a generated program.

    python -m bench.replay [--farms 200] [--months 12] [--seed 1] [--profile]
"""

from __future__ import annotations

import argparse

from bench.common import cached_db, machine, mark_done, per_second, profiled, program_lines, progress, show, timed
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_jsonl


def ledger_with_program(farms: int, months: int, seed: int) -> EmbeddedLedger:
    """The program ingested once into a cached database (bench/.cache), reused by later runs."""
    url, name, ready = cached_db(f"program-{farms}x{months}-s{seed}")
    ledger = EmbeddedLedger(url)
    if not ready:
        lines, _ = program_lines(farms, months, seed)
        with progress() as bar:
            task = bar.add_task("ingest (cached for next time)", total=len(lines))
            ledger.ingest(parse_jsonl(lines), lambda n: bar.advance(task, n))
        mark_done(name)
    return ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the replay")
    args = parser.parse_args()

    ledger = ledger_with_program(args.farms, args.months, args.seed)
    with profiled(args.profile):
        replayed, seconds = timed(ledger.rebuild)
    show(f"replay: {args.farms} farms x {args.months} months", ["what", "events", "seconds", "events/s"],
         [["EmbeddedLedger.rebuild (every projection)", f"{replayed:,}", f"{seconds:.2f}",
           per_second(replayed, seconds)]])
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
