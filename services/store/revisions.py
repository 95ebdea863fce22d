"""Schema migrations with Alembic: `upgrade(engine)` brings any database to the current schema.

- An empty database gets every revision from the baseline.
- A database made before Alembic (release 0.1.0: its tables, no `alembic_version`) is stamped with the
  baseline, since its tables are the baseline's, then upgraded.
- Then every table the schema declares that is still missing is created (tolerant: tables added to
  services/store/schema.py without a revision of their own, as several changes land at once, appear on the
  next upgrade instead of failing it), and the in-place changes of services/store/migrate.py run (history
  served from the log, states split in parts), which `connect()` also runs on every start. A new *column*
  on an existing table otherwise needs a revision.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from services.store.schema import metadata

BASELINE = "0001_baseline"
BASELINE_MARKER = "events"
"""A table every earlier release created: its presence without `alembic_version` means release 0.1.0."""


def config(connection: object) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "services.store:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return str(ScriptDirectory.from_config(config(None)).get_current_head())


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> dict[str, object]:
    """Upgrade to the head revision; returns what was done."""
    tables = set(inspect(engine).get_table_names())
    stamped = False
    with engine.begin() as conn:
        cfg = config(conn)
        if "alembic_version" not in tables and BASELINE_MARKER in tables:
            command.stamp(cfg, BASELINE)
            stamped = True
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(cfg, "head")
    missing = sorted(set(metadata.tables) - set(inspect(engine).get_table_names()))
    metadata.create_all(engine, checkfirst=True)
    from services.store.migrate import migrate

    migrate(engine)
    return {"from": before, "to": current(engine), "stamped_baseline": stamped, "created_tables": missing}
