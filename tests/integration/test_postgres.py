"""The store's tests, run again against a real PostgreSQL server (``QUIZAPP_DB`` for a shared class server).

.ci/postgres.sh starts a throwaway server and exports QUIZAPP_TEST_PG_URL (an SQLAlchemy URL such as
``postgresql+psycopg://quizapp@127.0.0.1:5432/postgres``). Each test gets a database of its own,
created on that server and dropped afterwards. Without the variable these tests are skipped.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

PG_URL = os.environ.get("QUIZAPP_TEST_PG_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="QUIZAPP_TEST_PG_URL is not set (source .ci/postgres.sh to start a server)"),
]

# Reuse every test of the SQLite store suite: they only depend on the ``store_url`` fixture, overridden below.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit"))
import sqlalchemy as sa  # noqa: E402
from test_store_basic import *  # noqa: E402,F401,F403
from test_store_basic import NOW, make_deck  # noqa: E402

from quizapp.core import stats  # noqa: E402
from quizapp.core.rating import Rating  # noqa: E402
from quizapp.core.settings import Settings  # noqa: E402
from quizapp.core.storage import migrations  # noqa: E402
from quizapp.core.storage.store import Store  # noqa: E402


@pytest.fixture
def store_url():  # noqa: F811  (overrides the SQLite one imported above)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"quizapp_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgres_gets_the_latest_schema_and_stats_work(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    with Store.open(store_url, settings=Settings(fuzz=False)) as store:
        assert store.schema_version() == migrations.LATEST
        assert store.db_file is None and "postgresql" in store.location
        store.sync_cards([make_deck("alpha", 3)], NOW)
        store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
        store.record_review(("alpha", "c1"), Rating.AGAIN, now=NOW + timedelta(seconds=1))
        result = stats.compute(store, NOW + timedelta(minutes=1))
        assert result.reviews == 2 and result.cards == 3 and result.streak_days == 1


def test_quizapp_db_points_the_store_at_the_server(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.setenv("QUIZAPP_DB", store_url)
    with Store.open(settings=Settings()) as store:
        store.sync_cards([make_deck("alpha", 1)], NOW)
    with Store.open(store_url, settings=Settings()) as again:
        assert again.card_info(("alpha", "c0")) is not None
    assert not (tmp_path / "quizapp.sqlite3").exists()


def test_an_unreachable_server_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    from quizapp.core.storage.errors import StoreError

    bad = sa.engine.make_url(PG_URL).set(port=1, password="secret")
    with pytest.raises(StoreError) as err:
        Store.open(bad.render_as_string(hide_password=False), settings=Settings())
    assert "cannot connect" in str(err.value) and "secret" not in str(err.value)


def test_export_streams_from_the_server(store_url, tmp_path, monkeypatch):
    import csv
    import json

    from quizapp.core.export import tabular

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    with Store.open(store_url, settings=Settings(fuzz=False)) as store:
        store.sync_cards([make_deck("alpha", 2)], NOW)
        store.record_review(("alpha", "c0"), Rating.AGAIN, answer='say "a, b"', correct=False, now=NOW)
        store.record_review(("alpha", "c1"), Rating.EASY, answer="(2, 3)", correct=True, now=NOW + timedelta(seconds=5))
        result = tabular.write_csv(store, tmp_path / "p.csv")
        assert (result.reviews, result.cards) == (2, 2)
        with open(tmp_path / "p.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["card_id"], r["answer"], r["correct"], r["rating_label"]) for r in rows] == [
            ("c0", 'say "a, b"', "False", "Again"),
            ("c1", "(2, 3)", "True", "Easy"),
        ]
        assert rows[0]["reviewed_at"] == "2026-03-10T12:00:00.000+00:00"
        data = json.loads(tabular.write_json(store, tmp_path / "p.json").files[0].read_text())
        assert [r["rating"] for r in data["reviews"]] == [1, 4] and len(data["cards"]) == 2


def test_two_writers_on_one_server_lose_nothing(store_url, tmp_path, monkeypatch):
    import threading

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    with Store.open(store_url, settings=Settings()) as store:
        store.sync_cards([make_deck("alpha", 3)], NOW)
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            with Store.open(store_url, settings=Settings()) as own:
                for i in range(40):
                    key = ("alpha", f"c{i % 3}")
                    own.record_review(key, Rating.GOOD, now=NOW + timedelta(minutes=2 * i + offset))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with Store.open(store_url, settings=Settings()) as store:
        histories = [store.history(("alpha", f"c{i}")) for i in range(3)]
        assert sum(len(h) for h in histories) == 80
        for i, history in enumerate(histories):
            assert store.card_info(("alpha", f"c{i}")).reps == len(history)
        assert sum(n for _, n, *_ in store.review_days(NOW)) == 80
