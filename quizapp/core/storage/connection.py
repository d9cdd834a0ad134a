"""Engines built from a URL (inside a function, never at import), with SQLite set up for safety.

SQLite settings and why:
- ``journal_mode=WAL`` (only for a new file or a quizapp collection: another program's SQLite file is
  never switched, since WAL changes how every program must open it): readers never block the writer and
  the writer never blocks readers, so the TUI can keep showing cards while another quizapp process records a review.
- ``synchronous=FULL``: each commit is fsynced before ``record_review`` returns, so a rating survives
  not only ``kill -9`` (which WAL+NORMAL also survives) but a power cut too. A review is a few hundred
  bytes: the fsync costs a millisecond or two and is worth it.
- ``busy_timeout``: a writer waits for the other process's write to finish instead of failing with
  "database is locked"; :func:`retrying` adds backoff on top for the rare case it is exceeded.
- ``foreign_keys=ON``: a review can never point at a card that does not exist.
- Write transactions start with ``BEGIN IMMEDIATE`` (connections from :func:`write_connection`): they
  take the write lock up front, so a transaction never has to upgrade a read lock (the case in which
  SQLite gives up at once with SQLITE_BUSY, whatever the timeout). Reads use a deferred BEGIN.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

BUSY_TIMEOUT_MS = 15_000
_BEGIN_OPTION = "quizapp_begin"
T = TypeVar("T")


def _ours(cur: sqlite3.Cursor) -> bool:
    """An empty database (we are creating it) or a quizapp collection."""
    try:
        names = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            return True
        if "quizapp_meta" not in names:
            return False
        row = cur.execute("SELECT value FROM quizapp_meta WHERE key = 'application'").fetchone()
        return bool(row) and row[0] == "quizapp"
    except sqlite3.DatabaseError:  # unreadable: leave it exactly as it is, opening reports the damage
        return False


def make_engine(url: str, *, read_only: bool = False, immutable: bool = False) -> Engine:
    """An Engine for ``url`` (any SQLAlchemy URL). Raises sqlalchemy.exc.ArgumentError on a bad URL.

    ``read_only`` (SQLite files): open with ``mode=ro``, so a collection on a read-only disk or owned by
    someone else can still be read (stats, export, report). ``immutable`` adds SQLite's ``immutable=1``:
    for a WAL collection in a folder we cannot write, where even a reader cannot create the ``-shm``
    file; the file is then read as it is on disk."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True, future=True)

    if read_only and parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        from pathlib import Path

        target = Path(parsed.database).expanduser().resolve()
        flags = "mode=ro&immutable=1" if immutable else "mode=ro"
        parsed = parsed.set(database=f"file:{target}?{flags}", query={**parsed.query, "uri": "true"})
    engine = sa.create_engine(
        parsed,
        future=True,
        # One process, a few threads (the TUI grades in a worker thread): each thread its own connection.
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Autocommit at the driver level: we issue BEGIN ourselves (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if parsed.database and parsed.database != ":memory:" and not read_only and _ours(cur):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a write transaction (BEGIN IMMEDIATE on SQLite), committed on success."""
    with engine.connect() as conn:
        conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text


def retrying(work: Callable[[], T], *, attempts: int = 8) -> T:
    """Run ``work`` (a whole transaction); on a lock/busy error roll back and retry with jittered backoff."""
    delay = 0.05
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if not _is_lock_error(exc) or attempt == attempts - 1:
                raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")
