"""Progress statistics: pure functions over the Store (it runs the queries; this module does the sums).

Definitions (shown to users by ``quizapp stats`` and the docs):
- *study day*: starts at ``Settings.day_starts_at_hour`` local time (see scheduling.days).
- *true retention*: the share of reviews of mature cards (interval in force >= 21 days) not rated
  Again; ``None`` until there is such a review.
- *streak*: consecutive study days with at least one review, ending today (or yesterday, if today has
  none yet: a streak is not broken before the day is over).
- *due today*: cards in learning or review whose due time falls before the next study day
  (suspended and buried cards excluded; daily limits not applied).
- *mastery* (per deck and tag): the mean predicted probability of recall right now, by fsrs's
  forgetting curve, over all the deck's cards, a never-studied card counting 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from quizapp.core.scheduling.days import DAY_SECONDS, next_day_start, require_utc, study_date
from quizapp.core.scheduling.fsrs_bridge import forgetting_curve
from quizapp.core.scheduling.state import Phase
from quizapp.core.storage.store import MATURE_DAYS, Store

EPOCH = date(1970, 1, 1)


@dataclass
class GroupStats:
    """Per deck or per tag."""

    name: str
    cards: int = 0
    new: int = 0
    learning: int = 0
    review: int = 0
    mature: int = 0
    suspended: int = 0
    due_today: int = 0
    reviews: int = 0
    lapses: int = 0
    mastery: float = 0.0  # mean probability of recall now, 0..1


@dataclass
class DayStats:
    date: date
    reviews: int
    passed: int
    seconds: float


@dataclass
class Stats:
    reviews: int
    cards: int
    due_today: int
    retention: float | None
    retention_reviews: int
    streak_days: int
    reviews_today: int
    seconds_today: float
    seconds_total: float
    new: int
    learning: int
    review: int
    mature: int
    suspended: int
    leeches: int
    decks: list[GroupStats] = field(default_factory=list)
    tags: list[GroupStats] = field(default_factory=list)
    per_day: list[DayStats] = field(default_factory=list)  # days with reviews, oldest first
    forecast: list[tuple[date, int]] = field(default_factory=list)  # (day, cards due), today first

    def to_json(self) -> dict[str, Any]:
        """One JSON-able object (``quizapp stats --json``), led by its format name and version."""
        data: dict[str, Any] = {"format": STATS_FORMAT, "version": STATS_VERSION, **asdict(self)}
        data["decks"] = [{"deck": g.pop("name"), **g} for g in data["decks"]]
        data["tags"] = [{"tag": g.pop("name"), **g} for g in data["tags"]]
        data["per_day"] = [
            {"date": d.date.isoformat(), "reviews": d.reviews, "passed": d.passed, "seconds": round(d.seconds, 1)}
            for d in self.per_day
        ]
        data["forecast"] = [{"date": d.isoformat(), "due": n} for d, n in self.forecast]
        data["retention"] = None if self.retention is None else round(self.retention, 4)
        for group in data["decks"] + data["tags"]:
            group["mastery"] = round(group["mastery"], 4)
        return data


# ``quizapp stats --json`` is read by scripts: a key removed or changed in meaning takes a new version
# (a key added does not).
STATS_FORMAT = "quizapp-stats"
STATS_VERSION = 1


def streak(days_with_reviews: set[date], today: date) -> int:
    """Consecutive days with reviews ending today, or yesterday when today has none yet."""
    day = today if today in days_with_reviews else today - timedelta(days=1)
    count = 0
    while day in days_with_reviews:
        count += 1
        day -= timedelta(days=1)
    return count


def _card_rows(store: Store) -> Iterator[tuple[tuple[Any, ...], int]]:
    """(card stat row, how many cards it stands for): every reviewed card alone, new cards grouped
    (see :meth:`Store.card_stat_groups`)."""
    return ((tuple(row), n) for row, n in store.card_stat_groups())


def compute(store: Store, now: datetime, *, forecast_days: int = 30) -> Stats:
    """Everything ``quizapp stats`` and the stats screen show, computed in one pass over each table."""
    now = require_utc(now)
    settings = store.settings
    hour = settings.day_starts_at_hour
    today = study_date(now, hour)
    end_of_today = next_day_start(now, hour).timestamp()
    now_ts = now.timestamp()

    per_day: list[DayStats] = []
    total = mature_total = mature_passed = 0
    seconds_total = 0.0
    for day_no, n, passed, mature, mature_ok, seconds in store.review_days(now):
        per_day.append(DayStats(EPOCH + timedelta(days=day_no), n, passed, seconds))
        total += n
        mature_total += mature
        mature_passed += mature_ok
        seconds_total += seconds
    today_row = next((d for d in per_day if d.date == today), None)

    curve = forgetting_curve(settings)
    decks: dict[str, GroupStats] = {}
    tags: dict[str, GroupStats] = {}
    # summed recall by group name, decks and tags apart (a tag may be named like a deck)
    deck_recall: dict[str, float] = defaultdict(float)
    tag_recall: dict[str, float] = defaultdict(float)
    forecast = [0] * forecast_days
    counts = {"cards": 0, "new": 0, "learning": 0, "review": 0, "mature": 0, "suspended": 0, "leeches": 0, "due": 0}
    mature_seconds = MATURE_DAYS * DAY_SECONDS
    new, review = int(Phase.NEW), int(Phase.REVIEW)
    phase_key = {
        int(Phase.NEW): "new",
        int(Phase.LEARNING): "learning",
        int(Phase.RELEARNING): "learning",
        int(Phase.REVIEW): "review",
    }
    # One pass over the cards, kept lean (plain tuples and floats): this loop meets 100,000 cards. New
    # cards come pre-counted by the database (one row per deck, tag set and flags, with its number of
    # cards ``n``): they have no recall, are neither mature nor due, so only their counts matter.
    for (deck, tag_text, leech, suspended, phase, stability, due, last_review, reps, lapses), n in _card_rows(store):
        suspended = bool(suspended)
        recall = 0.0
        if phase != new and stability and last_review is not None:
            recall = curve(stability, (now_ts - last_review) // DAY_SECONDS)
        is_mature = (
            phase == review and due is not None and last_review is not None and due - last_review >= mature_seconds
        )
        due_today = not suspended and phase != new and due is not None and due < end_of_today
        tag_names = tag_text.split()
        if leech and "leech" not in tag_names:
            tag_names.append("leech")
        counts["cards"] += n
        counts["leeches"] += n * bool(leech)
        counts["suspended"] += n * suspended
        counts["due"] += n * due_today
        counts["mature"] += n * is_mature
        key = phase_key[phase]
        counts[key] += n
        group = decks.get(deck) or decks.setdefault(deck, GroupStats(deck))
        groups = [group] + [tags.get(t) or tags.setdefault(t, GroupStats(t)) for t in tag_names]
        for g in groups:
            g.cards += n
            g.reviews += reps
            g.lapses += lapses
            g.suspended += n * suspended
            g.due_today += n * due_today
            g.mature += n * is_mature
            setattr(g, key, getattr(g, key) + n)
            (deck_recall if g is group else tag_recall)[g.name] += n * recall
        if not suspended and due is not None and phase != new:
            offset = 0 if due < end_of_today else int((due - end_of_today) // DAY_SECONDS) + 1
            if offset < forecast_days:
                forecast[offset] += n
    for name, g in decks.items():
        g.mastery = deck_recall[name] / g.cards if g.cards else 0.0
    for name, g in tags.items():
        g.mastery = tag_recall[name] / g.cards if g.cards else 0.0

    return Stats(
        reviews=total,
        cards=counts["cards"],
        due_today=counts["due"],
        retention=(mature_passed / mature_total) if mature_total else None,
        retention_reviews=mature_total,
        streak_days=streak({d.date for d in per_day}, today),
        reviews_today=today_row.reviews if today_row else 0,
        seconds_today=today_row.seconds if today_row else 0.0,
        seconds_total=seconds_total,
        new=counts["new"],
        learning=counts["learning"],
        review=counts["review"],
        mature=counts["mature"],
        suspended=counts["suspended"],
        leeches=counts["leeches"],
        decks=sorted(decks.values(), key=lambda g: g.name),
        tags=sorted(tags.values(), key=lambda g: (-g.cards, g.name)),
        per_day=per_day,
        forecast=[(today + timedelta(days=i), n) for i, n in enumerate(forecast)],
    )
