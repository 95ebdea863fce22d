"""`dignity standing FARM [--as-of DATE]` (SPEC §4): the farm's standing on any date, past or future."""

from __future__ import annotations

from services.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    answer_or_exit,
    console,
    parse_moment,
    print_json,
)
from services.cli.main import app

_STYLE = {"good_standing": "green", "probation": "yellow", "suspended": "bold red", "withdrawn": "dim"}


@app.command()
def standing(farm_id: str, as_of: AsOfOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Good standing, probation, suspended or withdrawn; whether a suspension is stayed by an appeal."""
    from services.ledger.queries import standing as query
    from services.store.database import connect

    answer = answer_or_exit(lambda: query(connect(db), farm_id, parse_moment(as_of)))
    if as_json:
        print_json(answer)
        return
    value = answer["standing"] or "not enrolled yet"
    line = f"{farm_id}: [{_STYLE.get(value, '')}]{value}[/] since {answer['since']}"
    if answer["stayed"]:
        line += " (a suspension is stayed by a pending appeal)"
    if answer["suspended_until"]:
        line += f", period ends {answer['suspended_until']}"
    console.print(f"{line}; suspensions so far: {answer['suspension_count']}")
