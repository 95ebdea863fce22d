"""Query latency at scale: p50 / p99 of every query of `services/ledger/queries.py` on one farm at a time,
in a ledger of 25,000 farms (generated once and cached in bench/.cache; the first run takes a while).

    python -m bench.query [--farms 25000] [--months 12] [--seed 1] [--samples 200] [--profile] [--db URL]

It prints, beside a raw read of a farm's state rows (the ceiling of a per-farm answer), MDSC's program-wide
deadlines (the first ask, which folds every farm, and a later one, which reads the stored rows) and the peak
RSS of the process (target < 2 GB).

Query functions are found by signature: every public function whose parameters are all among engine,
farm_id, as_of, known_at, period and buyer_id is timed; helpers that take anything else are listed as skipped.
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing
import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.common import CACHE, cached_db, err, ingest_in_chunks, machine, mark_done, profiled, reset_peak, rss_mb, show
from projections.calendar import add_months
from services.cli.common import parse_moment
from services.generate.calendar import parse_month
from services.generate.names import BUYERS
from services.generate.program import generate
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.database import connect, now

START = "2025-01"
BINDABLE = {"engine", "farm_id", "as_of", "known_at", "period", "buyer_id"}
HELPERS = {"farm_ids", "farm_view", "load_state", "state_keys", "states_of"}
"""Loaders the answers are built from, not answers of SPEC §4: timed through the queries that use them."""


def build(farms: int, months: int, seed: int, reuse: bool) -> tuple[str, float | None]:
    """The cached ledger's url, and the peak RSS (MB) of the build if it was built now. It is built in a
    process of its own, as `dignity ingest` would be (what a build leaves in the heap is not the queries'):
    the generated program streamed through the ledger's ingest in bounded chunks (`ingest_in_chunks`); an
    interrupted build goes on where it stopped."""
    url, name, ready = cached_db(f"query-{farms}x{months}-s{seed}", reuse)
    if ready:
        return url, None
    err.print(f"building {name}: {farms:,} farms x {months} months through `ingest` (cached for next time)")
    context = multiprocessing.get_context("spawn")
    peak = context.Queue()
    child = context.Process(target=_build, args=(url, farms, months, seed, str(CACHE / f"{name}.lines"), peak))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"the build failed (exit code {child.exitcode}); run again to go on where it stopped")
    mark_done(name)
    return url, float(peak.get())


def _build(url: str, farms: int, months: int, seed: int, lines: str, peak: Any) -> None:
    ledger = EmbeddedLedger(url)
    ingest_in_chunks(ledger, generate(farms, months, seed, START), Path(lines))
    ledger.engine.dispose()
    peak.put(rss_mb())


def program_wide(engine: Any, as_of: datetime, farms: int) -> list[list[str]]:
    """MDSC's program-wide deadlines: the first ask after the ingest folds every farm and stores its rows (as
    the server's timer does once a day); later asks read them: decoded (`queries.deadlines`, what the CLI
    prints) and as `GET /deadlines` sends them (`answer_bodies` joined undecoded by `json_arrays`)."""
    from sqlalchemy import delete

    from services.api.responses import json_arrays
    from services.store.schema import answers

    with engine.begin() as conn:
        conn.execute(delete(answers).where(answers.c.kind == "deadlines"))
    def decoded() -> int:  # what `queries.deadlines` does, a farm at a time: its list of every row is not held
        return sum(len(orjson.loads(body)) for body in queries.answer_bodies(engine, "deadlines", None, as_of, []))

    asks: list[tuple[str, Callable[[], int]]] = [
        ("first ask: folds every farm", decoded),
        ("stored rows, decoded", decoded),
        ("stored rows, GET /deadlines's undecoded join",
         lambda: sum(len(piece) for piece in json_arrays(queries.answer_bodies(engine, "deadlines", None, as_of, [])))),
    ]
    rows = []
    for label, ask in asks:
        err.print(f"  deadlines of all {farms:,} farms ({label})")
        started = time.perf_counter()
        count = ask()
        ms = (time.perf_counter() - started) * 1000
        unit = "bytes" if "undecoded" in label else "rows"
        rows.append([f"deadlines, all farms ({label}; {count:,} {unit})", "as_of", f"{ms:.0f}", f"{ms:.0f}", "", ""])
    return rows


def raw_farm_read(engine: Any) -> Callable[[str], None]:
    """The floor of a per-farm answer: read and decode the farm's stored state rows."""
    from sqlalchemy import text

    from services.store.states import plain_part

    def read(farm: str) -> None:
        with engine.connect() as conn:
            for table in ("projection_state", "state_parts"):
                for (blob,) in conn.execute(text(f"SELECT state FROM {table} WHERE key = :k"), {"k": farm}):
                    orjson.loads(plain_part(blob))

    return read


