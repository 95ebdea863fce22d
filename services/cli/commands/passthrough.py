"""`dignity passthrough FARM --period YYYY-MM` (SPEC §4): who was owed what of a premium month, and who got it."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.text import Text

from services.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    answer_or_exit,
    parse_moment,
    print_json,
    print_table,
)
from services.cli.main import app

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(value: str) -> str:
    if not _PERIOD.match(value):
        raise typer.BadParameter(f"{value!r} is not a month written YYYY-MM")
    return value


@app.command()
def passthrough(
    farm_id: str,
    period: Annotated[str, typer.Option("--period", help="Premium month, YYYY-MM", callback=_period)],
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The premium of a month, the workers' bonus pool, and each worker's expected and paid share."""
    from services.ledger.queries import passthrough as query
    from services.store.database import connect

    answer = answer_or_exit(lambda: query(connect(db), farm_id, period, parse_moment(as_of)))
    if as_json:
        print_json(answer)
        return
    print_table(f"{farm_id} {period}: premium {answer['premium_received']}, pool {answer['bonus_pool']}",
                ("worker", "eligible", "hours", "expected", "paid", "shortfall"),
                [(w["worker_id"], "yes" if w["eligible"] else "no", w["hours"], w["expected"], w["paid"],
                  Text(w["shortfall"], style="bold red" if w["shortfall"] != "0.00" else ""))
                 for w in answer["workers"]])
