"""`dignity deadlines` and `dignity findings` (SPEC §4): every rule module's answers, as of a date."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from services.cli.common import AsOfOption, DbOption, JsonOption, console, err_console, parse_moment, print_json
from services.cli.main import app

FarmOption = Annotated[str | None, typer.Option("--farm", help="Only this farm")]
_STATUS_STYLE = {"open": "yellow", "met": "green", "missed": "bold red"}


@app.command()
def deadlines(farm: FarmOption = None, as_of: AsOfOption = None, db: DbOption = None,
              as_json: JsonOption = False) -> None:
    """Every obligation with a due date, and whether it was met, as of a date."""
    from services.ledger.queries import deadlines as query
    from services.store.database import connect

    errors: list[str] = []
    rows = query(connect(db), farm, parse_moment(as_of), errors)
    if as_json:
        print_json(rows)
    else:
        _deadline_table(rows)
    _report(errors)


def _deadline_table(rows: list[dict[str, Any]]) -> None:
    table = Table("rule", "farm", "subject", "due", "status", "met on", title="deadlines")
    for r in rows:
        table.add_row(r["rule"], r["farm_id"], r["subject_id"], r["due"],
                      f"[{_STATUS_STYLE[r['status']]}]{r['status']}", r["met_on"] or "")
    console.print(table)


@app.command()
def findings(farm: FarmOption = None, as_of: AsOfOption = None, db: DbOption = None,
             as_json: JsonOption = False) -> None:
    """Every compliance finding that is not a deadline (shortfalls, labels, minimum wage, late appeals...)."""
    from services.ledger.queries import findings as query
    from services.store.database import connect

    errors: list[str] = []
    rows = query(connect(db), farm, parse_moment(as_of), errors)
    if as_json:
        print_json(rows)
    else:
        table = Table("rule", "farm", "subject", "on", "detail", title="findings")
        for r in rows:
            table.add_row(r["rule"], r["farm_id"], r["subject_id"], r["on"], _detail(r["detail"]))
        console.print(table)
    _report(errors)


def _report(errors: list[str]) -> None:
    """Rules that could not be evaluated (a rate not in force) are named on stderr, and the exit code says so."""
    for message in errors:
        err_console.print(f"not evaluated: {message}", style="red", markup=False)
    if errors:
        raise typer.Exit(1)


def _detail(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in detail.items())
