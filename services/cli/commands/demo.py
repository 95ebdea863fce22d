"""`dignity demo`: load the sample program into the embedded ledger, summarise it, serve the HTTP API.

The sample is generated on the fly with the parameters of `examples/sample.jsonl`, so it is the same
events (same ids): loading it again appends nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import typer
from rich.text import Text

from services.cli.commands.kin import _flagged, _licence
from services.cli.common import console, parse_moment, print_json, print_table
from services.cli.main import app, progress_bar

SAMPLE = (12, 14, 7, "2025-01", True)  # farms, months, seed, start, showcase: what made examples/sample.jsonl
SAMPLE_END = "2026-02-28"  # the last day of the sample: what the summary is "as of"
DEMO_DB = "sqlite:///dignity-demo.db"


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the HTTP API after the summary")] = True,
    db: Annotated[str | None, typer.Option("--db", envvar="DIGNITY_DB", help=f"Database URL (default: {DEMO_DB})")]
    = None,
    host: Annotated[str, typer.Option(help="Address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Load the sample program, print what the ledger makes of it, then serve the API until Ctrl-C."""
    url = db or DEMO_DB
    report = _load(url)
    summary = summarise(url, report)
    print_json(summary) if as_json else _show(summary, url, host, port, serve)
    if serve:
        from services.auth.tokens import TokenStore
        from services.cli.commands.serve import serve_api
        from services.store.database import connect

        # Every route needs a token: give the person at the keyboard an MDSC one for this demo database.
        issued = TokenStore(connect(url)).issue("mdsc", "demo", "made by dignity demo")
        typer.echo("MDSC token for this demo (Authorization: Bearer TOKEN, or sign in at /dashboard):")
        typer.echo(issued.secret)
        serve_api(url, host, port)


def _load(url: str) -> dict[str, Any]:
    from services.generate.program import generate
    from services.ledger.embedded import EmbeddedLedger
    from services.ledger.ingest import parse_dicts

    ledger = EmbeddedLedger(url)
    events = list(generate(*SAMPLE))
    with progress_bar() as bar:
        task = bar.add_task("load sample", total=len(events))
        report = ledger.ingest(parse_dicts(enumerate(events, start=1)), lambda n: bar.advance(task, n))
    ledger.engine.dispose()
    return report.as_json()


def summarise(url: str, report: dict[str, Any]) -> dict[str, Any]:
    """Counts per rule from the same queries as `dignity deadlines` and `dignity findings`."""
    from sqlalchemy import func, select

    from services.ledger import queries
    from services.store.database import connect
    from services.store.schema import events

    engine = connect(url)
    as_of = parse_moment(SAMPLE_END)
    with engine.connect() as conn:
        logged = conn.execute(select(func.count()).select_from(events)).scalar_one()
    deadlines: dict[str, Counter[str]] = {}
    errors: list[str] = []
    for row in queries.deadlines(engine, None, as_of, errors):
        deadlines.setdefault(row["rule"], Counter())[row["status"]] += 1
    findings = Counter(row["rule"] for row in queries.findings(engine, None, as_of, errors))
    summary = {
        "as_of": SAMPLE_END, "farms": len(queries.farm_ids(engine)), "events": logged,
        "loaded": {"accepted": report["accepted"], "duplicates": report["duplicates"],
                   "rejected": len(report["rejected"])},
        "deadlines": {rule: {s: c[s] for s in ("open", "met", "missed")} for rule, c in sorted(deadlines.items())},
        "findings": dict(sorted(findings.items())),
        "not_evaluated": sorted(set(errors)),
        "kin": kin_summary(engine, as_of),
    }
    engine.dispose()
    return summary


def kin_summary(engine: Any, as_of: Any) -> dict[str, Any]:
    """BP-1, RR-1..RR-4, RK-1/RK-2 at a glance: premium rows per buyer, contractors, risk levels."""
    from decimal import Decimal

    from projections.premium.owed import TOLERANCE
    from services.generate.names import BUYERS
    from services.ledger import kin_queries, queries

    premium = {}
    for buyer in BUYERS:
        rows = kin_queries.premium(engine, buyer, None, as_of, [])
        if rows:
            premium[buyer] = {"months": len(rows),
                              "underpaid": sum(Decimal(r["difference"]) < -TOLERANCE for r in rows)}
    levels: dict[str, Counter[str]] = {"forced_labor": Counter(), "child_labor": Counter()}
    for farm in queries.farm_ids(engine):
        answer = kin_queries.risk(engine, farm, as_of)
        for theme, counter in levels.items():
            counter[answer[theme]["level"] or "unknown"] += 1
    contractors = [{k: c[k] for k in ("contractor_id", "licence_in_force", "certified", "hires", "uncertified_hires",
                                      "flagged")} | {"findings": len(c["findings"])}
                   for c in kin_queries.contractors(engine, None, as_of)]
    return {"premium": premium, "contractors": contractors,
            "risk_levels": {theme: dict(sorted(c.items())) for theme, c in levels.items()}}


def _show(summary: dict[str, Any], url: str, host: str, port: int, serve: bool) -> None:
    loaded = summary["loaded"]
    console.print(f"[bold]Dignity Ledger demo[/] — {url}")
    console.print(f"{summary['farms']} farms, {summary['events']} events in the log")
    console.print(f"this run: {loaded['accepted']} new, {loaded['duplicates']} already there, "
                  f"{loaded['rejected']} rejected")
    console.print(f"as of {summary['as_of']}:")
    if summary["deadlines"]:
        print_table("deadlines", ("rule", "open", "met", "missed"),
                    [(rule, str(c["open"]), str(c["met"]), Text(str(c["missed"]), style="bold red"))
                     for rule, c in summary["deadlines"].items()])
    else:
        console.print("  no deadline rules registered yet")
    if summary["findings"]:
        print_table("findings", ("rule", "findings"), [(rule, str(n)) for rule, n in summary["findings"].items()])
    else:
        console.print("  no finding rules registered yet")
    _show_kin(summary["kin"])
    for message in summary["not_evaluated"]:
        console.print(f"not evaluated: {message}", style="red", markup=False)
    db = f" --db {url}" if url != DEMO_DB else ""
    console.print(f"try: dignity history farm-00001 --as-of {summary['as_of']}{db}", markup=False)



def _show_kin(kin: dict[str, Any]) -> None:
    print_table("buyers' premium", ("buyer", "months", "underpaid (BP-1)"),
                [(buyer, str(row["months"]), Text(str(row["underpaid"]), style="bold red") if row["underpaid"] else "0")
                 for buyer, row in kin["premium"].items()])
    print_table("labour contractors (RR-1..RR-4)",
                ("contractor", "licence", "certified", "hires", "uncertified", "flagged", "findings"),
                [(c["contractor_id"], _licence(c["licence_in_force"]), c["certified"] or "-", str(c["hires"]),
                  str(c["uncertified_hires"]), _flagged(c["flagged"]), str(c["findings"])) for c in kin["contractors"]])
    levels = ", ".join(f"{theme}: " + " ".join(f"{lvl} {n}" for lvl, n in counts.items())
                       for theme, counts in kin["risk_levels"].items())
    console.print(f"risk levels (RK-1, illustrative indicators): {levels}; `dignity tick` announces each farm's "
                  "level to its buyers (RiskLevelChanged)", markup=False)
