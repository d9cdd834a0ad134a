"""Backups of a SQLite collection: made with SQLite's online backup API, listed, pruned, restored.

The online backup API copies a consistent snapshot even while another quizapp process is writing
(unlike copying the file, which can tear a page or miss the WAL). Backup files are complete SQLite
databases named ``quizapp-YYYYmmdd-HHMMSS-<reason>.sqlite3``; reasons ``daily`` and ``pre-migration``
are automatic and pruned to the newest N; ``manual`` and ``pre-restore`` ones are never pruned (a
pre-restore backup is the only copy of what a restore replaced).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quizapp.core.storage.errors import StoreError

AUTOMATIC = ("daily", "pre-migration")
_NAME = re.compile(r"^quizapp-(\d{8}-\d{6}-\d{6})-([a-z-]+)\.sqlite3$")


@dataclass(frozen=True)
class Backup:
    path: Path
    created: datetime
    reason: str
    size: int

    def describe(self) -> str:
        return f"{self.path.name}  ({self.reason}, {self.created:%Y-%m-%d %H:%M} UTC, {self.size / 1024:.0f} KiB)"


def list_backups(folder: Path) -> list[Backup]:
    """Backups in ``folder``, newest first (files with other names are ignored)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if not m:
            continue
        created = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
        found.append(Backup(path, created, m.group(2), path.stat().st_size))
    return sorted(found, key=lambda b: b.created, reverse=True)


def create_backup(db_file: Path, folder: Path, reason: str, now: datetime) -> Path:
    """Snapshot ``db_file`` into ``folder`` (written to a temp name, then renamed: never half a backup)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S-%f")
    final = folder / f"quizapp-{stamp}-{reason}.sqlite3"
    tmp = folder / f".{final.name}.part"
    _copy_database(lambda: sqlite3.connect(str(db_file), timeout=15), tmp, final,
                   f"could not back up {db_file} to {folder}")
    return final


def _copy_database(open_source: Callable[[], sqlite3.Connection], tmp: Path, final: Path, failure: str) -> None:
    """Copy a live SQLite database with the online backup API into ``tmp``, fsync it, then rename it
    to ``final``: whoever looks at ``final`` sees the old file or the whole copy, never half of one."""
    try:
        src = open_source()
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"{failure}: {exc}") from None


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete automatic backups beyond the newest ``keep``; manual backups stay. Returns what was deleted."""
    automatic = [b for b in list_backups(folder) if b.reason in AUTOMATIC]
    removed = []
    # Half-written snapshots left by a process killed while backing up (an hour old: not one that
    # another quizapp process is writing right now).
    for leftover in folder.glob(".quizapp-*.part") if folder.is_dir() else ():
        if time.time() - leftover.stat().st_mtime > 3600:
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    for backup in automatic[keep:]:
        backup.path.unlink(missing_ok=True)
        removed.append(backup.path)
    return removed


def daily_due(folder: Path, now: datetime) -> bool:
    """True when no backup at all was made in the last 24 hours."""
    backups = list_backups(folder)
    return not backups or now - backups[0].created >= timedelta(days=1)


def check_backup(path: Path) -> None:
    """Raise StoreError unless ``path`` is an intact quizapp database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise StoreError(f"{path.name} is damaged ({ok}); choose another backup")
            row = conn.execute("SELECT value FROM quizapp_meta WHERE key = 'application'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path.name} is not a quizapp database ({exc}); choose another backup") from None
    if not row or row[0] != "quizapp":
        raise StoreError(f"{path.name} is not a quizapp database; choose another backup")


def restore_backup(backup: Path, db_file: Path, folder: Path, now: datetime) -> Path | None:
    """Put ``backup``'s contents into ``db_file``. Returns where the old data went (None if there was none).

    First the current collection is copied (SQLite's backup API, fsync'd) into a ``pre-restore`` backup,
    which is never pruned. Then the backup is copied *into the live file* through the backup API: that
    is one write transaction of the live database, so a quizapp window that has it open sees the
    restored collection at its next read and its next review goes into it (replacing the file would
    leave that window writing to an unlinked one), and a kill -9 part-way leaves the old collection or
    the restored one, never none. A current file too damaged to copy is moved aside as
    ``<name>.broken-<time>`` and the backup is copied in beside it under a temp name, then renamed.
    """
    check_backup(backup)
    kept: Path | None = None
    if db_file.exists():
        try:
            kept = create_backup(db_file, folder, "pre-restore", now)
        except StoreError:
            stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
            kept = db_file.with_name(f"{db_file.name}.broken-{stamp}")
            os.replace(db_file, kept)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    if db_file.exists():
        try:
            src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            try:
                dst = sqlite3.connect(str(db_file), timeout=15)
                try:
                    src.backup(dst)
                finally:
                    dst.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise StoreError(f"could not restore {backup.name} into {db_file}: {exc} (nothing was changed)") from None
        return kept
    db_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_file.with_name(f".{db_file.name}.restoring")
    tmp.unlink(missing_ok=True)
    _copy_database(lambda: sqlite3.connect(f"file:{backup}?mode=ro", uri=True), tmp, db_file,
                   f"could not restore {backup.name}")
    return kept
