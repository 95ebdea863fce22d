"""`dignity generate`: a realistic, deterministic program as JSON Lines (for demos, tests and benchmarks)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
import typer

from services.cli.common import err_console
from services.cli.main import app, progress_bar


@app.command()
def generate(
    farms: Annotated[int, typer.Option(min=1, help="How many farms")] = 12,
    months: Annotated[int, typer.Option(min=1, help="How many months of activity")] = 6,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes")] = 7,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM")] = "2025-01",
    out: Annotated[Path | None, typer.Option("--out", dir_okay=False, help="File to write (default: stdout)")] = None,
    showcase: Annotated[bool, typer.Option(help="Add scripted cases that break every rare rule once")] = False,
) -> None:
    """Write a Milk with Dignity program (farms, workers, remittances, payroll, complaints, audits, appeals)."""
    from services.generate.program import generate as make

    try:
        events = make(farms, months, seed, start, showcase)
        if out is None:
            written = write_jsonl(events, sys.stdout.buffer, start, months)
        else:
            with out.open("wb") as handle:
                written = write_jsonl(events, handle, start, months)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    err_console.print(f"{written} events" + (f" written to {out}" if out else ""))


def write_jsonl(events: Iterable[dict[str, Any]], handle: BinaryIO, start: str, months: int) -> int:
    """One compact JSON object a line; progress on stderr in months simulated (the generator goes by month)."""
    written, base = 0, _month_number(start) - 1
    with progress_bar() as bar:
        task = bar.add_task("generate", total=months + 1)
        for chunk in _chunks(events, 2000):
            handle.write(b"".join(orjson.dumps(e) + b"\n" for e in chunk))
            written += len(chunk)
            bar.update(task, completed=max(0, _month_number(chunk[-1]["occurred_at"]) - base))
        bar.update(task, completed=months + 1)
    return written


def _month_number(text: str) -> int:
    """'2025-03...' -> months since year 0."""
    return int(text[:4]) * 12 + int(text[5:7])


def _chunks(events: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
