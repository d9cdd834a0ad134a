"""The one place quizapp talks to the ``fsrs`` package: card state in, rating in, new state out.

Pure functions: the clock (``now``) and the settings come in as arguments, nothing is stored here.
quizapp keeps its own :class:`CardState` (with a NEW phase and lapse/rep counters, which fsrs has not)
and converts to and from ``fsrs.Card`` for each review.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import fsrs
import fsrs.scheduler

from quizapp.core.rating import Rating
from quizapp.core.scheduling.days import DAY_SECONDS, require_utc
from quizapp.core.scheduling.state import CardState, Phase
from quizapp.core.settings import Settings


@dataclass(frozen=True)
class Reviewed:
    """The outcome of applying one rating."""

    state: CardState
    interval: timedelta  # from the review to the new due time
    lapsed: bool  # a graduated card was forgotten (counts towards the leech threshold)


@lru_cache(maxsize=16)
def scheduler_for(settings: Settings, *, fuzz: bool | None = None) -> fsrs.Scheduler:
    """An fsrs Scheduler configured from the settings (``fuzz`` overrides ``settings.fuzz``)."""
    kwargs = {}
    if settings.fsrs_parameters is not None:
        kwargs["parameters"] = settings.fsrs_parameters
    return fsrs.Scheduler(
        desired_retention=settings.desired_retention,
        learning_steps=tuple(timedelta(minutes=m) for m in settings.learning_steps_minutes),
        relearning_steps=tuple(timedelta(minutes=m) for m in settings.relearning_steps_minutes),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=settings.fuzz if fuzz is None else fuzz,
        **kwargs,
    )


def _to_fsrs(state: CardState, now: datetime) -> fsrs.Card:
    if state.phase is Phase.NEW:
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(int(state.phase)),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due or now,
        last_review=state.last_review,
    )


def _apply(
    scheduler: fsrs.Scheduler,
    state: CardState,
    rating: Rating,
    now: datetime,
    *,
    fuzz_seed: str | None = None,
    fixed_interval: timedelta | None = None,
) -> Reviewed:
    card, _log = scheduler.review_card(_to_fsrs(state, now), fsrs.Rating(int(rating)), review_datetime=now)
    due = card.due
    if fixed_interval is not None:
        # A review recorded before fuzz was seeded (schema 4): its interval is part of the log.
        due = now + fixed_interval
    elif fuzz_seed is not None and card.state == fsrs.State.Review:
        due = now + _seeded_fuzz(scheduler, card.due - now, fuzz_seed)
    lapsed = state.phase is Phase.REVIEW and rating is Rating.AGAIN
    new_state = CardState(
        phase=Phase(int(card.state)),
        step=card.step,
        stability=float(card.stability) if card.stability is not None else None,
        difficulty=float(card.difficulty) if card.difficulty is not None else None,
        due=due,
        last_review=card.last_review,
        reps=state.reps + 1,
        lapses=state.lapses + (1 if lapsed else 0),
    )
    return Reviewed(state=new_state, interval=due - now, lapsed=lapsed)


def _seeded_fuzz(scheduler: fsrs.Scheduler, interval: timedelta, seed: str) -> timedelta:
    """fsrs's fuzz (same ranges, same rounding) drawn from a generator seeded with the review id, so
    replaying a review anywhere gives the due date it got when it was made."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0
    for r in fsrs.scheduler.FUZZ_RANGES:
        delta += r["factor"] * max(min(float(days), r["end"]) - r["start"], 0.0)
    low = max(2, round(days - delta))
    high = min(round(days + delta), scheduler.maximum_interval)
    low = min(low, high)
    draw = random.Random(seed).random() * (high - low + 1) + low
    return timedelta(days=min(round(draw), scheduler.maximum_interval))


def review(
    state: CardState,
    rating: Rating,
    now: datetime,
    settings: Settings,
    *,
    fuzz_seed: str | None = None,
    fixed_interval: timedelta | None = None,
) -> Reviewed:
    """Apply ``rating`` at ``now``. With fuzz on, ``fuzz_seed`` (the review id) makes the fuzz
    deterministic; without a seed fsrs draws it at random. ``fixed_interval`` replays a legacy review."""
    if fuzz_seed is not None or fixed_interval is not None:
        scheduler = scheduler_for(settings, fuzz=False)
        seed = fuzz_seed if settings.fuzz else None
        return _apply(scheduler, state, Rating(rating), require_utc(now), fuzz_seed=seed, fixed_interval=fixed_interval)
    return _apply(scheduler_for(settings), state, Rating(rating), require_utc(now))


def preview(state: CardState, now: datetime, settings: Settings) -> dict[Rating, timedelta]:
    """The interval each of the four ratings would give, computed without fuzz so the labels are exact."""
    scheduler = scheduler_for(settings, fuzz=False)
    now = require_utc(now)
    return {r: _apply(scheduler, state, r, now).interval for r in Rating}


def retrievability(state: CardState, now: datetime, settings: Settings) -> float:
    """fsrs's predicted probability of recall at ``now`` (0 for a card never reviewed)."""
    if state.phase is Phase.NEW or state.stability is None or state.last_review is None:
        return 0.0
    card = _to_fsrs(state, require_utc(now))
    return float(scheduler_for(settings, fuzz=False).get_card_retrievability(card, current_datetime=require_utc(now)))


def format_interval(delta: timedelta) -> str:
    """Anki-style short label: ``<1m``, ``10m``, ``3h``, ``4d``, ``2.1mo``, ``1.5y``."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < DAY_SECONDS:
        return f"{round(seconds / 3600)}h"
    days = seconds / DAY_SECONDS
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def forgetting_curve(settings: Settings) -> Callable[[float, float], float]:
    """``curve(stability, elapsed_days) -> probability of recall``: fsrs's formula, for scoring many
    cards at once without building an fsrs.Card for each (stats over 100,000 cards)."""
    parameters = settings.fsrs_parameters or fsrs.scheduler.DEFAULT_PARAMETERS
    decay: float = -parameters[20]  # fsrs is untyped: its parameters are floats
    factor = 0.9 ** (1 / decay) - 1

    def curve(stability: float, elapsed_days: float) -> float:
        # float ** float is typed Any (it may be complex); here the base is >= 1, so it is a float
        probability: float = (1 + factor * max(0.0, elapsed_days) / stability) ** decay
        return probability

    return curve
