"""Property tests: any sequence of ratings, undos, buries and suspends keeps the store consistent, and
undoing every rating brings every card back exactly to where it started."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
_deck_numbers = itertools.count()

operation = st.one_of(
    st.tuples(st.just("rate"), st.integers(0, 2), st.sampled_from(list(Rating)), st.integers(1, 60 * 24 * 9)),
    st.tuples(st.just("undo"), st.just(0), st.just(Rating.GOOD), st.just(0)),
    st.tuples(st.just("bury"), st.integers(0, 2), st.just(Rating.GOOD), st.just(0)),
    st.tuples(st.just("suspend"), st.integers(0, 2), st.just(Rating.GOOD), st.just(0)),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    # QUIZAPP_HOME only matters while opening (it places the backups folder): set it just for that,
    # so a module-wide fixture never leaks an environment variable into other tests.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUIZAPP_HOME", str(home))
        s = Store.open(f"sqlite:///{home / 'c.sqlite3'}", settings=Settings(leech_threshold=2))
    yield s
    s.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=25))
def test_operations_keep_the_store_consistent_and_undo_all_restores_everything(store, ops):
    deck_id = f"prop-{next(_deck_numbers)}"
    deck = Deck(
        id=deck_id,
        title="P",
        cards=tuple(Card(deck=deck_id, id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x") for i in range(3)),
    )
    store.sync_cards([deck], START)
    keys = [c.key for c in deck.cards]
    initial = {k: store.card_info(k) for k in keys}
    now, rated, suspended = START, 0, set()
    for kind, index, rating, minutes in ops:
        key = keys[index]
        if kind == "rate":
            now += timedelta(minutes=minutes)
            store.record_review(key, rating, now=now)
            rated += 1
        elif kind == "undo" and rated:
            assert store.undo_last() in keys
            rated -= 1
        elif kind == "bury":
            store.bury(key, now)
        elif kind == "suspend":
            store.suspend(key)
            suspended.add(key)
        for k in keys:
            info = store.card_info(k)
            assert info.reps == len(store.history(k))
            assert info.lapses == sum(
                1 for e in store.history(k) if e.phase_before.label == "review" and e.rating is Rating.AGAIN
            )
            assert not info.leech or info.suspended or kind != "rate"
    for _ in range(rated):
        store.undo_last()
    for k in keys:
        info = store.card_info(k)
        # Ratings are all undone; burying and suspending are not ratings and stay as they were set.
        assert info.state == initial[k].state
        assert store.history(k) == []
        assert not info.leech
        if k not in suspended:
            assert not info.suspended
