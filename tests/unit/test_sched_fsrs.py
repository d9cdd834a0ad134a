"""Scheduling through fsrs: intervals, previews without fuzz, lapses, study-day boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from quizapp.core.rating import Rating
from quizapp.core.scheduling import days
from quizapp.core.scheduling.fsrs_bridge import CardState, Phase, format_interval, preview, retrievability, review
from quizapp.core.settings import Settings

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NO_FUZZ = Settings(fuzz=False)


def walk(ratings, settings=NO_FUZZ, start=NOW):
    """Review a new card with each rating in turn, each at the moment it falls due."""
    state, when, steps = CardState(), start, []
    for rating in ratings:
        result = review(state, rating, when, settings)
        steps.append(result)
        state, when = result.state, result.state.due
    return steps


def test_a_new_card_walks_through_the_learning_steps_then_graduates():
    steps = walk([Rating.GOOD, Rating.GOOD, Rating.GOOD])
    assert [s.state.phase for s in steps] == [Phase.LEARNING, Phase.REVIEW, Phase.REVIEW]
    assert steps[0].interval == timedelta(minutes=10)
    assert steps[1].interval >= timedelta(days=1)
    assert steps[2].interval > steps[1].interval
    assert [s.state.reps for s in steps] == [1, 2, 3]


def test_forgetting_a_graduated_card_is_a_lapse_and_relearns():
    steps = walk([Rating.EASY, Rating.AGAIN, Rating.GOOD, Rating.AGAIN])
    assert steps[1].lapsed and steps[1].state.phase is Phase.RELEARNING and steps[1].state.lapses == 1
    assert steps[1].interval == timedelta(minutes=10)
    assert steps[2].state.phase is Phase.REVIEW
    assert steps[3].lapsed and steps[3].state.lapses == 2
    # Again on a card still learning is not a lapse.
    assert not walk([Rating.AGAIN])[0].lapsed


def test_preview_is_exact_and_ordered_even_with_fuzz_on():
    settings = Settings(fuzz=True)
    state = walk([Rating.EASY, Rating.GOOD], settings=NO_FUZZ)[-1].state
    first = preview(state, state.due, settings)
    assert all(preview(state, state.due, settings) == first for _ in range(20))
    assert first[Rating.AGAIN] < first[Rating.HARD] < first[Rating.GOOD] < first[Rating.EASY]
    assert first == preview(state, state.due, NO_FUZZ)


def test_fuzz_spreads_day_intervals_and_no_fuzz_does_not():
    state = walk([Rating.EASY, Rating.GOOD])[-1].state
    fuzzed = {review(state, Rating.GOOD, state.due, Settings(fuzz=True)).interval for _ in range(60)}
    plain = {review(state, Rating.GOOD, state.due, NO_FUZZ).interval for _ in range(10)}
    assert len(fuzzed) > 1 and len(plain) == 1


def test_settings_shape_the_schedule():
    assert preview(CardState(), NOW, Settings(learning_steps_minutes=(5.0,), fuzz=False))[Rating.AGAIN] == timedelta(
        minutes=5
    )
    capped = walk([Rating.EASY] * 6, settings=Settings(maximum_interval_days=10, fuzz=False))
    assert max(s.interval for s in capped) <= timedelta(days=10)
    low = walk([Rating.EASY, Rating.GOOD], settings=Settings(desired_retention=0.8, fuzz=False))[-1].interval
    high = walk([Rating.EASY, Rating.GOOD], settings=Settings(desired_retention=0.95, fuzz=False))[-1].interval
    assert low > high  # aiming for less recall allows longer gaps


def test_retrievability_falls_with_time():
    state = walk([Rating.EASY])[-1].state
    assert retrievability(CardState(), NOW, NO_FUZZ) == 0.0
    soon = retrievability(state, NOW + timedelta(days=1), NO_FUZZ)
    late = retrievability(state, NOW + timedelta(days=60), NO_FUZZ)
    assert 1.0 >= soon > late > 0.0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        review(CardState(), Rating.GOOD, datetime(2026, 1, 1), NO_FUZZ)


def test_format_interval():
    assert [format_interval(timedelta(seconds=s)) for s in (30, 600, 7200, 86400 * 4, 86400 * 61, 86400 * 800)] == [
        "<1m",
        "10m",
        "2h",
        "4d",
        "2.0mo",
        "2.2y",
    ]


PLUS2 = timezone(timedelta(hours=2))


def test_study_day_starts_at_the_configured_local_hour():
    # 03:30 local is still the previous study day when days start at 4.
    early = datetime(2026, 3, 10, 3, 30, tzinfo=PLUS2)
    assert days.study_date(early, 4, PLUS2) == date(2026, 3, 9)
    assert days.study_date(early, 0, PLUS2) == date(2026, 3, 10)
    assert days.day_start(early, 4, PLUS2) == datetime(2026, 3, 9, 4, 0, tzinfo=PLUS2)
    assert days.next_day_start(early, 4, PLUS2) == datetime(2026, 3, 10, 4, 0, tzinfo=PLUS2)
    assert days.next_day_start(early, 4, PLUS2).tzinfo == UTC
    assert days.utc_offset_seconds(NOW, PLUS2) == 7200
