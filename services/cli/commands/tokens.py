"""`dignity token`: issue, list and revoke API tokens; assign appeals to arbitrators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from services.cli.common import DbOption, JsonOption, console, err_console, print_json, print_table
from services.cli.main import app

if TYPE_CHECKING:
    from services.auth.tokens import TokenStore

token_app = typer.Typer(help="API tokens for the five roles (cooperative, farm, mdsc, buyer, arbitrator).",
                        no_args_is_help=True)
app.add_typer(token_app, name="token")


def _store(db: str | None) -> TokenStore:
    from services.auth.tokens import TokenStore
    from services.store.database import connect

    return TokenStore(connect(db))


@token_app.command("issue")
def issue(
    role: Annotated[str, typer.Option("--role", help="cooperative, farm, mdsc, buyer or arbitrator")],
    subject: Annotated[str, typer.Option("--subject", help="Whose token: the farm, cooperative, buyer, "
                                                           "arbitrator or staff id")],
    label: Annotated[str | None, typer.Option(help="A note for whoever lists tokens later")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue a token. The secret is printed once and never stored: keep it."""
    try:
        issued = _store(db).issue(role, subject, label)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if as_json:
        print_json(issued.as_json())
        return
    err_console.print(f"token {issued.token_id} for {role} {subject} (shown once):")
    typer.echo(issued.secret)


@token_app.command("list")
def list_tokens(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every token issued (ids, roles and subjects; never the secrets)."""
    rows = _store(db).tokens()
    if as_json:
        print_json(rows)
        return
    print_table("tokens", ("token id", "role", "subject", "label", "issued", "revoked"),
                [(r["token_id"], r["role"], r["subject"], r["label"], r["issued_at"][:19], (r["revoked_at"] or "")[:19])
                 for r in rows])


@token_app.command("revoke")
def revoke(token_id: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Revoke a token by its id: it stops working at once."""
    done = _store(db).revoke(token_id)
    print_json({"token_id": token_id, "revoked": done}) if as_json else console.print(
        f"{token_id}: {'revoked' if done else 'no live token with that id'}")
    if not done:
        raise typer.Exit(1)


@token_app.command("assign")
def assign(
    arbitrator: Annotated[str, typer.Option("--arbitrator", help="The arbitrator id (a token's subject)")],
    farm: Annotated[str, typer.Option("--farm", help="The farm that filed the appeal")],
    appeal: Annotated[str, typer.Option("--appeal", help="The appeal id")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign an appeal to an arbitrator of the panel: from then on it may post and read that appeal."""
    new = _store(db).assign(arbitrator, farm, appeal)
    result = {"arbitrator_id": arbitrator, "farm_id": farm, "appeal_id": appeal, "new": new}
    print_json(result) if as_json else console.print(
        f"appeal {appeal} of {farm} {'assigned to' if new else 'was already assigned to'} {arbitrator}")


@token_app.command("assignments")
def assignments(
    arbitrator: Annotated[str | None, typer.Option("--arbitrator", help="Only this arbitrator")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which arbitrator hears which appeal."""
    rows = _store(db).assignments(arbitrator)
    if as_json:
        print_json(rows)
        return
    print_table("appeal assignments", ("arbitrator", "farm", "appeal", "assigned"),
                [(r["arbitrator_id"], r["farm_id"], r["appeal_id"], r["assigned_at"][:19]) for r in rows])
