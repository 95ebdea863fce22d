"""Tables: the embedded event log, the event-id index, read models, checkpoints, outbox, person keys.

One schema for SQLite and PostgreSQL. Timestamps are stored as UTC ISO-8601 text so they sort as strings.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

# The embedded append-only log. `position` is the global order; per farm it is the Kafka partition order.
events = Table(
    "events",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(40), nullable=False),
    Column("farm_id", String(120), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("chain", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
)
Index("events_by_farm", events.c.farm_id, events.c.position)
ENROLLED = "type = 'FarmEnrolled'"
"""The enrolments among the log's rows: every ingest asks which farms are enrolled. A partial index holds one
entry per farm, where a scan read the whole log (a query must write the condition as this literal text)."""
events_enrolled = Index("events_enrolled", events.c.farm_id, sqlite_where=text(ENROLLED),
                        postgresql_where=text(ENROLLED))

# Distributed mode: the ids the ledger accepted before producing them to Kafka (idempotency by event_id).
event_index = Table(
    "event_index",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("farm_id", String(120), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
Index("event_index_by_type", event_index.c.type, event_index.c.farm_id)

# Distributed mode: the last offset each partition has applied, written with the read models (resume point).
partition_offsets = Table(
    "partition_offsets",
    metadata,
    Column("topic", String(200), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", BigInteger, nullable=False),
)

# Distributed mode: events a worker derived for other farms, appended to the events topic after commit.
relay = Table(
    "relay",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("farm_id", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("published", Integer, nullable=False, default=0),
)

# Read models. A fold projection keeps one JSON state per key; the history is append-only rows.
projection_state = Table(
    "projection_state",
    metadata,
    Column("projection", String(40), primary_key=True),
    Column("key", String(120), primary_key=True),
    Column("state", LargeBinary, nullable=False),
)
# Queries and the writer load all of a farm's states at once: by key alone.
Index("projection_state_by_key", projection_state.c.key)

# Each farm's history in fold order (`seq`): a derived event with its body; a source event by its `position` in
# the embedded log (its body is read from `events`, never copied), or with its body where the log lives
# elsewhere (distributed mode: Kafka). Without rowid: the key is the row.
# A projection whose state is split into parts (`Projection.part`): each part its own row, so a batch loads and
# rewrites only the parts its events touch, never the farm's whole history. Keyed by farm first: a query loads
# all of a farm's parts in one range.
state_parts = Table(
    "state_parts",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("projection", String(40), primary_key=True),
    Column("part", String(60), primary_key=True),
    Column("state", LargeBinary, nullable=False),
)

history = Table(
    "history",
    metadata,
    Column("farm_id", String(120), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("event_id", String(36), nullable=True),
    Column("type", String(40), nullable=True),
    Column("occurred_at", String(40), nullable=True),
    Column("recorded_at", String(40), nullable=True),
    Column("position", BigInteger, nullable=True),
    Column("body", LargeBinary, nullable=True),
    sqlite_with_rowid=False,
)

# Which events a read-model database has applied: the source of truth on restart (not Kafka offsets).
applied = Table(
    "applied",
    metadata,
    Column("event_id", String(36), primary_key=True),
)

EMBEDDED_CHECKPOINT = "embedded"
"""The `checkpoints` row of the embedded read models: the last log position they have applied."""
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("position", Integer, nullable=False),
)

# Derived events written in the read-model transaction, published afterwards (at least once, stable ids).
outbox = Table(
    "outbox",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("farm_id", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("published", Integer, nullable=False, default=0),
)

# Events an agent could not apply: recorded durably, never dropped silently.
failures = Table(
    "failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("where", String(120), nullable=False),
    Column("error", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("at", String(40), nullable=False),
)

# Per-person keys are not here: they live in their own store (services/sealing/keystore.py).

# Cross-farm directories (insert-only, rebuilt from the log): who owns which farm (SU-2), who is banned from
# participating farms (PE-1), and what each buyer was told (BU-1, in order per farm by `position`).
owners = Table(
    "owners",
    metadata,
    Column("owner_id", String(120), primary_key=True),
    Column("farm_id", String(120), primary_key=True),
)
Index("owners_by_farm", owners.c.farm_id)

# SU-2 without a race: each farm's enrolment date, and every notice a farm's own suspension sends its owner's
# other farms, in the order its partition derived them (`position`); a farm enrolled later still gets the
# ones that reach it. (`owners` stays as it was: `enrolments` is a new table rather than a new column, since
# the schema is created, never migrated.)
enrolments = Table(
    "enrolments",
    metadata,
    Column("farm_id", String(120), primary_key=True),
    Column("owner_id", String(120), nullable=False),
    Column("enrolled_on", String(10), nullable=False),
)
Index("enrolments_by_owner", enrolments.c.owner_id)

cascades = Table(
    "cascades",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("notice_key", String(400), nullable=False, unique=True),
    Column("owner_id", String(120), nullable=False),
    Column("origin", String(120), nullable=False),
    Column("suspension_id", String(120), nullable=False),
    Column("on", String(10), nullable=False),
    Column("change", JSON, nullable=False),
)
Index("cascades_by_owner", cascades.c.owner_id, cascades.c.position)

# SU-2 through `ControlRecorded` (Part 7 ¶2, App. C III): who else controls a farm, and when. A farm's group
# for a suspension on a day is its owner's farms plus the farms of every controller in force that day.
controls = Table(
    "controls",
    metadata,
    Column("controller_id", String(120), primary_key=True),
    Column("farm_id", String(120), primary_key=True),
    Column("since", String(10), primary_key=True),
    Column("until", String(10), nullable=True),
)
Index("controls_by_farm", controls.c.farm_id)

# PE-1: who works where (hires and separations by person), so a ban that starts while the person works at
# another participating farm reaches that farm (App. C IV.1).
employments = Table(
    "employments",
    metadata,
    Column("person_id", String(120), primary_key=True),
    Column("farm_id", String(120), primary_key=True),
    Column("on", String(10), primary_key=True),
    Column("kind", String(10), primary_key=True),
)

bans = Table(
    "bans",
    metadata,
    Column("person_id", String(120), primary_key=True),
    Column("violation_id", String(120), primary_key=True),
    Column("farm_id", String(120), nullable=False),
    Column("from_on", String(10), nullable=False),
    Column("until", String(10), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", String(36), nullable=False, unique=True),
    Column("buyer_id", String(120), nullable=False),
    Column("farm_id", String(120), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("standing", String(20), nullable=False),
    Column("effective_on", String(10), nullable=False),
)
Index("notifications_by_buyer", notifications.c.buyer_id, notifications.c.position)

# -- Users' doors (issue 5): API tokens, arbitrator assignments, buyer subscriptions and their deliveries ----

# Bearer tokens: only the SHA-256 of the secret is kept; the secret is shown once, when issued.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(40), primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("label", Text, nullable=True),
    Column("issued_at", String(40), nullable=False),
    Column("revoked_at", String(40), nullable=True),
)

# Which appeals an arbitrator hears (the MD Program picks from its panel in rotation, App. C V.6).
appeal_assignments = Table(
    "appeal_assignments",
    metadata,
    Column("arbitrator_id", String(120), primary_key=True),
    Column("farm_id", String(120), primary_key=True),
    Column("appeal_id", String(120), primary_key=True),
    Column("assigned_at", String(40), nullable=False),
)

# Derived events buyers and dashboards are told of (StandingChanged, BuyerNotified), copied from each
# farm's history in per-farm order; `position` is the cursor of webhooks, the Kafka topic and SSE.
feed = Table(
    "feed",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("farm_id", String(120), nullable=False),
    Column("type", String(40), nullable=False),
    Column("buyer_id", String(120), nullable=True),
    Column("body", LargeBinary, nullable=False),
)
Index("feed_by_buyer", feed.c.buyer_id, feed.c.position)

# How far the feed has read each farm's history (its `seq`), and each consumer of the feed its `position`.
feed_cursors = Table(
    "feed_cursors",
    metadata,
    Column("farm_id", String(120), primary_key=True),
    Column("seq", Integer, nullable=False),
)

delivery_cursors = Table(
    "delivery_cursors",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("subscription_id", String(40), primary_key=True),
    Column("buyer_id", String(120), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(128), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("active", Integer, nullable=False, default=1),
)

# One row per subscription and notification; `position` is the order of sending per (subscription, farm).
deliveries = Table(
    "deliveries",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False, unique=True),
    Column("subscription_id", String(40), nullable=False),
    Column("notification_id", String(36), nullable=False),
    Column("farm_id", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("status", String(12), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", String(40), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", String(40), nullable=True),
)
Index("deliveries_queue", deliveries.c.status, deliveries.c.subscription_id, deliveries.c.farm_id,
      deliveries.c.position)

# After the last try: what was not delivered and why, kept until (and after) a redelivery on request.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False),
    Column("subscription_id", String(40), nullable=False),
    Column("notification_id", String(36), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("at", String(40), nullable=False),
    Column("redelivered_at", String(40), nullable=True),
)

# One dispatcher at a time sends webhooks (order per farm); a lease that lapses lets another take over.
delivery_leases = Table(
    "delivery_leases",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("holder", String(60), nullable=False),
    Column("until", String(40), nullable=False),
)

# -- Tamper evidence (issue 9): signed checkpoints of the log, and the log's format version ------------------

# Each checkpoint: the signed JSON (per farm: count and chain head; the log: count and Merkle root, the
# Merkle peaks and the last position covered) and its Ed25519 signature. The key is not in this database.
signed_checkpoints = Table(
    "signed_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    Column("root", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("signature", String(128), nullable=False),
)

ledger_meta = Table(
    "ledger_meta",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

# Each embedded tick that wrote something: when, at which ledger time, after which log position; so a replay
# (`dignity verify --read-models`) ticks where the ledger ticked.
ticks = Table(
    "ticks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("after_position", Integer, nullable=False),
)

# Distributed mode: each farm's event count and chain head over the records the ledger produced (the embedded
# log keeps its links in `events.chain`), written with the event-id index.
event_chains = Table(
    "event_chains",
    metadata,
    Column("farm_id", String(120), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("head", String(64), nullable=False),
)

# -- Kin programs (issue 11): cross-farm facts the buyers' premium, recruitment and risk rules look up -------
# One row per (kind, event): a purchase by buyer, a hire/fee/violation/review by contractor, an Article I
# case by jurisdiction and clause. Insert-only, filled by the fold (`projections/kin/crossfarm.py`).
kin_facts = Table(
    "kin_facts",
    metadata,
    Column("kind", String(30), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("key", String(200), nullable=False),
    Column("farm_id", String(120), nullable=False),
    Column("on", String(10), nullable=False),
    Column("value", String(200), nullable=False),
)
Index("kin_facts_by_key", kin_facts.c.kind, kin_facts.c.key)

# Stored answers (issue 8): each farm's deadline and finding rows as of the day they were computed, with the
# stamps of what they were computed from. A state write gives its farm (and the farm's siblings) a new stamp;
# a write every farm reads (the program's states, bans, owners, controls, kin flags) gives `*` one. An answer is
# read only while both stamps are those it was computed under, and only for its day. A farm keeps a row per day
# (today's, and the next day's the timer folds ahead of time), at most three: services/store/answers.py.
answer_stamps = Table(
    "answer_stamps",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("stamp", String(32), nullable=False),
)

answers = Table(
    "answers",
    metadata,
    Column("farm_id", String(120), primary_key=True),
    Column("kind", String(200), primary_key=True),
    Column("as_of", String(10), primary_key=True),
    Column("zone", String(64), nullable=True),
    Column("stamps", String(80), nullable=False),
    Column("body", LargeBinary, nullable=False),
)

READ_MODELS = (projection_state, state_parts, history, outbox, owners, enrolments, cascades, bans, notifications,
               controls, employments, kin_facts, answer_stamps, answers)
"""What the projections derive from the log: emptied by a rebuild, refilled by replaying the log."""
