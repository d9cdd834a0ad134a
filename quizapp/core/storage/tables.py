"""The database tables, as plain SQLAlchemy Core tables: the current schema; only storage code uses them.

Front ends never see these rows: :mod:`quizapp.core.storage.records` holds the domain objects the
Store hands out. Times are stored as UTC epoch seconds (a float) so SQLite and PostgreSQL compare and
index them the same way and no driver ever guesses a time zone.

The schema is created and upgraded only by :mod:`quizapp.core.storage.migrations`, never by
``create_all``; a test checks that the migrated schema matches these tables column for column.
The ``default`` values are applied by SQLAlchemy on insert (client side), not by the database.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Key/value facts about the database itself; ``application = quizapp`` marks a quizapp database.
meta = Table(
    "quizapp_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row per applied migration; the highest ``version`` is the schema version.
schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Float, nullable=False),
    Column("description", Text, nullable=False),
)

# The card catalogue: one row per card ever loaded, keyed by (deck, card_id); the text columns are a
# copy for search. Progress lives per learner in ``card_states``.
cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deck", String(200), nullable=False),
    Column("card_id", String(200), nullable=False),
    Column("position", Integer, nullable=False, default=0),  # order in its deck: new cards come in this order
    Column("hidden", Boolean, nullable=False, default=False),  # no longer in any loaded deck; history kept
    Column("added_at", Float, nullable=False, default=0.0),
    # Added in schema 2 (search and browse need the card's text without loading every deck).
    Column("kind", String(32), nullable=False, default=""),
    Column("prompt", Text, nullable=False, default=""),
    Column("code", Text, nullable=False, default=""),
    Column("tags", Text, nullable=False, default=""),  # " tag1 tag2 " so LIKE '% tag %' finds whole tags
    UniqueConstraint("deck", "card_id", name="uq_cards_deck_card"),
    Index("ix_cards_deck_position", "deck", "position"),  # schema 5
)

# Someone who studies in this collection (schema 5).
learners = Table(
    "learners",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("added_at", Float, nullable=False, default=0.0),
)

# One learner's progress on one card (schema 5). The scheduling columns are a cache of replaying the
# learner's reviews of the card; ``suspended`` and ``buried_until`` are the learner's own choices.
card_states = Table(
    "card_states",
    metadata,
    Column("learner", String(200), ForeignKey("learners.name"), primary_key=True),
    Column("card", Integer, ForeignKey("cards.id"), primary_key=True, autoincrement=False),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("leech", Boolean, nullable=False, default=False),
    Column("buried_until", Float),
    Column("phase", Integer, nullable=False, default=0),  # scheduling.state.Phase
    Column("step", Integer),
    Column("stability", Float),
    Column("difficulty", Float),
    Column("due", Float),
    Column("last_review", Float),
    Column("reps", Integer, nullable=False, default=0),
    Column("lapses", Integer, nullable=False, default=0),
    Index("ix_card_states_learner_phase_due", "learner", "phase", "due"),
)

# One rating: the review log, the source of truth (schema 5). ``id`` is a UUID made where the review
# happened, so logs from several devices merge by id. The columns from ``phase_before`` on are a cache
# of replaying the card's reviews; ``shared`` says the review has left this collection (synced or
# exported for import), after which undo refuses it.
reviews = Table(
    "reviews",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("device", String(64), nullable=False),
    Column("learner", String(200), nullable=False),
    Column("card", Integer, ForeignKey("cards.id"), nullable=False),
    Column("reviewed_at", Float, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("answer", Text, nullable=False, default=""),
    Column("correct", Boolean),
    Column("duration_s", Float, nullable=False, default=0.0),
    Column("fixed_interval_days", Float),  # reviews from before schema 5 keep the interval they got
    Column("shared", Boolean, nullable=False, default=False),
    Column("phase_before", Integer, nullable=False, default=0),
    Column("scheduled_days", Float, nullable=False, default=0.0),  # the interval in force (0: new/learning)
    Column("interval_days", Float, nullable=False, default=0.0),  # the interval this rating gave
    Column("stability", Float),  # after the review
    Column("difficulty", Float),
    Column("phase_after", Integer, nullable=False, default=0),
    Column("made_leech", Boolean, nullable=False, default=False),
    Index("ix_reviews_learner_card_time", "learner", "card", "reviewed_at"),
    Index("ix_reviews_learner_time", "learner", "reviewed_at"),
)

# Review totals per learner per 15 minutes (schema 3; per learner since 5), a cache of the log. Stats
# read a year of these (at most 35,040 rows a learner) instead of scanning every review; 15-minute
# buckets can be regrouped into study days exactly for every real time zone offset.
review_buckets = Table(
    "review_buckets",
    metadata,
    Column("learner", String(200), primary_key=True),
    Column("bucket", Integer, primary_key=True, autoincrement=False),  # epoch seconds // 900
    Column("reviews", Integer, nullable=False, default=0),
    Column("passed", Integer, nullable=False, default=0),  # rated Hard, Good or Easy
    Column("mature", Integer, nullable=False, default=0),  # reviews of cards whose interval was >= 21 days
    Column("mature_passed", Integer, nullable=False, default=0),
    Column("seconds", Float, nullable=False, default=0.0),
)
