"""Replay equals incremental scheduling on a 100,000-review history (fuzz on, seeded by review id)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage import doctor
from quizapp.core.storage.store import ReviewInput, Store

pytestmark = pytest.mark.slow
START = datetime(2025, 1, 1, tzinfo=UTC)


def test_replaying_a_100k_review_log_gives_every_stored_state(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    deck = Deck(id="big", title="Big", cards=tuple(
        Card(deck="big", id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x") for i in range(1000)))
    rng = random.Random(100_000)
    ratings = (Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.EASY)

    def history():
        when = START
        for _ in range(100_000):
            when += timedelta(seconds=rng.randint(60, 900))
            yield ReviewInput(("big", f"c{rng.randrange(1000)}"), rng.choice(ratings), when)

    settings = Settings(fuzz=True, leech_threshold=6)
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=settings, backups=False) as store:
        store.sync_cards([deck], START)
        assert store.record_reviews(history(), batch=25_000) == 100_000
        report = store.run_read(lambda conn: doctor.verify(conn, settings))
        assert report.healthy, (len(report.mismatched), report.mismatched[:3], report.bucket_learners)
        # And a card's state really came out of its reviews (not a trivially empty comparison).
        assert sum(info.reps for info in store.search(limit=2000)) == 100_000
