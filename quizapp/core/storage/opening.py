"""Opening a collection: the engine, refusing what is not ours, upgrading, the daily backup.

After an upgrade from schema 4 the log is replayed and compared with the stored states: mismatches are
reported (as notices, and kept in ``quizapp_meta``) and never overwritten; ``quizapp doctor --rebuild``
replaces them with what the log says once the user has looked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError

from quizapp.core.storage import backups as backups_mod
from quizapp.core.storage import migrations
from quizapp.core.storage.connection import is_sqlite, make_engine, retrying, write_connection
from quizapp.core.storage.errors import StoreDiskFull, StoreError, StoreReadOnly, describe


def hide_password(url: str) -> str:
    """``scheme://user:secret@host`` -> ``scheme://user:***@host``, for messages."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


@dataclass
class Opened:
    engine: Engine
    db_file: Path | None
    where: str


def engine_for(
    url: str, *, read_only: bool, default_file: Path | None, backups_dir: Path, immutable: bool = False
) -> Opened:
    shown = hide_password(url)
    try:
        engine = make_engine(url, read_only=read_only, immutable=immutable)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"{shown!r} is not a database URL ({exc}); set QUIZAPP_DB or --db to a SQLAlchemy URL"
        ) from None
    except ImportError as exc:
        raise StoreError(f"the database driver for {shown.split(':', 1)[0]} is not installed ({exc})") from None
    db_file = None
    if is_sqlite(engine):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            db_file = Path(database).expanduser()
            if not db_file.exists():
                found = backups_mod.list_backups(backups_dir)
                if default_file is not None and db_file == default_file and found:
                    engine.dispose()
                    # A vanished collection next to backups is an accident (a crash, a bad sync), not a
                    # fresh start: never create an empty one over it.
                    raise StoreError(
                        f"{db_file} is missing but {len(found)} backup(s) exist in {backups_dir}: bring the newest "
                        f"back with `quizapp restore {found[0].path.name} --yes`, or move the backups folder away "
                        "to start afresh"
                    )
                if read_only:
                    engine.dispose()
                    raise StoreError(f"there is no collection at {db_file} yet")
                try:
                    db_file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    engine.dispose()
                    raise StoreError(f"cannot create the folder for {db_file}: {exc.strerror or exc}") from None
    where = str(db_file) if db_file else engine.url.render_as_string(hide_password=True)
    return Opened(engine, db_file, where)


def way_out(db_file: Path | None, backups_dir: Path) -> str:
    if db_file:
        return (
            f"restore a backup with `quizapp restore` (backups in {backups_dir}) "
            f"or move {db_file.name} away to start afresh"
        )
    return "point QUIZAPP_DB or --db at a quizapp database, or at an empty one"


def inspect_schema(opened: Opened, backups_dir: Path) -> tuple[int, set[int]]:
    """The schema version and the set of applied migrations, after refusing a foreign, unreadable or
    too-new database."""
    try:
        with opened.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            version = migrations.current_version(conn) if "quizapp_meta" in tables else 0
            applied = migrations.applied_versions(conn) if "quizapp_meta" in tables else set()
            app = None
            if "quizapp_meta" in tables:
                app = conn.execute(sa.text("SELECT value FROM quizapp_meta WHERE key = 'application'")).scalar()
    except DatabaseError as exc:
        if isinstance(exc, OperationalError) and not opened.db_file:
            raise StoreError(
                f"cannot connect to {opened.where}: {str(exc.orig).strip().splitlines()[0]}"
            ) from None
        error = describe(exc, opened.where, way_out(opened.db_file, backups_dir), doing="read")
        if not isinstance(error, (StoreReadOnly, StoreDiskFull)):
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreadable"
            error = StoreError(f"{opened.where} is not a readable quizapp database ({reason}); "
                               f"{way_out(opened.db_file, backups_dir)}")
        raise error from None
    if tables and app != migrations.APPLICATION:
        raise StoreError(
            f"{opened.where} holds another program's tables ({', '.join(sorted(tables)[:4])}), not a quizapp "
            f"collection; {way_out(opened.db_file, backups_dir)}"
        )
    if version > migrations.LATEST:
        raise StoreError(
            f"{opened.where} was made by a newer quizapp (schema {version}; this one knows up to "
            f"{migrations.LATEST}): upgrade quizapp, or {way_out(opened.db_file, backups_dir)}"
        )
    return version, applied


def migrate(opened: Opened, *, learner: str, device: str) -> None:
    def work() -> None:
        with write_connection(opened.engine) as conn:
            if opened.engine.dialect.name == "postgresql":
                # Serialise concurrent first opens of one server database.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262001)"))
            conn.info["quizapp_learner"] = learner
            conn.info["quizapp_device"] = device
            migrations.apply_pending(conn)

    try:
        retrying(work)
    except SQLAlchemyError as exc:
        error = describe(exc, opened.where, "", doing="write")
        if isinstance(error, (StoreReadOnly, StoreDiskFull)):
            raise error from None
        raise StoreError(
            f"could not upgrade {opened.where}: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}"
        ) from None


def quick_check(engine: Engine) -> str:
    """SQLite's ``PRAGMA quick_check`` (``ok`` when intact)."""
    with engine.connect() as conn:
        return "; ".join(str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check"))


def daily_backup(opened: Opened, backups_dir: Path, keep: int, now: datetime, notices: list[str]) -> None:
    """The automatic daily snapshot, after a quick_check (a damaged file is not copied over good backups).

    A failure (disk full, read-only folder, damage) becomes a notice: it must not stop the user studying."""
    assert opened.db_file is not None
    try:
        verdict = quick_check(opened.engine)
    except DatabaseError as exc:
        verdict = str(exc.orig or exc)
    if verdict != "ok":
        notices.append(f"daily backup skipped: {opened.where} failed its check ({verdict[:200]}); "
                       "run `quizapp doctor`")
        return
    try:
        backups_mod.create_backup(opened.db_file, backups_dir, "daily", now)
        backups_mod.prune(backups_dir, keep)
    except (StoreError, OSError) as exc:
        notices.append(f"daily backup skipped: {exc}")
