"""`dignity webhooks`: buyer subscriptions, the delivery loop, dead letters and redelivery on request."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from services.cli.common import DbOption, JsonOption, console, err_console, print_json, print_table
from services.cli.main import app

if TYPE_CHECKING:
    from services.delivery.webhooks import Webhooks

hooks_app = typer.Typer(help="Buyer webhooks (signed, retried, in order per farm) and the standing-changes topic.",
                        no_args_is_help=True)
app.add_typer(hooks_app, name="webhooks")


def _webhooks(db: str | None, max_attempts: int = 10, base: float = 2.0, cap: float = 600.0,
              timeout: float = 10.0) -> Webhooks:
    from services.delivery.backoff import Backoff
    from services.delivery.sender import HttpSender
    from services.delivery.webhooks import Webhooks
    from services.store.database import connect

    return Webhooks(connect(db), Backoff(base=base, cap=cap, max_attempts=max_attempts), HttpSender(timeout))


@hooks_app.command("add")
def add(
    buyer: Annotated[str, typer.Option("--buyer", help="The buyer id (as BuyerLinked names it)")],
    url: Annotated[str, typer.Option("--url", help="Where to POST each notification")],
    secret: Annotated[str | None, typer.Option(help="The signing secret (default: a new whsec_ one)")] = None,
    from_now: Annotated[bool, typer.Option("--from-now", help="Only notifications from now on "
                                                              "(default: every one the buyer ever had)")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe a buyer's URL. The secret signs every delivery (Standard Webhooks: webhook-signature)."""
    from services.delivery.subscriptions import Subscriptions
    from services.store.database import connect

    try:
        row = Subscriptions(connect(db)).add(buyer, url, secret, from_now)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if as_json:
        print_json(row)
        return
    console.print(f"subscription {row['subscription_id']}: {buyer} -> {url}")
    console.print(f"secret (give it to the buyer): {row['secret']}", markup=False)


@hooks_app.command("rotate")
def rotate(subscription: Annotated[str, typer.Argument(help="The subscription id")], db: DbOption = None,
           as_json: JsonOption = False) -> None:
    """Give a subscription a new secret: every later try is signed with it (the old one stops at once)."""
    from services.delivery.subscriptions import Subscriptions
    from services.store.database import connect

    secret = Subscriptions(connect(db)).rotate(subscription)
    if secret is None:
        err_console.print(f"error: no active subscription {subscription!r}", style="red", markup=False)
        raise typer.Exit(1)
    print_json({"subscription_id": subscription, "secret": secret}) if as_json else console.print(
        f"new secret (give it to the buyer): {secret}", markup=False)


@hooks_app.command("list")
def list_subscriptions(
    buyer: Annotated[str | None, typer.Option("--buyer", help="Only this buyer")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Subscriptions (secrets are not shown)."""
    from services.delivery.subscriptions import Subscriptions
    from services.store.database import connect

    rows = [{k: v for k, v in r.items() if k != "secret"} for r in Subscriptions(connect(db)).all(buyer)]
    if as_json:
        print_json(rows)
        return
    print_table("webhook subscriptions", ("subscription", "buyer", "url", "active", "created"),
                [(r["subscription_id"], r["buyer_id"], r["url"], "yes" if r["active"] else "no", r["created_at"][:19])
                 for r in rows])


@hooks_app.command("remove")
def remove(subscription_id: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Stop a subscription (its delivery history stays)."""
    from services.delivery.subscriptions import Subscriptions
    from services.store.database import connect

    done = Subscriptions(connect(db)).remove(subscription_id)
    print_json({"subscription_id": subscription_id, "removed": done}) if as_json else console.print(
        f"{subscription_id}: {'removed' if done else 'no active subscription with that id'}")
    if not done:
        raise typer.Exit(1)


@hooks_app.command("run")
def run(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds")] = 1.0,
    kafka: Annotated[str | None, typer.Option(
        "--kafka", help="Also feed the dignity.standing-changes topic at this bootstrap server (env DIGNITY_KAFKA "
        "applies when --db is PostgreSQL, as for `dignity ingest`)")] = None,
    max_attempts: Annotated[int, typer.Option(min=1, help="Tries before a dead letter")] = 10,
    backoff_base: Annotated[float, typer.Option(min=0, help="Seconds before the second try (then doubled)")] = 2.0,
    backoff_cap: Annotated[float, typer.Option(min=0, help="Longest wait between tries, seconds")] = 600.0,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds a receiver has to answer")] = 10.0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deliver: copy new standing changes into the feed, send due webhooks, feed the Kafka topic."""
    from services import structured_logs
    from services.delivery.pump import Pump
    from services.delivery.topic import StandingChangesTopic

    structured_logs.configure()
    hooks = _webhooks(db, max_attempts, backoff_base, backoff_cap, timeout)
    kafka = kafka or _distributed_kafka(db)
    topic = StandingChangesTopic(hooks.engine, kafka) if kafka else None
    pump = Pump(hooks.engine, hooks, topic)
    if once:
        result = pump.run_once()
        if result is not None:
            pump.lease.release()
        if topic is not None:
            topic.close()
        answer = result.as_json() if result else {"skipped": "another delivery loop holds the lease"}
        print_json(answer) if as_json else console.print(answer)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err_console.print(f"delivering every {interval}s{' and feeding Kafka at ' + kafka if kafka else ''}; "
                      "Ctrl-C to stop")
    try:
        pump.run(stop, interval)
    except KeyboardInterrupt:
        stop.set()


def _distributed_kafka(db: str | None) -> str | None:
    from services.settings import settings
    from services.store.database import database_url

    return settings().kafka if database_url(db).startswith("postgresql") else None


@hooks_app.command("deliveries")
def deliveries(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead")] = None,
    subscription: Annotated[str | None, typer.Option("--subscription", help="Only this subscription")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deliveries in sending order, with their tries and last error."""
    rows = _webhooks(db).deliveries(status, subscription, limit)
    if as_json:
        print_json(rows)
        return
    print_table("deliveries", ("delivery", "subscription", "farm", "status", "tries", "next try", "last error"),
                [(r["delivery_id"], r["subscription_id"], r["farm_id"], r["status"], str(r["attempts"]),
                  r["next_at"][:19] if r["status"] == "pending" else "", r["last_error"] or "") for r in rows])


@hooks_app.command("dead")
def dead(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Dead letters: deliveries that failed their last try, and whether they were redelivered."""
    rows = _webhooks(db).dead_letters()
    if as_json:
        print_json(rows)
        return
    print_table("dead letters",
                ("delivery", "subscription", "notification", "tries", "last error", "at", "redelivered"),
                [(r["delivery_id"], r["subscription_id"], r["notification_id"], str(r["attempts"]), r["last_error"],
                  r["at"][:19], (r["redelivered_at"] or "")[:19]) for r in rows])


@hooks_app.command("redeliver")
def redeliver(
    delivery_id: Annotated[str | None, typer.Argument(help="The delivery id (see `dignity webhooks dead`)")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead delivery")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a delivery again (with fresh tries) at the next round of `dignity webhooks run`."""
    hooks = _webhooks(db)
    if all_dead:
        ids = hooks.redeliver_dead()
    elif delivery_id:
        ids = [delivery_id] if hooks.redeliver(delivery_id) else []
    else:
        raise typer.BadParameter("name a delivery id, or use --all-dead")
    print_json({"redelivering": ids}) if as_json else console.print(
        f"redelivering {len(ids)}: {', '.join(ids)}" if ids else "no such delivery")
    if not ids and not all_dead:
        raise typer.Exit(1)
