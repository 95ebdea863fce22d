"""Latency of the kin queries (SPEC §4 `risk`, `premium`, `contractors`): p50 / p99 per call on a generated
program, beside the raw ceiling measured in the same run on the same data: loading one farm's view
(`farm_view`, what every per-farm answer starts from) and reading the `kin_facts` rows a buyer or the
contractor registry needs.

    python -m bench.kin [--farms 200] [--months 6] [--seed 1] [--samples 100] [--profile]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.common import machine, profiled, show
from bench.query import START, build
from projections.calendar import add_months
from services.cli.common import parse_moment
from services.generate.calendar import parse_month
from services.generate.names import BUYERS
from services.ledger import kin_queries, queries
from services.store.database import connect


def timed(call: Callable[[], Any], samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=200)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    engine = connect(build(args.farms, args.months, args.seed, False))
    farms = queries.farm_ids(engine)
    period = f"{add_months(parse_month(START), max(0, args.months - 2)):%Y-%m}"  # the last month paid for
    as_of = parse_moment((add_months(parse_month(START), args.months) - timedelta(days=1)).isoformat())
    rng = random.Random(args.seed)
    farm = lambda: rng.choice(farms)  # noqa: E731
    buyer = lambda: rng.choice(BUYERS)  # noqa: E731
    cases: list[tuple[str, str, Callable[[], Any]]] = [
        ("farm_view (ceiling)", "farm", lambda: queries.farm_view(engine, farm(), as_of)),
        ("risk", "farm", lambda: kin_queries.risk(engine, farm(), as_of)),
        ("kin_facts of a buyer (ceiling)", "buyer", lambda: kin_queries.buyer_farms(engine, buyer())),
        ("premium", "buyer", lambda: kin_queries.premium(engine, buyer(), period, as_of, [])),
        ("risk --buyer", "buyer, period", lambda: kin_queries.buyer_portfolio(engine, buyer(), period, as_of)),
        ("contractors", "all", lambda: kin_queries.contractors(engine, None, as_of)),
    ]
    rows = []
    with profiled(args.profile):
        for name, by, call in cases:
            samples = args.samples if by in ("farm", "all") else max(10, args.samples // 5)
            lat = timed(call, samples)
            q = statistics.quantiles(lat, n=100, method="inclusive")
            rows.append([name, by, str(samples), f"{q[49]:.2f}", f"{q[98]:.2f}", f"{max(lat):.2f}"])
    show(f"kin queries: {len(farms):,} farms x {args.months} months (ms)",
         ["query", "by", "calls", "p50", "p99", "max"], rows)
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
