"""Opening databases: fresh, older schema (upgraded after a backup), corrupt, foreign, newer; backups."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage import backups, migrations, tables
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

# The schema quizapp's first release (schema version 1) wrote, spelled out by hand, with some progress.
V1_DDL = """
CREATE TABLE quizapp_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at FLOAT NOT NULL, description TEXT NOT NULL);
CREATE TABLE cards (
  id INTEGER NOT NULL PRIMARY KEY, deck VARCHAR(200) NOT NULL, card_id VARCHAR(200) NOT NULL,
  position INTEGER NOT NULL, hidden BOOLEAN NOT NULL, suspended BOOLEAN NOT NULL, leech BOOLEAN NOT NULL,
  buried_until FLOAT, phase INTEGER NOT NULL, step INTEGER, stability FLOAT, difficulty FLOAT, due FLOAT,
  last_review FLOAT, reps INTEGER NOT NULL, lapses INTEGER NOT NULL, added_at FLOAT NOT NULL,
  CONSTRAINT uq_cards_deck_card UNIQUE (deck, card_id));
CREATE INDEX ix_cards_phase_due ON cards (phase, due);
CREATE INDEX ix_cards_deck_phase_position ON cards (deck, phase, position);
CREATE TABLE reviews (
  id INTEGER NOT NULL PRIMARY KEY, card INTEGER NOT NULL REFERENCES cards (id), reviewed_at FLOAT NOT NULL,
  rating INTEGER NOT NULL, answer TEXT NOT NULL, correct BOOLEAN, duration_s FLOAT NOT NULL,
  phase_before INTEGER NOT NULL, scheduled_days FLOAT NOT NULL, interval_days FLOAT NOT NULL,
  stability FLOAT, difficulty FLOAT, phase_after INTEGER NOT NULL, previous TEXT NOT NULL);
