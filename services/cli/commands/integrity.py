"""`dignity checkpoint` and `dignity verify [--read-models]`: the ledger proves itself (SPEC §6)."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import DbOption, JsonOption, console, err_console, print_json
from services.cli.main import app

KafkaOption = Annotated[str | None, typer.Option(
    "--kafka", help="The Kafka log at this bootstrap server (distributed mode; env DIGNITY_KAFKA applies when --db "
    "is PostgreSQL)")]


@app.command()
def checkpoint(kafka: KafkaOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Sign the log as it is now: per farm its count and chain head, for the whole log its count and Merkle
    root, with the ledger's Ed25519 key (kept outside the database). Ingest does it at the end too (embedded);
    in the distributed mode run it from time to time: it reads the whole topic."""
    from services.cli.main import _ingest_ledger
    from services.ledger.embedded import EmbeddedLedger
    from services.log.checkpoint import CheckpointRefused, checkpoint_copy_path, write_checkpoint
    from services.log.kafka_chain import write_topic_checkpoint
    from services.log.signer import FileSigner, signing_key_path
    from services.store.database import now

    ledger = _ingest_ledger(db, kafka)
    signer = FileSigner(signing_key_path(ledger.engine.url))
    try:
        if isinstance(ledger, EmbeddedLedger):
            signed = write_checkpoint(ledger.engine, signer, now(), checkpoint_copy_path(ledger.engine.url))
        else:
            signed = write_topic_checkpoint(ledger.log, ledger.engine, signer, now(),
                                            checkpoint_copy_path(ledger.engine.url))
    except CheckpointRefused as exc:
        if as_json:
            print_json({"ok": False, "problems": [p.as_json() for p in exc.problems]})
        for p in exc.problems:
            err_console.print(f"refused: {p.detail}", style="red", markup=False)
        raise typer.Exit(1) from None
    state = signed.state
    summary = {k: state[k] for k in ("at", "position", "count", "root")} | {
        "farms": len(state["farms"]), "key": state["key"], "key_file": str(signer.path)}
    if as_json:
        print_json(summary)
    else:
        console.print(f"signed {state['count']} events of {len(state['farms'])} farms at {state['at']}: "
                      f"root {state['root'][:16]}…", markup=False)


@app.command()
def verify(
    read_models: Annotated[bool, typer.Option(
        "--read-models", help="Also replay the log into a scratch database and compare every read model")] = False,
    kafka: KafkaOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check every stored event (columns, digest, chain link) and the log against the latest signed
    checkpoint: an edited, reordered, deleted or truncated event or a recomputed chain fails, naming it."""
    from services.cli.main import _ingest_ledger
    from services.ledger.embedded import EmbeddedLedger
    from services.log.verify import verify_database

    ledger = _ingest_ledger(db, kafka)
    engine = ledger.engine
    if not isinstance(ledger, EmbeddedLedger):
        if read_models:
            err_console.print("error: --read-models replays the embedded log; the distributed mode has no such "
                              "check yet", style="red", markup=False)
            raise typer.Exit(2)
        _verify_topic(ledger, as_json)
        return
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
        where = ", ".join(f"{k} {p[k]}" for k in ("position", "event_id") if k in p)
        console.print(f"  {p['kind']}{f' ({where})' if where else ''}: {p['detail']}", style="red", markup=False)
    for d in result.get("read_models", []):  # type: ignore[attr-defined]
        console.print(f"  read model {d['table']}: {d['kind']} {d.get('key', d.get('counts'))}", style="red",
                      markup=False)
    if result["ok"]:
        console.print("every event, chain and checkpoint holds" + (
            "; the read models equal a replay" if "read_models" in result else ""))


def _verify_topic(ledger: object, as_json: bool) -> None:
    from services.log.checkpoint import checkpoint_copy_path
    from services.log.kafka_chain import verify_topic
    from services.log.signer import FileSigner, signing_key_path

    engine, log = ledger.engine, ledger.log  # type: ignore[attr-defined]
    signer = FileSigner(signing_key_path(engine.url))
    scan = verify_topic(log, engine, signer.public_key() if signer.exists() else None,
                        checkpoint_copy_path(engine.url))
    result = {"ok": not scan.problems, "events": scan.tally.merkle.count, "records": scan.records,
              "problems": [p.as_json() for p in scan.problems]}
    if as_json:
        print_json(result)
    else:
        console.print(f"{scan.records} records, {scan.tally.merkle.count} chained", markup=False)
        for p in scan.problems:
            console.print(f"  {p.kind}: {p.detail}", style="red", markup=False)
        if not scan.problems:
            console.print("every chain and the checkpoint hold")
    if scan.problems:
        raise typer.Exit(1)
