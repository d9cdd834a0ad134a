"""The Store: the one service every front end uses to read and change progress.

Progress is keyed by (deck id, card id). Every method that changes something runs in its own write
transaction and has committed before it returns. All datetimes are timezone-aware UTC and passed in
by the caller (``now``); the Store never reads the clock, except to name backup files.

Concurrency: two quizapp processes can share one collection. Writes take SQLite's write lock up front
(``BEGIN IMMEDIATE``), wait for each other (busy_timeout) and retry with backoff on top of that, so a
review is never lost and "database is locked" never reaches the user.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError

from quizapp.core import locations
from quizapp.core import settings as settings_mod
from quizapp.core.decks.model import CardKey, Deck
from quizapp.core.rating import Rating
from quizapp.core.scheduling import fsrs_bridge
from quizapp.core.scheduling.days import day_start, next_day_start, require_utc, utc_offset_seconds
from quizapp.core.scheduling.fsrs_bridge import CardState, Phase
from quizapp.core.settings import Settings
from quizapp.core.storage import backups as backups_mod
from quizapp.core.storage import fulltext, migrations, synced
from quizapp.core.storage.connection import is_sqlite, make_engine, retrying, write_connection
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.records import CardInfo, DeckCounts, ReviewEntry, ReviewResult
from quizapp.core.storage.tables import cards, review_buckets, reviews

DAY = 86400.0
# A review of a card whose interval in force was at least this long counts towards true retention.
MATURE_DAYS = migrations.MATURE_DAYS
LEARNING_PHASES = (int(Phase.LEARNING), int(Phase.RELEARNING))
SEARCH_STATES = ("new", "learning", "review", "relearning", "suspended", "buried", "leech", "hidden")


def _ts(moment: datetime | None) -> float | None:
    return None if moment is None else require_utc(moment).timestamp()


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc)


def _state(row: RowMapping | dict[str, Any]) -> CardState:
    return CardState(
        phase=Phase(row["phase"]),
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=_dt(row["due"]),
        last_review=_dt(row["last_review"]),
        reps=row["reps"],
        lapses=row["lapses"],
    )


def _state_columns(state: CardState) -> dict[str, Any]:
    return {
        "phase": int(state.phase),
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": _ts(state.due),
        "last_review": _ts(state.last_review),
        "reps": state.reps,
        "lapses": state.lapses,
    }


# What undo restores: the scheduling state a review changes, always; the leech flag and suspension
# only when that review made the card a leech (a suspend or bury done after the review stays).
_UNDO_COLUMNS = ("phase", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
_LEECH_COLUMNS = ("suspended", "leech")


def _hide_password(url: str) -> str:
    """``scheme://user:secret@host`` -> ``scheme://user:***@host``, for messages."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


def _tags_column(tags: Iterable[str]) -> str:
    unique = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    return f" {' '.join(unique)} " if unique else ""


def _tags_tuple(column: str, leech: bool) -> tuple[str, ...]:
    tags = tuple(column.split())
    return tags + ("leech",) if leech and "leech" not in tags else tags


def _bucket_of(review: dict[str, Any]) -> tuple[int, tuple[int, int, int, int, float]]:
    return migrations.bucket_delta(
        review["reviewed_at"], review["rating"], review["phase_before"], review["scheduled_days"], review["duration_s"]
    )


_BUCKET_COLUMNS = ("reviews", "passed", "mature", "mature_passed", "seconds")


def _add_to_buckets(conn: Connection, deltas: dict[int, list[float]], sign: int = 1) -> None:
    """Add (or with sign=-1 take away) review totals per bucket, in the caller's write transaction."""
    rows = [
        {"bucket": b, **{c: (int(v) if c != "seconds" else float(v)) * sign for c, v in zip(_BUCKET_COLUMNS, d)}}
        for b, d in deltas.items()
    ]
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(review_buckets)
        stmt = stmt.on_conflict_do_update(
            index_elements=[review_buckets.c.bucket],
            set_={c: review_buckets.c[c] + stmt.excluded[c] for c in _BUCKET_COLUMNS},
        )
        conn.execute(stmt, rows)
        return
    # Other databases: update, else insert (we hold the write transaction, so nobody else can race us).
    for row in rows:
        done = conn.execute(
            review_buckets.update()
            .where(review_buckets.c.bucket == row["bucket"])
            .values({c: review_buckets.c[c] + row[c] for c in _BUCKET_COLUMNS})
        )
        if done.rowcount == 0:
            conn.execute(review_buckets.insert().values(row))


def _accumulate(deltas: dict[int, list[float]], review: dict[str, Any]) -> None:
    bucket, delta = _bucket_of(review)
    acc = deltas.setdefault(bucket, [0, 0, 0, 0, 0.0])
    for i, v in enumerate(delta):
        acc[i] += v


@dataclass(frozen=True)
class ReviewInput:
    """One rating for :meth:`Store.record_reviews` (bulk import, benchmarks)."""

    key: CardKey
    rating: Rating
    now: datetime
    answer: str = ""
    correct: bool | None = None
    duration_s: float = 0.0