CREATE INDEX ix_reviews_reviewed_at ON reviews (reviewed_at);
CREATE INDEX ix_reviews_card ON reviews (card);
INSERT INTO quizapp_meta VALUES ('application', 'quizapp');
INSERT INTO schema_version VALUES (1, 1700000000.0, 'initial schema: cards, reviews, metadata');
INSERT INTO cards VALUES (1, 'views', 'v1', 0, 0, 0, 0, NULL, 2, NULL, 8.29, 1.0, 1773748800.0, 1773230400.0, 1, 0, 1773230000.0);
INSERT INTO reviews VALUES (1, 1, 1773230400.0, 4, '2x3', 1, 3.5, 0, 0.0, 6.0, 8.29, 1.0, 2, '{}');
"""


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def url(path) -> str:
    return f"sqlite:///{path}"


def test_a_fresh_database_gets_the_latest_schema_matching_the_models(tmp_path):
    with Store.open(url(tmp_path / "new.sqlite3"), settings=Settings()) as store:
        assert store.schema_version() == migrations.LATEST
        with store.engine.connect() as conn:
            inspector = sa.inspect(conn)
            for table in tables.metadata.sorted_tables:
                found = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
                wanted = {c.name: c.nullable for c in table.columns}
                assert found == wanted, table.name
                found_ix = {i["name"] for i in inspector.get_indexes(table.name)}
                assert {i.name for i in table.indexes} <= found_ix, table.name
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            assert mode == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_an_older_database_is_backed_up_then_upgraded_in_place(tmp_path, home):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL)
    conn.close()

    with Store.open(url(path), settings=Settings()) as store:
        assert store.schema_version() == migrations.LATEST
        info = store.card_info(("views", "v1"))
        assert info.reps == 1 and info.prompt == "" and info.state.stability == pytest.approx(8.29)
        assert [h.answer for h in store.history(("views", "v1"))] == ["2x3"]
        # Schema 3's per-15-minute totals were filled from the existing review.
        assert [(n, passed, seconds) for _, n, passed, _, _, seconds in store.review_days(NOW)] == [(1, 1, 3.5)]
        store.record_review(("views", "v1"), Rating.GOOD, now=NOW + timedelta(days=7))
        assert len(store.history(("views", "v1"))) == 2

    saved = backups.list_backups(home / "backups")
    assert [b.reason for b in saved] == ["pre-migration"]
    old = sqlite3.connect(saved[0].path)
    assert old.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
    assert old.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 1
    old.close()


def test_a_corrupt_file_is_one_clear_line_with_the_way_out(tmp_path):
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError) as err:
        Store.open(url(path), settings=Settings())
    message = str(err.value)
    assert "\n" not in message
    assert "not a readable quizapp database" in message and "quizapp restore" in message


def test_a_foreign_sqlite_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="another program's tables \\(invoices\\)"):
        Store.open(url(path), settings=Settings())
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["invoices"]
    conn.close()


def test_a_database_from_a_newer_quizapp_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    Store.open(url(path), settings=Settings()).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (?, 0, 'from the future')", (migrations.LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer quizapp"):
        Store.open(url(path), settings=Settings())


def test_a_bad_url_is_a_clear_error():
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("not a url at all", settings=Settings())


def _seeded(path, settings=None) -> Store:
    from quizapp.core.decks.model import Card, Deck, Kind

    store = Store.open(url(path), settings=settings or Settings())
    deck = Deck(id="d", title="D", cards=(Card(deck="d", id="c", kind=Kind.SHAPE, prompt="p", ask="x"),))
    store.sync_cards([deck], NOW)
    return store


def test_backup_then_restore_brings_back_the_backed_up_state(tmp_path, home):
    path = tmp_path / "c.sqlite3"
    store = _seeded(path)
    store.record_review(("d", "c"), Rating.GOOD, now=NOW)
    saved = store.backup(now=NOW)
    store.record_review(("d", "c"), Rating.AGAIN, now=NOW + timedelta(minutes=10))
    store.close()

    kept = backups.restore_backup(saved, path, home / "backups", NOW + timedelta(hours=1))
    assert kept is not None and kept.name.endswith("-pre-restore.sqlite3")
    with Store.open(url(path), settings=Settings()) as store:
        assert [h.rating for h in store.history(("d", "c"))] == [Rating.GOOD]
        assert store.integrity_check() == "ok"
    with Store.open(url(kept), settings=Settings(), backups=False) as before_restore:
        assert len(before_restore.history(("d", "c"))) == 2


def test_restore_over_a_corrupt_file_moves_it_aside(tmp_path, home):
    path = tmp_path / "c.sqlite3"
    store = _seeded(path)
    saved = store.backup(now=NOW)
    store.close()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"c.sqlite3{suffix}").unlink(missing_ok=True)
    path.write_bytes(os.urandom(4096))
    kept = backups.restore_backup(saved, path, home / "backups", NOW)
    assert kept is not None and ".broken-" in kept.name and kept.exists()
    with Store.open(url(path), settings=Settings()) as store:
        assert store.card_info(("d", "c")) is not None


def test_only_a_quizapp_database_can_be_restored(tmp_path, home):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(os.urandom(2048))
    with pytest.raises(StoreError, match="not a quizapp database"):
        backups.restore_backup(junk, tmp_path / "c.sqlite3", home / "backups", NOW)
    assert not (tmp_path / "c.sqlite3").exists()


def test_daily_backup_on_open_and_pruning_keeps_manual_backups(tmp_path, home):
    path = tmp_path / "c.sqlite3"
    store = _seeded(path, Settings(backups_to_keep=2))
    assert backups.list_backups(home / "backups") == []  # nothing to protect yet
    store.record_review(("d", "c"), Rating.GOOD, now=NOW)
    manual = store.backup(now=NOW)
    store.close()
    assert manual.exists()
    # The manual backup made just now counts as today's: no daily one yet.
    Store.open(url(path), settings=Settings(backups_to_keep=2), now=NOW + timedelta(hours=1)).close()
    assert [b.reason for b in backups.list_backups(home / "backups")] == ["manual"]
    for day in range(1, 5):
        Store.open(url(path), settings=Settings(backups_to_keep=2), now=NOW + timedelta(days=day)).close()
    reasons = [b.reason for b in backups.list_backups(home / "backups")]
    assert reasons == ["daily", "daily", "manual"]
    # A snapshot cut short by a crash is cleaned up by the next pruning.
    leftover = home / "backups" / ".quizapp-20260101-000000-000000-daily.sqlite3.part"
    leftover.write_bytes(b"half")
    backups.prune(home / "backups", 2)
    assert leftover.exists()  # it could be another process's backup in progress
    os.utime(leftover, (0, 0))
    backups.prune(home / "backups", 2)
    assert not leftover.exists()


def test_a_failing_daily_backup_is_a_notice_not_a_failure(tmp_path, home):
    path = tmp_path / "c.sqlite3"
    store = _seeded(path)
    store.record_review(("d", "c"), Rating.GOOD, now=NOW)
    store.close()
    home.mkdir(parents=True, exist_ok=True)
    (home / "backups").write_text("a file where the backups folder should be")
    with Store.open(url(path), settings=Settings(), now=NOW + timedelta(days=2)) as store:
        assert store.notices and "daily backup skipped" in store.notices[0]
        assert len(store.history(("d", "c"))) == 1


def test_a_url_with_an_unknown_driver_is_one_line_without_the_password():
    with pytest.raises(StoreError) as err:
        Store.open("postgresql+nosuchdriver://bob:hunter2@db.example/quizapp", settings=Settings())
    assert "hunter2" not in str(err.value) and "bob:***@" in str(err.value)


def test_migrations_are_frozen_they_import_no_quizapp_code():
    # A migration that calls live code would migrate an old database differently once that code changes.
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(migrations))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("quizapp")]


def test_the_frozen_full_text_migration_makes_what_search_reads(tmp_path):
    from quizapp.core.storage import fulltext

    ddl = " ".join(migrations._V6_SQLITE_DDL)
    assert f"CREATE VIRTUAL TABLE {fulltext.FTS_TABLE} USING fts5({', '.join(fulltext.TEXT_COLUMNS)}," in ddl
    assert {name for name in fulltext.PG_INDEXES} == {s.split()[2] for s in migrations._V6_PG_DDL[1:]}
    # A schema 1 database migrates through the frozen migration 6 to a working index.
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL)
    conn.close()
    with Store.open(url(path), settings=Settings()) as store:
        assert store.schema_version() == migrations.LATEST
        with store.engine.connect() as c:
            assert fulltext.fts_available(c)
            rows = c.exec_driver_sql(f"SELECT rowid FROM {fulltext.FTS_TABLE} WHERE {fulltext.FTS_TABLE} MATCH 'views'").all()
        assert [tuple(r) for r in rows] == [(1,)]
