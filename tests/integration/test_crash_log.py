"""kill -9 at random moments during review, undo, sync, restore and migration, on real SQLite files.

After each kill: the file passes its integrity check, every review the process reported committed
(and did not report undone) is in the log, every undo it reported is gone, the card states and totals
agree with the log (``doctor``), and there is always a collection: never none, never an empty one.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

WORKER = textwrap.dedent(
    """
    import random, sys
    from datetime import datetime, timedelta, timezone
    from quizapp.core.decks.model import Card, Deck, Kind
    from quizapp.core.rating import Rating
    from quizapp.core.settings import Settings
    from quizapp.core.storage.errors import StoreError
    from quizapp.core.storage.store import Store
    from quizapp.core.storage.syncing import sync

    url, seed, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    deck = Deck(id="crash", title="Crash", cards=tuple(
        Card(deck="crash", id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x") for i in range(8)))
    store = Store.open(url, settings=Settings(leech_threshold=3), device=f"dev-{seed % 2}")
    store.sync_cards([deck], datetime.now(timezone.utc))
    print("ready", flush=True)
    base = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=seed)
    mine = []
    for i in range(100000):
        roll = rng.random()
        if roll < 0.25 and mine:
            rid = mine.pop()
            print(f"undoing {rid}", flush=True)  # a kill from here on may or may not have undone it
            try:
                store.undo_review(rid)
                print(f"undone {rid}", flush=True)
            except StoreError:
                print(f"kept {rid}", flush=True)
        elif roll < 0.3:
            sync(store, folder)
            mine = []  # synced reviews can no longer be undone
            print("synced", flush=True)
        else:
            key = ("crash", f"c{rng.randrange(8)}")
            result = store.record_review(key, Rating(rng.randint(1, 4)), now=base + timedelta(minutes=i))
            mine.append(result.review_id)
            print(f"committed {result.review_id}", flush=True)
    """
)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env["QUIZAPP_HOME"] = str(home)
    return env


def _run_and_kill(args: list[str], env: dict[str, str], delay: float) -> list[str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lines.extend, args=(proc.stdout,), daemon=True)
    reader.start()
    # Count the delay from when the worker is at work, however long a loaded machine takes to start it.
    deadline = time.monotonic() + 120
    while not any(line.startswith("ready") for line in lines) and proc.poll() is None:
        assert time.monotonic() < deadline, "the worker never got ready"
        time.sleep(0.02)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    reader.join(timeout=60)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode in (-signal.SIGKILL, 0), err[-2000:]
    return lines


def _healthy(url: str, home: Path) -> None:
    os.environ["QUIZAPP_HOME"] = str(home)
    from quizapp.core.settings import Settings
    from quizapp.core.storage import doctor
    from quizapp.core.storage.store import Store

    with Store.open(url, settings=Settings(leech_threshold=3), backups=False) as store:
        assert store.integrity_check() == "ok"
        report = store.run_read(lambda conn: doctor.verify(conn, store.settings))
        assert report.healthy, (report.mismatched[:3], report.bucket_learners)


def test_kill_9_during_review_undo_and_sync_loses_nothing_acknowledged(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    db = tmp_path / "collection.sqlite3"
    url = f"sqlite:///{db}"
    folder = tmp_path / "sync"
    rng = random.Random(20261202)
    committed: set[str] = set()
    undone: set[str] = set()
    attempted: set[str] = set()
    for round_no in range(6):
        lines = _run_and_kill([sys.executable, str(script), url, str(round_no), str(folder)],
                              _env(tmp_path / "home"), rng.uniform(0.3, 1.5))
        for line in lines:
            if not line.endswith("\n"):
                continue  # cut short by the kill: not acknowledged
            word, _, rid = line.strip().partition(" ")
            if word == "committed":
                committed.add(rid)
            elif word == "undone":
                undone.add(rid)
            elif word == "undoing":
                attempted.add(rid)
        conn = sqlite3.connect(db)
        created = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviews'").fetchone()
        stored = {r[0] for r in conn.execute("SELECT id FROM reviews")} if created else set()
        conn.close()
        if not created:  # killed while the collection was first being created: nothing acknowledged yet
            assert not committed
            continue
        lost = (committed - attempted) - stored
        assert not lost, f"round {round_no}: {len(lost)} review(s) reported committed are missing: {sorted(lost)[:3]}"
        assert not undone & stored, "a review reported undone is still there"
        _healthy(url, tmp_path / "home")
    assert len(committed) > 30, "the worker hardly ran; the test proved nothing"
    # The sync folder survived the kills too: a fresh device gets every review in it.
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import Store
    from quizapp.core.storage.syncing import sync

    with Store.open(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", settings=Settings(leech_threshold=3),
                    device="fresh", backups=False) as fresh:
        sync(fresh, str(folder))
        assert fresh.review_count() > 0


RESTORER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from quizapp.core.storage import backups
    backup, db, folder = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    print("ready", flush=True)
    while True:
        backups.restore_backup(backup, db, folder, datetime.now(timezone.utc))
        print("restored", flush=True)
    """
)


def _big_collection(db: Path, home: Path, reviews: int) -> None:
    os.environ["QUIZAPP_HOME"] = str(home)
    from datetime import datetime, timedelta

    from quizapp.core.decks.model import Card, Deck, Kind
    from quizapp.core.rating import Rating
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import ReviewInput, Store

    deck = Deck(id="big", title="Big", cards=tuple(
        Card(deck="big", id=f"c{i}", kind=Kind.SHAPE, prompt="p" * 200, ask="x") for i in range(2000)))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with Store.open(f"sqlite:///{db}", settings=Settings(), backups=False) as store:
        store.sync_cards([deck], base)
        store.record_reviews(ReviewInput(("big", f"c{i % 2000}"), Rating(3), base + timedelta(minutes=i))
                             for i in range(reviews))


def test_kill_9_during_restore_never_leaves_no_collection(tmp_path):
    home = tmp_path / "home"
    db = tmp_path / "collection.sqlite3"
    _big_collection(db, home, 20000)
    backup = tmp_path / "older.sqlite3"
    src, dst = sqlite3.connect(db), sqlite3.connect(backup)
    src.execute("DELETE FROM reviews WHERE rowid % 2 = 0")  # a different collection to restore
    src.rollback()
    src.backup(dst)
    src.close()
    dst.close()
    counts = {sqlite3.connect(p).execute("SELECT COUNT(*) FROM reviews").fetchone()[0] for p in (db, backup)}
    script = tmp_path / "restorer.py"
    script.write_text(RESTORER)
    rng = random.Random(7)
    for _ in range(6):
        _run_and_kill([sys.executable, str(script), str(backup), str(db), str(home / "backups")], _env(home),
                      rng.uniform(0.0, 1.5))
        assert db.exists(), "a kill during restore left no collection"
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] in counts
        conn.close()


