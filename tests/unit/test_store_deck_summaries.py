"""Deck summaries kept by digest (schema 7): what ``Store.known_decks`` says, and syncs that keep decks.

The PostgreSQL suite (tests/integration/test_postgres_perf.py) runs this file again against a server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.decks.registry import KnownDeck
from quizapp.core.settings import Settings
from quizapp.core.storage import summaries, synced
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def deck(deck_id: str, n: int, *, title: str | None = None, recall: int = 0) -> Deck:
    cards = [Card(deck=deck_id, id=f"c{i}", kind=Kind.RECALL if i < recall else Kind.SHAPE, prompt=f"p{i}",
                  ask="x" if i >= recall else None, answer="a") for i in range(n)]
    return Deck(id=deck_id, title=title or f"Deck {deck_id}", cards=tuple(cards))


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'collection.sqlite3'}"


@pytest.fixture
def store(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    with Store.open(store_url, settings=Settings(fuzz=False)) as opened:
        yield opened


def test_a_synced_deck_is_known_by_its_digest_with_its_summary(store):
    store.sync_cards([deck("a", 3, title="Alpha", recall=1), deck("b", 2)], NOW, digests={"a": "da", "b": "db"})
    assert store.known_decks(["da", "db", "nope", ""]) == {
        "da": KnownDeck("a", "Alpha", 3, 2, True),
        "db": KnownDeck("b", "Deck b", 2, 2, True),
    }


def test_without_digests_nothing_is_known(store):
    store.sync_cards([deck("a", 3)], NOW)
    assert store.known_decks(["da"]) == {}


def test_two_versions_of_a_deck_are_both_known_only_the_synced_one_in_sync(store):
    # Two devices sharing the collection, each with its own version of deck a: keyed by digest, each
    # finds its summary; only the version whose cards the collection now holds is in sync.
    store.sync_cards([deck("a", 3)], NOW, digests={"a": "v1"})
    store.sync_cards([deck("a", 4, title="Alpha 2")], NOW, digests={"a": "v2"})
    found = store.known_decks(["v1", "v2"])
    assert found["v1"] == KnownDeck("a", "Deck a", 3, 3, False)
    assert found["v2"] == KnownDeck("a", "Alpha 2", 4, 4, True)
    store.sync_cards([deck("a", 3)], NOW, digests={"a": "v1"})
    assert store.known_decks(["v1", "v2"])["v1"].in_sync and not store.known_decks(["v2"])["v2"].in_sync


def test_cards_hidden_behind_its_back_make_a_deck_not_in_sync(store):
    store.sync_cards([deck("a", 3)], NOW, digests={"a": "da"})
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cards SET hidden = true WHERE card_id = 'c1'")
    assert store.known_decks(["da"])["da"].in_sync is False


def test_old_versions_are_forgotten_beyond_the_newest_few(store):
    for v in range(synced.KEEP_VERSIONS + 3):
        store.sync_cards([deck("a", 1)], datetime.fromtimestamp(NOW.timestamp() + v, UTC), digests={"a": f"v{v}"})
    kept = store.known_decks([f"v{v}" for v in range(synced.KEEP_VERSIONS + 3)])
    assert sorted(kept, key=lambda d: int(d[1:])) == [f"v{v}" for v in range(3, synced.KEEP_VERSIONS + 3)]


def test_kept_decks_are_left_alone_and_stay_remembered(store):
    a, b = deck("a", 2), deck("b", 1)
    store.sync_cards([a, b], NOW, digests={"a": "da", "b": "db"})
    # A sync of the parsed deck b only, keeping a (served from its summary): a is neither hidden nor
    # forgotten, so it is still in sync and a later full sync skips it.
    store.sync_cards([deck("b", 2)], NOW, digests={"b": "db2"}, kept={"a": "da"})
    assert [i.key for i in store.search(deck="a")] == [("a", "c0"), ("a", "c1")]
    assert store.known_decks(["da"])["da"].in_sync and store.known_decks(["db2"])["db2"].in_sync
    assert store.cards_synced(["da", "db2"])


def test_a_kept_deck_no_longer_in_step_is_not_vouched_for(store):
    store.sync_cards([deck("a", 2), deck("b", 1)], NOW, digests={"a": "da", "b": "db"})
    store.sync_cards([deck("b", 1)], NOW, digests={"b": "db"}, kept={"a": "other"})
    assert [i.key for i in store.search(deck="a")] == [("a", "c0"), ("a", "c1")]  # untouched
    assert not store.known_decks(["da"])["da"].in_sync  # forgotten: the next full sync compares it


def test_the_stdlib_reader_agrees_with_the_store(store, store_url):
    if not store_url.startswith("sqlite:///"):
        pytest.skip("the stdlib reader is for SQLite collections")
    from pathlib import Path

    store.sync_cards([deck("a", 3, recall=2), deck("b", 1)], NOW, digests={"a": "da", "b": "db"})
    path = Path(store_url[len("sqlite:///"):])
    assert summaries.known_in_file(path, ["da", "db", "x"]) == store.known_decks(["da", "db", "x"])
    # Listing asks without the sync state (no count of every card): same summaries, none vouched in sync.
    unsynced = {d: KnownDeck(k.id, k.title, k.cards, k.executable, False) for d, k in store.known_decks(["da", "db"]).items()}
    assert summaries.known_in_file(path, ["da", "db"], sync_state=False) == unsynced
