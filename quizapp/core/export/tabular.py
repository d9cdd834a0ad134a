"""Export the review log and every card's current state as CSV or JSON, streamed row by row.

Layout (also in the user docs):
- CSV: two files. ``FILE`` holds the review log, one row per review, oldest first; ``FILE`` with
  ``-cards`` before its suffix (``progress.csv`` -> ``progress-cards.csv``) holds one row per card.
- JSON: one object ``{"format": "quizapp-export", "version": 2, "learner": ..., "reviews": [...],
  "cards": [...]}`` whose entries have the same fields as the CSV columns.
Both hold one learner's progress. Times are ISO 8601 in UTC; intervals are in days. Each review carries
its id, device and learner (version 2), so ``quizapp import`` can merge an export into another
collection without duplicating a review.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, overload

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, Select

from quizapp.core.rating import Rating
from quizapp.core.scheduling.days import DAY_SECONDS
from quizapp.core.scheduling.state import Phase
from quizapp.core.storage import streams
from quizapp.core.storage.store import Store
from quizapp.core.storage.tables import reviews

# The JSON export's top level: ``quizapp import`` checks both (version 2: every review carries its id).
EXPORT_FORMAT = "quizapp-export"
EXPORT_VERSION = 2


class ExportedReview(NamedTuple):
    """One review as the export writes it (the CSV columns, in order; the JSON entry's keys)."""

    deck: str
    card_id: str
    reviewed_at: str
    answer: str
    correct: bool | None
    rating: int
    rating_label: str
    duration_s: float
    interval_days: float
    stability: float | None
    difficulty: float | None
    state_before: str
    state_after: str
    scheduled_days: float
    review_id: str
    device: str
    learner: str
    fixed_interval_days: float | None


class ExportedCard(NamedTuple):
    """One card's current state as the export writes it."""

    deck: str
    card_id: str
    kind: str
    state: str
    due: str | None
    interval_days: float | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    suspended: bool
    leech: bool
    buried_until: str | None
    hidden: bool
    last_review: str | None
    added_at: str
    tags: str
    prompt: str


REVIEW_FIELDS = ExportedReview._fields
CARD_FIELDS = ExportedCard._fields


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    reviews: int
    cards: int


@overload
def _iso(ts: float) -> str: ...
@overload
def _iso(ts: float | None) -> str | None: ...
def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds")


# Label tables instead of enum lookups: the export formats a million rows.
_RATING = {int(r): r.label for r in Rating}
_PHASE = {int(p): p.label for p in Phase}


def _review_row(r: streams.ReviewRecord, at: str) -> ExportedReview:
    # Numbers go out exactly as stored (rounding a million rows' floats costs seconds and loses data).
    return ExportedReview(
        r.deck,
        r.card_id,
        at,
        r.answer,
        r.correct,
        r.rating,
        _RATING[r.rating],
        r.duration_s,
        r.interval_days,
        r.stability,
        r.difficulty,
        _PHASE[r.phase_before],
        _PHASE[r.phase_after],
        r.scheduled_days,
        r.review_id,
        r.device,
        r.learner,
        r.fixed_interval_days,
    )


def review_tuples(store: Store) -> Iterator[ExportedReview]:
    """The learner's review log, oldest first."""
    for r in store.iter_reviews():
        yield _review_row(r, _iso(r.reviewed_at))


def card_tuples(store: Store) -> Iterator[ExportedCard]:
    """Every card's current state (this learner's), in deck order."""
    iso, phase_label = _iso, _PHASE
    for c in store.iter_cards():
        interval = None if c.due is None or c.last_review is None else (c.due - c.last_review) / DAY_SECONDS
        yield ExportedCard(
            c.deck,
            c.card_id,
            c.kind,
            phase_label[c.phase],
            iso(c.due),
            interval,
            c.stability,
            c.difficulty,
            c.reps,
            c.lapses,
            c.suspended,
            c.leech,
            iso(c.buried_until),
            c.hidden,
            iso(c.last_review),
            iso(c.added_at),
            " ".join(c.tags.split()),
            c.prompt,
        )


def review_records(store: Store) -> Iterator[dict[str, Any]]:
    """The JSON export's reviews: as the CSV rows, but ``reviewed_at`` to the microsecond, so an import
    elsewhere holds exactly the same log (and replays to exactly the same states)."""
    for r in store.iter_reviews():
        at = datetime.fromtimestamp(r.reviewed_at, tz=UTC).isoformat(timespec="microseconds")
        yield _review_row(r, at)._asdict()


def card_records(store: Store) -> Iterator[dict[str, Any]]:
    for row in card_tuples(store):
        yield row._asdict()


class _Counter:
    """Pass rows through while counting them (so ``writerows`` can consume a generator at C speed)."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]):
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for row in self.rows:
            self.count += 1
            yield row


def cards_path_for(path: Path) -> Path:
    """``progress.csv`` -> ``progress-cards.csv`` (the CSV export's second file)."""
    return path.with_name(f"{path.stem}-cards{path.suffix or '.csv'}")


def _atomic(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.part")


def _csv_field(value: str) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([value])
    return buf.getvalue()[:-2]


def _text(value: str) -> ColumnElement[str]:
    """A constant written into the SQL, not bound: SQLite evaluates the line's expressions a million
    times, and inline constants keep that a third faster than bound parameters."""
    return sa.literal_column("'" + value.replace("'", "''") + "'", sa.String)


def _sql_case(column: ColumnElement[Any], labels: dict[int, str]) -> ColumnElement[str]:
    return sa.case({sa.literal_column(str(int(k))): _text(v) for k, v in labels.items()}, value=column,
                   else_=_text(""))


def _sql_csv(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A text column as one CSV field, quoted exactly when the csv module would quote it."""
    chars: tuple[ColumnElement[Any], ...] = (
        _text(","), _text('"'), sa.literal_column("char(10)"), sa.literal_column("char(13)"))
    special = sa.or_(*(sa.func.instr(column, char) > sa.literal_column("0") for char in chars))
    quoted = _text('"') + sa.func.replace(column, _text('"'), _text('""'), type_=sa.String) + _text('"')
    return sa.case((special, quoted), else_=column)


def _nullable_number(column: ColumnElement[Any]) -> ColumnElement[str]:
    return sa.case((column.is_(None), _text("")), else_=sa.func.printf(_text("%.4f"), column, type_=sa.String))


def _sqlite_review_lines(learner: str) -> Select[tuple[int, str]]:
    """(card, the rest of the CSV line) per review, the line formatted by SQLite's printf: SQLite formats
    in C, so Python fetches one string per review instead of twelve values (the export's budget is
    10 s per million). SQLite only (printf, strftime)."""
    r = reviews.c
    line = sa.func.printf(
        _text("%s+00:00,%s,%s,%d,%s,%.3f,%.4f,%s,%s,%s,%s,%.4f"),
        sa.func.strftime(_text("%Y-%m-%dT%H:%M:%f"), r.reviewed_at, _text("unixepoch")),
        _sql_csv(r.answer),
        sa.case((r.correct.is_(None), _text("")), (r.correct, _text("True")), else_=_text("False")),
        r.rating, _sql_case(r.rating, _RATING), r.duration_s, r.interval_days,
        _nullable_number(r.stability), _nullable_number(r.difficulty),
        _sql_case(r.phase_before, _PHASE), _sql_case(r.phase_after, _PHASE), r.scheduled_days,
        type_=sa.String,
    )
    comma = _text(",")
    whole = (line + comma + r.id + comma + _sql_csv(r.device) + comma + _sql_csv(r.learner) + comma
             + _nullable_number(r.fixed_interval_days))
    return (sa.select(r.card, whole).where(r.learner == learner).order_by(r.reviewed_at, r.id))


def review_csv_lines(store: Store, *, portable: bool = False) -> Iterator[str]:
    """The review log as finished CSV lines (``\r\n``-terminated, like the csv module writes).

    This is the export's hot loop (a million rows in well under 10 s): numbers with fixed decimals
    (intervals, stability and difficulty to 4 places, durations to 3), each card key looked up in a
    dictionary made in one pass over the cards instead of a join, and on SQLite the whole line built
    by SQLite itself. A test holds the output equal, once parsed, to :func:`review_tuples` (the
    portable path the JSON export uses). ``portable=True`` skips the SQLite path (tests use it).
    """
    keys = {
        card_pk: f"{_csv_field(deck)},{_csv_field(card_id)},"
        for card_pk, (deck, card_id) in streams.card_keys(store.engine, store.read_error).items()
    }
    if store.engine.dialect.name == "sqlite" and not portable:
        for card, line in streams.rows(store.engine, _sqlite_review_lines(store.learner), store.read_error):
            yield keys[card] + line + "\r\n"
        return
    booleans = {None: "", False: "False", True: "True"}
    for r in store.iter_reviews():
        fields = (
            _iso(r.reviewed_at),
            _csv_field(r.answer),
            booleans[r.correct],
            str(r.rating),
            _RATING[r.rating],
            f"{r.duration_s:.3f}",
            f"{r.interval_days:.4f}",
            "" if r.stability is None else f"{r.stability:.4f}",
            "" if r.difficulty is None else f"{r.difficulty:.4f}",
            _PHASE[r.phase_before],
            _PHASE[r.phase_after],
            f"{r.scheduled_days:.4f}",
            r.review_id,
            _csv_field(r.device),
            _csv_field(r.learner),
            "" if r.fixed_interval_days is None else f"{r.fixed_interval_days:.4f}",
        )
        yield f"{_csv_field(r.deck)},{_csv_field(r.card_id)}," + ",".join(fields) + "\r\n"


def write_csv(store: Store, path: Path) -> ExportResult:
    """Write the review log to ``path`` and the cards to :func:`cards_path_for` ``(path)``."""
    counts = []
    targets = (path, cards_path_for(path))
    for target, fields, rows in (
        (targets[0], REVIEW_FIELDS, review_tuples(store)),
        (targets[1], CARD_FIELDS, card_tuples(store)),
    ):
        tmp = _atomic(target)
        n = 0
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(fields)
            if fields is REVIEW_FIELDS:
                for n, text in enumerate(review_csv_lines(store), 1):  # noqa: B007  (n is the count)
                    fh.write(text)
            else:
                counter = _Counter(rows)
                writer.writerows(counter)
                n = counter.count
        os.replace(tmp, target)
        counts.append(n)
    return ExportResult(targets, counts[0], counts[1])


def write_json(store: Store, path: Path) -> ExportResult:
    """Write one JSON object with "reviews" and "cards", one entry per line inside each list."""
    tmp = _atomic(path)
    counts = []
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(f'{{"format": {json.dumps(EXPORT_FORMAT)}, "version": {EXPORT_VERSION}, '
                 f'"learner": {json.dumps(store.learner)}')
        for name, rows in (("reviews", review_records(store)), ("cards", card_records(store))):
            fh.write(f',\n"{name}": [')
            n = 0
            for row in rows:
                fh.write(",\n  " if n else "\n  ")
                fh.write(json.dumps(row, ensure_ascii=False))
                n += 1
            fh.write("\n]" if n else "]")
            counts.append(n)
        fh.write("}\n")
    os.replace(tmp, path)
    return ExportResult((path,), counts[0], counts[1])
