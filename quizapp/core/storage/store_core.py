"""The Store's core: opening the collection, who studies where, and the typed read and write transactions.

:class:`StoreCore` opens (creating, upgrading, backing up) the collection through :mod:`opening`, holds
the ``learner`` and ``device``, and runs functions of a connection in a read or a write transaction
(retried on lock and busy errors, database errors turned into one-line :class:`StoreError`).
:class:`~quizapp.core.storage.store.Store` builds its progress methods on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Self, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from quizapp.core import locations
from quizapp.core import settings as settings_mod
from quizapp.core.settings import Settings
from quizapp.core.storage import backups as backups_mod
from quizapp.core.storage import catalogue, migrations, opening, streams
from quizapp.core.storage.connection import is_sqlite, retrying, write_connection
from quizapp.core.storage.errors import StoreError, StoreReadOnly, describe

T = TypeVar("T")


class StoreCore:
    """The collection opened for one learner; :class:`~quizapp.core.storage.store.Store` is the facade."""

    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings,
        backups_dir: Path,
        db_file: Path | None,
        learner: str = "default",
        device: str = "unknown",
        read_only: bool = False,
    ):
        self.engine = engine
        self.settings = settings
        self.backups_dir = backups_dir
        self.db_file = db_file
        self.learner = learner
        self.device = device
        self.read_only = read_only
        self.notices: list[str] = []  # one-line warnings for the user (e.g. a daily backup that failed)

    # ----------------------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        backups: bool = True,
        now: datetime | None = None,
        learner: str | None = None,
        device: str | None = None,
        read_only: bool = False,
    ) -> Self:
        """Open (creating or upgrading) the collection at ``url`` (default ``locations.db_url()``) for
        ``learner`` (default ``locations.learner()``: ``--learner``, QUIZAPP_LEARNER or the OS user).

        An older schema is backed up, then migrated in place. ``backups=False`` skips the automatic daily
        backup; a pre-migration backup is always made. ``read_only`` opens without writing anything
        (stats, export and report on a read-only collection). Raises StoreError with one line for a
        corrupt, foreign, too-new, missing or unreachable database.
        """
        url = url or locations.db_url()
        settings = settings if settings is not None else settings_mod.load()
        now = now or datetime.now(UTC)
        learner = learner or locations.learner()
        device = device or locations.device_id()
        backups_dir = locations.backups_dir()
        default_file = locations.sqlite_file(locations.db_url())
        for immutable in (False, True) if read_only else (False,):
            opened = opening.engine_for(url, read_only=read_only, default_file=default_file, backups_dir=backups_dir,
                                        immutable=immutable)
            store = cls(opened.engine, settings=settings, backups_dir=backups_dir, db_file=opened.db_file,
                        learner=learner, device=device, read_only=read_only)
            try:
                store._prepare(opened, now, daily_backup=backups)
                return store
            except StoreReadOnly:
                opened.engine.dispose()
                if immutable or not read_only or opened.db_file is None:
                    raise
                # A WAL collection in a folder we cannot write: read the file as it is on disk.
            except BaseException:
                opened.engine.dispose()
                raise
        raise AssertionError("unreachable")

    def _prepare(self, opened: opening.Opened, now: datetime, *, daily_backup: bool) -> None:
        version, applied = opening.inspect_schema(opened, self.backups_dir)
        # Any migration not applied yet, not only those above the version: a database made by a build
        # that had 6 but not 5 (the two were developed side by side) still gets 5.
        if migrations.pending(version, applied):
            if self.read_only:
                raise StoreError(f"{opened.where} needs an upgrade (schema {version}): open it once with write access")
            if version > 0 and self.db_file:
                backups_mod.create_backup(self.db_file, self.backups_dir, "pre-migration", now)
            opening.migrate(opened, learner=self.learner, device=self.device)
            if version > 0 and migrations.REVIEW_LOG not in applied:
                self._check_upgraded_log()
        elif daily_backup and not self.read_only and self.db_file and backups_mod.daily_due(self.backups_dir, now) \
                and self.review_count():
            opening.daily_backup(opened, self.backups_dir, self.settings.backups_to_keep, now, self.notices)
        if not self.read_only:
            self._write(lambda conn: catalogue.ensure_learner(conn, self.learner, now.timestamp()))

    def _check_upgraded_log(self) -> None:
        """After the upgrade to the review log: replay and compare; report, never overwrite."""
        from quizapp.core.storage import doctor

        report = self._read(lambda conn: doctor.verify(conn, self.settings))
        if report.mismatched:
            self.notices.append(
                f"upgrade check: {len(report.mismatched)} card(s) have a stored state that replaying their reviews "
                "does not give (kept as stored; `quizapp doctor` lists them, `quizapp doctor --rebuild` "
                "uses the log)"
            )

    def _where(self) -> str:
        return str(self.db_file) if self.db_file else self.engine.url.render_as_string(hide_password=True)

    def _way_out(self) -> str:
        return opening.way_out(self.db_file, self.backups_dir)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """Where the collection lives, printable (a password in a URL is hidden)."""
        return self._where()

    def schema_version(self) -> int:
        return self._read(migrations.current_version)

    def backup(self, reason: str = "manual", now: datetime | None = None) -> Path:
        """Snapshot the collection into the backups folder (SQLite only) and return the file."""
        if not self.db_file:
            raise StoreError(
                f"{self._where()} is not a SQLite file: back a server database up with its own tools (pg_dump)"
            )
        path = backups_mod.create_backup(self.db_file, self.backups_dir, reason, now or datetime.now(UTC))
        backups_mod.prune(self.backups_dir, self.settings.backups_to_keep)
        return path

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``ok`` when intact); ``ok`` on other databases."""
        if not is_sqlite(self.engine):
            return "ok"
        return self._read(lambda conn: "; ".join(str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")))

    # ----------------------------------------------------------------------------- transactions

    def _write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` in a write transaction with retries; database errors become a named StoreError."""
        if self.read_only:
            raise StoreError(f"{self._where()} was opened read-only")

        def work() -> T:
            with write_connection(self.engine) as conn:
                return fn(conn)

        try:
            return retrying(work)
        except (OperationalError, DatabaseError) as exc:
            raise describe(exc, self._where(), self._way_out(), doing="write to") from None

    def _read(self, fn: Callable[[Connection], T]) -> T:
        try:
            with self.engine.connect() as conn:
                return fn(conn)
        except DatabaseError as exc:
            raise describe(exc, self._where(), self._way_out(), doing="read") from None

    def review_count(self) -> int:
        """Reviews in the log for this learner."""
        return self._read(lambda conn: streams.review_count(conn, self.learner))

    def read_error(self, exc: BaseException) -> StoreError:
        """The StoreError for a database exception met while reading (streams raise it)."""
        return describe(exc, self._where(), self._way_out(), doing="read")

    def run_write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a write transaction (the merge, doctor and sync modules of this package)."""
        return self._write(fn)

    def run_read(self, fn: Callable[[Connection], T]) -> T:
        return self._read(fn)
