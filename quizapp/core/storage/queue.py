"""The daily-queue policy: what one learner studies now, today's counts, and when the next card comes.

Order (see :func:`due_queue`): learning steps due today, then the backlog (reviews due today and
learning cards overdue from an earlier day) oldest first, then new cards in deck order; daily limits
apply per learner. Ties in due time are broken by the card's position in its deck, so the order is
the same on every device and every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.decks.model import CardKey
from quizapp.core.scheduling.days import day_start, next_day_start
from quizapp.core.scheduling.state import Phase
from quizapp.core.settings import Settings
from quizapp.core.storage.catalogue import joined
from quizapp.core.storage.records import DeckCounts
from quizapp.core.storage.rows import dt, ts
from quizapp.core.storage.tables import card_states, cards, reviews

LEARNING_PHASES = (int(Phase.LEARNING), int(Phase.RELEARNING))
_KEY = (cards.c.deck, cards.c.card_id)


def _visible(deck_ids: Sequence[str] | None, now: datetime) -> list[Any]:
    conds = [
        cards.c.hidden == sa.false(),
        card_states.c.suspended == sa.false(),
        sa.or_(card_states.c.buried_until.is_(None), card_states.c.buried_until <= ts(now)),
    ]
    if deck_ids is not None:
        conds.append(cards.c.deck.in_(list(deck_ids)))
    return conds


def done_today(conn: Connection, learner: str, settings: Settings, now: datetime) -> tuple[int, int]:
    """(new cards introduced, graduated-card reviews) by ``learner`` since the study day began."""
    start = ts(day_start(now, settings.day_starts_at_hour))
    row = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((reviews.c.phase_before == int(Phase.NEW), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((reviews.c.phase_before == int(Phase.REVIEW), 1), else_=0)), 0),
        ).where(reviews.c.learner == learner, reviews.c.reviewed_at >= start)
    ).one()
    return int(row[0]), int(row[1])


def left_today(conn: Connection, learner: str, settings: Settings, now: datetime) -> tuple[int, int]:
    new_done, reviews_done = done_today(conn, learner, settings, now)
    return max(0, settings.new_per_day - new_done), max(0, settings.reviews_per_day - reviews_done)


def deck_counts(
    conn: Connection, learner: str, settings: Settings, deck_ids: Sequence[str] | None, now: datetime
) -> dict[str, DeckCounts]:
    """New / learning / due counts per deck for today, with the daily limits applied to each deck."""
    hour = settings.day_starts_at_hour
    start, end = ts(day_start(now, hour)), ts(next_day_start(now, hour))
    learning = card_states.c.phase.in_(LEARNING_PHASES)
    new_left, reviews_left = left_today(conn, learner, settings, now)
    due_cond = sa.or_(
        sa.and_(card_states.c.phase == int(Phase.REVIEW), card_states.c.due < end),
        sa.and_(learning, card_states.c.due < start),
    )
    q = (
        sa.select(
            cards.c.deck,
            sa.func.sum(sa.case((card_states.c.phase == int(Phase.NEW), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(learning, card_states.c.due >= start, card_states.c.due < end), 1), else_=0)),
            sa.func.sum(sa.case((due_cond, 1), else_=0)),
        )
        .select_from(joined(learner))
        .where(*_visible(deck_ids, now))
        .group_by(cards.c.deck)
    )
    out = {d: DeckCounts() for d in deck_ids} if deck_ids is not None else {}
    for deck, new, learning_count, due in conn.execute(q):
        out[deck] = DeckCounts(
            new=min(int(new or 0), new_left), learning=int(learning_count or 0), due=min(int(due or 0), reviews_left)
        )
    return out


def due_queue(
    conn: Connection, learner: str, settings: Settings, deck_ids: Sequence[str] | None, now: datetime
) -> list[CardKey]:
    """The cards ``learner`` studies now, in order (see the module docstring)."""
    now_ts = ts(now)
    hour = settings.day_starts_at_hour
    start, end = ts(day_start(now, hour)), ts(next_day_start(now, hour))
    visible = _visible(deck_ids, now)

    def by_due(phase: int, low: float | None, high: float | None, *, inclusive: bool, limit: int | None) -> list[Any]:
        # One phase at a time: each is a single range of the (learner, phase, due) index.
        q = (
            sa.select(card_states.c.due, cards.c.position, *_KEY)
            .select_from(joined(learner))
            .where(*visible, card_states.c.phase == phase,
                   card_states.c.due <= high if inclusive else card_states.c.due < high)
        )
        if low is not None:
            q = q.where(card_states.c.due >= low)
        q = q.order_by(card_states.c.due, cards.c.position, cards.c.deck)
        return list(conn.execute(q if limit is None else q.limit(limit)).all())

    new_left, reviews_left = left_today(conn, learner, settings, now)
    fresh = [r for phase in LEARNING_PHASES for r in by_due(phase, start, now_ts, inclusive=True, limit=None)]
    fresh.sort(key=lambda r: (r[0], r[1], r[2]))
    queue: list[CardKey] = [(r[2], r[3]) for r in fresh]
    if reviews_left:
        backlog = by_due(int(Phase.REVIEW), None, end, inclusive=False, limit=reviews_left)
        for phase in LEARNING_PHASES:
            backlog += by_due(phase, None, start, inclusive=False, limit=reviews_left)
        backlog.sort(key=lambda r: (r[0], r[1], r[2]))
        queue += [(r[2], r[3]) for r in backlog[:reviews_left]]
    if new_left:
        queue += new_cards(conn, learner, deck_ids, now, new_left)
    return queue


def new_cards(
    conn: Connection, learner: str, deck_ids: Sequence[str] | None, now: datetime, limit: int
) -> list[CardKey]:
    """Up to ``limit`` new cards: the given decks in the given order, each in its own order; with no
    deck list, every deck in alphabetical order."""
    new = card_states.c.phase == int(Phase.NEW)
    if deck_ids is None:
        q = (
            sa.select(*_KEY).select_from(joined(learner)).where(*_visible(None, now), new)
            .order_by(cards.c.deck, cards.c.position)
        )
        return [(r[0], r[1]) for r in conn.execute(q.limit(limit))]
    found: list[CardKey] = []
    for deck in dict.fromkeys(deck_ids):
        if len(found) >= limit:
            break
        q = (
            sa.select(*_KEY).select_from(joined(learner)).where(*_visible([deck], now), new)
            .order_by(cards.c.position)
        )
        found += [(r[0], r[1]) for r in conn.execute(q.limit(limit - len(found)))]
    return found


def next_due(
    conn: Connection, learner: str, settings: Settings, deck_ids: Sequence[str] | None, now: datetime
) -> datetime | None:
    """When the learner's next card becomes available after ``now`` (None when nothing ever will)."""
    now_ts = ts(now)
    assert now_ts is not None
    tomorrow = ts(next_day_start(now, settings.day_starts_at_hour))
    assert tomorrow is not None
    base = [cards.c.hidden == sa.false(), card_states.c.suspended == sa.false()]
    if deck_ids is not None:
        base.append(cards.c.deck.in_(list(deck_ids)))
    new_left, reviews_left = left_today(conn, learner, settings, now)
    # A card is available at its due time, or when its burial ends if that is later; new cards have
    # no due time (available at once) but wait for tomorrow once the day's limit is used.
    due = sa.func.coalesce(card_states.c.due, 0.0)
    buried = sa.func.coalesce(card_states.c.buried_until, 0.0)
    available_at = sa.case((buried > due, buried), else_=due)
    candidates: list[float] = []
    for phases, left in ((LEARNING_PHASES, 1), ((int(Phase.REVIEW),), reviews_left), ((int(Phase.NEW),), new_left)):
        at = conn.execute(
            sa.select(sa.func.min(available_at)).select_from(joined(learner))
            .where(*base, card_states.c.phase.in_(phases))
        ).scalar()
        if at is None:
            continue
        at = max(float(at), now_ts)
        if left <= 0:
            at = max(at, tomorrow)
        candidates.append(at)
    return dt(min(candidates)) if candidates else None
