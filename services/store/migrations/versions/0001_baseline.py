"""Baseline: the schema of release 0.1.0 (commit c0c5049), the first one under Alembic.

A database made by that release has these tables and no `alembic_version`; services/store/revisions.py
stamps it with this revision instead of running it. On an empty database this creates them.
"""

from alembic import op

from services.store.schema import metadata

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "api_tokens", "appeal_assignments", "applied", "bans", "cascades", "checkpoints", "dead_letters", "deliveries",
    "delivery_cursors", "delivery_leases", "enrolments", "event_index", "events", "failures", "feed",
    "feed_cursors", "history", "notifications", "outbox", "owners", "partition_offsets", "person_keys",
    "projection_state", "relay", "webhook_subscriptions",
)


def upgrade() -> None:
    # A baseline table the schema no longer declares (person_keys moved to its own key store) is not made on
    # a new database; on an old one it stays as it was, for whatever moves its rows.
    wanted = [metadata.tables[name] for name in TABLES if name in metadata.tables]
    metadata.create_all(op.get_bind(), tables=wanted, checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("the ledger's log is append-only: there is no going back past the baseline")
