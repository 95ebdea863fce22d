"""`dignity tick [--as-of DATE]`: write the standing changes time alone has brought (embedded mode)."""

from __future__ import annotations

import typer

from services.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    console,
    err_console,
    parse_moment,
    print_json,
    print_table,
)
from services.cli.main import app


@app.command()
def tick(as_of: AsOfOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Write the standing changes brought by time alone up to --as-of (default now): a period served with
    the reentry audit passed, a cure period over, a deadline passed. Each comes with its buyer
    notifications and SU-2 notices, once: a second run writes nothing. Ingest never does this by itself;
    in the distributed mode the workers' timer does it."""
    from events.types import DEFAULT_TZ
    from services.ledger.embedded import EmbeddedLedger
    from services.settings import settings
    from services.store.database import database_url, now

    if database_url(db).startswith("postgresql") and settings().kafka:
        _refuse("the distributed mode ticks in its workers (`dignity worker`); nothing to do here")
    moment = parse_moment(as_of)
    if moment > parse_moment(now().astimezone(DEFAULT_TZ).date().isoformat()):  # the end of today
        _refuse(f"--as-of {as_of} is after today: a tick writes what has happened, never ahead of the clock")
    report = EmbeddedLedger(db).tick(moment)
    if as_json:
        print_json(report.as_json())
        return
    rows: list[tuple[str, str, str, str]] = []
    for d in report.derived:
        data = d["data"]
        what = data.get("kind") or data.get("standing") or f"{data.get('theme', '')} {data.get('level', '')}".strip()
        rows.append((d["farm_id"], d["occurred_at"][:10], d["type"],
                     f"{what} → {data['buyer_id']}" if "buyer_id" in data else what))
    for e in report.appended:
        what = (f"{e.data['theme']} {e.data.get('previous') or '-'} → {e.data['level']}" if e.type == "RiskLevelChanged"
                else f"SU-2 from {e.data.get('cascade_of')}")
        rows.append((e.farm_id, e.occurred_at.date().isoformat(), e.type, what))
    if rows:
        print_table(f"tick as of {moment.isoformat()}", ("farm", "effective", "type", "what"), rows)
    else:
        console.print("nothing due")


def _refuse(why: str) -> None:
    err_console.print(f"error: {why}", style="red", markup=False)
    raise typer.Exit(2)
