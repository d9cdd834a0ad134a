"""Full-text search: the index finds exactly what the substring scan finds, stays in sync, and counts.

Every test takes ``store_url``; tests/integration/test_postgres_perf.py runs this file against PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage import catalogue, fulltext, migrations
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
# A small alphabet, so random queries hit often; with LIKE's wildcards, quotes and FTS5 syntax in it.
ALPHABET = "abAB _%\"'*(){}:\\-.x"


def ascii_fold(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def reference(cards: list[Card], text: str) -> list[tuple[str, str]]:
    """The search's meaning, in Python: prompt, code or card id contains ``text``, ASCII case ignored."""
    needle = ascii_fold(text.lower())
    return [c.key for c in cards if any(needle in ascii_fold(v) for v in (c.prompt, c.code, c.id))]


def sample_cards(seed: int = 7, n: int = 300) -> list[Deck]:
    rng = random.Random(seed)
    word = lambda k: "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, k)))  # noqa: E731
    decks = []
    for d in ("alpha", "beta"):
        cards = tuple(Card(deck=d, id=f"{word(4)}-{i}", kind=Kind.VALUE, prompt=f"{word(12)} view {word(6)}",
                           setup=word(10) or None, ask=f"x.{word(5)}", tags=("t",)) for i in range(n // 2))
        decks.append(Deck(id=d, title=d, cards=cards))
    return decks


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'collection.sqlite3'}"


@pytest.fixture
def store(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    with Store.open(store_url, settings=Settings(fuzz=False)) as opened:
        yield opened


@pytest.fixture
def sampled(store):
    decks = sample_cards()
    store.sync_cards(decks, NOW)
    return store, [c for d in decks for c in d.cards]


def keys(infos) -> list[tuple[str, str]]:  # noqa: ANN001
    return [i.key for i in infos]


def test_the_index_exists_where_it_can(store):
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert fulltext.fts_available(conn)
        else:
            names = {i["name"] for i in sa.inspect(conn).get_indexes("cards")}
            assert set(fulltext.PG_INDEXES) <= names


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=ALPHABET, min_size=1, max_size=5))
def test_search_finds_exactly_the_substring_matches(sampled, text):
    store, cards = sampled
    expected = sorted(reference(cards, text))
    assert sorted(keys(store.search(text, limit=10_000))) == expected
    assert store.search_count(text) == len(expected)
    page, total = store.search_page(text, limit=25)
    assert total == len(expected) and keys(page) == keys(store.search(text, limit=25))


@pytest.mark.parametrize("text", ["view", "VIEW", "x.", "ab", "a", "%", "_", "\\", '"', "*", "NEAR(", "{", "a AND b"])
def test_indexed_and_scanned_search_agree(sampled, monkeypatch, text):
    store, cards = sampled
    indexed = keys(store.search(text, limit=10_000))
    monkeypatch.setattr(fulltext, "fts_available", lambda conn: False)
    assert keys(store.search(text, limit=10_000)) == indexed == [k for k in [c.key for c in cards] if k in set(indexed)]
    assert sorted(indexed) == sorted(reference(cards, text))


def test_the_index_follows_card_sync(store):
    deck = Deck(id="d", title="d", cards=(Card(deck="d", id="one", kind=Kind.RECALL, prompt="apple pie", answer="a"),))
    store.sync_cards([deck], NOW)
    assert keys(store.search("apple")) == [("d", "one")]
    changed = Deck(id="d", title="d", cards=(Card(deck="d", id="one", kind=Kind.RECALL, prompt="banana", answer="a"),))
    store.sync_cards([changed], NOW)
    assert keys(store.search("apple")) == [] and keys(store.search("banan")) == [("d", "one")]
    store.sync_cards([], NOW)  # the deck is gone: its card hidden, still found when asked for hidden ones
    assert store.search("banan") == [] and keys(store.search("banan", include_hidden=True)) == [("d", "one")]
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM card_states"))  # schema 5: progress rows refer to the cards
        conn.execute(sa.text("DELETE FROM cards"))
    assert store.search("banan", include_hidden=True) == []


