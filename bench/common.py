"""What the benchmarks share: generated programs, cached databases, timing, profiling, printing."""

from __future__ import annotations

import cProfile
import hashlib
import io
import os
import platform
import pstats
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from services.generate.program import generate

CACHE = Path(__file__).resolve().parent / ".cache"
console = Console()
err = Console(stderr=True)
T = TypeVar("T")

CEILING_BATCH = 2_000
"""Lines per `executemany` of the raw ceilings (issue 8's definition), whatever batch the ledger itself uses."""


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), "?")
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cpus, load {load}; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def program_lines(farms: int, months: int, seed: int) -> tuple[list[bytes], float]:
    """The generated program as JSON Lines (what `dignity generate` writes) and the seconds it took."""
    started = time.perf_counter()
    lines = [orjson.dumps(event) for event in generate(farms, months, seed)]
    return lines, time.perf_counter() - started


def temp_db(name: str) -> str:
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='dignity-bench-')) / name}"


def code_version() -> str:
    """A fingerprint of the code that decides what a database holds (events, projections, read models)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder in ("events", "projections", "services/runner", "services/store"):
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cached_db(prefix: str, reuse: bool = False) -> tuple[str, str, bool]:
    """(url, name, ready) of `<prefix>-<code version>.db` under bench/.cache: a database built by other code
    (events, projections, read models) is rebuilt, unless `reuse` accepts the newest complete one."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")  # the cache ignores itself, whatever the repository ignores
    name = f"{prefix}-{code_version()}.db"
    done = sorted(CACHE.glob(f"{prefix}-*.db.done"), key=lambda p: p.stat().st_mtime)
    if reuse and done and not (CACHE / f"{name}.done").exists():
        name = done[-1].name.removesuffix(".done")
        err.print(f"reusing {name}, built by other code (--reuse)")
    path = CACHE / name
    ready = path.exists() and (CACHE / f"{name}.done").exists()
    if not ready:  # about to build: older versions go (a 25,000-farm database is a few GB)
        for stale in CACHE.glob(f"{prefix}-*.db*"):
            if not stale.name.startswith(name):
                stale.unlink()
    return f"sqlite:///{path}", name, ready


def mark_done(name: str) -> None:
    (CACHE / f"{name}.done").write_text("complete\n")


def rss_mb(field: str = "VmHWM") -> float:
    """The process's peak resident set (VmHWM; VmRSS: now) in MB, since it started or since `reset_peak`."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reset_peak() -> bool:
    """Start a new peak-RSS phase (Linux: `5` to /proc/self/clear_refs); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


CHUNK = 250_000
"""Lines per `ingest` call when a benchmark builds a ledger: each call ends with a signed checkpoint, which lets
go of what the log keeps of the call's rows until then (`SqlEventLog.written`), so memory does not grow with
the program."""


def ingest_in_chunks(ledger: Any, events: Iterable[dict[str, Any]], progress_file: Path | None = None,
                     chunk: int = CHUNK, total: int | None = None) -> int:
    """Ingest generated events through the ledger's own path (`EmbeddedLedger.ingest`: validation, sender
    rules, sealing, chain, projections, a signed checkpoint) `chunk` lines per call, streaming: nothing holds
    the program. With `progress_file`, the lines committed are noted after each call and a later build skips
    them (the generator is deterministic; a line ingested twice would be a duplicate anyway). Tells progress
    on stderr, one line per call. Returns the lines ingested (skipped ones included)."""
    from itertools import islice

    from services.ledger.ingest import parse_dicts

    done = int(progress_file.read_text()) if progress_file and progress_file.exists() else 0
    numbered = enumerate(events, start=1)
    if done:
        err.print(f"resuming after line {done:,} (skipping what is on the log already)")
        for _ in islice(numbered, done):
            pass
    started, resumed_at = time.perf_counter(), done
    at: list[Any] = [done, ""]  # the last line handed to the ledger, and the day it was posted

    def noted(items: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
        for item in items:
            at[0], at[1] = item[0], item[1]["occurred_at"][:10]
            yield item

    while True:
        before = done
        report = ledger.ingest(parse_dicts(noted(islice(numbered, chunk))))
        if report.rejected or report.stopped:
            raise RuntimeError(f"the generated program was not ingested whole: {report.as_json()}")
        done = int(at[0])
        if done == before:
            return done
        if progress_file is not None:
            progress_file.write_text(f"{done}\n")
        seconds = time.perf_counter() - started
        of = f"/{total:,}" if total else ""
        err.print(f"  {done:,}{of} lines ingested (posted through {at[1]}), {per_second(done - resumed_at, seconds)}"
                  f" over {seconds / 60:.1f} min; this call {report.accepted:,} accepted; RSS {rss_mb('VmRSS'):,.0f} MB"
                  f" (peak {rss_mb():,.0f}); load {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
        if done - before < chunk:
            return done


def progress(transient: bool = False) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=transient)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


@contextmanager
def profiled(enabled: bool, top: int = 30) -> Iterator[None]:
    """With --profile: cProfile the block and print the hottest functions by own time, then by total."""
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
            console.print(out.getvalue(), markup=False, highlight=False)


def show(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(str(c) for c in row))
    console.print(table)


def per_second(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"
