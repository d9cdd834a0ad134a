"""``quizapp sync TARGET``: exchange reviews (and settings) with a folder or a hub database.

- A folder (Syncthing, a network drive, a git repository): each device writes only its own files,
  ``<device>.reviews.jsonl`` (append-only, one review per line) and ``<device>.settings.json``. Two
  devices never write the same file, so the folder's own syncing never has to resolve a conflict.
- A database URL (a PostgreSQL server as the hub): reviews go both ways through the same merge.

Either way the merge is a union of reviews by id followed by a replay (:mod:`merging`): it never
conflicts, never loses a review and is idempotent. Settings travel as a whole: the most recently
changed copy wins (last writer wins), and the result says whose settings were taken.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from quizapp.core import locations
from quizapp.core import settings as settings_mod
from quizapp.core.storage.concepts import SeenRecord
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.store import Store
from quizapp.core.storage.streams import ReviewRecord
from quizapp.core.storage.tables import meta

REVIEWS_SUFFIX = ".reviews.jsonl"
SETTINGS_SUFFIX = ".settings.json"
CONCEPTS_SUFFIX = ".concepts.json"  # the concept notes shown, every learner's (storage/concepts.py)
_FIELDS = ReviewRecord._fields


@dataclass
class SyncResult:
    received: int = 0  # reviews new to this collection
    sent: int = 0  # reviews this collection gave the target
    devices: list[str] = field(default_factory=list)
    settings_note: str = ""
    concepts_received: int = 0  # concept notes shown elsewhere, new to this collection

    def describe(self) -> str:
        text = f"received {self.received} review(s), sent {self.sent}"
        if self.concepts_received:
            text += f", {self.concepts_received} concept note(s) already shown elsewhere"
        if self.devices:
            text += f" ({len(self.devices)} other device(s))"
        return text + (f"; {self.settings_note}" if self.settings_note else "")


def record_to_json(record: ReviewRecord) -> dict[str, Any]:
    return dict(zip(_FIELDS, record, strict=True))


def record_from_json(data: Any) -> ReviewRecord | None:
    """A review from its JSON form; None for anything that is not one (a torn last line, junk)."""
    if not isinstance(data, dict):
        return None
    try:
        return ReviewRecord(
            review_id=str(data["review_id"]), device=str(data.get("device") or "unknown"),
            learner=str(data["learner"]), deck=str(data["deck"]), card_id=str(data["card_id"]),
            reviewed_at=float(data["reviewed_at"]), rating=int(data["rating"]), answer=str(data.get("answer") or ""),
            correct=None if data.get("correct") is None else bool(data["correct"]),
            duration_s=float(data.get("duration_s") or 0.0),
            fixed_interval_days=None if data.get("fixed_interval_days") is None else float(data["fixed_interval_days"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    # (rating range is checked by the merge's replay: Rating(n) refuses anything but 1-4)


def _read_log(path: Path) -> list[ReviewRecord]:
    out = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = record_from_json(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash on the device that wrote it
                if record is not None and 1 <= record.rating <= 4:
                    out.append(record)
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from None
    return out


def _append(path: Path, records: list[ReviewRecord]) -> None:
    """Append to this device's own log, fsync'd. A torn last line (a crash) is ended first."""
    try:
        with open(path, "ab+") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell():
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            for record in records:
                fh.write((json.dumps(record_to_json(record), ensure_ascii=False) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------------- concept notes

def _read_concepts(path: Path) -> list[SeenRecord]:
    """Another device's shown notes; nothing for a file that is unreadable or torn (it is rewritten whole
    by its device, so the next sync reads it complete)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["seen"] if isinstance(data, dict) else []
        return [SeenRecord(str(r[0]), str(r[1]), str(r[2]), float(r[3]), str(r[4]))
                for r in rows if isinstance(r, list) and len(r) == 5]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return []


