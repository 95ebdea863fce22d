"""`dignity premium`, `dignity contractors`, `dignity risk` (SPEC §4, §5: BP-1, RR-1..RR-4, RK-1, RK-2)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from services.cli.commands.passthrough import _period
from services.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    answer_or_exit,
    console,
    err_console,
    parse_moment,
    print_json,
)
from services.cli.main import app

BuyerOption = Annotated[str, typer.Option("--buyer", help="Participating buyer id")]


def _optional_period(value: str | None) -> str | None:
    return None if value is None else _period(value)


PeriodOption = Annotated[str | None, typer.Option("--period", help="Month, YYYY-MM", callback=_optional_period)]


@app.command()
def premium(buyer: BuyerOption, period: PeriodOption = None, as_of: AsOfOption = None, db: DbOption = None,
            as_json: JsonOption = False) -> None:
    """BP-1: the premium a buyer owed per farm and month (cwt x rate, less suspended days) and what was remitted."""
    from services.ledger.kin_queries import premium as query
    from services.store.database import connect

    errors: list[str] = []
    rows = query(connect(db), buyer, period, parse_moment(as_of), errors)
    for e in errors:
        err_console.print(f"error: {e}", style="red", markup=False)
    if as_json:
        print_json(rows)
    else:
        table = Table("farm", "period", "cwt", "rate", "owed", "remitted", "difference", title=f"premium of {buyer}")
        for r in rows:
            short = r["difference"].startswith("-") and r["difference"] not in ("-0.00", "-0.01")
            table.add_row(r["farm_id"], r["period"], r["cwt"], r["rate"], r["owed"], r["remitted"],
                          f"[bold red]{r['difference']}" if short else r["difference"])
        console.print(table)
    if errors:
        raise typer.Exit(1)


@app.command()
def contractors(
    contractor: Annotated[str | None, typer.Option("--contractor", help="One contractor id")] = None,
    as_of: AsOfOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """RR-1..RR-4: labour contractors, their licence and certification, hires, flags and findings."""
    from services.ledger.kin_queries import contractors as query
    from services.store.database import connect

    rows = answer_or_exit(lambda: query(connect(db), contractor, parse_moment(as_of)))
    if as_json:
        print_json(rows)
        return
    table = Table("contractor", "licence", "cert.", "farms", "hires", "uncert.", "flagged", "findings", "reviews",
                  title="labour contractors")
    for r in rows:
        reviews = r["reviews"]
        table.add_row(r["contractor_id"], "in force" if r["licence_in_force"] else "[red]none",
                      r["certified"] or "-", str(len(r["farms"])), str(r["hires"]), str(r["uncertified_hires"]),
                      "[bold red]yes" if r["flagged"] else "no", str(len(r["findings"])),
                      f"{reviews['count']} · {reviews['mean_rating']}" if reviews["count"] else "-")
    console.print(table)


@app.command()
def risk(
    farm_id: Annotated[str | None, typer.Argument(help="Farm id (or --buyer)")] = None,
    buyer: Annotated[str | None, typer.Option("--buyer", help="A buyer's portfolio (needs --period)")] = None,
    period: PeriodOption = None, as_of: AsOfOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """RK-1/RK-2: a farm's forced- and child-labour risk, or a buyer's portfolio risk hours and hotspots."""
    from services.ledger.kin_queries import buyer_portfolio
    from services.ledger.kin_queries import risk as query
    from services.store.database import connect

    if (farm_id is None) == (buyer is None):
        raise typer.BadParameter("name a farm, or --buyer with --period")
    if buyer is not None:
        if period is None:
            raise typer.BadParameter("--buyer needs --period YYYY-MM")
        answer = buyer_portfolio(connect(db), buyer, period, parse_moment(as_of))
        if as_json:
            print_json(answer)
            return
        table = Table("farm", "level", "mrh-eq", "share", "cumulative",
                      title=f"{buyer} {period}: {answer['mrh_eq']} mrh-eq")
        for h in answer["hotspots"]:
            table.add_row(h["farm_id"], h["level"], h["mrh_eq"], h["share"], h["cumulative_share"])
        console.print(table)
        return
    assert farm_id is not None
    result = answer_or_exit(lambda: query(connect(db), farm_id, parse_moment(as_of), period))
    if as_json:
        print_json(result)
        return
    hours = result["risk_hours"]
    table = Table("theme", "structural", "in practice", "score", "level",
                  title=f"{farm_id}: {hours['mrh_eq']} mrh-eq in {hours['period']} ({hours['hours']} h)")
    for theme in ("forced_labor", "child_labor"):
        t = result[theme]
        table.add_row(theme, t["structural"] or "-", t["in_practice"], t["score"] or "-", t["level"] or "unknown")
    console.print(table)
    answers = Table("question", "answer", "source", title="answers")
    for theme in ("forced_labor", "child_labor"):
        for a in result[theme]["answers"]:
            answers.add_row(a["question_id"], str(a["answer"]), a["source"])
    console.print(answers)