def query_functions() -> tuple[dict[str, Callable[..., Any]], list[str]]:
    found: dict[str, Callable[..., Any]] = {}
    skipped: list[str] = []
    for name, fn in inspect.getmembers(queries, inspect.isfunction):
        if name.startswith("_") or fn.__module__ != queries.__name__ or name in HELPERS:
            continue
        required = {p.name for p in inspect.signature(fn).parameters.values() if p.default is p.empty}
        if "engine" in required and required <= BINDABLE:
            found[name] = fn
        else:
            skipped.append(name)
    return found, skipped


def arguments(fn: Callable[..., Any], base: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(fn).parameters
    return {k: v for k, v in base.items() if k in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=25_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200, help="calls per query (random farms)")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed calls")
    parser.add_argument("--reuse", action="store_true", help="use a cached database built by older code")
    parser.add_argument("--db", help="time the queries on this database instead (e.g. a copy with an index)")
    args = parser.parse_args()

    url, built = (args.db, None) if args.db else build(args.farms, args.months, args.seed, args.reuse)
    engine = connect(url)
    phases = [] if built is None else [f"{built:,.0f} MB building the ledger (its own process)"]
    phases.append(f"{rss_mb():,.0f} MB opening it")
    fresh = reset_peak()
    farms = queries.farm_ids(engine)
    last = add_months(parse_month(START), args.months) - timedelta(days=1)
    as_of: datetime = parse_moment(last.isoformat())
    found, skipped = query_functions()
    rng = random.Random(args.seed)
    rows = program_wide(engine, as_of, len(farms))
    phases.append(f"{rss_mb():,.0f} MB program-wide deadlines")
    fresh = reset_peak() and fresh
    raw = raw_farm_read(engine)
    took = []
    for _ in range(args.samples):
        started = time.perf_counter()
        raw(rng.choice(farms))
        took.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(took, n=100, method="inclusive")
    rows.append(["raw: select + decode a farm's state rows (ceiling)", "farm_id", f"{q[49]:.2f}", f"{q[98]:.2f}",
                 "", ""])
    with profiled(args.profile):
        for name, fn in sorted(found.items()):
            first, again = [], []  # each sample asked twice: a farm's first ask folds it, the second reads rows
            for _ in range(args.samples):
                base = {"engine": engine, "farm_id": rng.choice(farms), "as_of": as_of, "known_at": now(),
                        "period": START, "buyer_id": rng.choice(BUYERS)}
                call = arguments(fn, base)
                for took in (first, again):
                    started = time.perf_counter()
                    fn(**call)
                    took.append((time.perf_counter() - started) * 1000)
            q1 = statistics.quantiles(first, n=100, method="inclusive")
            q2 = statistics.quantiles(again, n=100, method="inclusive")
            rows.append([name, ", ".join(k for k in call if k != "engine"), f"{q1[49]:.2f}", f"{q1[98]:.2f}",
                         f"{q2[49]:.2f}", f"{q2[98]:.2f}"])
    show(f"queries: {len(farms):,} farms x {args.months} months, {args.samples} calls each (ms)",
         ["query", "by", "p50", "p99", "asked again: p50", "p99"], rows)
    phases.append(f"{rss_mb():,.0f} MB per-farm queries")
    print(f"peak RSS per phase: {'; '.join(phases)} (target < 2 GB)"
          + ("" if fresh else " (peaks cumulative: /proc/self/clear_refs not writable)"))
    if skipped:
        print(f"skipped (parameters other than {', '.join(sorted(BINDABLE))}): {', '.join(skipped)}")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
