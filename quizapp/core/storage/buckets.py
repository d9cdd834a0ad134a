"""Review totals per learner per 15 minutes: a cache of the review log that stats read.

Every change to the log adjusts them in the same transaction (:func:`add`); :func:`rebuild` recomputes
a learner's from the log (``quizapp doctor``). Study days are regrouped from buckets with each day's
own UTC offset (zoneinfo), so a daylight-saving change never moves a review into another day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.scheduling.days import DAY_SECONDS
from quizapp.core.storage.migrations import BUCKET_SECONDS, bucket_delta
from quizapp.core.storage.rows import RowLike
from quizapp.core.storage.tables import review_buckets, reviews

COLUMNS = ("reviews", "passed", "mature", "mature_passed", "seconds")
Deltas = dict[int, list[float]]


def accumulate(deltas: Deltas, review: RowLike, sign: int = 1) -> None:
    """Add one review row's contribution (by its cached columns) to ``deltas``."""
    bucket, delta = bucket_delta(
        review["reviewed_at"], review["rating"], review["phase_before"], review["scheduled_days"], review["duration_s"]
    )
    acc = deltas.setdefault(bucket, [0, 0, 0, 0, 0.0])
    for i, v in enumerate(delta):
        acc[i] += v * sign


def add(conn: Connection, learner: str, deltas: Deltas) -> None:
    """Apply ``deltas`` to the learner's buckets, in the caller's transaction (atomic increments, so
    concurrent writers on PostgreSQL never lose or double an update)."""
    rows = [
        {"learner": learner, "bucket": b, **_totals(d)}
        for b, d in sorted(deltas.items())  # one order for every writer: fewer lock waits between them
        if any(d)
    ]
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    # the two dialects' INSERT ... ON CONFLICT constructs are separate classes with the same API
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(review_buckets)
    upsert = stmt.on_conflict_do_update(
        index_elements=[review_buckets.c.learner, review_buckets.c.bucket],
        set_={c: review_buckets.c[c] + stmt.excluded[c] for c in COLUMNS},
    )
    conn.execute(upsert, rows)


def _totals(delta: list[float]) -> dict[str, float | int]:
    return {c: (float(v) if c == "seconds" else int(v)) for c, v in zip(COLUMNS, delta, strict=True)}


def from_log(conn: Connection, learner: str) -> Deltas:
    """The learner's buckets as the review log says they should be."""
    deltas: Deltas = {}
    q = sa.select(
        reviews.c.reviewed_at, reviews.c.rating, reviews.c.phase_before, reviews.c.scheduled_days, reviews.c.duration_s
    ).where(reviews.c.learner == learner)
    for row in conn.execute(q).mappings():
        accumulate(deltas, row)
    return deltas


def stored(conn: Connection, learner: str) -> Deltas:
    q = sa.select(review_buckets.c.bucket, *[review_buckets.c[c] for c in COLUMNS]).where(
        review_buckets.c.learner == learner
    )
    return {r[0]: list(r[1:]) for r in conn.execute(q) if any(r[1:])}


def same(a: Deltas, b: Deltas) -> bool:
    keys = {k for k, v in a.items() if any(v)} | {k for k, v in b.items() if any(v)}
    for k in keys:
        x, y = a.get(k, [0, 0, 0, 0, 0.0]), b.get(k, [0, 0, 0, 0, 0.0])
        if any(int(p) != int(q) for p, q in zip(x[:4], y[:4], strict=True)) or abs(float(x[4]) - float(y[4])) > 1e-6:
            return False
    return True


def rebuild(conn: Connection, learner: str) -> None:
    """Replace the learner's buckets with totals recomputed from the log."""
    conn.execute(review_buckets.delete().where(review_buckets.c.learner == learner))
    add(conn, learner, from_log(conn, learner))


def local_offset(stamp: float, tz: tzinfo | None) -> float:
    moment = datetime.fromtimestamp(stamp, tz=UTC)
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    offset = local.utcoffset()
    return offset.total_seconds() if offset else 0.0


def group_by_day(
    rows: Iterable[tuple[Any, ...]], day_starts_at_hour: int, tz: tzinfo | None = None
) -> list[tuple[int, int, int, int, int, float]]:
    """(bucket, reviews, passed, mature, mature_passed, seconds) rows regrouped into study days:
    (day number since 1970-01-01, totals...), oldest first. Each bucket is placed with the UTC offset in
    force at that moment, so days stay whole across daylight-saving changes."""
    days: dict[int, list[float]] = {}
    offsets: dict[int, float] = {}  # per hour: offsets change on the hour (or half hour) at most
    for bucket, *values in rows:
        start = bucket * BUCKET_SECONDS
        hour = start // 1800
        offset = offsets.get(hour)
        if offset is None:
            offset = offsets[hour] = local_offset(start, tz)
        day = int((start + offset - day_starts_at_hour * 3600) // DAY_SECONDS)
        acc = days.setdefault(day, [0, 0, 0, 0, 0.0])
        for i, v in enumerate(values):
            acc[i] += v
    return [(d, int(v[0]), int(v[1]), int(v[2]), int(v[3]), float(v[4])) for d, v in sorted(days.items())]


def review_days(
    conn: Connection, learner: str, day_starts_at_hour: int, tz: tzinfo | None = None
) -> list[tuple[int, int, int, int, int, float]]:
    q = sa.select(review_buckets.c.bucket, *[review_buckets.c[c] for c in COLUMNS]).where(
        review_buckets.c.learner == learner, review_buckets.c.reviews != 0
    )
    return group_by_day(conn.execute(q).all(), day_starts_at_hour, tz)