class Store:
    """Progress storage. Create with :meth:`Store.open`; close with :meth:`close` (or use ``with``)."""

    def __init__(self, engine: Engine, *, settings: Settings, backups_dir: Path, db_file: Path | None):
        self.engine = engine
        self.settings = settings
        self.backups_dir = backups_dir
        self.db_file = db_file
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
    ) -> Store:
        """Open (creating or upgrading) the collection at ``url`` (default ``locations.db_url()``).

        An older schema is backed up, then migrated in place. ``backups=False`` skips the automatic
        daily backup (benchmarks, throwaway databases); a pre-migration backup is always made.
        Raises StoreError with one line for a corrupt, foreign, too-new or unreachable database.
        """
        url = url or locations.db_url()
        settings = settings if settings is not None else settings_mod.load()
        now = now or datetime.now(timezone.utc)
        backups_dir = locations.backups_dir()
        shown = _hide_password(url)
        try:
            engine = make_engine(url)
        except (ArgumentError, ValueError) as exc:
            raise StoreError(
                f"{shown!r} is not a database URL ({exc}); set QUIZAPP_DB or --db to a SQLAlchemy URL"
            ) from None
        except ImportError as exc:
            raise StoreError(f"the database driver for {shown.split(':', 1)[0]} is not installed ({exc})") from None
        db_file = None
        if is_sqlite(engine):
            database = engine.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                db_file = Path(database).expanduser()
                try:
                    db_file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot create the folder for {db_file}: {exc.strerror or exc}") from None
        store = cls(engine, settings=settings, backups_dir=backups_dir, db_file=db_file)
        try:
            store._prepare(now, daily_backup=backups)
        except BaseException:
            engine.dispose()
            raise
        return store

    def _where(self) -> str:
        return str(self.db_file) if self.db_file else self.engine.url.render_as_string(hide_password=True)

    def _way_out(self) -> str:
        if self.db_file:
            return (
                f"restore a backup with `quizapp restore` (backups in {self.backups_dir}) "
                f"or move {self.db_file.name} away to start afresh"
            )
        return "point QUIZAPP_DB or --db at a quizapp database, or at an empty one"

    def _prepare(self, now: datetime, *, daily_backup: bool) -> None:
        try:
            with self.engine.connect() as conn:
                tables = set(sa.inspect(conn).get_table_names())
                version = migrations.current_version(conn) if "quizapp_meta" in tables else 0
                applied = migrations.applied_versions(conn) if "quizapp_meta" in tables else set()
                app = None
                if "quizapp_meta" in tables:
                    app = conn.execute(sa.text("SELECT value FROM quizapp_meta WHERE key = 'application'")).scalar()
        except DatabaseError as exc:
            if isinstance(exc, OperationalError) and not self.db_file:
                raise StoreError(
                    f"cannot connect to {self._where()}: {str(exc.orig).strip().splitlines()[0]}"
                ) from None
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreadable"
            raise StoreError(
                f"{self._where()} is not a readable quizapp database ({reason}); {self._way_out()}"
            ) from None
        if tables and app != migrations.APPLICATION:
            raise StoreError(
                f"{self._where()} holds another program's tables ({', '.join(sorted(tables)[:4])}), not a quizapp "
                f"collection; {self._way_out()}"
            )
        if version > migrations.LATEST:
            raise StoreError(
                f"{self._where()} was made by a newer quizapp (schema {version}; this one knows up to "
                f"{migrations.LATEST}): upgrade quizapp, or {self._way_out()}"
            )
        if migrations.pending(version, applied):
            if version > 0 and self.db_file:
                backups_mod.create_backup(self.db_file, self.backups_dir, "pre-migration", now)
            self._migrate()
        elif daily_backup and self.db_file and backups_mod.daily_due(self.backups_dir, now) and self.review_count():
            # A failed daily backup (disk full, read-only folder) must not keep the user from studying:
            # it becomes a notice the front end shows. A failed pre-migration backup above does stop us.
            try:
                backups_mod.create_backup(self.db_file, self.backups_dir, "daily", now)
                backups_mod.prune(self.backups_dir, self.settings.backups_to_keep)
            except (StoreError, OSError) as exc:
                self.notices.append(f"daily backup skipped: {exc}")

    def _migrate(self) -> None:
        def work() -> None:
            with write_connection(self.engine) as conn:
                if self.engine.dialect.name == "postgresql":
                    # Serialise concurrent first opens of one server database.
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262001)"))
                migrations.apply_pending(conn)

        try:
            retrying(work)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"could not upgrade {self._where()}: {exc.__class__.__name__}: {exc.orig or exc}"
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """Where the collection lives, printable (a password in a URL is hidden)."""
        return self._where()

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return migrations.current_version(conn)

    def backup(self, reason: str = "manual", now: datetime | None = None) -> Path:
        """Snapshot the collection into the backups folder (SQLite only) and return the file."""
        if not self.db_file:
            raise StoreError(
                f"{self._where()} is not a SQLite file: back a server database up with its own tools (pg_dump)"
            )
        path = backups_mod.create_backup(self.db_file, self.backups_dir, reason, now or datetime.now(timezone.utc))
        backups_mod.prune(self.backups_dir, self.settings.backups_to_keep)
        return path

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``ok`` when intact); ``ok`` on other databases."""
        if not is_sqlite(self.engine):
            return "ok"
        with self.engine.connect() as conn:
            return "; ".join(r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check"))

    # ----------------------------------------------------------------------------- helpers

    def _write(self, fn: Any) -> Any:
        """Run ``fn(conn)`` in a write transaction with retries; database damage becomes a StoreError."""

        def work() -> Any:
            with write_connection(self.engine) as conn:
                return fn(conn)

        try:
            return retrying(work)
        except OperationalError as exc:
            raise StoreError(f"could not write to {self._where()}: {exc.orig or exc}") from None
        except DatabaseError as exc:
            raise StoreError(f"{self._where()} is damaged ({exc.orig or exc}); {self._way_out()}") from None

    def _read(self, fn: Any) -> Any:
        try:
            with self.engine.connect() as conn:
                return fn(conn)
        except DatabaseError as exc:
            raise StoreError(f"could not read {self._where()} ({exc.orig or exc}); {self._way_out()}") from None

    @staticmethod
    def _card_row(conn: Connection, key: CardKey, *, lock: bool = False) -> RowMapping:
        q = sa.select(cards).where(cards.c.deck == key[0], cards.c.card_id == key[1])
        if lock:
            q = q.with_for_update()
        row = conn.execute(q).mappings().first()
        if row is None:
            raise StoreError(f"no card {key[0]}/{key[1]} in the collection")
        return row

    def _visible(self, deck_ids: Sequence[str] | None, now: datetime) -> list[Any]:
        conds = [
            cards.c.hidden == sa.false(),
            cards.c.suspended == sa.false(),
            sa.or_(cards.c.buried_until.is_(None), cards.c.buried_until <= _ts(now)),
        ]
        if deck_ids is not None:
            conds.append(cards.c.deck.in_(list(deck_ids)))
        return conds

    def _done_today(self, conn: Connection, now: datetime) -> tuple[int, int]:
        """(new cards introduced, graduated-card reviews) since the study day began."""
        start = _ts(day_start(now, self.settings.day_starts_at_hour))
        row = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(sa.case((reviews.c.phase_before == int(Phase.NEW), 1), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((reviews.c.phase_before == int(Phase.REVIEW), 1), else_=0)), 0),
            ).where(reviews.c.reviewed_at >= start)
        ).one()
        return int(row[0]), int(row[1])

    def _left_today(self, conn: Connection, now: datetime) -> tuple[int, int]:
        new_done, reviews_done = self._done_today(conn, now)
        return (max(0, self.settings.new_per_day - new_done), max(0, self.settings.reviews_per_day - reviews_done))

    # ----------------------------------------------------------------------------- cards

    def sync_cards(self, decks: Iterable[Deck], now: datetime, *, digests: Mapping[str, str] | None = None) -> None:
        """Register every card of ``decks`` (their order is the new-card order), refresh the stored text,
        hide cards that are in none of them (history kept) and un-hide cards that came back.

        Pass the whole catalog: a card of a deck left out is hidden until a sync includes it again.
        ``digests`` (deck id -> digest, :attr:`Catalog.digests`): decks synced before with the same
        digest are skipped (see :mod:`quizapp.core.storage.synced`).
        """
        now_ts = _ts(now)
        decks = list(decks)

        def work(conn: Connection) -> None:
            skip = synced.unchanged(conn, decks, digests)
            wanted = self._wanted_rows(d for d in decks if d.id not in skip)
            existing = (
                conn.execute(
                    sa.select(
                        cards.c.id,
                        cards.c.deck,
                        cards.c.card_id,
                        cards.c.position,
                        cards.c.hidden,
                        cards.c.kind,
                        cards.c.prompt,
                        cards.c.code,
                        cards.c.tags,
                    ).where(cards.c.deck.not_in(skip) if skip else sa.true())
                )
                .mappings()
                .all()
            )
            updates, hides = [], []
            for row in existing:
                key = (row["deck"], row["card_id"])
                values = wanted.pop(key, None)
                if values is None:
                    if not row["hidden"]:
                        hides.append({"_id": row["id"]})
                    continue
                if row["hidden"] or any(row[k] != v for k, v in values.items()):
                    updates.append({"_id": row["id"], "hidden": False, **values})
            if updates:
                conn.execute(
                    cards.update()
                    .where(cards.c.id == sa.bindparam("_id"))
                    .values({k: sa.bindparam(k) for k in ("hidden", "position", "kind", "prompt", "code", "tags")}),
                    updates,
                )
            if hides:
                conn.execute(cards.update().where(cards.c.id == sa.bindparam("_id")).values(hidden=True), hides)
            if wanted:
                conn.execute(
                    cards.insert(),
                    [
                        {
                            "deck": key[0],
                            "card_id": key[1],
                            "added_at": now_ts,
                            "hidden": False,
                            "suspended": False,
                            "leech": False,
                            "phase": int(Phase.NEW),
                            "reps": 0,
                            "lapses": 0,
                            **values,
                        }
                        for key, values in wanted.items()
                    ],
                )
            synced.remember(conn, decks, digests)

        self._write(work)

    def cards_synced(self, digests: Sequence[str]) -> bool:
        """Whether the last digest-aware sync registered exactly the decks with these digests (so a
        sync now would change nothing): see :func:`synced.covers`."""
        return bool(self._read(lambda conn: synced.covers(conn, digests)))

    @staticmethod
    def _wanted_rows(decks: Iterable[Deck]) -> dict[CardKey, dict[str, Any]]:
        wanted: dict[CardKey, dict[str, Any]] = {}
        for deck in decks:
            for position, card in enumerate(deck.cards):
                wanted[card.key] = {
                    "position": position,
                    "kind": card.kind.value if hasattr(card.kind, "value") else str(card.kind),
                    "prompt": card.prompt or "",
                    "code": card.code or "",
                    "tags": _tags_column(card.tags),
                }
        return wanted

    def deck_counts(self, deck_ids: Sequence[str] | None, now: datetime) -> dict[str, DeckCounts]:
        """New / learning / due counts per deck for today, with the daily limits applied to each deck.

        ``learning`` counts learning steps due today; ``due`` counts reviews due today plus learning
        cards left overdue from an earlier day (they queue with the reviews, see :meth:`due_queue`)."""
        hour = self.settings.day_starts_at_hour
        start, end = _ts(day_start(now, hour)), _ts(next_day_start(now, hour))
        learning = cards.c.phase.in_(LEARNING_PHASES)

        def work(conn: Connection) -> dict[str, DeckCounts]:
            new_left, reviews_left = self._left_today(conn, now)
            q = (
                sa.select(
                    cards.c.deck,
                    sa.func.sum(sa.case((cards.c.phase == int(Phase.NEW), 1), else_=0)),
                    sa.func.sum(sa.case((sa.and_(learning, cards.c.due >= start, cards.c.due < end), 1), else_=0)),
                    sa.func.sum(
                        sa.case(
                            (
                                sa.or_(
                                    sa.and_(cards.c.phase == int(Phase.REVIEW), cards.c.due < end),
                                    sa.and_(learning, cards.c.due < start),
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                )
                .where(*self._visible(deck_ids, now))
                .group_by(cards.c.deck)
            )
            out = {d: DeckCounts() for d in deck_ids} if deck_ids is not None else {}
            for deck, new, learning_count, due in conn.execute(q):
                out[deck] = DeckCounts(
                    new=min(int(new or 0), new_left),
                    learning=int(learning_count or 0),
                    due=min(int(due or 0), reviews_left),
                )
            return out

        return self._read(work)

    def due_queue(self, deck_ids: Sequence[str] | None, now: datetime) -> list[CardKey]:
        """The cards to study now, in order:

        1. learning steps due since the study day began (never limited: they are part of learning),
        2. reviews due today and learning cards left overdue from an earlier day, oldest first, up to
           what remains of the reviews/day limit (a backlog is a backlog, whatever its phase),
        3. new cards in deck order, up to what remains of the new/day limit (decks in the order given;
           all decks, alphabetically, when ``deck_ids`` is None).
        """
        now_ts = _ts(now)
        hour = self.settings.day_starts_at_hour
        start, end = _ts(day_start(now, hour)), _ts(next_day_start(now, hour))
        visible = self._visible(deck_ids, now)
        key_cols = (cards.c.deck, cards.c.card_id)

        def by_due(
            conn: Connection, phase: int, low: float | None, high: float, *, inclusive: bool, limit: int | None
        ) -> list[Any]:
            # One phase at a time: each is a single range of an index on (.., phase, due), read in due
            # order and stopped at the limit; "phase IN (1, 3)" would sort every match first.
            q = sa.select(cards.c.due, *key_cols).where(
                *visible, cards.c.phase == phase, cards.c.due <= high if inclusive else cards.c.due < high
            )
            if low is not None:
                q = q.where(cards.c.due >= low)
            q = q.order_by(cards.c.due)
            return conn.execute(q if limit is None else q.limit(limit)).all()

        def work(conn: Connection) -> list[CardKey]:
            new_left, reviews_left = self._left_today(conn, now)
            fresh = [
                r for phase in LEARNING_PHASES for r in by_due(conn, phase, start, now_ts, inclusive=True, limit=None)
            ]
            fresh.sort(key=lambda r: r[0])
            queue: list[CardKey] = [(r[1], r[2]) for r in fresh]
            if reviews_left:
                backlog = by_due(conn, int(Phase.REVIEW), None, end, inclusive=False, limit=reviews_left)
                for phase in LEARNING_PHASES:
                    backlog += by_due(conn, phase, None, start, inclusive=False, limit=reviews_left)
                backlog.sort(key=lambda r: r[0])
                queue += [(r[1], r[2]) for r in backlog[:reviews_left]]
            if new_left:
                queue += self._new_cards(conn, deck_ids, now, new_left)
            return queue

        return self._read(work)

    def _new_cards(self, conn: Connection, deck_ids: Sequence[str] | None, now: datetime, limit: int) -> list[CardKey]:
        """Up to ``limit`` new cards: the given decks in the given order, each in its own order; with no
        deck list, every deck in alphabetical order (one index walk over (deck, phase, position))."""
        key_cols = (cards.c.deck, cards.c.card_id)
        new = cards.c.phase == int(Phase.NEW)
        if deck_ids is None:
            q = sa.select(*key_cols).where(*self._visible(None, now), new).order_by(cards.c.deck, cards.c.position)
            return [(r[0], r[1]) for r in conn.execute(q.limit(limit))]
        # Which decks have new cards at all: a seek per deck in the (deck, phase, ...) index, so a long
        # deck list whose new cards are used up costs one query, not one per deck.
        with_new = {
            r[0] for r in conn.execute(sa.select(cards.c.deck).where(cards.c.deck.in_(list(deck_ids)), new).distinct())
        }
        found: list[CardKey] = []
        for deck in (d for d in dict.fromkeys(deck_ids) if d in with_new):
            if len(found) >= limit:
                break
            q = sa.select(*key_cols).where(*self._visible([deck], now), new).order_by(cards.c.position)
            found += [(r[0], r[1]) for r in conn.execute(q.limit(limit - len(found)))]
        return found

    def next_due(self, deck_ids: Sequence[str] | None, now: datetime) -> datetime | None:
        """When the next card becomes available after ``now`` (None when nothing ever will)."""
        now_ts = _ts(now)
        tomorrow = _ts(next_day_start(now, self.settings.day_starts_at_hour))
        base = [cards.c.hidden == sa.false(), cards.c.suspended == sa.false()]
        if deck_ids is not None:
            base.append(cards.c.deck.in_(list(deck_ids)))

        def work(conn: Connection) -> datetime | None:
            new_left, reviews_left = self._left_today(conn, now)
            # A card is available at its due time, or when its burial ends if that is later; new cards
            # have no due time (available at once) but wait for tomorrow once the day's limit is used.
            due = sa.func.coalesce(cards.c.due, 0.0)
            buried = sa.func.coalesce(cards.c.buried_until, 0.0)
            available_at = sa.case((buried > due, buried), else_=due)
            candidates: list[float] = []
            for phases, left in (
                (LEARNING_PHASES, 1),
                ((int(Phase.REVIEW),), reviews_left),
                ((int(Phase.NEW),), new_left),
            ):
                at = conn.execute(sa.select(sa.func.min(available_at)).where(*base, cards.c.phase.in_(phases))).scalar()
                if at is None:
                    continue
                at = max(float(at), now_ts)
                if left <= 0:
                    at = max(at, tomorrow)
                candidates.append(at)
            return _dt(min(candidates)) if candidates else None

        return self._read(work)

    def preview(self, key: CardKey, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give (no fuzz), for the rating buttons' labels."""
        row = self._read(lambda conn: self._card_row(conn, key))
        return fsrs_bridge.preview(_state(row), now, self.settings)

    # ----------------------------------------------------------------------------- reviews

    def _apply(
        self, conn: Connection, row: dict[str, Any], item: ReviewInput
    ) -> tuple[dict[str, Any], dict[str, Any], bool, fsrs_bridge.Reviewed]:
        """Compute one review: (card column changes, review row, became a leech, reviewed)."""
        state = _state(row)
        now = require_utc(item.now)
        reviewed = fsrs_bridge.review(state, item.rating, now, self.settings)
        new_state = reviewed.state
        leech = reviewed.lapsed and new_state.lapses >= self.settings.leech_threshold and not row["leech"]
        changes = _state_columns(new_state)
        if leech:
            changes.update(leech=True, suspended=True)
        scheduled = 0.0
        if state.phase is Phase.REVIEW and row["due"] is not None and row["last_review"] is not None:
            scheduled = (row["due"] - row["last_review"]) / DAY
        review = {
            "card": row["id"],
            "reviewed_at": now.timestamp(),
            "rating": int(item.rating),
            "answer": item.answer or "",
            "correct": item.correct,
            "duration_s": float(item.duration_s or 0.0),
            "phase_before": int(state.phase),
            "scheduled_days": scheduled,
            "interval_days": reviewed.interval.total_seconds() / DAY,
            "stability": new_state.stability,
            "difficulty": new_state.difficulty,
            "phase_after": int(new_state.phase),
            "previous": json.dumps({c: row[c] for c in _UNDO_COLUMNS + (_LEECH_COLUMNS if leech else ())}),
        }
        return changes, review, leech, reviewed

    def record_review(
        self,
        key: CardKey,
        rating: Rating,
        *,
        answer: str = "",
        correct: bool | None = None,
        duration_s: float = 0.0,
        now: datetime,
    ) -> ReviewResult:
        """Schedule the card with ``rating`` and store the review; committed before this returns.

        When the card's lapses reach the leech threshold it is tagged ``leech`` and suspended, and
        ``ReviewResult.leech`` is True so the caller can tell the user.
        """
        item = ReviewInput(key, Rating(rating), now, answer, correct, duration_s)

        def work(conn: Connection) -> ReviewResult:
            row = dict(self._card_row(conn, key, lock=True))
            changes, review, leech, reviewed = self._apply(conn, row, item)
            review_id = conn.execute(reviews.insert().values(review)).inserted_primary_key[0]
            conn.execute(cards.update().where(cards.c.id == row["id"]).values(changes))
            deltas: dict[int, list[float]] = {}
            _accumulate(deltas, review)
            _add_to_buckets(conn, deltas)
            return ReviewResult(
                key=key, review_id=int(review_id), state=reviewed.state, interval=reviewed.interval, leech=leech
            )

        return self._write(work)

    def record_reviews(self, items: Iterable[ReviewInput], *, batch: int = 20000) -> int:
        """Record many reviews, in order, committing every ``batch`` reviews (imports and benchmarks).

        Each review is scheduled exactly as :meth:`record_review` would; only the round trips differ.
        """
        total = 0
        pending: list[ReviewInput] = []

        def flush(chunk: list[ReviewInput]) -> None:
            def work(conn: Connection) -> None:
                keys = {i.key for i in chunk}
                decks = {k[0] for k in keys}
                rows: dict[CardKey, dict[str, Any]] = {}
                for deck in decks:
                    ids = [k[1] for k in keys if k[0] == deck]
                    for i in range(0, len(ids), 500):
                        for r in conn.execute(
                            sa.select(cards).where(cards.c.deck == deck, cards.c.card_id.in_(ids[i : i + 500]))
                        ).mappings():
                            rows[(r["deck"], r["card_id"])] = dict(r)
                review_rows = []
                deltas: dict[int, list[float]] = {}
                for item in chunk:
                    row = rows.get(item.key)
                    if row is None:
                        raise StoreError(f"no card {item.key[0]}/{item.key[1]} in the collection")
                    changes, review, _leech, _reviewed = self._apply(conn, row, item)
                    row.update(changes)
                    review_rows.append(review)
                    _accumulate(deltas, review)
                conn.execute(reviews.insert(), review_rows)
                _add_to_buckets(conn, deltas)
                cols = (
                    "phase",
                    "step",
                    "stability",
                    "difficulty",
                    "due",
                    "last_review",
                    "reps",
                    "lapses",
                    "suspended",
                    "leech",
                )
                conn.execute(
                    cards.update().where(cards.c.id == sa.bindparam("_id")).values({c: sa.bindparam(c) for c in cols}),
                    [{"_id": r["id"], **{c: r[c] for c in cols}} for r in rows.values()],
                )

            self._write(work)

        for item in items:
            pending.append(item)
            if len(pending) >= batch:
                flush(pending)
                total += len(pending)
                pending = []
        if pending:
            flush(pending)
            total += len(pending)
        return total

    def undo_last(self) -> CardKey | None:
        """Take back the most recent review: the card's state goes back exactly as it was before it."""

        def work(conn: Connection) -> CardKey | None:
            last = (
                conn.execute(
                    sa.select(
                        reviews.c.id,
                        reviews.c.card,
                        reviews.c.previous,
                        reviews.c.reviewed_at,
                        reviews.c.rating,
                        reviews.c.phase_before,
                        reviews.c.scheduled_days,
                        reviews.c.duration_s,
                    )
                    .order_by(reviews.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            if last is None:
                return None
            deltas: dict[int, list[float]] = {}
            _accumulate(deltas, dict(last))
            _add_to_buckets(conn, deltas, sign=-1)
            last = SimpleNamespace(**last)
            previous = json.loads(last.previous)
            conn.execute(
                cards.update()
                .where(cards.c.id == last.card)
                .values({c: previous[c] for c in _UNDO_COLUMNS + _LEECH_COLUMNS if c in previous})
            )
            conn.execute(reviews.delete().where(reviews.c.id == last.id))
            key = conn.execute(sa.select(cards.c.deck, cards.c.card_id).where(cards.c.id == last.card)).one()
            return (key[0], key[1])

        return self._write(work)

    def _set(self, key: CardKey, **values: Any) -> None:
        def work(conn: Connection) -> None:
            result = conn.execute(
                cards.update().where(cards.c.deck == key[0], cards.c.card_id == key[1]).values(**values)
            )
            if result.rowcount == 0:
                raise StoreError(f"no card {key[0]}/{key[1]} in the collection")

        self._write(work)

    def suspend(self, key: CardKey) -> None:
        """Keep the card out of every queue until it is unsuspended."""
        self._set(key, suspended=True)

    def unsuspend(self, key: CardKey) -> None:
        """Put a suspended card (a leech too; it keeps its leech tag) back into the queues."""
        self._set(key, suspended=False)

    def bury(self, key: CardKey, now: datetime) -> datetime:
        """Hide the card until the next study day begins (see scheduling.days); returns that moment."""
        until = next_day_start(now, self.settings.day_starts_at_hour)
        self._set(key, buried_until=until.timestamp())
        return until

    # ----------------------------------------------------------------------------- reading

    @staticmethod
    def _info(row: RowMapping) -> CardInfo:
        return CardInfo(
            key=(row["deck"], row["card_id"]),
            state=_state(row),
            kind=row["kind"],
            prompt=row["prompt"],
            code=row["code"],
            tags=_tags_tuple(row["tags"], bool(row["leech"])),
            position=row["position"],
            hidden=bool(row["hidden"]),
            suspended=bool(row["suspended"]),
            leech=bool(row["leech"]),
            buried_until=_dt(row["buried_until"]),
            added_at=_dt(row["added_at"]) or datetime.fromtimestamp(0, tz=timezone.utc),
        )

    def card_info(self, key: CardKey) -> CardInfo | None:
        def work(conn: Connection) -> CardInfo | None:
            row = (
                conn.execute(sa.select(cards).where(cards.c.deck == key[0], cards.c.card_id == key[1]))
                .mappings()
                .first()
            )
            return self._info(row) if row else None

        return self._read(work)

    def history(self, key: CardKey) -> list[ReviewEntry]:
        """Every review of the card, oldest first."""

        def work(conn: Connection) -> list[ReviewEntry]:
            q = (
                sa.select(reviews)
                .join(cards, reviews.c.card == cards.c.id)
                .where(cards.c.deck == key[0], cards.c.card_id == key[1])
                .order_by(reviews.c.id)
            )
            return [
                ReviewEntry(
                    id=r["id"],
                    key=key,
                    reviewed_at=_dt(r["reviewed_at"]),  # type: ignore[arg-type]
                    rating=Rating(r["rating"]),
                    answer=r["answer"],
                    correct=r["correct"],
                    duration_s=r["duration_s"],
                    phase_before=Phase(r["phase_before"]),
                    interval=timedelta(days=r["interval_days"]),
                    stability=r["stability"],
                    difficulty=r["difficulty"],
                )
                for r in conn.execute(q).mappings()
            ]

        return self._read(work)

    def search(
        self,
        text: str | None = None,
        *,
        deck: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        due: datetime | None = None,
        lapses: int | None = None,
        include_hidden: bool = False,
        now: datetime | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[CardInfo]:
        """Cards matching every given filter, in deck order (``offset`` skips that many, for paging).

        ``text``: case-insensitive substring of the prompt, code or card id (through the full-text
        index, :mod:`quizapp.core.storage.fulltext`). ``tag``: a whole tag
        (``leech`` finds leeches). ``state``: one of SEARCH_STATES. ``due``: due at or before this moment
        (new cards excluded). ``lapses``: at least this many lapses. ``now`` decides what is buried.
        Hidden cards (no longer in any deck) appear only with ``include_hidden`` or ``state="hidden"``.
        """
        filters = dict(text=text, deck=deck, tag=tag, state=state, due=due, lapses=lapses,
                       include_hidden=include_hidden, now=now)

        def work(conn: Connection) -> list[CardInfo]:
            q = (sa.select(cards).where(*self._search_conditions(conn, **filters))
                 .order_by(cards.c.deck, cards.c.position).limit(limit).offset(max(0, offset)))
            return [self._info(r) for r in conn.execute(q).mappings()]

        return self._read(work)

    def search_count(
        self,
        text: str | None = None,
        *,
        deck: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        due: datetime | None = None,
        lapses: int | None = None,
        include_hidden: bool = False,
        now: datetime | None = None,
    ) -> int:
        """How many cards :meth:`search` with these filters would find without a limit."""
        filters = dict(text=text, deck=deck, tag=tag, state=state, due=due, lapses=lapses,
                       include_hidden=include_hidden, now=now)

        def work(conn: Connection) -> int:
            q = sa.select(sa.func.count()).select_from(cards).where(*self._search_conditions(conn, **filters))
            return int(conn.execute(q).scalar_one())

        return self._read(work)

    @staticmethod
    def _search_conditions(
        conn: Connection,
        *,
        text: str | None,
        deck: str | None,
        tag: str | None,
        state: str | None,
        due: datetime | None,
        lapses: int | None,
        include_hidden: bool,
        now: datetime | None,
    ) -> list[Any]:
        conds: list[Any] = []
        if text:
            conds.append(fulltext.text_condition(conn, cards, text))
        if deck:
            conds.append(cards.c.deck == deck)
        if tag:
            whole = cards.c.tags.like(f"% {tag.strip()} %")
            conds.append(sa.or_(whole, cards.c.leech == sa.true()) if tag.strip() == "leech" else whole)
        if state:
            if state not in SEARCH_STATES:
                raise StoreError(f"unknown state {state!r}; choose from {', '.join(SEARCH_STATES)}")
            now_ts = _ts(now) if now else time.time()
            conds.append(
                {
                    "new": cards.c.phase == int(Phase.NEW),
                    "learning": cards.c.phase == int(Phase.LEARNING),
                    "review": cards.c.phase == int(Phase.REVIEW),
                    "relearning": cards.c.phase == int(Phase.RELEARNING),
                    "suspended": cards.c.suspended == sa.true(),
                    "buried": cards.c.buried_until > now_ts,
                    "leech": cards.c.leech == sa.true(),
                    "hidden": cards.c.hidden == sa.true(),
                }[state]
            )
        if due is not None:
            conds.append(sa.and_(cards.c.phase != int(Phase.NEW), cards.c.due <= _ts(due)))
        if lapses is not None:
            conds.append(cards.c.lapses >= lapses)
        if not include_hidden and state != "hidden":
            conds.append(cards.c.hidden == sa.false())
        return conds

    # ----------------------------------------------------------------------------- for stats/export

    def review_count(self) -> int:
        return int(self._read(lambda conn: conn.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one()))

    REVIEW_ROW_COLUMNS = (
        "deck",
        "card_id",
        "card",
        "reviewed_at",
        "answer",
        "correct",
        "rating",
        "duration_s",
        "interval_days",
        "stability",
        "difficulty",
        "phase_before",
        "phase_after",
        "scheduled_days",
    )
    CARD_ROW_COLUMNS = (
        "deck",
        "card_id",
        "kind",
        "phase",
        "due",
        "last_review",
        "stability",
        "difficulty",
        "reps",
        "lapses",
        "suspended",
        "leech",
        "buried_until",
        "hidden",
        "added_at",
        "tags",
        "prompt",
    )

    def iter_review_rows(self, chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
        """Every review as a tuple of :attr:`REVIEW_ROW_COLUMNS`, oldest first, streamed (constant memory).

        The card keys are joined in Python from one pass over the cards: a million primary-key lookups
        inside SQLite cost more than the dictionary."""
        keys = {
            row[0]: (row[1], row[2])
            for row in self._stream(sa.select(cards.c.id, cards.c.deck, cards.c.card_id), chunk)
        }
        q = sa.select(*[reviews.c[c] for c in self.REVIEW_ROW_COLUMNS[2:]]).order_by(reviews.c.id)
        for row in self._stream(q, chunk):
            yield keys[row[0]] + tuple(row)

    def iter_card_rows(self, chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
        """Every card (hidden ones too) as a tuple of :attr:`CARD_ROW_COLUMNS`, in deck order, streamed."""
        q = sa.select(*[cards.c[c] for c in self.CARD_ROW_COLUMNS]).order_by(cards.c.deck, cards.c.position, cards.c.id)
        yield from self._stream(q, chunk)

    def _stream(self, query: Any, chunk: int) -> Iterator[tuple[Any, ...]]:
        """Rows of ``query`` as plain tuples, streamed. On PostgreSQL through a server-side cursor; on
        SQLite straight from the driver's cursor (lazy already), skipping SQLAlchemy's per-row result
        processing, which costs more than the query itself when an export reads a million rows.
        Booleans then arrive as 0/1: callers convert with bool()."""
        try:
            with self.engine.connect() as conn:
                if is_sqlite(self.engine):
                    compiled = query.compile(dialect=conn.dialect)
                    params = compiled.construct_params()
                    args = [params[name] for name in (compiled.positiontup or ())]
                    cursor = conn.connection.driver_connection.cursor()
                    try:
                        cursor.execute(str(compiled), args)
                        while rows := cursor.fetchmany(chunk):
                            yield from rows
                    finally:
                        cursor.close()
                    return
                result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
                for part in result.partitions(chunk):
                    yield from part
        except DatabaseError as exc:
            raise StoreError(f"could not read {self._where()} ({exc.orig or exc}); {self._way_out()}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not read {self._where()} ({exc}); {self._way_out()}") from None

    def review_days(self, now: datetime) -> list[tuple[int, int, int, int, int, float]]:
        """Reviews grouped by study day, oldest first: (day number since 1970-01-01, reviews, passed,
        mature reviews, mature passed, seconds spent). Passed means any rating but Again; mature means
        the interval in force was >= 21 days. Read from the 15-minute totals, not the review log."""
        shift = utc_offset_seconds(now) - self.settings.day_starts_at_hour * 3600
        q = sa.select(review_buckets.c.bucket, *[review_buckets.c[c] for c in _BUCKET_COLUMNS]).where(
            review_buckets.c.reviews != 0
        )
        days: dict[int, list[float]] = {}
        for bucket, *values in self._read(lambda conn: conn.execute(q).all()):
            day = int((bucket * migrations.BUCKET_SECONDS + shift) // DAY)
            acc = days.setdefault(day, [0, 0, 0, 0, 0.0])
            for i, v in enumerate(values):
                acc[i] += v
        return [(d, int(v[0]), int(v[1]), int(v[2]), int(v[3]), float(v[4])) for d, v in sorted(days.items())]

    CARD_STAT_COLUMNS = (
        "deck",
        "tags",
        "leech",
        "suspended",
        "phase",
        "stability",
        "due",
        "last_review",
        "reps",
        "lapses",
    )

    def card_stat_rows(self) -> Iterator[tuple[Any, ...]]:
        """Plain tuples (columns :attr:`CARD_STAT_COLUMNS`, times as epoch seconds) for every visible card,
        streamed: stats walk 100,000 cards, so no objects are built per card."""
        q = sa.select(*[cards.c[c] for c in self.CARD_STAT_COLUMNS]).where(cards.c.hidden == sa.false())
        yield from self._stream(q, 10000)

    def stream(self, query: Any, chunk: int = 10000) -> Iterator[tuple[Any, ...]]:
        """Rows of a read-only ``query`` as plain tuples, streamed (export's fast path uses it)."""
        return self._stream(query, chunk)

    def read(self, fn: Any) -> Any:
        """Run ``fn(connection)`` in a read transaction (stats use it for their aggregate queries)."""
        return self._read(fn)
