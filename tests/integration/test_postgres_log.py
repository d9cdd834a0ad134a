"""The review-log tests against a real PostgreSQL server, plus what only a server shows: two clients
reviewing and undoing the same cards at once, a hub for sync, and a class of learners on one server.

.ci/postgres.sh starts a throwaway server and exports QUIZAPP_TEST_PG_URL; without it these skip.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

PG_URL = os.environ.get("QUIZAPP_TEST_PG_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="QUIZAPP_TEST_PG_URL is not set (source .ci/postgres.sh to start a server)"),
]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit"))
import sqlalchemy as sa  # noqa: E402
from test_review_log import *  # noqa: E402,F401,F403
from test_review_log import healthy, log, states  # noqa: E402
from test_store_basic import NOW, make_deck  # noqa: E402

from quizapp.core.rating import Rating  # noqa: E402
from quizapp.core.settings import Settings  # noqa: E402
from quizapp.core.storage import doctor, syncing  # noqa: E402
from quizapp.core.storage.store import Store  # noqa: E402


def _database():
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"quizapp_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


@pytest.fixture
def store_url():  # noqa: F811
    url, drop = _database()
    yield url
    drop()


@pytest.fixture
def second_url():  # noqa: F811
    url, drop = _database()
    yield url
    drop()


CLIENT = textwrap.dedent(
    """
    import random, sys
    from datetime import datetime, timedelta, timezone
    from quizapp.core.rating import Rating
    from quizapp.core.settings import Settings
    from quizapp.core.storage.errors import StoreError
    from quizapp.core.storage.store import Store

    url, seed, count, learner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    store = Store.open(url, settings=Settings(leech_threshold=3), learner=learner, device=f"client-{seed}")
    mine, refused, done = [], 0, 0
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(count):
        if mine and rng.random() < 0.35:
            review_id = mine.pop(rng.randrange(len(mine)))
            try:
                store.undo_review(review_id)
            except StoreError:
                refused += 1
            continue
        key = ("alpha", f"c{rng.randrange(4)}")
        when = base + timedelta(seconds=i * 37 + seed)
        mine.append(store.record_review(key, Rating(rng.randint(1, 4)), now=when).review_id)
        done += 1
    store.close()
    print(f"ok {done} {refused}", flush=True)
    """
)


@pytest.mark.slow
def test_two_clients_reviewing_and_undoing_concurrently_keep_log_buckets_and_states_in_agreement(
    store_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    with Store.open(store_url, settings=Settings(leech_threshold=3), learner="ann") as store:
        store.sync_cards([make_deck("alpha", 4)], NOW)
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    env = {**os.environ, "QUIZAPP_HOME": str(tmp_path / "home")}
    # Same learner, same four cards: every review and undo of one races the other's.
    procs = [subprocess.Popen([sys.executable, str(script), store_url, str(seed), "1500", "ann"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    for proc in procs:
        out, err = proc.communicate(timeout=1200)
        assert proc.returncode == 0, err[-2000:]
        assert out.startswith("ok")
    with Store.open(store_url, settings=Settings(leech_threshold=3), learner="ann") as store:
        report = store.run_read(lambda conn: doctor.verify(conn, store.settings))
        assert report.healthy, (report.mismatched[:3], report.bucket_learners)
        total = sum(row[1] for row in store.review_days(NOW))
        assert total == store.review_count() > 0


def test_two_devices_syncing_through_a_postgresql_hub_end_equal(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    hub_url, drop_hub = _database()
    try:
        settings = Settings(leech_threshold=3)
        laptop = Store.open(f"sqlite:///{tmp_path / 'laptop.sqlite3'}", settings=settings, learner="ann",
                            device="laptop")
        desktop = Store.open(f"sqlite:///{tmp_path / 'desktop.sqlite3'}", settings=settings, learner="ann",
                             device="desktop")
        for store in (laptop, desktop):
            store.sync_cards([make_deck("alpha", 6)], NOW)
        rng, when = random.Random(5), NOW
        for _ in range(50):
            device = laptop if rng.random() < 0.5 else desktop
            when += timedelta(hours=rng.randint(1, 30))
            device.record_review(("alpha", f"c{rng.randrange(6)}"), Rating(rng.randint(1, 4)), now=when)
        everything = sorted(log(laptop) + log(desktop))
        laptop.mark_concept_seen("alpha", "views", NOW)
        desktop.mark_concept_seen("alpha", "strides", NOW)
        for device in (desktop, laptop, desktop):
            syncing.sync(device, hub_url)
        assert laptop.seen_concepts() == desktop.seen_concepts() == {("alpha", "views"), ("alpha", "strides")}
        assert log(laptop) == log(desktop) == everything
        assert states(laptop) == states(desktop) and healthy(laptop) and healthy(desktop)
        with Store.open(hub_url, settings=settings, learner="ann") as hub:
            assert sorted(log(hub)) == everything and healthy(hub)
        laptop.close()
        desktop.close()
    finally:
        drop_hub()


def test_a_class_on_one_server_is_separated_and_the_class_report_sees_everyone(store_url, tmp_path, monkeypatch):
    from quizapp.core.export import class_report

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    stores = [Store.open(store_url, settings=Settings(), learner=name, device=f"pc-{name}")
              for name in ("ann", "bob", "cy")]
    stores[0].sync_cards([make_deck("alpha", 3)], NOW)
    for i, store in enumerate(stores):
        for j in range(i + 3):
            store.record_review(("alpha", "c0"), Rating.AGAIN if j % 2 else Rating.GOOD,
                                now=NOW + timedelta(minutes=15 * j))
    assert [s.review_count() for s in stores] == [3, 4, 5]
    report = class_report.compute(stores[0], NOW + timedelta(hours=2))
    assert [a.learner for a in report.activity] == ["ann", "bob", "cy"]
    assert [a.reviews for a in report.activity] == [3, 4, 5]
    assert report.hardest[0].card_id == "c0" and report.hardest[0].learners == 3
    for store in stores:
        store.close()
