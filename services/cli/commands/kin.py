"""`dignity premium`, `dignity contractors`, `dignity risk` (SPEC §4, §5: BP-1, RR-1..RR-4, RK-1, RK-2)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from services.cli.commands.passthrough import _period
from services.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    answer_or_exit,
    err_console,
    parse_moment,
    print_json,
    print_table,
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
        print_table(f"premium of {buyer}", ("farm", "period", "cwt", "rate", "owed", "remitted", "difference"),
                    [(r["farm_id"], r["period"], r["cwt"], r["rate"], r["owed"], r["remitted"],
                      Text(r["difference"], style="bold red" if _short(r["difference"]) else "")) for r in rows])
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
    print_table("labour contractors", ("contractor", "licence", "cert.", "farms", "hires", "uncert.", "flagged",
                                       "findings", "reviews"),
                [(r["contractor_id"], _licence(r["licence_in_force"]), r["certified"] or "-", str(len(r["farms"])),
                  str(r["hires"]), str(r["uncertified_hires"]), _flagged(r["flagged"]), str(len(r["findings"])),
                  f"{r['reviews']['count']} · {r['reviews']['mean_rating']}" if r["reviews"]["count"] else "-")
                 for r in rows])


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
        print_table(f"{buyer} {period}: {answer['mrh_eq']} mrh-eq", ("farm", "level", "mrh-eq", "share", "cumulative"),
                    [(h["farm_id"], h["level"], h["mrh_eq"], h["share"], h["cumulative_share"])
                     for h in answer["hotspots"]])
        return
    assert farm_id is not None
    result = answer_or_exit(lambda: query(connect(db), farm_id, parse_moment(as_of), period))
    if as_json:
        print_json(result)
        return
    hours = result["risk_hours"]
    themes = ("forced_labor", "child_labor")
    print_table(f"{farm_id}: {hours['mrh_eq']} mrh-eq in {hours['period']} ({hours['hours']} h)",
                ("theme", "structural", "in practice", "score", "level"),
                [(theme, t["structural"] or "-", t["in_practice"], t["score"] or "-", t["level"] or "unknown")
                 for theme in themes for t in [result[theme]]])
    print_table("answers", ("question", "answer", "source"),
                [(a["question_id"], str(a["answer"]), a["source"])
                 for theme in themes for a in result[theme]["answers"]])


def _licence(in_force: bool) -> Text | str:
    return "in force" if in_force else Text("none", style="red")


def _flagged(flagged: bool) -> Text | str:
    return Text("yes", style="bold red") if flagged else "no"


def _short(difference: str) -> bool:
    """Remitted less than owed by more than a cent's rounding."""
    return difference.startswith("-") and difference not in ("-0.00", "-0.01")
