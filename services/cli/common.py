"""Options and helpers every command shares: --db, --json, dates for --as-of and --known-at."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from events.types import DEFAULT_TZ
from services.store.database import now

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", envvar="DIGNITY_DB", help="Database URL (default: sqlite:///dignity.db)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Business date or time (default: now)")
]
KnownAtOption = Annotated[
    str | None, typer.Option("--known-at", help="Ledger time: only what was recorded by then (default: now)")
]


def parse_moment(text: str | None, end_of_day: bool = True) -> datetime:
    """A date means the end of that day in New York (everything that happened that day); a time needs an offset."""
    if text is None:
        return now()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, DEFAULT_TZ)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO date (YYYY-MM-DD) or time") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{text!r} needs a time zone offset, e.g. 2026-03-01T12:00:00-05:00")
    return moment


def print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode())


PLAIN_ABOVE = 500
"""Rows beyond which a table is printed as plain aligned text. Rich measures, wraps and styles every cell: a
program-wide `dignity deadlines` of 220,000 rows (100 farms x 36 months) took 9 min to print as a rich table."""


Cell = str | Text | None


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """Rows under their column names: a rich table while it is short, plain aligned columns (written as they
    go, in time linear in the rows) when it is long. A cell is text, never markup (a farm's ids and an error's
    words are printed as they are); a `Text` carries its own style, which plain columns leave out."""
    if len(rows) <= PLAIN_ABOVE:
        table = Table(*columns, title=title)
        for row in rows:
            table.add_row(*(cell if isinstance(cell, Text) else Text(_plain(cell)) for cell in row))
        console.print(table)
        return
    text = [[_plain(cell) for cell in row] for row in rows]
    widths = [max(len(name), *(len(row[i]) for row in text)) for i, name in enumerate(columns)]
    out = console.file

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip() + "\n"

    out.write(f"{title} ({len(text):,} rows)\n" + line(columns) + line(["-" * w for w in widths]))
    for i in range(0, len(text), 10_000):
        out.write("".join(line(row) for row in text[i: i + 10_000]))
    out.flush()


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else "" if cell is None else str(cell)


T = TypeVar("T")


def answer_or_exit(ask: Callable[[], T]) -> T:
    """Run a query; an unknown farm or a rate not in force is a one-line error and exit code 1, not a trace."""
    try:
        return ask()
    except LookupError as exc:
        err_console.print(f"error: {exc.args[0] if exc.args else exc}", style="red", markup=False)
        raise typer.Exit(1) from None
