"""Domain objects the Store hands out (plain frozen dataclasses; no database rows leak out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from quizapp.core.decks.model import CardKey
from quizapp.core.rating import Rating
from quizapp.core.scheduling.state import CardState, Phase


@dataclass(frozen=True)
class DeckCounts:
    """What the home screen shows for a deck: cards to introduce, in learning, and due (limits applied)."""

    new: int = 0
    learning: int = 0
    due: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.due


@dataclass(frozen=True)
class ReviewResult:
    """What recording a rating did."""

    key: CardKey
    review_id: str  # a UUID: what Store.undo_review takes
    state: CardState
    interval: timedelta
    leech: bool  # the card just reached the leech threshold: it is now tagged ``leech`` and suspended

    @property
    def due(self) -> datetime | None:
        return self.state.due


@dataclass(frozen=True)
class CardInfo:
    """A card's stored progress and the copy of its text kept for search."""

    key: CardKey
    state: CardState
    kind: str
    prompt: str
    code: str
    tags: tuple[str, ...]  # includes "leech" when the card is a leech
    position: int
    hidden: bool
    suspended: bool
    leech: bool
    buried_until: datetime | None
    added_at: datetime

    @property
    def phase(self) -> Phase:
        return self.state.phase

    @property
    def due(self) -> datetime | None:
        return self.state.due

    @property
    def reps(self) -> int:
        return self.state.reps

    @property
    def lapses(self) -> int:
        return self.state.lapses


@dataclass(frozen=True)
class ReviewEntry:
    """One line of a card's history (oldest first in :meth:`Store.history`)."""

    id: str  # the review's UUID
    key: CardKey
    reviewed_at: datetime
    rating: Rating
    answer: str
    correct: bool | None
    duration_s: float
    phase_before: Phase
    interval: timedelta
    stability: float | None
    difficulty: float | None
