"""Store.sync_cards(digests=...): decks synced before with the same digest are skipped, and only those.

The PostgreSQL suite (tests/integration/test_postgres_perf.py) runs this file again against a server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def deck(deck_id: str, prompts: list[str]) -> Deck:
    return Deck(id=deck_id, title=deck_id, cards=tuple(
        Card(deck=deck_id, id=f"c{i}", kind=Kind.RECALL, prompt=p, answer="a") for i, p in enumerate(prompts)))


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'collection.sqlite3'}"


@pytest.fixture
def store(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    with Store.open(store_url, settings=Settings(fuzz=False)) as opened:
        yield opened


def prompts(store: Store, deck_id: str) -> list[str]:
    return [info.prompt for info in store.search(deck=deck_id, include_hidden=True)]


def tamper(store: Store, sql: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql))


def test_an_unchanged_deck_is_not_synced_again(store):
    a, b = deck("a", ["one", "two"]), deck("b", ["three"])
    store.sync_cards([a, b], NOW, digests={"a": "da", "b": "db"})
    tamper(store, "UPDATE cards SET prompt = 'stale' WHERE deck IN ('a', 'b')")
    store.sync_cards([a, b], NOW, digests={"a": "da", "b": "db2"})
    assert prompts(store, "a") == ["stale", "stale"]  # same digest: skipped (the tampering shows it)
    assert prompts(store, "b") == ["three"]  # new digest: synced


def test_a_deck_left_out_is_hidden_and_resynced_when_it_returns(store):
    a, b = deck("a", ["one"]), deck("b", ["two"])
    store.sync_cards([a, b], NOW, digests={"a": "da", "b": "db"})
    store.sync_cards([a], NOW, digests={"a": "da"})
    assert store.search(deck="b") == []
    store.sync_cards([a, b], NOW, digests={"a": "da", "b": "db"})
    assert prompts(store, "b") == ["two"] and store.search(deck="b")[0].prompt == "two"


def test_a_sync_without_digests_forgets_them(store):
    a = deck("a", ["one"])
    store.sync_cards([a], NOW, digests={"a": "da"})
    store.sync_cards([a], NOW)
    tamper(store, "UPDATE cards SET prompt = 'stale'")
    store.sync_cards([a], NOW, digests={"a": "da"})
    assert prompts(store, "a") == ["one"]


def test_cards_hidden_behind_the_syncs_back_are_noticed(store):
    a = deck("a", ["one", "two"])
    store.sync_cards([a], NOW, digests={"a": "da"})
    tamper(store, "UPDATE cards SET hidden = true WHERE card_id = 'c1'")
    store.sync_cards([a], NOW, digests={"a": "da"})
    assert [i.key for i in store.search(deck="a")] == [("a", "c0"), ("a", "c1")]


def test_a_damaged_memory_costs_one_full_sync(store):
    a = deck("a", ["one"])
    store.sync_cards([a], NOW, digests={"a": "da"})
    tamper(store, "UPDATE quizapp_meta SET value = 'not json' WHERE key = 'synced_decks'")
    tamper(store, "UPDATE cards SET prompt = 'stale'")
    store.sync_cards([a], NOW, digests={"a": "da"})
    assert prompts(store, "a") == ["one"]
