"""The Store's behaviour: queues and limits, sync, reviews, leeches, undo, suspend/bury, search.

Every test here takes the ``store_url`` fixture, so tests/integration/test_postgres.py runs this same
file against a real PostgreSQL server by overriding that one fixture.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.scheduling.days import next_day_start
from quizapp.core.scheduling.fsrs_bridge import Phase
from quizapp.core.settings import Settings
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def make_deck(deck_id: str, n: int, *, prompt: str = "What is the shape of x{i}?", tags: tuple[str, ...] = ()) -> Deck:
    cards = tuple(
        Card(
            deck=deck_id,
            id=f"c{i}",
            kind=Kind.SHAPE,
            prompt=prompt.format(i=i),
            setup="x = torch.ones(2, 3)",
            ask=f"x{i}",
            tags=tags,
        )
        for i in range(n)
    )
    return Deck(id=deck_id, title=deck_id.title(), cards=cards)


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'collection.sqlite3'}"


@pytest.fixture
def open_store(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    opened = []

    def factory(**settings) -> Store:
        store = Store.open(store_url, settings=Settings(fuzz=False, **settings))
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store) -> Store:
    return open_store()


def graduate(store: Store, key, now: datetime) -> datetime:
    """Rate a new card Easy (straight to review); return its due time."""
    return store.record_review(key, Rating.EASY, now=now).state.due


def test_sync_registers_cards_in_deck_order_and_new_cards_come_in_that_order(store):
    store.sync_cards([make_deck("alpha", 3), make_deck("beta", 2)], NOW)
    assert store.due_queue(["beta", "alpha"], NOW) == [
        ("beta", "c0"),
        ("beta", "c1"),
        ("alpha", "c0"),
        ("alpha", "c1"),
        ("alpha", "c2"),
    ]
    assert store.deck_counts(["alpha", "beta"], NOW)["alpha"].new == 3


def test_new_cards_per_day_limit_counts_cards_introduced_today(open_store):
    store = open_store(new_per_day=2)
    store.sync_cards([make_deck("alpha", 5)], NOW)
    assert store.due_queue(["alpha"], NOW) == [("alpha", "c0"), ("alpha", "c1")]
    graduate(store, ("alpha", "c0"), NOW)
    assert store.due_queue(["alpha"], NOW) == [("alpha", "c1")]
    assert store.deck_counts(["alpha"], NOW)["alpha"].new == 1
    graduate(store, ("alpha", "c1"), NOW)
    assert store.due_queue(["alpha"], NOW) == []
    # Nothing left today: the next card comes when the next study day starts.
    assert store.next_due(["alpha"], NOW) == next_day_start(NOW, 4)
    tomorrow = next_day_start(NOW, 4) + timedelta(minutes=1)
    assert store.due_queue(["alpha"], tomorrow)[:2] == [("alpha", "c2"), ("alpha", "c3")]


def test_reviews_per_day_limit_applies_to_graduated_cards(open_store):
    store = open_store(reviews_per_day=2, new_per_day=10)
    store.sync_cards([make_deck("alpha", 4)], NOW)
    for i in range(4):
        graduate(store, ("alpha", f"c{i}"), NOW)
    later = NOW + timedelta(days=60)
    assert len(store.due_queue(["alpha"], later)) == 2
    assert store.deck_counts(["alpha"], later)["alpha"].due == 2
    store.record_review(store.due_queue(["alpha"], later)[0], Rating.GOOD, now=later)
    assert len(store.due_queue(["alpha"], later)) == 1


def test_learning_card_waits_for_its_step_and_next_due_says_when(open_store):
    store = open_store(new_per_day=1)
    store.sync_cards([make_deck("alpha", 2)], NOW)
    result = store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    assert result.state.phase is Phase.LEARNING
    assert result.interval == timedelta(minutes=10)
    assert store.due_queue(["alpha"], NOW) == []
    assert store.next_due(["alpha"], NOW) == NOW + timedelta(minutes=10)
    assert store.due_queue(["alpha"], NOW + timedelta(minutes=10)) == [("alpha", "c0")]
    assert store.deck_counts(["alpha"], NOW)["alpha"].learning == 1


def test_preview_gives_the_intervals_recording_then_gives(store):
    store.sync_cards([make_deck("alpha", 1)], NOW)
    key = ("alpha", "c0")
    due = graduate(store, key, NOW)
    preview = store.preview(key, due)
    assert preview[Rating.AGAIN] < preview[Rating.HARD] < preview[Rating.GOOD] < preview[Rating.EASY]
    assert store.preview(key, due) == preview  # no fuzz noise
    assert store.record_review(key, Rating.GOOD, now=due).interval == preview[Rating.GOOD]


def test_learning_steps_and_maximum_interval_come_from_settings(open_store):
    store = open_store(learning_steps_minutes=(3.0,), maximum_interval_days=5)
    store.sync_cards([make_deck("alpha", 1)], NOW)
    preview = store.preview(("alpha", "c0"), NOW)
    assert preview[Rating.AGAIN] == timedelta(minutes=3)
    assert preview[Rating.EASY] <= timedelta(days=5)


def test_a_card_that_lapses_to_the_threshold_becomes_a_suspended_leech(open_store):
    store = open_store(leech_threshold=2, relearning_steps_minutes=(10.0,))
    store.sync_cards([make_deck("alpha", 2)], NOW)
    key = ("alpha", "c0")
    when = graduate(store, key, NOW)
    first = store.record_review(key, Rating.AGAIN, now=when)
    assert not first.leech and first.state.lapses == 1 and first.state.phase is Phase.RELEARNING
    when = store.record_review(key, Rating.GOOD, now=first.state.due).state.due
    second = store.record_review(key, Rating.AGAIN, now=when)
    assert second.leech and second.state.lapses == 2
    info = store.card_info(key)
    assert info.suspended and info.leech and "leech" in info.tags
    assert key not in store.due_queue(["alpha"], when + timedelta(days=1))
    assert [c.key for c in store.search(tag="leech")] == [key]
    # Unsuspending keeps the leech tag.
    store.unsuspend(key)
    assert key in store.due_queue(["alpha"], when + timedelta(days=1))
    assert store.card_info(key).leech


def test_undo_restores_the_exact_previous_state_even_after_a_leech(open_store):
    store = open_store(leech_threshold=1)
    store.sync_cards([make_deck("alpha", 1)], NOW)
    key = ("alpha", "c0")
    due = graduate(store, key, NOW)
    before = store.card_info(key)
    assert store.record_review(key, Rating.AGAIN, answer="2x3", now=due).leech
    assert store.undo_last() == key
    after = store.card_info(key)
    assert after == before
    assert len(store.history(key)) == 1
    assert store.undo_last() == key
    assert store.card_info(key).phase is Phase.NEW and store.history(key) == []
    assert store.undo_last() is None


def test_suspend_and_bury(store):
    store.sync_cards([make_deck("alpha", 3)], NOW)
    store.suspend(("alpha", "c0"))
    until = store.bury(("alpha", "c1"), NOW)
    assert until == next_day_start(NOW, 4) and until > NOW
    assert store.due_queue(["alpha"], NOW) == [("alpha", "c2")]
    assert store.card_info(("alpha", "c1")).buried_until == until
    assert [c.key for c in store.search(state="buried", now=NOW)] == [("alpha", "c1")]
    assert store.due_queue(["alpha"], until) == [("alpha", "c1"), ("alpha", "c2")]
    store.unsuspend(("alpha", "c0"))
    assert ("alpha", "c0") in store.due_queue(["alpha"], NOW)


def test_editing_a_card_keeps_its_history_and_a_removed_card_comes_back_with_it(store):
    store.sync_cards([make_deck("alpha", 3)], NOW)
    key = ("alpha", "c1")
    store.record_review(key, Rating.GOOD, answer="(2, 3)", correct=True, duration_s=4.5, now=NOW)
    store.sync_cards([make_deck("alpha", 3, prompt="Reworded question {i}")], NOW)
    assert store.card_info(key).prompt == "Reworded question 1"
    assert len(store.history(key)) == 1

    smaller = Deck(id="alpha", title="Alpha", cards=tuple(c for c in make_deck("alpha", 3).cards if c.id != "c1"))
    store.sync_cards([smaller], NOW)
    assert store.card_info(key).hidden
    assert key not in store.due_queue(["alpha"], NOW + timedelta(days=30))
    assert key not in [c.key for c in store.search()]
    assert key in [c.key for c in store.search(state="hidden")]

    store.sync_cards([make_deck("alpha", 3)], NOW)
    info = store.card_info(key)
    assert not info.hidden and info.reps == 1 and len(store.history(key)) == 1


def test_history_keeps_every_field_of_a_review(store):
    store.sync_cards([make_deck("alpha", 1)], NOW)
    key = ("alpha", "c0")
    store.record_review(key, Rating.AGAIN, answer="2x3", correct=False, duration_s=7.25, now=NOW)
    store.record_review(key, Rating.GOOD, answer="(2, 3)", correct=True, duration_s=2.0, now=NOW + timedelta(minutes=1))
    first, second = store.history(key)
    assert (first.rating, first.answer, first.correct, first.duration_s) == (Rating.AGAIN, "2x3", False, 7.25)
    assert first.phase_before is Phase.NEW and first.reviewed_at == NOW
    assert second.rating is Rating.GOOD and second.reviewed_at == NOW + timedelta(minutes=1)
    assert second.stability is not None and second.difficulty is not None


def test_search_filters(store):
    deck = Deck(
        id="alpha",
        title="A",
        cards=(
            Card(deck="alpha", id="bcast", kind=Kind.SHAPE, prompt="Broadcast it", ask="x + y", tags=("broadcasting",)),
            Card(
                deck="alpha", id="view", kind=Kind.SHAPE, prompt="View it", ask="x.view(-1)", tags=("views", "memory")
            ),
        ),
    )
    store.sync_cards([deck, make_deck("beta", 2)], NOW)
    graduate(store, ("alpha", "view"), NOW)
    assert [c.key for c in store.search("X.VIEW")] == [("alpha", "view")]
    assert [c.key for c in store.search(tag="memory")] == [("alpha", "view")]
    assert [c.key for c in store.search(tag="mem")] == []  # whole tags only
    assert [c.key for c in store.search(deck="beta")] == [("beta", "c0"), ("beta", "c1")]
    assert [c.key for c in store.search(state="review")] == [("alpha", "view")]
    assert [c.key for c in store.search(due=NOW + timedelta(days=365))] == [("alpha", "view")]
    assert store.search(lapses=1) == []
    assert [c.key for c in store.search(state="new", deck="alpha")] == [("alpha", "bcast")]
    with pytest.raises(StoreError, match="unknown state"):
        store.search(state="nonsense")


def test_unknown_card_is_a_clear_error(store):
    with pytest.raises(StoreError, match="no card nope/c0"):
        store.record_review(("nope", "c0"), Rating.GOOD, now=NOW)
    assert store.card_info(("nope", "c0")) is None


def test_a_review_is_committed_before_record_review_returns(store, store_url):
    store.sync_cards([make_deck("alpha", 1)], NOW)
    store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    other = Store.open(store_url, settings=Settings())
    try:
        assert len(other.history(("alpha", "c0"))) == 1
    finally:
        other.close()


def test_naive_datetimes_are_refused(store):
    store.sync_cards([make_deck("alpha", 1)], NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.record_review(("alpha", "c0"), Rating.GOOD, now=datetime(2026, 1, 1))


def test_bulk_recording_schedules_like_single_reviews(open_store, store_url, tmp_path):
    from quizapp.core.storage.store import ReviewInput

    store = open_store()
    store.sync_cards([make_deck("alpha", 3)], NOW)
    items = [ReviewInput(("alpha", f"c{i % 3}"), Rating.GOOD, NOW + timedelta(minutes=11 * (i // 3))) for i in range(9)]
    assert store.record_reviews(items, batch=4) == 9
    bulk = [store.card_info(("alpha", f"c{i}")).state for i in range(3)]
    for _ in range(9):
        store.undo_last()
    for item in items:
        store.record_review(item.key, item.rating, now=item.now)
    single = [store.card_info(("alpha", f"c{i}")).state for i in range(3)]
    assert bulk == single


def test_review_totals_stay_equal_to_the_review_log_through_reviews_bulk_and_undo(open_store):
    import random

    from quizapp.core.storage.store import ReviewInput

    store = open_store()
    store.sync_cards([make_deck("alpha", 5)], NOW)
    rng = random.Random(3)
    when = NOW - timedelta(days=40)
    for step in range(60):
        when += timedelta(hours=rng.uniform(1, 30))
        key = ("alpha", f"c{rng.randrange(5)}")
        if step % 10 == 9:
            store.undo_last()
        elif step % 7 == 0:
            store.record_reviews(
                [
                    ReviewInput(key, Rating(rng.randint(1, 4)), when, duration_s=2.0),
                    ReviewInput(key, Rating.GOOD, when + timedelta(days=1), duration_s=1.0),
                ]
            )
        else:
            store.record_review(key, Rating(rng.randint(1, 4)), duration_s=rng.uniform(1, 9), now=when)
    from_totals = [(n, p, s) for _, n, p, _, _, s in store.review_days(when)]
    entries = [e for c in range(5) for e in store.history(("alpha", f"c{c}"))]
    assert sum(n for n, _, _ in from_totals) == len(entries) > 20
    assert sum(p for _, p, _ in from_totals) == sum(1 for e in entries if e.rating > Rating.AGAIN)
    assert round(sum(s for _, _, s in from_totals), 6) == round(sum(e.duration_s for e in entries), 6)


def test_learning_cards_overdue_from_an_earlier_day_queue_with_the_reviews_under_the_limit(open_store):
    store = open_store(reviews_per_day=1, new_per_day=10)
    store.sync_cards([make_deck("alpha", 3)], NOW)
    long_ago = NOW - timedelta(days=30)
    graduate(store, ("alpha", "c0"), long_ago)  # a review due weeks ago
    store.record_review(("alpha", "c1"), Rating.GOOD, now=NOW - timedelta(days=3))  # a step left 3 days ago
    store.record_review(("alpha", "c2"), Rating.AGAIN, now=NOW - timedelta(minutes=5))  # a step due today
    queue = store.due_queue(["alpha"], NOW)
    # The step from today always shows; of the backlog only the oldest fits under the limit.
    assert queue == [("alpha", "c2"), ("alpha", "c0")]
    counts = store.deck_counts(["alpha"], NOW)["alpha"]
    assert (counts.learning, counts.due) == (1, 1)
    roomy = open_store(reviews_per_day=10)
    assert roomy.due_queue(["alpha"], NOW) == [("alpha", "c2"), ("alpha", "c0"), ("alpha", "c1")]


def test_undo_keeps_a_suspend_or_bury_made_after_the_review(store):
    store.sync_cards([make_deck("alpha", 1)], NOW)
    key = ("alpha", "c0")
    store.record_review(key, Rating.GOOD, now=NOW)
    store.suspend(key)
    until = store.bury(key, NOW)
    assert store.undo_last() == key
    info = store.card_info(key)
    assert info.suspended and info.buried_until == until and info.reps == 0