def test_count_and_pages(store):
    cards = tuple(Card(deck="d", id=f"c{i:03d}", kind=Kind.RECALL, prompt=f"common {i}", answer="a") for i in range(120))
    store.sync_cards([Deck(id="d", title="d", cards=cards)], NOW)
    assert store.search_count("common") == 120 and store.search_count("common 11") == 11  # 11, 110..119
    first, second = store.search("common", limit=50), store.search("common", limit=50, offset=50)
    last = store.search("common", limit=50, offset=100)
    assert [len(p) for p in (first, second, last)] == [50, 50, 20]
    assert keys(first + second + last) == [c.key for c in cards]
    assert store.search_count("common", deck="other") == 0 and store.search_count() == 120


@pytest.fixture
def varied(store):
    """Cards in every state Browse can filter on: reviewed (some lapsed), suspended, buried, tagged, and
    a hidden deck's cards (still in the collection), most of them matching "view"."""
    decks = [Deck(id=d, title=d, tags=("shared",) if d == "beta" else (), cards=tuple(
        Card(deck=d, id=f"c{i:02d}", kind=Kind.RECALL, prompt=f"{'view' if i % 4 else 'reshape'} {i}", answer="a",
             tags=("odd",) if i % 2 else ()) for i in range(30))) for d in ("alpha", "beta", "gone")]
    store.sync_cards(decks, NOW)
    store.sync_cards(decks[:2], NOW)  # "gone" is no longer in any deck: its cards are hidden
    for i in range(0, 30, 3):
        store.record_review(("alpha", f"c{i:02d}"), Rating.GOOD, now=NOW)
    for i in range(0, 30, 6):
        store.record_review(("alpha", f"c{i:02d}"), Rating.AGAIN, now=NOW)  # a lapse
    for i in range(1, 30, 5):
        store.suspend(("beta", f"c{i:02d}"))
    store.bury(("beta", "c02"), NOW)
    return store


FILTERS = [{}, {"deck": "alpha"}, {"deck": "nope"}, {"tag": "odd"}, {"tag": "shared"}, {"state": "review"},
           {"state": "suspended"}, {"state": "buried", "now": NOW}, {"state": "hidden"}, {"include_hidden": True},
           {"lapses": 1}, {"due": NOW + timedelta(days=30)}, {"deck": "alpha", "tag": "odd", "state": "review"}]


