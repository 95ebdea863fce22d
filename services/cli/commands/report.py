"""`dignity report FARM --period 2025-01..2025-06 --out report.pdf`: the farm's compliance report as PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.cli.common import DbOption, JsonOption, answer_or_exit, console, print_json
from services.cli.main import app


@app.command()
def report(
    farm_id: str,
    period: Annotated[str, typer.Option(help="YYYY, YYYY-MM or YYYY-MM..YYYY-MM (months, both included)")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="Where to write the PDF")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A farm's compliance report for a period as PDF: standing, pass-through per month, deadlines met and
    missed, findings, with charts."""
    from services.reports.compliance import Period, farm_report
    from services.reports.pdf import render
    from services.store.database import connect

    try:
        wanted = Period.parse(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None
    made = answer_or_exit(lambda: farm_report(connect(db), farm_id, wanted))
    out.write_bytes(render(made))
    summary = {"farm_id": farm_id, "period": str(wanted), "as_of": made.as_of.isoformat(), "out": str(out),
               "deadlines_missed": len(made.missed), "findings": len(made.findings)}
    print_json(summary) if as_json else console.print(
        f"{out}: {farm_id} {wanted}, {len(made.missed)} deadlines missed, {len(made.findings)} findings")
