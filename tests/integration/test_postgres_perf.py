"""Full-text search and digest-skipping sync, run again against a real PostgreSQL server.

Same server and per-test database as tests/integration/test_postgres.py (``QUIZAPP_TEST_PG_URL``, set by
``source .ci/postgres.sh``); skipped without it. On PostgreSQL the index is pg_trgm's GIN indexes, and
``lower()`` folds more than ASCII, so the samples here are ASCII (where both databases agree).
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

PG_URL = os.environ.get("QUIZAPP_TEST_PG_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="QUIZAPP_TEST_PG_URL is not set (source .ci/postgres.sh to start a server)"),
]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit"))
import sqlalchemy as sa  # noqa: E402
from test_fulltext import *  # noqa: E402,F401,F403
from test_store_deck_summaries import *  # noqa: E402,F401,F403
from test_store_sync_digests import *  # noqa: E402,F401,F403


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
