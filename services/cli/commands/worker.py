"""`dignity worker` (the Faust projection worker of the distributed mode) and `dignity failures`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from services.cli.common import DbOption, JsonOption, console, print_json, print_table
from services.cli.main import app

KafkaOption = Annotated[
    str | None, typer.Option("--kafka", envvar="DIGNITY_KAFKA", help="Kafka bootstrap servers (host:port)")
]


@app.command()
def worker(
    kafka: KafkaOption = None,
    db: DbOption = None,
    prefix: Annotated[str | None, typer.Option(help="Topic prefix (env DIGNITY_TOPIC_PREFIX)")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="Faust log level")] = "info",
) -> None:
    """Run a projection worker: apply dignity.events to the read models in --db (PostgreSQL); start several
    to share the partitions. The same as `faust -A services.runner.faust_app worker -l info`."""
    for name, value in (("DIGNITY_KAFKA", kafka), ("DIGNITY_DB", db), ("DIGNITY_TOPIC_PREFIX", prefix)):
        if value is not None:
            os.environ[name] = value
    _preflight()
    argv = [sys.executable, "-m", "faust", "-A", "services.runner.faust_app", "worker", "-l", loglevel]
    os.execv(sys.executable, argv)  # Faust owns the process from here (signals, event loop)


def _preflight() -> None:
    """The broker must accept the session timeout before Faust takes the process (it would idle for ever)."""
    from services.log.kafka_log import EVENTS, bootstrap_servers, topic_name
    from services.runner.preflight import EXIT_CODE, CannotJoin, check_session_timeout

    try:
        check_session_timeout(bootstrap_servers(), topic_name(EVENTS),
                              float(os.environ.get("DIGNITY_SESSION_TIMEOUT", "10")))
    except CannotJoin as exc:
        console.print(f"dignity worker: {exc}", style="red", markup=False)
        raise typer.Exit(EXIT_CODE) from None


@app.command()
def failures(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Events a worker could not apply: kept with the error, never dropped silently."""
    from sqlalchemy import select

    from services.store.database import connect
    from services.store.schema import failures as table

    with connect(db).connect() as conn:
        rows = [
            {"id": r.id, "event_id": r.event_id, "where": r.where, "error": r.error, "at": r.at}
            for r in conn.execute(select(table).order_by(table.c.id))
        ]
    if as_json:
        print_json(rows)
        return
    print_table("failures", ("at", "event", "where", "error"),
                [(r["at"][:19], r["event_id"], r["where"], r["error"]) for r in rows])
