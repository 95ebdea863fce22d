"""`dignity deadlines` and `dignity findings` (SPEC §4): every rule module's answers, as of a date."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from services.cli.common import AsOfOption, DbOption, JsonOption, err_console, parse_moment, print_json, print_table
from services.cli.main import app, progress_bar

FarmOption = Annotated[str | None, typer.Option("--farm", help="Only this farm")]
_STATUS_STYLE = {"open": "yellow", "met": "green", "missed": "bold red"}


@app.command()
def deadlines(farm: FarmOption = None, as_of: AsOfOption = None, db: DbOption = None,
              as_json: JsonOption = False) -> None:
    """Every obligation with a due date, and whether it was met, as of a date."""
    from services.ledger.queries import deadlines as query

    errors: list[str] = []
    rows = _asked(query, db, farm, as_of, errors, "deadlines")
    if as_json:
        print_json(rows)
    else:
        print_table("deadlines", ("rule", "farm", "subject", "due", "status", "met on"),
                    [(r["rule"], r["farm_id"], r["subject_id"], r["due"],
                      Text(r["status"], style=_STATUS_STYLE.get(r["status"], "")), r["met_on"]) for r in rows])
    _report(errors)


def _asked(query: Any, db: str | None, farm: str | None, as_of: str | None, errors: list[str],
           what: str) -> list[dict[str, Any]]:
    """The query's rows; asked of the whole program, with the farms answered shown on stderr as they go (the
    first ask after an ingest folds every farm)."""
    from services.store.database import connect

    engine, moment = connect(db), parse_moment(as_of)
    if farm is not None:
        return list(query(engine, farm, moment, errors))
    with progress_bar() as bar:
        task = bar.add_task(f"{what} of every farm", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return list(query(engine, None, moment, errors, tell))


@app.command()
def findings(farm: FarmOption = None, as_of: AsOfOption = None, db: DbOption = None,
             as_json: JsonOption = False) -> None:
    """Every compliance finding that is not a deadline (shortfalls, labels, minimum wage, late appeals...)."""
    from services.ledger.queries import findings as query

    errors: list[str] = []
    rows = _asked(query, db, farm, as_of, errors, "findings")
    if as_json:
        print_json(rows)
    else:
        print_table("findings", ("rule", "farm", "subject", "on", "detail"),
                    [(r["rule"], r["farm_id"], r["subject_id"], r["on"], _detail(r["detail"])) for r in rows])
    _report(errors)


def _report(errors: list[str]) -> None:
    """Rules that could not be evaluated (a rate not in force) are named on stderr, and the exit code says so."""
    for message in errors:
        err_console.print(f"not evaluated: {message}", style="red", markup=False)
    if errors:
        raise typer.Exit(1)


def _detail(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in detail.items())
