"""`dignity notifications --buyer B` (SPEC §4): every standing change the buyer was told of (BU-1)."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import DbOption, JsonOption, print_json, print_table
from services.cli.main import app


@app.command()
def notifications(
    buyer: Annotated[str, typer.Option("--buyer", help="Buyer id")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Standing changes of the farms the buyer was linked to, in order per farm, each with a stable id."""
    from services.ledger.queries import notifications as query
    from services.store.database import connect

    rows = query(connect(db), buyer)
    if as_json:
        print_json(rows)
        return
    print_table(f"notifications for {buyer}", ("id", "farm", "kind", "standing", "effective on"),
                [(r["notification_id"], r["farm_id"], r["kind"], r["standing"], r["effective_on"]) for r in rows])
