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
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizapp.core.rating import Rating
from quizapp.core.scheduling.fsrs_bridge import Phase
from quizapp.core.storage.store import Store

REVIEW_FIELDS = ("deck", "card_id", "reviewed_at", "answer", "correct", "rating", "rating_label", "duration_s",
                 "interval_days", "stability", "difficulty", "state_before", "state_after", "scheduled_days")
CARD_FIELDS = ("deck", "card_id", "kind", "state", "due", "interval_days", "stability", "difficulty", "reps",
               "lapses", "suspended", "leech", "buried_until", "hidden", "last_review", "added_at", "tags", "prompt")


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    reviews: int
    cards: int


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def review_records(store: Store) -> Iterator[dict[str, Any]]:
    for r in store.iter_review_rows():
        yield {
            "deck": r["deck"],
            "card_id": r["card_id"],
            "reviewed_at": _iso(r["reviewed_at"]),
            "answer": r["answer"],
            "correct": None if r["correct"] is None else bool(r["correct"]),
            "rating": r["rating"],
            "rating_label": Rating(r["rating"]).label,
            "duration_s": _round(r["duration_s"], 3),
            "interval_days": _round(r["interval_days"]),
            "stability": _round(r["stability"]),
            "difficulty": _round(r["difficulty"]),
            "state_before": Phase(r["phase_before"]).label,
            "state_after": Phase(r["phase_after"]).label,
            "scheduled_days": _round(r["scheduled_days"]),
        }


def card_records(store: Store) -> Iterator[dict[str, Any]]:
    for c in store.iter_card_rows():
        interval = None
        if c["due"] is not None and c["last_review"] is not None:
            interval = (c["due"] - c["last_review"]) / 86400
        yield {
            "deck": c["deck"],
            "card_id": c["card_id"],
            "kind": c["kind"],
            "state": Phase(c["phase"]).label,
            "due": _iso(c["due"]),
            "interval_days": _round(interval),
            "stability": _round(c["stability"]),
            "difficulty": _round(c["difficulty"]),
            "reps": c["reps"],
            "lapses": c["lapses"],
            "suspended": bool(c["suspended"]),
            "leech": bool(c["leech"]),
            "buried_until": _iso(c["buried_until"]),
            "hidden": bool(c["hidden"]),
            "last_review": _iso(c["last_review"]),
            "added_at": _iso(c["added_at"]),
            "tags": " ".join(c["tags"].split()),
            "prompt": c["prompt"],
        }


def cards_path_for(path: Path) -> Path:
    """``progress.csv`` -> ``progress-cards.csv`` (the CSV export's second file)."""
    return path.with_name(f"{path.stem}-cards{path.suffix or '.csv'}")


def _atomic(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.part")


def write_csv(store: Store, path: Path) -> ExportResult:
    """Write the review log to ``path`` and the cards to :func:`cards_path_for` ``(path)``."""
    counts = []
    targets = (path, cards_path_for(path))
    for target, fields, rows in ((targets[0], REVIEW_FIELDS, review_records(store)),
                                 (targets[1], CARD_FIELDS, card_records(store))):
        tmp = _atomic(target)
        n = 0
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                n += 1
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
