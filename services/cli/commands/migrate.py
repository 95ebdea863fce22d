"""`dignity migrate`: bring the database's schema to this release (Alembic; services/store/migrate.py)."""

from __future__ import annotations

from services.cli.common import DbOption, JsonOption, console, print_json
from services.cli.main import app


@app.command()
def migrate(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Upgrade the schema: a database of an earlier release is stamped with the baseline and upgraded;
    tables this release adds are created. Safe to run again."""
    from services.store.database import connect
    from services.store.migrate import upgrade

    done = upgrade(connect(db, create=False))
    if as_json:
        print_json(done)
        return
    created = ", ".join(done["created_tables"]) or "none"  # type: ignore[arg-type]
    console.print(f"schema at {done['to']} (was {done['from'] or 'unversioned'}); tables created: {created}")
