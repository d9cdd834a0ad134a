"""Stats count new cards in the database (grouped) and walk only reviewed ones: same numbers as one by one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from quizapp.core import stats
from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_grouped_new_cards_give_the_same_stats_as_a_card_by_card_walk(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    rng = random.Random(3)
    decks = [Deck(id=d, title=d, cards=tuple(
        Card(deck=d, id=f"c{i}", kind=Kind.RECALL, prompt="p", answer="a",
             tags=tuple(rng.sample(["x", "y", "z"], rng.randint(0, 2)))) for i in range(40))) for d in ("a", "b")]
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=Settings(fuzz=False)) as store:
        store.sync_cards(decks, NOW)
        for i, card in enumerate(c for d in decks for c in d.cards if rng.random() < 0.4):
            store.record_review(card.key, rng.choice(list(Rating)), now=NOW + timedelta(minutes=i))
        store.suspend(("a", "c1"))
        store.suspend(("b", "c2"))
        later = NOW + timedelta(days=3)
        grouped = stats.compute(store, later)
        monkeypatch.setattr(stats, "_card_rows", lambda s: ((tuple(row), 1) for row in s.card_stat_rows()))
        one_by_one = stats.compute(store, later)
    assert grouped.new > 0 and grouped.review + grouped.learning > 0
    assert grouped.to_json() == one_by_one.to_json()


def test_a_tag_named_like_a_deck_keeps_its_own_mastery(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    studied = Deck(id="b", title="b", cards=(Card(deck="b", id="c0", kind=Kind.RECALL, prompt="p", answer="a"),))
    tagged = Deck(id="a", title="a", cards=(Card(deck="a", id="c0", kind=Kind.RECALL, prompt="p", answer="a",
                                                 tags=("b",)),))
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=Settings(fuzz=False)) as store:
        store.sync_cards([studied, tagged], NOW)
        store.record_review(("b", "c0"), Rating.EASY, now=NOW)
        result = stats.compute(store, NOW + timedelta(hours=1))
    assert {g.name: g.mastery for g in result.decks}["b"] > 0.5
    assert {g.name: g.mastery for g in result.tags} == {"b": 0.0}
