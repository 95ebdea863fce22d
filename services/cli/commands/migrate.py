"""`dignity migrate`: bring the database's schema to this release (Alembic; services/store/revisions.py)."""

from __future__ import annotations

from services.cli.common import DbOption, JsonOption, console, print_json
from services.cli.main import app


@app.command()
def migrate(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Upgrade the schema: a database of an earlier release is stamped with the baseline and upgraded;
    tables this release adds are created. Safe to run again."""
    from services.store.database import connect
    from services.store.revisions import upgrade

    engine = connect(db, create=False)
    done = upgrade(engine)
    if engine.dialect.name == "sqlite":  # the embedded ledger replays its log into read models reset above
        from services.ledger.embedded import EmbeddedLedger

        EmbeddedLedger(engine=engine)
    if as_json:
        print_json(done)
        return
    created = ", ".join(done["created_tables"]) or "none"  # type: ignore[arg-type]
    console.print(f"schema at {done['to']} (was {done['from'] or 'unversioned'}); tables created: {created}")
