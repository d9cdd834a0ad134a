"""Stats over a store with a known history: totals, streak, true retention, forecast, per deck/tag."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from quizapp.core import stats
from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.scheduling.days import study_date
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def deck(deck_id: str, n: int, tags=()) -> Deck:
    return Deck(
        id=deck_id,
        title=deck_id,
        cards=tuple(Card(deck=deck_id, id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x", tags=tags) for i in range(n)),
    )


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    s = Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=Settings(fuzz=False, day_starts_at_hour=0))
    yield s
    s.close()


def test_an_empty_collection(store):
    result = stats.compute(store, NOW)
    assert (result.reviews, result.cards, result.due_today, result.retention, result.streak_days) == (0, 0, 0, None, 0)
    json.dumps(result.to_json())


def test_counts_streak_time_and_decks(store):
    store.sync_cards([deck("alpha", 3, tags=("views",)), deck("beta", 2)], NOW)
    # Reviews on three consecutive days ending today, and one older day after a gap.
    for days_ago, key in ((5, ("alpha", "c0")), (2, ("alpha", "c1")), (1, ("beta", "c0")), (0, ("beta", "c1"))):
        store.record_review(key, Rating.GOOD, duration_s=10, correct=True, now=NOW - timedelta(days=days_ago))
    store.record_review(("alpha", "c2"), Rating.AGAIN, duration_s=5, now=NOW)
    result = stats.compute(store, NOW)
    assert result.reviews == 5 and result.reviews_today == 2
    assert result.seconds_total == 45 and result.seconds_today == 15
    assert result.streak_days == 3
    assert result.cards == 5 and result.new == 0
    by_deck = {g.name: g for g in result.decks}
    assert by_deck["alpha"].cards == 3 and by_deck["alpha"].reviews == 3 and by_deck["beta"].reviews == 2
    assert {g.name: g.cards for g in result.tags} == {"views": 3}
    assert 0 < by_deck["alpha"].mastery <= 1
    # alpha/c0 and alpha/c1 (learning step of 10 minutes, days ago) are due; so are the rest.
    assert result.due_today == 5
    days = [d.date for d in result.per_day]
    assert days == sorted(days) and days[-1] == study_date(NOW, 0)


def test_streak_survives_until_the_day_is_over():
    today = date(2026, 3, 10)
    assert stats.streak({today - timedelta(days=1), today - timedelta(days=2)}, today) == 2
    assert stats.streak({today, today - timedelta(days=2)}, today) == 1
    assert stats.streak(set(), today) == 0


def test_true_retention_counts_only_mature_reviews(store):
    store.sync_cards([deck("alpha", 2)], NOW)
    start = NOW - timedelta(days=400)
    # Walk a card until its interval passes 21 days; every review until then is young.
    key, when = ("alpha", "c0"), start
    while True:
        result = store.record_review(key, Rating.GOOD, now=when)
        when = result.state.due
        if result.interval >= timedelta(days=21):
            break
    young = stats.compute(store, when)
    assert young.retention is None and young.retention_reviews == 0
    after_pass = store.record_review(key, Rating.GOOD, now=when)
    store.record_review(key, Rating.AGAIN, now=after_pass.state.due)
    result = stats.compute(store, after_pass.state.due)
    assert result.retention_reviews == 2 and result.retention == pytest.approx(0.5)


def test_forecast_and_json_shape(store):
    store.sync_cards([deck("alpha", 2)], NOW)
    first = store.record_review(("alpha", "c0"), Rating.EASY, now=NOW)  # due in some days
    store.record_review(("alpha", "c1"), Rating.GOOD, now=NOW)  # learning: due today
    result = stats.compute(store, NOW)
    forecast = dict(result.forecast)
    assert forecast[study_date(NOW, 0)] == 1
    assert forecast[study_date(first.state.due, 0)] == 1
    data = result.to_json()
    assert list(data)[:2] == ["format", "version"]
    assert (data["format"], data["version"]) == ("quizapp-stats", stats.STATS_VERSION) == ("quizapp-stats", 1)
    for key in ("reviews", "cards", "due_today", "retention", "streak_days", "decks"):
        assert key in data
    assert data["decks"][0]["deck"] == "alpha"
    json.dumps(data)
