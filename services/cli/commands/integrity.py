"""`dignity checkpoint` and `dignity verify [--read-models]`: the ledger proves itself (SPEC §6)."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import DbOption, JsonOption, console, err_console, print_json
from services.cli.main import app


@app.command()
def checkpoint(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Sign the log as it is now: per farm its count and chain head, for the whole log its count and Merkle
    root, with the ledger's Ed25519 key (kept outside the database). Ingest does it at the end too."""
    from services.ledger.embedded import EmbeddedLedger
    from services.log.checkpoint import CheckpointRefused, checkpoint_copy_path, write_checkpoint

    ledger = EmbeddedLedger(db)
    try:
        signed = write_checkpoint(ledger.engine, ledger.signer, ledger.clock(), checkpoint_copy_path(ledger.engine.url))
    except CheckpointRefused as exc:
        if as_json:
            print_json({"ok": False, "problems": [p.as_json() for p in exc.problems]})
        for p in exc.problems:
            err_console.print(f"refused: {p.detail}", style="red", markup=False)
        raise typer.Exit(1) from None
    state = signed.state
    summary = {k: state[k] for k in ("at", "position", "count", "root")} | {
        "farms": len(state["farms"]), "key": state["key"], "key_file": str(ledger.signer.path)}
    if as_json:
        print_json(summary)
    else:
        console.print(f"signed {state['count']} events of {len(state['farms'])} farms at {state['at']}: "
                      f"root {state['root'][:16]}…", markup=False)


@app.command()
def verify(
    read_models: Annotated[bool, typer.Option(
        "--read-models", help="Also replay the log into a scratch database and compare every read model")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check every stored event (columns, digest, chain link) and the log against the latest signed
    checkpoint: an edited, reordered, deleted or truncated event or a recomputed chain fails, naming it."""
    from services.log.verify import verify_database
    from services.store.database import connect

    engine = connect(db)
    verdict = verify_database(engine)
    result = verdict.as_json()
    if read_models:
        from services.ledger.read_model_check import check_read_models

        result["read_models"] = check_read_models(engine)
        result["ok"] = result["ok"] and not result["read_models"]
    if as_json:
        print_json(result)
    else:
        _tell(result)
    if not result["ok"]:
        raise typer.Exit(1)


def _tell(result: dict[str, object]) -> None:
    signed = result["checkpoint"]
    where = f"signed at {signed['at']}" if isinstance(signed, dict) else "no signed checkpoint"
    console.print(f"{result['events']} events, {where}, {result['not_yet_signed']} appended since", markup=False)
    for p in result["problems"]:  # type: ignore[attr-defined]
        console.print(f"  {p['kind']}: {p['detail']}", style="red", markup=False)
    for d in result.get("read_models", []):  # type: ignore[attr-defined]
        console.print(f"  read model {d['table']}: {d['kind']} {d.get('key', d.get('counts'))}", style="red",
                      markup=False)
    if result["ok"]:
        console.print("every event, chain and checkpoint holds" + (
            "; the read models equal a replay" if "read_models" in result else ""))
