"""Schema 5's upgrade and the storage fix list: restore into the live file, WAL only for our files,
DST-proof study days, deck tags, errors named for what they are, read-only use, checked daily
backups, a vanished collection never silently recreated, due-queue ties broken by position."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from test_store_basic import NOW, make_deck  # noqa: I001
from test_store_migrations import V1_DDL

from quizapp.core.decks.model import Deck
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage import backups, buckets, migrations, opening
from quizapp.core.storage.errors import StoreDamaged, StoreDiskFull, StoreError, StoreReadOnly, describe
from quizapp.core.storage.store import Store

SETTINGS = Settings(fuzz=False)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _schema4(path, reviews: list[tuple]) -> None:
    """A schema-4 collection: the V1 file upgraded by the frozen migrations 2-4, plus ``reviews``."""
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL)
    conn.close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for m in migrations.MIGRATIONS[1:4]:
            m.apply(conn)
            conn.execute(sa.text("INSERT INTO schema_version VALUES (:v, 0, :d)"), {"v": m.version, "d": m.description})
        for row in reviews:
            conn.execute(sa.text("INSERT INTO reviews (card, reviewed_at, rating, answer, correct, duration_s, "
                                 "phase_before, scheduled_days, interval_days, stability, difficulty, phase_after, "
                                 "previous) VALUES (1, :t, :r, 'a', 1, 1.0, 2, 6.0, 9.0, 8.0, 1.0, 2, '{}')"),
                         {"t": row[0], "r": row[1]})
    engine.dispose()


def test_upgrading_schema_4_keeps_every_review_gives_uuids_and_reports_a_state_mismatch(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    _schema4(path, [(1773300000.0 + i * 86400, 3) for i in range(5)])
    monkeypatch.setenv("QUIZAPP_LEARNER", "maria")
    with Store.open(f"sqlite:///{path}", settings=SETTINGS) as store:
        assert store.schema_version() == migrations.LATEST == 8
        assert store.learner == "maria" and store.learners() == ["maria"]
        history = store.history(("views", "v1"))
        assert len(history) == 6 and len({h.id for h in history}) == 6
        assert all(len(h.id) == 36 for h in history)
        # The stored state (stability 8.29, 1 rep) is not what replaying six reviews gives: reported, kept.
        assert any("upgrade check" in n and "doctor" in n for n in store.notices)
        assert store.card_info(("views", "v1")).reps == 1
        assert sum(day[1] for day in store.review_days(NOW)) == 1  # the old totals are kept as they were


def test_upgrading_keeps_the_intervals_old_reviews_got(tmp_path):
    path = tmp_path / "old.sqlite3"
    _schema4(path, [])
    with Store.open(f"sqlite:///{path}", settings=SETTINGS) as store:
        fixed = store.run_read(lambda c: c.exec_driver_sql("SELECT fixed_interval_days FROM reviews").scalar())
        assert fixed == 6.0  # the V1 review's interval: replay reproduces its random fuzz exactly


def test_restore_goes_into_the_live_file_so_an_open_window_sees_it_and_writes_into_it(tmp_path, home):
    db = tmp_path / "collection.sqlite3"
    window = Store.open(f"sqlite:///{db}", settings=SETTINGS)
    window.sync_cards([make_deck("alpha", 3)], NOW)
    window.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    saved = window.backup(now=NOW)
    window.record_review(("alpha", "c1"), Rating.GOOD, now=NOW)
    inode = db.stat().st_ino
    kept = backups.restore_backup(saved, db, home / "backups", NOW + timedelta(seconds=1))
    assert db.stat().st_ino == inode  # the same file, not a replacement
    assert window.review_count() == 1  # the open window reads the restored collection
    window.record_review(("alpha", "c2"), Rating.GOOD, now=NOW)
    window.close()
    with Store.open(f"sqlite:///{db}", settings=SETTINGS) as again:
        assert again.review_count() == 2
    assert kept is not None and "pre-restore" in kept.name


def test_pre_restore_backups_are_never_pruned(tmp_path, home):
    folder = home / "backups"
    folder.mkdir(parents=True)
    for i in range(4):
        stamp = (NOW + timedelta(minutes=i)).strftime("%Y%m%d-%H%M%S-%f")
        (folder / f"quizapp-{stamp}-pre-restore.sqlite3").write_bytes(b"x")
        (folder / f"quizapp-{stamp}-daily.sqlite3").write_bytes(b"x")
    backups.prune(folder, 1)
    names = sorted(b.reason for b in backups.list_backups(folder))
    assert names == ["daily"] + ["pre-restore"] * 4


def test_a_missing_collection_is_not_silently_recreated_empty_when_backups_exist(tmp_path, home):
    db = home / "quizapp.sqlite3"
    with Store.open(settings=SETTINGS) as store:
        store.sync_cards([make_deck("alpha", 1)], NOW)
        store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
        store.backup(now=NOW)
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    with pytest.raises(StoreError, match="missing but 1 backup"):
        Store.open(settings=SETTINGS)
    assert not db.exists()


def test_another_programs_sqlite_file_is_never_switched_to_wal(tmp_path):
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError):
        Store.open(f"sqlite:///{path}", settings=SETTINGS)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_study_days_keep_their_own_utc_offset_across_a_dst_change():
    zone = ZoneInfo("America/New_York")  # DST began 2026-03-08
    # One review at 04:30 local (just after the 4 a.m. day start) on each of 7 consecutive days across the
    # change: with one offset for all of them, the days on one side would fall before 4 a.m.
    stamps = [datetime(2026, 3, 5 + i, 4, 30, tzinfo=zone).timestamp() for i in range(7)]
    rows = [(int(t // migrations.BUCKET_SECONDS), 1, 1, 0, 0, 1.0) for t in stamps]
    days = buckets.group_by_day(rows, 4, zone)
    assert len(days) == 7 and [d[0] for d in days] == list(range(days[0][0], days[0][0] + 7))
    # An evening review at 23:30 local stays on its own day after the change too.
    late = datetime(2026, 3, 9, 23, 30, tzinfo=zone).timestamp()
    (day,) = buckets.group_by_day([(int(late // migrations.BUCKET_SECONDS), 1, 1, 0, 0, 1.0)], 4, zone)
    assert day[0] == (datetime(2026, 3, 9).date() - datetime(1970, 1, 1).date()).days


def test_deck_level_tags_are_stored_so_browse_finds_them(tmp_path):
    base = make_deck("views", 2, tags=("shape",))
    deck = Deck(id=base.id, title=base.title, cards=base.cards, tags=("view",))
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=SETTINGS) as store:
        store.sync_cards([deck], NOW)
        assert [c.key[1] for c in store.search(tag="view")] == ["c0", "c1"]
        assert set(store.card_info(("views", "c0")).tags) == {"shape", "view"}


def test_due_queue_ties_are_broken_by_position(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=SETTINGS) as store:
        deck = make_deck("alpha", 5)
        # Registered in reverse first, so the storage order differs from the deck order that counts.
        store.sync_cards([Deck(id=deck.id, title=deck.title, cards=deck.cards[::-1])], NOW)
        store.sync_cards([deck], NOW)
        for i in (4, 2, 0, 3, 1):  # same rating at the same moment: all due at the same time
            store.record_review(("alpha", f"c{i}"), Rating.AGAIN, now=NOW)
        later = NOW + timedelta(minutes=30)
        assert store.due_queue(["alpha"], later)[:5] == [("alpha", f"c{i}") for i in range(5)]


class _FakeSqliteError(sqlite3.OperationalError):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.sqlite_errorcode = code


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [(8, StoreReadOnly, "read-only"), (13, StoreDiskFull, "full"), (14, StoreReadOnly, "cannot open"),
     (11, StoreDamaged, "damaged"), (26, StoreDamaged, "damaged")],
)
def test_errors_are_named_for_what_they_are(code, kind, words):
    error = describe(_FakeSqliteError("boom", code), "/x/quizapp.sqlite3", "restore a backup", doing="write to")
    assert type(error) is kind and words in str(error)
    if code not in (11, 26):
        assert "damaged" not in str(error) and "restore" not in str(error)


def test_read_only_open_reads_and_never_writes(tmp_path):
    path = tmp_path / "c.sqlite3"
    with Store.open(f"sqlite:///{path}", settings=SETTINGS) as store:
        store.sync_cards([make_deck("alpha", 2)], NOW)
        store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    before = path.read_bytes()
    with Store.open(f"sqlite:///{path}", settings=SETTINGS, read_only=True) as store:
        assert store.review_count() == 1 and len(store.due_queue(["alpha"], NOW)) == 1
        assert len(list(store.iter_reviews())) == 1
        with pytest.raises(StoreError, match="read-only"):
            store.record_review(("alpha", "c1"), Rating.GOOD, now=NOW)
    assert path.read_bytes() == before


def test_a_read_only_collection_file_still_opens_for_stats(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    with Store.open(f"sqlite:///{path}", settings=SETTINGS) as store:
        store.sync_cards([make_deck("alpha", 2)], NOW)
    real = Store.open.__func__

    def refusing(cls, url=None, **kwargs):  # what a read-only disk does to a writer
        if not kwargs.get("read_only"):
            raise StoreReadOnly("c.sqlite3 is read-only")
        return real(cls, url, **kwargs)

    monkeypatch.setattr(Store, "open", classmethod(refusing))
    monkeypatch.setenv("QUIZAPP_DB", f"sqlite:///{path}")
    from typer.testing import CliRunner

    from quizapp.cli.main import app

    done = CliRunner().invoke(app, ["stats", "--json"])
    assert done.exit_code == 0, done.output
    assert "read-only" in done.output


def test_a_daily_backup_of_a_file_that_fails_quick_check_is_skipped(tmp_path, home, monkeypatch):
    path = tmp_path / "c.sqlite3"
    with Store.open(f"sqlite:///{path}", settings=SETTINGS, backups=False) as store:
        store.sync_cards([make_deck("alpha", 1)], NOW)
        store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    monkeypatch.setattr(opening, "quick_check", lambda engine: "*** in database main *** Page 3: btree damaged")
    with Store.open(f"sqlite:///{path}", settings=SETTINGS, now=NOW) as store:
        assert any("failed its check" in n for n in store.notices)
    assert backups.list_backups(home / "backups") == []


def test_unbury_brings_a_card_back_today(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=SETTINGS) as store:
        store.sync_cards([make_deck("alpha", 2)], NOW)
        store.bury(("alpha", "c0"), NOW)
        assert ("alpha", "c0") not in store.due_queue(["alpha"], NOW)
        store.unbury(("alpha", "c0"))
        assert store.due_queue(["alpha"], NOW)[0] == ("alpha", "c0")




def test_a_wal_collection_in_an_unwritable_folder_is_read_as_it_is_on_disk(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    with Store.open(f"sqlite:///{path}", settings=SETTINGS) as store:
        store.sync_cards([make_deck("alpha", 2)], NOW)
        store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    real = opening.inspect_schema
    tried = []

    def no_shm(opened, backups_dir):  # what SQLite says when it cannot create the -shm file
        tried.append(str(opened.engine.url.database))
        if "immutable" not in str(opened.engine.url.database):
            raise StoreReadOnly("cannot open c.sqlite3 (unable to open database file)")
        return real(opened, backups_dir)

    monkeypatch.setattr(opening, "inspect_schema", no_shm)
    with Store.open(f"sqlite:///{path}", settings=SETTINGS, read_only=True) as store:
        assert store.review_count() == 1
    assert len(tried) == 2 and "immutable=1" in tried[1]
