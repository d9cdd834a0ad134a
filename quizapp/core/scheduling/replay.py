"""A card's state as a pure function of its reviews: FSRS replayed in time order.

This is what makes the review log the source of truth: the stored card state is a cache of
:func:`replay` over the card's reviews, which :mod:`quizapp.core.storage` can verify and rebuild at
any time (``quizapp doctor``), and merging two devices' logs is a union followed by a replay.
Each review's fuzz is seeded from its id, so the same log gives the same due dates on every device.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from quizapp.core.rating import Rating
from quizapp.core.scheduling import fsrs_bridge
from quizapp.core.scheduling.days import DAY_SECONDS
from quizapp.core.scheduling.state import CardState, Phase
from quizapp.core.settings import Settings


@dataclass(frozen=True)
class LoggedRating:
    """What the log holds about one review that scheduling needs."""

    review_id: str
    reviewed_at: datetime
    rating: Rating
    fixed_interval_days: float | None = None  # legacy (schema 4) reviews keep the interval they got


@dataclass(frozen=True)
class ReplayedReview:
    """What one review did when replayed: the derived columns the log keeps as a cache."""

    review_id: str
    phase_before: Phase
    scheduled_days: float  # the interval in force when reviewed (0 for new/learning cards)
    interval_days: float
    state_after: CardState
    made_leech: bool


@dataclass(frozen=True)
class Replay:
    state: CardState
    leech: bool
    reviews: tuple[ReplayedReview, ...]


def order_key(review: LoggedRating) -> tuple[float, str]:
    """Time order, ties broken by id: every device sorts the same log the same way."""
    return (review.reviewed_at.timestamp(), review.review_id)


def step(
    state: CardState, review: LoggedRating, settings: Settings, *, was_leech: bool
) -> tuple[ReplayedReview, bool]:
    """Apply one logged review to ``state``; returns what it did and whether the card is now a leech."""
    fixed = None if review.fixed_interval_days is None else timedelta(days=review.fixed_interval_days)
    done = fsrs_bridge.review(state, review.rating, review.reviewed_at, settings, fuzz_seed=review.review_id,
                              fixed_interval=fixed)
    scheduled = 0.0
    if state.phase is Phase.REVIEW and state.due is not None and state.last_review is not None:
        scheduled = (state.due - state.last_review).total_seconds() / DAY_SECONDS
    made_leech = done.lapsed and done.state.lapses >= settings.leech_threshold and not was_leech
    replayed = ReplayedReview(
        review_id=review.review_id,
        phase_before=state.phase,
        scheduled_days=scheduled,
        interval_days=done.interval.total_seconds() / DAY_SECONDS,
        state_after=done.state,
        made_leech=made_leech,
    )
    return replayed, was_leech or made_leech


def replay(reviews: Iterable[LoggedRating], settings: Settings) -> Replay:
    """Replay ``reviews`` (any order; sorted here) from a new card."""
    ordered: Sequence[LoggedRating] = sorted(reviews, key=order_key)
    state, leech = CardState(), False
    done = []
    for review in ordered:
        replayed, leech = step(state, review, settings, was_leech=leech)
        done.append(replayed)
        state = replayed.state_after
    return Replay(state=state, leech=leech, reviews=tuple(done))
