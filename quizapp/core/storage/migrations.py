"""Schema versions: an ordered list of migrations, each applied once, recorded in ``schema_version``.

Every migration is frozen: it spells out its own DDL instead of reading the current models, so a
database made by any earlier quizapp upgrades through the same steps a fresh one goes through.
Migrations run inside one write transaction (SQLite DDL is transactional; PostgreSQL's too), so a
crash part-way leaves the database at the previous version, and two processes opening an old database
at once cannot both upgrade it (the second sees the new version once it gets the lock).

To change the schema: append a migration here, update :mod:`quizapp.core.storage.tables`, and
extend tests/unit/test_store_migrations.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

APPLICATION = "quizapp"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "quizapp_meta",
        md,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    sa.Table(
        "schema_version",
        md,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("applied_at", sa.Float, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )
    sa.Table(
        "cards",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("deck", sa.String(200), nullable=False),
        sa.Column("card_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("suspended", sa.Boolean, nullable=False),
        sa.Column("leech", sa.Boolean, nullable=False),
        sa.Column("buried_until", sa.Float),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer),
        sa.Column("stability", sa.Float),
        sa.Column("difficulty", sa.Float),
        sa.Column("due", sa.Float),
        sa.Column("last_review", sa.Float),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("lapses", sa.Integer, nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.UniqueConstraint("deck", "card_id", name="uq_cards_deck_card"),
        sa.Index("ix_cards_phase_due", "phase", "due"),
        sa.Index("ix_cards_deck_phase_position", "deck", "phase", "position"),
    )
    sa.Table(
        "reviews",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("card", sa.Integer, sa.ForeignKey("cards.id"), nullable=False),
        sa.Column("reviewed_at", sa.Float, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("correct", sa.Boolean),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("phase_before", sa.Integer, nullable=False),
        sa.Column("scheduled_days", sa.Float, nullable=False),
        sa.Column("interval_days", sa.Float, nullable=False),
        sa.Column("stability", sa.Float),
        sa.Column("difficulty", sa.Float),
        sa.Column("phase_after", sa.Integer, nullable=False),
        sa.Column("previous", sa.Text, nullable=False),
        sa.Index("ix_reviews_reviewed_at", "reviewed_at"),
        sa.Index("ix_reviews_card", "card"),
    )
    md.create_all(conn)
    conn.execute(sa.text("INSERT INTO quizapp_meta (key, value) VALUES ('application', :app)"), {"app": APPLICATION})


def _v2_card_text(conn: Connection) -> None:
    # NOT NULL with a default fills the rows that already exist.
    for column, ddl in (("kind", "VARCHAR(32)"), ("prompt", "TEXT"), ("code", "TEXT"), ("tags", "TEXT")):
        conn.execute(sa.text(f"ALTER TABLE cards ADD COLUMN {column} {ddl} NOT NULL DEFAULT ''"))


BUCKET_SECONDS = 900
MATURE_DAYS = 21


def bucket_delta(
    reviewed_at: float, rating: int, phase_before: int, scheduled_days: float, duration_s: float
) -> tuple[int, tuple[int, int, int, int, float]]:
    """A review's contribution to its 15-minute bucket: (bucket, (reviews, passed, mature, mature_passed, seconds))."""
    passed = 1 if rating > 1 else 0
    mature = 1 if phase_before == 2 and scheduled_days >= MATURE_DAYS else 0
    return int(reviewed_at // BUCKET_SECONDS), (1, passed, mature, mature * passed, float(duration_s or 0.0))


def _v3_review_buckets(conn: Connection) -> None:
    md = sa.MetaData()
    table = sa.Table(
        "review_buckets",
        md,
        sa.Column("bucket", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("reviews", sa.Integer, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("mature", sa.Integer, nullable=False),
        sa.Column("mature_passed", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
    )
    md.create_all(conn)
    totals: dict[int, list[float]] = {}
    rows = conn.execute(sa.text("SELECT reviewed_at, rating, phase_before, scheduled_days, duration_s FROM reviews"))
    for row in rows:
        bucket, delta = bucket_delta(*row)
        acc = totals.setdefault(bucket, [0, 0, 0, 0, 0.0])
        for i, v in enumerate(delta):
            acc[i] += v
    if totals:
        conn.execute(
            table.insert(),
            [
                {
                    "bucket": b,
                    "reviews": int(t[0]),
                    "passed": int(t[1]),
                    "mature": int(t[2]),
                    "mature_passed": int(t[3]),
                    "seconds": float(t[4]),
                }
                for b, t in totals.items()
            ],
        )


def _v4_deck_due_index(conn: Connection) -> None:
    conn.execute(sa.text("CREATE INDEX ix_cards_deck_phase_due ON cards (deck, phase, due)"))


def _v5_review_log(conn: Connection) -> None:
    """Reviews become the source of truth: UUID ids, device and learner on each, state per learner.

    The learner and device old reviews are credited to come from ``conn.info`` (set by the Store that
    opens the database: the OS user or QUIZAPP_LEARNER, and this installation's device id). Every review
    is kept, in its old order; each keeps the interval it was given (its fuzz was drawn at random, so
    only the stored interval reproduces it). Replaying and comparing the states happens after the
    upgrade (the Store reports mismatches; nothing stored is overwritten here).
    """
    learner = str(conn.info.get("quizapp_learner") or "default")
    device = str(conn.info.get("quizapp_device") or "unknown")
    now = time.time()
    md = sa.MetaData()
    # Only for the foreign keys below to refer to (it exists already; never created here).
    sa.Table("cards", md, sa.Column("id", sa.Integer, primary_key=True))
    learners = sa.Table(
        "learners",
        md,
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    states = sa.Table(
        "card_states",
        md,
        sa.Column("learner", sa.String(200), sa.ForeignKey("learners.name"), primary_key=True),
        sa.Column("card", sa.Integer, sa.ForeignKey("cards.id"), primary_key=True, autoincrement=False),
        sa.Column("suspended", sa.Boolean, nullable=False),
        sa.Column("leech", sa.Boolean, nullable=False),
        sa.Column("buried_until", sa.Float),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer),
        sa.Column("stability", sa.Float),
        sa.Column("difficulty", sa.Float),
        sa.Column("due", sa.Float),
        sa.Column("last_review", sa.Float),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("lapses", sa.Integer, nullable=False),
        sa.Index("ix_card_states_learner_phase_due", "learner", "phase", "due"),
    )
    new_reviews = sa.Table(
        "reviews_v5",
        md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("learner", sa.String(200), nullable=False),
        sa.Column("card", sa.Integer, sa.ForeignKey("cards.id"), nullable=False),
        sa.Column("reviewed_at", sa.Float, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("correct", sa.Boolean),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("fixed_interval_days", sa.Float),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("phase_before", sa.Integer, nullable=False),
        sa.Column("scheduled_days", sa.Float, nullable=False),
        sa.Column("interval_days", sa.Float, nullable=False),
        sa.Column("stability", sa.Float),
        sa.Column("difficulty", sa.Float),
        sa.Column("phase_after", sa.Integer, nullable=False),
        sa.Column("made_leech", sa.Boolean, nullable=False),
    )
    buckets = sa.Table(
        "review_buckets_v5",
        md,
        sa.Column("learner", sa.String(200), primary_key=True),
        sa.Column("bucket", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("reviews", sa.Integer, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("mature", sa.Integer, nullable=False),
        sa.Column("mature_passed", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
    )
    md.create_all(conn, tables=[learners, states, new_reviews, buckets])
    conn.execute(sa.text("INSERT INTO learners (name, added_at) VALUES (:n, :t)"), {"n": learner, "t": now})
    conn.execute(
        sa.text(
            "INSERT INTO card_states (learner, card, suspended, leech, buried_until, phase, step, stability,"
            " difficulty, due, last_review, reps, lapses) SELECT :l, id, suspended, leech, buried_until, phase,"
            " step, stability, difficulty, due, last_review, reps, lapses FROM cards"
        ),
        {"l": learner},
    )
    old = conn.execute(
        sa.text(
            "SELECT card, reviewed_at, rating, answer, correct, duration_s, phase_before, scheduled_days,"
            " interval_days, stability, difficulty, phase_after, previous FROM reviews ORDER BY id"
        )
    )
    batch: list[dict[str, object]] = []
    for row in old:
        made_leech = '"leech"' in (row.previous or "")  # schema 4 kept the leech flag only when a review set it
        batch.append(
            {
                "id": str(uuid.uuid4()), "device": device, "learner": learner, "card": row.card,
                "reviewed_at": row.reviewed_at, "rating": row.rating, "answer": row.answer, "correct": row.correct,
                "duration_s": row.duration_s, "fixed_interval_days": row.interval_days, "shared": False,
                "phase_before": row.phase_before, "scheduled_days": row.scheduled_days,
                "interval_days": row.interval_days, "stability": row.stability, "difficulty": row.difficulty,
                "phase_after": row.phase_after, "made_leech": made_leech,
            }
        )
        if len(batch) >= 5000:
            conn.execute(new_reviews.insert(), batch)
            batch = []
    if batch:
        conn.execute(new_reviews.insert(), batch)
    conn.execute(
        sa.text(
            "INSERT INTO review_buckets_v5 (learner, bucket, reviews, passed, mature, mature_passed, seconds)"
            " SELECT :l, bucket, reviews, passed, mature, mature_passed, seconds FROM review_buckets"
        ),
        {"l": learner},
    )
    conn.execute(sa.text("DROP TABLE reviews"))
    conn.execute(sa.text("DROP TABLE review_buckets"))
    conn.execute(sa.text("ALTER TABLE reviews_v5 RENAME TO reviews"))
    conn.execute(sa.text("ALTER TABLE review_buckets_v5 RENAME TO review_buckets"))
    conn.execute(sa.text("CREATE INDEX ix_reviews_learner_card_time ON reviews (learner, card, reviewed_at)"))
    conn.execute(sa.text("CREATE INDEX ix_reviews_learner_time ON reviews (learner, reviewed_at)"))
    for index in ("ix_cards_phase_due", "ix_cards_deck_phase_position", "ix_cards_deck_phase_due"):
        conn.execute(sa.text(f"DROP INDEX {index}"))
    for column in ("suspended", "leech", "buried_until", "phase", "step", "stability", "difficulty", "due",
                   "last_review", "reps", "lapses"):
        conn.execute(sa.text(f"ALTER TABLE cards DROP COLUMN {column}"))
    conn.execute(sa.text("CREATE INDEX ix_cards_deck_position ON cards (deck, position)"))


# Migration 6, frozen: the DDL as it was written when it shipped (fulltext.py keeps the names the
# search reads at run time; a test holds the two in step). Never edit these: add a migration instead.
_V6_SQLITE_DDL: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE cards_fts USING fts5(deck, card_id, prompt, code, tags,"
    " content='cards', content_rowid='id', tokenize='trigram')",
    # External content: the index must be told the old text to remove it, hence 'delete' rows.
    "CREATE TRIGGER cards_fts_insert AFTER INSERT ON cards BEGIN"
    " INSERT INTO cards_fts(rowid, deck, card_id, prompt, code, tags)"
    " VALUES (new.id, new.deck, new.card_id, new.prompt, new.code, new.tags); END",
    "CREATE TRIGGER cards_fts_delete AFTER DELETE ON cards BEGIN"
    " INSERT INTO cards_fts(cards_fts, rowid, deck, card_id, prompt, code, tags)"
    " VALUES ('delete', old.id, old.deck, old.card_id, old.prompt, old.code, old.tags); END",
    "CREATE TRIGGER cards_fts_update AFTER UPDATE OF deck, card_id, prompt, code, tags ON cards BEGIN"
    " INSERT INTO cards_fts(cards_fts, rowid, deck, card_id, prompt, code, tags)"
    " VALUES ('delete', old.id, old.deck, old.card_id, old.prompt, old.code, old.tags);"
    " INSERT INTO cards_fts(rowid, deck, card_id, prompt, code, tags)"
    " VALUES (new.id, new.deck, new.card_id, new.prompt, new.code, new.tags); END",
    "INSERT INTO cards_fts(cards_fts) VALUES ('rebuild')",
)
_V6_PG_DDL: tuple[str, ...] = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_cards_prompt_trgm ON cards USING gin (lower(prompt) gin_trgm_ops)",
    "CREATE INDEX ix_cards_code_trgm ON cards USING gin (lower(code) gin_trgm_ops)",
    "CREATE INDEX ix_cards_card_id_trgm ON cards USING gin (lower(card_id) gin_trgm_ops)",
)


def _v6_fulltext_index(conn: Connection) -> None:
    """The full-text index for the dialect, or nothing where it cannot be made (search then scans)."""
    if conn.dialect.name == "sqlite":
        statements = _V6_SQLITE_DDL
    elif conn.dialect.name == "postgresql":
        statements = _V6_PG_DDL
    else:
        return
    # A savepoint: on PostgreSQL a failed statement would otherwise abort the whole migration.
    try:
        with conn.begin_nested():
            for statement in statements:
                conn.exec_driver_sql(statement)
    except DBAPIError:
        return  # no FTS5 / trigram in this SQLite, or no pg_trgm on this server


def _v7_deck_summaries(conn: Connection) -> None:
    # What listing a deck shows (title, card counts), keyed by the deck's digest (file content + loader
    # code): a version of a deck file this collection registered once can be listed, and the home
    # screen filled, without parsing the file again (see storage/synced.py). Derived data: a missing
    # row only costs a parse. ``seen_at`` only chooses which old versions to forget, never what is trusted.
    md = sa.MetaData()
    sa.Table(
        "deck_summaries",
        md,
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("deck", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("cards", sa.Integer, nullable=False),
        sa.Column("executable", sa.Integer, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Index("ix_deck_summaries_deck", "deck"),
    )
    md.create_all(conn)


def _v8_concepts_seen(conn: Connection) -> None:
    # Which concept notes each learner has been shown (each is taught once). It used to be a JSON file
    # per home folder: shared by every learner of that home, unknown to a second window until restarted,
    # and never synced. A row per (learner, deck, concept); the first showing wins, so merging the rows
    # of several devices is a union that never conflicts.
    md = sa.MetaData()
    sa.Table(
        "concepts_seen",
        md,
        sa.Column("learner", sa.String(200), primary_key=True),
        sa.Column("deck", sa.String(200), primary_key=True),
        sa.Column("concept", sa.String(200), primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
    )
    md.create_all(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: cards, reviews, metadata", _v1_initial),
    Migration(2, "card text, kind and tags on cards, for search and browse", _v2_card_text),
    Migration(3, "review totals per 15 minutes, for fast stats", _v3_review_buckets),
    Migration(4, "index cards by deck, phase and due time, for one deck's queue", _v4_deck_due_index),
    Migration(5, "the review log as source of truth: UUID ids, devices, learners, state per learner", _v5_review_log),
    # 6 depends only on the card catalogue's text columns and id, which 5 keeps as they are (5 drops
    # other columns of cards and rebuilds reviews/review_buckets, never cards itself), so the FTS5
    # triggers stay valid whichever order the two were applied in.
    Migration(6, "full-text index of the card text (FTS5 trigram / pg_trgm), for search", _v6_fulltext_index),
    Migration(7, "deck summaries by digest, to list decks without parsing their files", _v7_deck_summaries),
    Migration(8, "the concept notes each learner has been shown, in the collection (synced)", _v8_concepts_seen),
)
LATEST = MIGRATIONS[-1].version
REVIEW_LOG = 5  # the migration that made the review log the source of truth


def current_version(conn: Connection) -> int:
    """The highest applied migration, 0 for a database without quizapp tables."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.text("SELECT COALESCE(MAX(version), 0) FROM schema_version")).scalar_one())


def pending(version: int, applied: set[int] | None = None) -> list[Migration]:
    """The migrations still to apply: newer than ``version``, or (given the set of ``applied`` versions)
    any not applied yet, so a migration numbered below one already applied (two developed side by side)
    still runs."""
    if applied is not None:
        return [m for m in MIGRATIONS if m.version not in applied]
    return [m for m in MIGRATIONS if m.version > version]


def applied_versions(conn: Connection) -> set[int]:
    if not sa.inspect(conn).has_table("schema_version"):
        return set()
    return {int(v) for v in conn.execute(sa.text("SELECT version FROM schema_version")).scalars()}


def apply_pending(conn: Connection) -> list[Migration]:
    """Apply, inside the caller's write transaction, every migration the database has not had yet."""
    done = []
    for migration in pending(current_version(conn), applied_versions(conn)):
        migration.apply(conn)
        conn.execute(
            sa.text("INSERT INTO schema_version (version, applied_at, description) VALUES (:v, :t, :d)"),
            {"v": migration.version, "t": time.time(), "d": migration.description},
        )
        done.append(migration)
    return done
