"""What the benchmarks share: generated programs, cached databases, timing, profiling, printing."""

from __future__ import annotations

import cProfile
import hashlib
import io
import os
import platform
import pstats
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
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
