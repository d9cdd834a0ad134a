"""Export the review log and every card's current state as CSV or JSON, streamed row by row.

Layout (also in the user docs):
- CSV: two files. ``FILE`` holds the review log, one row per review, oldest first; ``FILE`` with
  ``-cards`` before its suffix (``progress.csv`` -> ``progress-cards.csv``) holds one row per card.
- JSON: one object ``{"format": "quizapp-export", "version": 1, "reviews": [...], "cards": [...]}``
  whose entries have the same fields as the CSV columns.
Times are ISO 8601 in UTC; intervals are in days.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from quizapp.core.rating import Rating
from quizapp.core.scheduling.fsrs_bridge import Phase
from quizapp.core.storage.store import Store
from quizapp.core.storage.tables import cards

REVIEW_FIELDS = (
    "deck",
    "card_id",
    "reviewed_at",
    "answer",
    "correct",
    "rating",
    "rating_label",
    "duration_s",
    "interval_days",
    "stability",
    "difficulty",
    "state_before",
    "state_after",
    "scheduled_days",
)
CARD_FIELDS = (
    "deck",
    "card_id",
    "kind",
    "state",
    "due",
    "interval_days",
    "stability",
    "difficulty",
    "reps",
    "lapses",
    "suspended",
    "leech",
    "buried_until",
    "hidden",
    "last_review",
    "added_at",
    "tags",
    "prompt",
)


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    reviews: int
    cards: int


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")


# Label tables instead of enum lookups: the export formats a million rows.
_RATING = {int(r): r.label for r in Rating}
_PHASE = {int(p): p.label for p in Phase}


def review_tuples(store: Store) -> Iterator[tuple[Any, ...]]:
    """The review log as tuples in :data:`REVIEW_FIELDS` order, oldest first."""
    cols = store.REVIEW_ROW_COLUMNS
    assert cols[:2] == ("deck", "card_id") and cols[3] == "reviewed_at"  # the unpacking below relies on it
    iso, rating_label, phase_label = _iso, _RATING, _PHASE
    # Numbers go out exactly as stored (rounding a million rows' floats costs seconds and loses data).
    for (
        deck,
        card_id,
        _card,
        at,
        answer,
        correct,
        rating,
        duration,
        interval,
        stability,
        difficulty,
        before,
        after,
        scheduled,
    ) in store.iter_review_rows():
        yield (
            deck,
            card_id,
            iso(at),
            answer,
            None if correct is None else bool(correct),
            rating,
            rating_label[rating],
            duration,
            interval,
            stability,
            difficulty,
            phase_label[before],
            phase_label[after],
            scheduled,
        )


def card_tuples(store: Store) -> Iterator[tuple[Any, ...]]:
    """Every card's current state as tuples in :data:`CARD_FIELDS` order, in deck order."""
    iso, phase_label = _iso, _PHASE
    for (
        deck,
        card_id,
        kind,
        phase,
        due,
        last_review,
        stability,
        difficulty,
        reps,
        lapses,
        suspended,
        leech,
        buried_until,
        hidden,
        added_at,
        tags,
        prompt,
    ) in store.iter_card_rows():
        interval = None if due is None or last_review is None else (due - last_review) / 86400
        yield (
            deck,
            card_id,
            kind,
            phase_label[phase],
            iso(due),
            interval,
            stability,
            difficulty,
            reps,
            lapses,
            bool(suspended),
            bool(leech),
            iso(buried_until),
            bool(hidden),
            iso(last_review),
            iso(added_at),
            " ".join(tags.split()),
            prompt,
        )


def review_records(store: Store) -> Iterator[dict[str, Any]]:
    for row in review_tuples(store):
        yield dict(zip(REVIEW_FIELDS, row))


def card_records(store: Store) -> Iterator[dict[str, Any]]:
    for row in card_tuples(store):
        yield dict(zip(CARD_FIELDS, row))


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


def _sql_case(column: str, labels: dict[int, str]) -> str:
    whens = " ".join(f"WHEN {k} THEN '{v}'" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE '' END"


def _nullable_number(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN '' ELSE printf('%.4f', {column}) END"


# The whole line (after the card key) formatted by SQLite's printf: SQLite formats in C, so Python only
# fetches one string per review instead of twelve values (the export's budget is 10 s per million).
_SQLITE_REVIEW_LINE = f"""
SELECT card, printf('%s+00:00,%s,%s,%d,%s,%.3f,%.4f,%s,%s,%s,%s,%.4f',
    strftime('%Y-%m-%dT%H:%M:%f', reviewed_at, 'unixepoch'),
    CASE WHEN instr(answer, ',') OR instr(answer, '"') OR instr(answer, char(10)) OR instr(answer, char(13))
         THEN '"' || replace(answer, '"', '""') || '"' ELSE answer END,
    CASE correct WHEN 1 THEN 'True' WHEN 0 THEN 'False' ELSE '' END,
    rating, {_sql_case("rating", _RATING)}, duration_s, interval_days,
    {_nullable_number("stability")}, {_nullable_number("difficulty")},
    {_sql_case("phase_before", _PHASE)}, {_sql_case("phase_after", _PHASE)}, scheduled_days)
FROM reviews ORDER BY id
"""


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
        for card_pk, deck, card_id in store.stream(sa.select(cards.c.id, cards.c.deck, cards.c.card_id))
    }
    if store.engine.dialect.name == "sqlite" and not portable:
        for card, line in store.stream(sa.text(_SQLITE_REVIEW_LINE)):
            yield keys[card] + line + "\r\n"
        return
    booleans = {None: "", False: "False", True: "True"}
    for (
        _deck,
        _card_id,
        card,
        at,
        answer,
        correct,
        rating,
        duration,
        interval,
        stability,
        difficulty,
        before,
        after,
        scheduled,
    ) in store.iter_review_rows():
        fields = (
            _iso(at),
            _csv_field(answer),
            booleans[None if correct is None else bool(correct)],
            str(rating),
            _RATING[rating],
            f"{duration:.3f}",
            f"{interval:.4f}",
            "" if stability is None else f"{stability:.4f}",
            "" if difficulty is None else f"{difficulty:.4f}",
            _PHASE[before],
            _PHASE[after],
            f"{scheduled:.4f}",
        )
        yield keys[card] + ",".join(fields) + "\r\n"


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
        fh.write('{"format": "quizapp-export", "version": 1')
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
