"""A card's scheduling state and phase: plain data, no scheduler.

Kept apart from :mod:`quizapp.core.scheduling.fsrs_bridge` so storage (which stores and hands out
states) never depends on the fsrs package, and the scheduler never depends on storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class Phase(IntEnum):
    """Where a card is in its life. LEARNING/REVIEW/RELEARNING have fsrs.State's values."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class CardState:
    """A card's scheduling state: what a review changes, and what replaying its reviews yields."""

    phase: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None  # None while NEW
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
