"""`dignity demo`: load the sample program into the embedded ledger, summarise it, serve the HTTP API.

The sample is generated on the fly with the parameters of `examples/sample.jsonl`, so it is the same
events (same ids): loading it again appends nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import typer
from rich.table import Table

from services.cli.common import console, parse_moment, print_json
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
    }
    engine.dispose()
    return summary


def _show(summary: dict[str, Any], url: str, host: str, port: int, serve: bool) -> None:
    loaded = summary["loaded"]
    console.print(f"[bold]Dignity Ledger demo[/] — {url}")
    console.print(f"{summary['farms']} farms, {summary['events']} events in the log")
    console.print(f"this run: {loaded['accepted']} new, {loaded['duplicates']} already there, "
                  f"{loaded['rejected']} rejected")
    console.print(f"as of {summary['as_of']}:")
    table = Table("rule", "open", "met", "missed", title="deadlines")
    for rule, counts in summary["deadlines"].items():
        table.add_row(rule, str(counts["open"]), str(counts["met"]), f"[bold red]{counts['missed']}")
    console.print(table if summary["deadlines"] else "  no deadline rules registered yet")
    table = Table("rule", "findings", title="findings")
    for rule, count in summary["findings"].items():
        table.add_row(rule, str(count))
    console.print(table if summary["findings"] else "  no finding rules registered yet")
    for message in summary["not_evaluated"]:
        console.print(f"not evaluated: {message}", style="red", markup=False)
    db = f" --db {url}" if url != DEMO_DB else ""
    console.print(f"try: dignity history farm-00001 --as-of {summary['as_of']}{db}", markup=False)

