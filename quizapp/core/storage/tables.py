"""The database tables as sqlmodel models: the current schema, and only storage code uses them.

Front ends never see these rows: :mod:`quizapp.core.storage.records` holds the domain objects the
Store hands out. Times are stored as UTC epoch seconds (a float) so SQLite and PostgreSQL compare and
index them the same way and no driver ever guesses a time zone.

The schema is created and upgraded only by :mod:`quizapp.core.storage.migrations`, never by
``create_all``; a test checks that the migrated schema matches these models column for column.
"""

from __future__ import annotations

from sqlalchemy import Index, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Our own MetaData, not SQLModel's shared one: other sqlmodel users in the process never see our tables.
metadata = MetaData()


class _Base(SQLModel):
    metadata = metadata


class MetaRow(_Base, table=True):
    """Key/value facts about the database itself; ``application = quizapp`` marks a quizapp database."""

    __tablename__ = "quizapp_meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=Text)


class SchemaVersionRow(_Base, table=True):
    """One row per applied migration; the highest ``version`` is the schema version."""

    __tablename__ = "schema_version"
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    applied_at: float
    description: str = Field(sa_type=Text)


class CardRow(_Base, table=True):
    """The card catalogue: one row per card ever loaded, keyed by (deck, card_id); the text columns are a
    copy for search. Progress lives per learner in :class:`CardStateRow`."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("deck", "card_id", name="uq_cards_deck_card"),
        Index("ix_cards_deck_position", "deck", "position"),  # schema 5
    )
    id: int | None = Field(default=None, primary_key=True)
    deck: str = Field(max_length=200)
    card_id: str = Field(max_length=200)
    position: int = 0  # order in its deck: new cards are introduced in this order
    hidden: bool = False  # no longer in any loaded deck; history kept
    added_at: float = 0.0
    # Added in schema 2 (search and browse need the card's text without loading every deck).
    kind: str = Field(default="", max_length=32)
    prompt: str = Field(default="", sa_type=Text)
    code: str = Field(default="", sa_type=Text)
    tags: str = Field(default="", sa_type=Text)  # " tag1 tag2 " so LIKE '% tag %' finds whole tags


class LearnerRow(_Base, table=True):
    """Someone who studies in this collection (schema 5)."""

    __tablename__ = "learners"
    name: str = Field(primary_key=True, max_length=200)
    added_at: float = 0.0


class CardStateRow(_Base, table=True):
    """One learner's progress on one card (schema 5). The scheduling columns are a cache of replaying the
    learner's reviews of the card; ``suspended`` and ``buried_until`` are the learner's own choices."""

    __tablename__ = "card_states"
    __table_args__ = (
        Index("ix_card_states_learner_phase_due", "learner", "phase", "due"),
    )
    learner: str = Field(primary_key=True, max_length=200, foreign_key="learners.name")
    card: int = Field(primary_key=True, foreign_key="cards.id", sa_column_kwargs={"autoincrement": False})
    suspended: bool = False
    leech: bool = False
    buried_until: float | None = None
    phase: int = 0  # scheduling.state.Phase
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: float | None = None
    last_review: float | None = None
    reps: int = 0
    lapses: int = 0


class ReviewRow(_Base, table=True):
    """One rating: the review log, the source of truth (schema 5).

    ``id`` is a UUID made where the review happened, so logs from several devices merge by id.
    The columns from ``phase_before`` on are a cache of replaying the card's reviews; ``shared`` says the
    review has left this collection (synced or exported for import), after which undo refuses it.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_learner_card_time", "learner", "card", "reviewed_at"),
        Index("ix_reviews_learner_time", "learner", "reviewed_at"),
    )
    id: str = Field(primary_key=True, max_length=36)
    device: str = Field(max_length=64)
    learner: str = Field(max_length=200)
    card: int = Field(foreign_key="cards.id")
    reviewed_at: float
    rating: int
    answer: str = Field(default="", sa_type=Text)
    correct: bool | None = None
    duration_s: float = 0.0
    fixed_interval_days: float | None = None  # reviews from before schema 5 keep the interval they got
    shared: bool = False
    phase_before: int = 0
    scheduled_days: float = 0.0  # the interval in force when reviewed (0 for new/learning cards)
    interval_days: float = 0.0  # the interval this rating gave
    stability: float | None = None  # after the review
    difficulty: float | None = None
    phase_after: int = 0
    made_leech: bool = False


class ReviewBucketRow(_Base, table=True):
    """Review totals per learner per 15 minutes (schema 3; per learner since 5), a cache of the log.

    Stats read a year of these (at most 35,040 rows a learner) instead of scanning every review;
    15-minute buckets can be regrouped into study days exactly for every real time zone offset.
    """

    __tablename__ = "review_buckets"
    learner: str = Field(primary_key=True, max_length=200)
    bucket: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # epoch seconds // 900
    reviews: int = 0
    passed: int = 0  # rated Hard, Good or Easy
    mature: int = 0  # reviews of cards whose interval in force was >= 21 days
    mature_passed: int = 0
    seconds: float = 0.0


class DeckSummaryRow(_Base, table=True):
    """What listing one version of a deck shows, keyed by its digest (schema 7; see storage/synced.py)."""

    __tablename__ = "deck_summaries"
    __table_args__ = (Index("ix_deck_summaries_deck", "deck"),)
    digest: str = Field(primary_key=True, max_length=64)
    deck: str = Field(max_length=200)
    title: str = Field(sa_type=Text)
    cards: int = 0
    executable: int = 0
    seen_at: float = 0.0  # when this collection first registered this version (only to forget old ones)



class ConceptSeenRow(_Base, table=True):
    """A concept note shown to a learner (schema 8; see storage/concepts.py): the first showing wins."""

    __tablename__ = "concepts_seen"
    learner: str = Field(primary_key=True, max_length=200)
    deck: str = Field(primary_key=True, max_length=200)
    concept: str = Field(primary_key=True, max_length=200)
    seen_at: float = 0.0
    device: str = Field(max_length=64)


cards = metadata.tables["cards"]
card_states = metadata.tables["card_states"]
learners = metadata.tables["learners"]
reviews = metadata.tables["reviews"]
meta = metadata.tables["quizapp_meta"]
schema_version = metadata.tables["schema_version"]
review_buckets = metadata.tables["review_buckets"]
deck_summaries = metadata.tables["deck_summaries"]
concepts_seen = metadata.tables["concepts_seen"]