MIGRATOR = textwrap.dedent(
    """
    import sys
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import Store
    print("ready", flush=True)
    Store.open(sys.argv[1], settings=Settings(), backups=False).close()
    print("migrated", flush=True)
    """
)


def test_kill_9_during_the_schema_5_migration_keeps_every_review(tmp_path):
    from quizapp.core.storage import migrations

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit"))
    from test_store_migrations import V1_DDL

    home = tmp_path / "home"
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(V1_DDL)
    conn.close()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as c:
        for m in migrations.MIGRATIONS[1:4]:
            m.apply(c)
            c.execute(sa.text("INSERT INTO schema_version VALUES (:v, 0, 'x')"), {"v": m.version})
        c.execute(sa.text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000) "
            "INSERT INTO reviews (card, reviewed_at, rating, answer, correct, duration_s, phase_before, "
            "scheduled_days, interval_days, stability, difficulty, phase_after, previous) "
            "SELECT 1, 1773230400.0 + i, 3, 'a', 1, 1.0, 2, 1.0, 1.0, 5.0, 5.0, 2, '{}' FROM n"))
    engine.dispose()
    script = tmp_path / "migrator.py"
    script.write_text(MIGRATOR)
    rng = random.Random(3)
    url = f"sqlite:///{db}"
    for _ in range(4):
        lines = _run_and_kill([sys.executable, str(script), url], _env(home), rng.uniform(0.0, 2.0))
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 60001
        conn.close()
        if any(line.startswith("migrated") for line in lines):
            break
    done = subprocess.run([sys.executable, str(script), url], env=_env(home), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == migrations.LATEST
    assert conn.execute("SELECT COUNT(DISTINCT id) FROM reviews").fetchone()[0] == 60001
    conn.close()