@pytest.mark.parametrize("way", ["window-count", "separate-count", "no-index"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
@pytest.mark.parametrize("text", [None, "view", "VIEW 1", "re", "nothing here"])
def test_a_page_and_its_count_are_search_and_search_count(varied, monkeypatch, text, filters, way):
    # Browse shows search_page's total as "200 of N": it must be the true number of matches, and its
    # page exactly search's, for every filter, every page and past the end (and on an SQLite too old
    # for window functions, where it counts separately, or one without FTS5, where it scans).
    if way == "separate-count":
        monkeypatch.setattr(catalogue, "_window_functions", lambda conn: False)
    elif way == "no-index":
        monkeypatch.setattr(fulltext, "fts_available", lambda conn: False)
    everything = varied.search(text, limit=10_000, **filters)
    assert varied.search_count(text, **filters) == len(everything)
    for offset in (0, 7, 14, 21, len(everything), len(everything) + 7):
        page, total = varied.search_page(text, limit=7, offset=offset, **filters)
        assert keys(page) == keys(everything[offset:offset + 7]) == keys(varied.search(
            text, limit=7, offset=offset, **filters))
        assert total == len(everything)


def test_the_count_follows_suspending_and_the_card_state_in_the_page(varied):
    before = varied.search_page("view", state="suspended", limit=100)
    varied.suspend(("alpha", "c01"))
    page, total = varied.search_page("view", state="suspended", limit=100)
    assert total == before[1] + 1 and ("alpha", "c01") in keys(page)
    assert all(info.suspended for info in page)


def test_an_upgraded_database_indexes_the_cards_it_already_has(store_url, store):
    store.sync_cards(sample_cards(n=20), NOW)
    expected = keys(store.search("view", limit=100))
    with store.engine.begin() as conn:  # back to schema 4: as a database made before the index
        if conn.dialect.name == "sqlite":
            for trigger in ("cards_fts_insert", "cards_fts_update", "cards_fts_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
            conn.exec_driver_sql(f"DROP TABLE {fulltext.FTS_TABLE}")
        else:
            for name in fulltext.PG_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX {name}")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 6")
    store.close()
    fulltext._available.clear()
    with Store.open(store_url, settings=Settings(fuzz=False), backups=False) as reopened:
        assert reopened.schema_version() == migrations.LATEST
        assert keys(reopened.search("view", limit=100)) == expected and len(expected) == 20


def _schema_without_5(url: str) -> None:
    """A collection as the build that had migration 6 but not 5 made it (schema 1-4 and 6), holding
    one card with one review in the schema-4 layout (progress on the card row itself)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for migration in migrations.MIGRATIONS:
            if migration.version == migrations.REVIEW_LOG:
                continue
            migration.apply(conn)
            conn.execute(sa.text("INSERT INTO schema_version (version, applied_at, description) VALUES (:v, 0, :d)"),
                         {"v": migration.version, "d": migration.description})
        conn.execute(sa.text(
            "INSERT INTO cards (id, deck, card_id, position, hidden, suspended, leech, phase, step, stability,"
            " difficulty, due, last_review, reps, lapses, added_at, kind, prompt, code, tags) VALUES (1, 'd',"
            " 'one', 0, :no, :no, :no, 2, NULL, 8.3, 5.0, 1773748800, 1773144000, 1, 0, 0, 'recall',"
            " 'apple pie', 'x.view(2, 3)', ' t ')"), {"no": False})
        conn.execute(sa.text(
            "INSERT INTO reviews (card, reviewed_at, rating, answer, correct, duration_s, phase_before,"
            " scheduled_days, interval_days, stability, difficulty, phase_after, previous) VALUES"
            " (1, 1773144000, 3, 'a', :yes, 2.0, 0, 0, 7, 8.3, 5.0, 2, '{}')"), {"yes": True})
    engine.dispose()


def test_a_collection_that_had_6_but_not_5_gets_5_and_keeps_its_index(tmp_path, monkeypatch):
    # A migration numbered below the newest applied one still runs. Migration 5 drops the progress
    # columns of cards (SQLite's DROP COLUMN refuses a column a trigger uses): the index's triggers
    # name only the text columns, so they survive it and keep the index current afterwards.
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'six.sqlite3'}"
    _schema_without_5(url)
    fulltext._available.clear()
    with Store.open(url, settings=Settings(fuzz=False), backups=False) as store:
        with store.engine.connect() as conn:
            assert migrations.applied_versions(conn) == {m.version for m in migrations.MIGRATIONS}
            columns = {c["name"] for c in sa.inspect(conn).get_columns("cards")}
            assert "phase" not in columns and {"deck", "card_id", "prompt", "code", "tags"} <= columns
        assert store.review_count() == 1 and store.card_info(("d", "one")).reps == 1
        assert keys(store.search("apple")) == [("d", "one")] and store.search_count("view(2") == 1
        changed = Deck(id="d", title="d", cards=(Card(deck="d", id="one", kind=Kind.RECALL, prompt="banana",
                                                       answer="a"),))
        store.sync_cards([changed], NOW)  # the update trigger still works on the slimmed cards table
        assert keys(store.search("apple")) == [] and keys(store.search("banan")) == [("d", "one")]
        assert store.card_info(("d", "one")).reps == 1  # a catalogue sync never touches progress
        with store.engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO {fulltext.FTS_TABLE}({fulltext.FTS_TABLE}) VALUES ('integrity-check')")


def test_a_fresh_collection_has_the_review_log_and_the_index(store):
    with store.engine.connect() as conn:
        assert migrations.applied_versions(conn) == {m.version for m in migrations.MIGRATIONS}
        assert {"card_states", "learners", "reviews"} <= set(sa.inspect(conn).get_table_names())
        if conn.dialect.name == "sqlite":
            found = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
            assert {fulltext.FTS_TABLE, "cards_fts_insert", "cards_fts_update", "cards_fts_delete"} <= found