def _write_concepts(path: Path, records: list[SeenRecord]) -> None:
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_text(json.dumps({"seen": [list(r) for r in records]}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------------- settings


def _local_settings() -> tuple[float, dict[str, Any] | None]:
    path = locations.settings_path()
    try:
        return path.stat().st_mtime, json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0.0, None


def _adopt_settings(data: dict[str, Any], changed_at: float) -> settings_mod.Settings:
    """Validate ``data`` as a settings file, save it as ours and date it as its writer did."""
    fd, tmp = tempfile.mkstemp(prefix=".sync-settings-", dir=locations.home())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        incoming = settings_mod.load(Path(tmp), env=False)
    finally:
        Path(tmp).unlink(missing_ok=True)
    path = settings_mod.save(incoming)
    os.utime(path, (changed_at, changed_at))
    return incoming


def _settle(store: Store, candidates: list[tuple[float, str, dict[str, Any]]]) -> str:
    """Last writer wins: take the newest settings among ours and ``candidates`` (changed_at, device, data)."""
    mine_at, mine = _local_settings()
    newest = max(candidates, default=None, key=lambda c: c[0])
    if newest is None or mine is not None and newest[0] <= mine_at or newest[2] == mine:
        return ""
    try:
        store.settings = _adopt_settings(newest[2], newest[0])
    except settings_mod.SettingsError as exc:
        return f"settings from device {newest[1][:8]} ignored ({exc})"
    when = datetime.fromtimestamp(newest[0], tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"settings: took device {newest[1][:8]}'s, changed {when} (last writer wins)"


# ----------------------------------------------------------------------------------- targets


def sync_folder(store: Store, folder: Path) -> SyncResult:
    """Merge every other device's file in ``folder`` into ``store``, then append ours."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot use {folder} for sync: {exc.strerror or exc}") from None
    result = SyncResult()
    own = folder / f"{store.device}{REVIEWS_SUFFIX}"
    seen: set[str] = set()
    settings_candidates = []
    for path in sorted(folder.glob(f"*{REVIEWS_SUFFIX}")):
        records = _read_log(path)
        seen.update(r.review_id for r in records)
        if path != own:
            result.devices.append(path.name[: -len(REVIEWS_SUFFIX)])
            result.received += store.merge_reviews(records)
    for path in sorted(folder.glob(f"*{SETTINGS_SUFFIX}")):
        if path.name == f"{store.device}{SETTINGS_SUFFIX}":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            settings_candidates.append((float(data["changed_at"]), str(data["device"]), dict(data["settings"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    result.settings_note = _settle(store, settings_candidates)
    outgoing = [r for r in store.iter_reviews(all_learners=True) if r.review_id not in seen]
    if outgoing:
        _append(own, outgoing)
    # Everything sent, and everything of ours the folder already held (a kill after an append and before
    # this mark), is now elsewhere: it can no longer be undone.
    store.mark_shared([*(r.review_id for r in outgoing), *seen])
    result.sent = len(outgoing)
    for path in sorted(folder.glob(f"*{CONCEPTS_SUFFIX}")):
        if path.name != f"{store.device}{CONCEPTS_SUFFIX}":
            result.concepts_received += store.merge_concepts(_read_concepts(path))
    _write_concepts(folder / f"{store.device}{CONCEPTS_SUFFIX}", store.concept_records())
    changed_at, data = _local_settings()
    if data is not None:
        tmp = folder / f".{store.device}{SETTINGS_SUFFIX}.part"
        tmp.write_text(json.dumps({"device": store.device, "changed_at": changed_at, "settings": data}),
                       encoding="utf-8")
        os.replace(tmp, folder / f"{store.device}{SETTINGS_SUFFIX}")
    return result


def sync_database(store: Store, url: str) -> SyncResult:
    """Exchange reviews with the collection at ``url`` (a hub every device syncs with)."""
    result = SyncResult()
    with Store.open(url, settings=store.settings, backups=False, learner=store.learner,
                    device=store.device) as hub:
        if hub.location == store.location:
            raise StoreError("the sync target is this collection itself")
        mine = list(store.iter_reviews(all_learners=True))
        result.sent = hub.merge_reviews(mine)
        store.mark_shared(r.review_id for r in mine)
        theirs = list(hub.iter_reviews(all_learners=True))
        result.received = store.merge_reviews(theirs)
        hub.mark_shared(r.review_id for r in theirs)
        result.devices = sorted({r.device for r in theirs} - {store.device})
        hub.merge_concepts(store.concept_records())
        result.concepts_received = store.merge_concepts(hub.concept_records())

        def hub_settings(conn: sa.Connection) -> Any:
            return conn.execute(sa.select(meta.c.value).where(meta.c.key == "settings")).scalar()

        raw = hub.run_read(hub_settings)
        candidates = []
        if raw:
            try:
                data = json.loads(raw)
                candidates.append((float(data["changed_at"]), str(data["device"]), dict(data["settings"])))
            except (ValueError, KeyError, TypeError):
                pass
        result.settings_note = _settle(store, candidates)
        changed_at, data = _local_settings()
        if data is not None and (not candidates or changed_at > candidates[0][0]):
            value = json.dumps({"device": store.device, "changed_at": changed_at, "settings": data})

            def put(conn: sa.Connection) -> None:
                conn.execute(meta.delete().where(meta.c.key == "settings"))
                conn.execute(meta.insert().values(key="settings", value=value))

            hub.run_write(put)
    return result


def sync(store: Store, target: str) -> SyncResult:
    """Sync with ``target``: a database URL (``scheme://...``) or a folder path."""
    if "://" in target:
        return sync_database(store, target)
    return sync_folder(store, Path(target).expanduser())


def import_file(store: Store, path: Path) -> int:
    """Merge the reviews of a JSON export (``quizapp export -f json``) into ``store``; returns how many
    were new. Reviews keep the learner the export names; an old export (version 1, without ids) is
    refused, since its reviews could not be told apart from ones already here."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"cannot read {path} as a quizapp JSON export: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != "quizapp-export":
        raise StoreError(f"{path} is not a quizapp JSON export (quizapp export -f json writes one)")
    if int(data.get("version", 0)) < 2:
        raise StoreError(f"{path} is a version-1 export, whose reviews carry no ids: export again with this quizapp")
    learner = str(data.get("learner") or store.learner)
    records = []
    for entry in data.get("reviews", []):
        if not isinstance(entry, dict):
            continue
        at = entry.get("reviewed_at")
        try:
            stamp = datetime.fromisoformat(str(at)).timestamp()
        except ValueError:
            continue
        record = record_from_json({**entry, "reviewed_at": stamp, "learner": entry.get("learner") or learner})
        if record is not None and 1 <= record.rating <= 4:
            records.append(record)
    return store.merge_reviews(records)
