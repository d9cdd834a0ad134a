"""Streamed, typed rows for stats and exports: the review log and the cards, in constant memory.

Rows are NamedTuples (typed fields, and as cheap as the plain tuples a million-row export needs).
On SQLite the driver's cursor is read directly, skipping SQLAlchemy's per-row processing, which costs
more than the query itself at that size; on PostgreSQL a server-side cursor streams.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError

from quizapp.core.scheduling.state import Phase
from quizapp.core.storage.connection import is_sqlite
from quizapp.core.storage.tables import card_states, cards, reviews

ErrorFactory = Callable[[BaseException], Exception]


class ReviewRecord(NamedTuple):
    """One review of the log, self-contained (keyed by card key, not a local id): what sync, import and
    export carry. ``phase_before`` onwards are the cached replay columns."""

    review_id: str
    device: str
    learner: str
    deck: str
    card_id: str
    reviewed_at: float  # epoch seconds, UTC
    rating: int
    answer: str
    correct: bool | None
    duration_s: float
    fixed_interval_days: float | None
    phase_before: int = 0
    scheduled_days: float = 0.0
    interval_days: float = 0.0
    stability: float | None = None
    difficulty: float | None = None
    phase_after: int = 0


class CardRecord(NamedTuple):
    deck: str
    card_id: str
    kind: str
    phase: int
    due: float | None
    last_review: float | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    suspended: bool
    leech: bool
    buried_until: float | None
    hidden: bool
    added_at: float
    tags: str
    prompt: str


class CardStatRow(NamedTuple):
    deck: str
    tags: str
    leech: bool
    suspended: bool
    phase: int
    stability: float | None
    due: float | None
    last_review: float | None
    reps: int
    lapses: int


_REVIEW_COLUMNS = ("id", "device", "learner", "card", "reviewed_at", "rating", "answer", "correct", "duration_s",
                   "fixed_interval_days", "phase_before", "scheduled_days", "interval_days", "stability",
                   "difficulty", "phase_after")


def rows(engine: Engine, query: Any, on_error: ErrorFactory, chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Rows of a read-only ``query`` as plain tuples, streamed (booleans may arrive as 0/1 on SQLite)."""
    try:
        with engine.connect() as conn:
            if is_sqlite(engine):
                compiled = query.compile(dialect=conn.dialect)
                params = compiled.construct_params()
                args = [params[name] for name in (compiled.positiontup or ())]
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(str(compiled), args)
                    while batch := cursor.fetchmany(chunk):
                        yield from batch
                finally:
                    cursor.close()
                return
            result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
            for part in result.partitions(chunk):
                yield from (tuple(r) for r in part)
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        raise on_error(exc) from None


def card_keys(engine: Engine, on_error: ErrorFactory) -> dict[int, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in rows(engine, sa.select(cards.c.id, cards.c.deck, cards.c.card_id), on_error)}


def reviews_query(learner: str | None) -> Any:
    q = sa.select(*[reviews.c[c] for c in _REVIEW_COLUMNS])
    if learner is not None:
        q = q.where(reviews.c.learner == learner)
    return q.order_by(reviews.c.reviewed_at, reviews.c.id)


def reviews_from(engine: Engine, query: Any, on_error: ErrorFactory) -> Iterator[ReviewRecord]:
    # The card keys are joined in Python from one pass over the cards: a million primary-key lookups
    # inside SQLite cost more than the dictionary.
    keys = card_keys(engine, on_error)
    for (rid, device, learner, card, at, rating, answer, correct, duration, fixed, before, scheduled, interval,
         stability, difficulty, after) in rows(engine, query, on_error):
        deck, card_id = keys[card]
        yield ReviewRecord(str(rid), device, learner, deck, card_id, at, rating, answer,
                           None if correct is None else bool(correct), duration, fixed, before, scheduled, interval,
                           stability, difficulty, after)


def reviews_iter(engine: Engine, learner: str | None, on_error: ErrorFactory) -> Iterator[ReviewRecord]:
    return reviews_from(engine, reviews_query(learner), on_error)


def cards_iter(engine: Engine, learner: str, on_error: ErrorFactory) -> Iterator[CardRecord]:
    s = card_states.c
    q = (
        sa.select(cards.c.deck, cards.c.card_id, cards.c.kind, s.phase, s.due, s.last_review, s.stability,
                  s.difficulty, s.reps, s.lapses, s.suspended, s.leech, s.buried_until, cards.c.hidden,
                  cards.c.added_at, cards.c.tags, cards.c.prompt)
        .select_from(cards.join(card_states, sa.and_(s.card == cards.c.id, s.learner == learner)))
        .order_by(cards.c.deck, cards.c.position, cards.c.id)
    )
    for (deck, card_id, kind, phase, due, last_review, stability, difficulty, reps, lapses, suspended, leech,
         buried_until, hidden, added_at, tags, prompt) in rows(engine, q, on_error):
        yield CardRecord(deck, card_id, kind, phase, due, last_review, stability, difficulty, reps, lapses,
                         bool(suspended), bool(leech), buried_until, bool(hidden), added_at, tags, prompt)


def card_stats(engine: Engine, learner: str, on_error: ErrorFactory) -> Iterator[CardStatRow]:
    s = card_states.c
    q = (
        sa.select(cards.c.deck, cards.c.tags, s.leech, s.suspended, s.phase, s.stability, s.due, s.last_review,
                  s.reps, s.lapses)
        .select_from(cards.join(card_states, sa.and_(s.card == cards.c.id, s.learner == learner)))
        .where(cards.c.hidden == sa.false())
    )
    for r in rows(engine, q, on_error, chunk=10000):
        yield CardStatRow(r[0], r[1], bool(r[2]), bool(r[3]), *r[4:])


def card_stat_groups(engine: Engine, learner: str, on_error: ErrorFactory) -> Iterator[tuple[CardStatRow, int]]:
    """(row, how many cards it stands for): every visible card the learner has reviewed alone, new cards
    grouped by deck, tags and flags (they have no recall, are neither mature nor due: only their counts
    matter, and at 100,000 cards most are new). A group's ``reps`` and ``lapses`` are its sums (a card
    reset to new keeps them)."""
    s = card_states.c
    source = cards.join(card_states, sa.and_(s.card == cards.c.id, s.learner == learner))
    visible, new = cards.c.hidden == sa.false(), s.phase == int(Phase.NEW)
    q = (
        sa.select(cards.c.deck, cards.c.tags, s.leech, s.suspended, s.phase, s.stability, s.due, s.last_review,
                  s.reps, s.lapses)
        .select_from(source).where(visible, sa.not_(new))
    )
    for r in rows(engine, q, on_error, chunk=10000):
        yield CardStatRow(r[0], r[1], bool(r[2]), bool(r[3]), *r[4:]), 1
    grouped = (
        sa.select(cards.c.deck, cards.c.tags, s.leech, s.suspended, sa.func.count(), sa.func.sum(s.reps),
                  sa.func.sum(s.lapses))
        .select_from(source).where(visible, new)
        .group_by(cards.c.deck, cards.c.tags, s.leech, s.suspended)
    )
    for deck, tags, leech, suspended, n, reps, lapses in rows(engine, grouped, on_error, chunk=10000):
        yield CardStatRow(deck, tags, bool(leech), bool(suspended), int(Phase.NEW), None, None, None,
                          int(reps or 0), int(lapses or 0)), int(n)


def review_count(conn: Connection, learner: str | None) -> int:
    q = sa.select(sa.func.count()).select_from(reviews)
    if learner is not None:
        q = q.where(reviews.c.learner == learner)
    return int(conn.execute(q).scalar_one())
