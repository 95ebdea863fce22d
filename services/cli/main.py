"""`dignity`: ingest events and query the ledger. Every command takes --db and --json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from services.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    KnownAtOption,
    console,
    err_console,
    parse_moment,
    print_json,
    print_table,
)
from services.ledger.pages import HISTORY_PAGE, HISTORY_PAGE_MAX

app = typer.Typer(help="Dignity Ledger: the system of record for the Milk with Dignity program.", no_args_is_help=True)


UNSIGNED_EXIT = 3
"""`dignity ingest`: every line stored, but the checkpoint after them could not be signed (the report says why)."""


def progress_bar(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=transient,
    )


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines, or a CSV with --template")],
    template: Annotated[str | None, typer.Option(help="CSV template: remittance, payroll or milk")] = None,
    kafka: Annotated[str | None, typer.Option(
        "--kafka", help="Append to the Kafka log at this bootstrap server (distributed mode; env DIGNITY_KAFKA "
        "applies when --db is PostgreSQL)")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="DIGNITY_TOKEN", help="Post under this token's rights, as POST /events does (a "
        "cooperative as the payor, a farm for itself); without it the operator posts as the events say")] = None,
) -> None:
    """Append events; bad lines are reported by number and append nothing."""
    from services.ledger.parallel import reader_for

    total = count_lines(file)
    plain = template is None and token is None  # JSON Lines as the operator sends them: read on two cores
    with reader_for(total if plain else 0) as read, file.open("rb") as handle:  # before the ledger or the bar
        parsed = read(handle) if template is None else None  # starts a thread; on two cores, the worker
        ledger = _ingest_ledger(db, kafka)  # prepares the first lines while the ledger is imported and opened
        result = _ingest_file(ledger, file, total, parsed, handle, template,
                              _poster(ledger, token) if token else None)
    if as_json:
        print_json(result)
    else:
        console.print(f"accepted {result['accepted']}, duplicates {result['duplicates']}, "
                      f"rejected {len(result['rejected'])}")
        for r in result["rejected"]:
            console.print(f"  line {r['line']}: {r['error']}", style="red", markup=False)
        if "stopped" in result:
            console.print(f"stopped: {result['stopped']}", style="red", markup=False)
        if "unsigned" in result:
            console.print(f"stored, but not signed: {result['unsigned']}", style="red", markup=False)
    if result["rejected"] or "stopped" in result:
        raise typer.Exit(1)
    if "unsigned" in result:
        raise typer.Exit(UNSIGNED_EXIT)


def _ingest_file(ledger: Any, file: Path, total: int, parsed: Any, handle: Any, template: str | None,
                 poster: Any) -> dict[str, Any]:
    """`parsed`: the JSON Lines already being read from `handle`; None for a CSV `template`."""
    with progress_bar() as bar:
        task = bar.add_task(f"ingest {file.name}", total=total)
        if template is not None:
            from services.ledger.templates import parse_template

            parsed = parse_template(template, handle, ledger)
        if poster is None:
            result: dict[str, Any] = ledger.ingest(parsed, lambda n: bar.advance(task, n)).as_json()
        else:
            result = poster(parsed, lambda n: bar.advance(task, n), template)
    if hasattr(ledger, "close"):
        ledger.close()
    return result


def _poster(ledger: Any, token: str) -> Any:
    """Ingest under a token's principal (services/auth/posting.py): its answer without the per-line rows."""
    from services.auth import posting
    from services.auth.scope import load_scope
    from services.auth.tokens import TokenStore

    who = TokenStore(ledger.engine).authenticate(token)
    if who is None:
        err_console.print("unknown or revoked token")
        raise typer.Exit(2)

    def post(parsed: Any, progress: Any, template: str | None) -> dict[str, Any]:
        from services.ledger.templates import TEMPLATES

        fields = TEMPLATES[template].fields if template in TEMPLATES else None  # name refusals by CSV column
        answer = posting.ingest(ledger, parsed, who, lambda farm: load_scope(ledger.engine, farm), progress, fields)
        return {k: v for k, v in answer.items() if k != "rows"}

    return post


def _ingest_ledger(db: str | None, kafka: str | None) -> Any:
    """Embedded unless Kafka is named: by --kafka, or by DIGNITY_KAFKA with a PostgreSQL database (the
    distributed mode keeps its event-id index and read models there; an SQLite file is always embedded)."""
    from services.settings import settings
    from services.store.database import database_url

    if kafka is None and database_url(db).startswith("postgresql"):
        kafka = settings().kafka
    if kafka:
        from services.ledger.distributed import DistributedLedger

        return DistributedLedger(db, kafka)
    from services.ledger.embedded import EmbeddedLedger

    return EmbeddedLedger(db)


@app.command()
def history(
    farm_id: str,
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    limit: Annotated[int, typer.Option(min=1, max=HISTORY_PAGE_MAX, help="Events in the page")] = HISTORY_PAGE,
    after: Annotated[int | None, typer.Option(min=0, help="Start after this seq (the next page's, as told)")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The farm's events and derived events in order, as of a business date and as known at a ledger time, a
    page at a time (as the API's history): while there is more, stderr tells the options of the next page."""
    import orjson

    from services.ledger.queries import farm_history_page
    from services.store.database import connect

    moment, known = parse_moment(as_of), parse_moment(known_at)
    page = farm_history_page(connect(db), farm_id, moment, known, after, limit)
    rows = [orjson.loads(body) for _, body in page.rows]
    if as_json:
        print_json(rows)
    else:
        print_table(f"history of {farm_id}", ("occurred", "recorded", "type", "data"),
                    [(r["occurred_at"][:19], r["recorded_at"][:19], r["type"], _brief(r["data"])) for r in rows])
    if page.next_after is not None:  # the times pinned, as the API's next link: the pages are one answer
        typer.echo(f"more: dignity history {farm_id} --after {page.next_after} --limit {limit} "
                   f"--as-of {moment.isoformat()} --known-at {known.isoformat()}", err=True)


def _brief(data: dict[str, object]) -> str:
    text = ", ".join(f"{k}={v}" for k, v in data.items() if v not in (None, [], {}))
    return text if len(text) < 90 else text[:87] + "..."


@app.command()
def rebuild(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Drop the read models and replay the whole log through every projection."""
    from services.ledger.embedded import EmbeddedLedger

    ledger = EmbeddedLedger(db)
    with progress_bar() as bar:
        task = bar.add_task("replay", total=ledger.log_length())
        n = ledger.rebuild(lambda k: bar.advance(task, k))
    print_json({"replayed": n}) if as_json else console.print(f"replayed {n} events")


@app.command()
def forget(person_id: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Erase a person: destroy their key, so their sealed data can never be read again."""
    from services.sealing.vault import KeyVault
    from services.store.database import connect

    erased = KeyVault(connect(db)).forget(person_id)
    print_json({"person_id": person_id, "erased": erased}) if as_json else console.print(
        f"{person_id}: {'erased' if erased else 'no key (unknown or already erased)'}"
    )


def _register_commands() -> None:
    """Command modules add themselves to `app`; importing them is enough."""
    import importlib
    import pkgutil

    import services.cli.commands as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


_register_commands()
