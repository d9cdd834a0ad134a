"""A study session: which card comes next, how an answer is graded, and what a rating records.

UI-free: the TUI (or any other front end) drives a :class:`StudySession` and only draws. It ties the
deck catalog (card texts), the execution engine (runs the snippet), the grader (compares the
prediction with what really happened; the deck's ``expect`` is never used) and the store (queues,
scheduling, reviews).

Order of cards: whatever ``Store.due_queue`` says now (learning steps due, then reviews, then new
cards, daily limits applied). The queue is read again after every rating, so a card rated Again comes
back when its learning step is due. When nothing is due any more but a learning step falls due within
:data:`LEARN_AHEAD` (as Anki does), that card is shown early instead of ending the session.

:meth:`StudySession.grade` blocks on the engine: call it from a worker thread. Everything else is quick
(one database round trip) and may be called from the UI thread.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from quizapp.core.decks import params as P
from quizapp.core.decks.model import Card, CardKey
from quizapp.core.execution.outcome import Outcome
from quizapp.core.rating import Rating

if TYPE_CHECKING:  # only for annotations: importing them here would load the grader/engine at launch
    from quizapp.core.decks.registry import Catalog
    from quizapp.core.grading.verdict import Verdict
    from quizapp.core.storage.records import ReviewResult
    from quizapp.core.storage.store import Store

# A learning step due within this long is shown early rather than ending the session (Anki's default).
LEARN_AHEAD = timedelta(minutes=20)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class SessionSummary:
    """What the end-of-session screen shows."""

    reviewed: int  # ratings recorded (undone ones not counted)
    graded: int  # of those, cards whose prediction the grader judged (recall cards are self-graded)
    correct: int
    again: int
    seconds: float  # from the session's start to now
    next_due: datetime | None
    leeches: list[CardKey] = field(default_factory=list)
    skipped: int = 0  # cards that could not run and were skipped (no review recorded)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.graded if self.graded else None


@dataclass(frozen=True)
class _Rated:
    """One rating of this session, kept so undo can take it back out of the tallies."""

    key: CardKey
    rating: Rating
    correct: bool | None
    review_id: str = ""  # the log's id for this rating: undo takes back exactly this review


class StudySession:
    """Study the cards of ``deck_ids`` (None: every loaded deck).

    ``clock`` returns the current UTC time (tests pass a fixed one); ``rng`` picks the variant of a
    parametric card; ``grader`` is ``(kind, outcome, answer) -> Verdict`` (default: the real grader).
    """

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        engine: Any,
        deck_ids: Sequence[str] | None = None,
        clock: Callable[[], datetime] = utc_now,
        *,
        rng: random.Random | None = None,
        grader: Callable[[str, Outcome, str], Verdict] | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.engine = engine
        self.deck_ids = list(deck_ids) if deck_ids is not None else None
        self.clock = clock
        self.rng = rng or random.Random()
        self._grader = grader
        self.started = time.monotonic()
        self._rated: list[_Rated] = []
        self._leeches: list[CardKey] = []
        self._skipped: set[CardKey] = set()
        self._first: CardKey | None = None  # an undone card goes first
        self._initial = len(self._queue(self.clock()))

    # ----------------------------------------------------------------------------------- queue

    def _queue(self, now: datetime) -> list[CardKey]:
        """Cards to study now: the store's queue without skipped cards and cards no deck holds."""
        keys = self.store.due_queue(self.deck_ids, now)
        return [k for k in keys if k not in self._skipped and self.catalog.card(k) is not None]

    def _next_key(self) -> CardKey | None:
        now = self.clock()
        if self._first is not None:
            first, self._first = self._first, None
            if self.catalog.card(first) is not None:
                return first
        queue = self._queue(now)
        if not queue:
            queue = self._queue(now + LEARN_AHEAD)
        return queue[0] if queue else None

    def next_card(self) -> Card | None:
        """The next card to show (a fresh variant for a parametric card), or None when done."""
        key = self._next_key()
        if key is None:
            return None
        card = self.catalog.card(key)
        assert card is not None  # _queue keeps only cards the catalog holds
        if card.params:
            card = P.instantiate(card, P.sample(card, self.rng))
        return card

    def remaining(self) -> int:
        """How many cards are waiting now (for the progress bar)."""
        return len(self._queue(self.clock()))

    def progress(self) -> tuple[int, int]:
        """(done, total) for the progress bar: total grows when a card comes back for another step."""
        done = len(self._rated) + len(self._skipped)
        return done, max(done + self.remaining(), self._initial, 1)

    # ----------------------------------------------------------------------------------- cards

    def is_new(self, card: Card) -> bool:
        """True for a card never studied (its concept is shown first)."""
        info = self.store.card_info(card.key)
        return info is None or info.reps == 0

    def concept_text(self, card: Card) -> str | None:
        """The explanation of the card's concept, when its deck defines one."""
        if not card.concept:
            return None
        deck = self.catalog.decks.get(card.deck)
        return deck.concepts.get(card.concept) if deck is not None else None

    def preview(self, card: Card) -> dict[Rating, timedelta]:
        """The next interval for each rating (the rating buttons' labels)."""
        return self.store.preview(card.key, self.clock())

    # ----------------------------------------------------------------------------------- grading

    def grade(self, card: Card, answer: str) -> tuple[Outcome, Verdict]:
        """Run the card's code and judge ``answer`` against what it really did. Blocks: call from a thread.

        Never raises for a bad snippet: an engine failure becomes a ``failed`` outcome (the front end
        offers to skip the card; nothing is recorded).
        """
        from quizapp.core.execution.engine import job_for

        try:
            outcome = self.engine.run(job_for(card))
        except Exception as exc:  # the engine itself broke (worker could not start): a readable notice
            outcome = Outcome.failure(f"the card could not be run: {exc}")
        grader = self._grader
        if grader is None:
            from quizapp.core.grading.verdict import grade as grader
        return outcome, grader(card.kind.value, outcome, answer)

    @staticmethod
    def suggested_rating(verdict: Verdict, seconds: float) -> Rating:
        from quizapp.core.grading.verdict import suggest_rating

        return Rating(suggest_rating(verdict, seconds))

    # ----------------------------------------------------------------------------------- actions

    def rate(self, card: Card, rating: Rating, *, answer: str = "", correct: bool | None = None,
             seconds: float = 0.0) -> ReviewResult:
        """Record the rating (committed before this returns). ``correct`` is None for recall cards."""
        result = self.store.record_review(card.key, Rating(rating), answer=answer, correct=correct,
                                          duration_s=seconds, now=self.clock())
        self._rated.append(_Rated(card.key, Rating(rating), correct, result.review_id))
        if result.leech:
            self._leeches.append(card.key)
        return result

    def can_undo(self) -> bool:
        return bool(self._rated)

    def undo(self) -> CardKey | None:
        """Take back this session's last rating; that card is shown again next. None: nothing to undo."""
        if not self._rated:
            return None
        last = self._rated[-1]
        key = self._undo_rating(last)
        self._rated.pop()
        if last.key in self._leeches:
            self._leeches.remove(last.key)
        self._first = key
        return key

    def _undo_rating(self, rated: _Rated) -> CardKey:
        """Take one of this session's ratings out of the log by its review id (never another window's or
        another learner's); raises StoreError "reviewed elsewhere since" when the card moved on."""
        return self.store.undo_review(rated.review_id)

    def bury(self, card: Card) -> datetime:
        """Hide the card until tomorrow's study day; returns when it comes back."""
        return self.store.bury(card.key, self.clock())

    def suspend(self, card: Card) -> None:
        """Keep the card out of every queue until it is unsuspended (from Browse)."""
        self.store.suspend(card.key)

    def skip(self, card: Card) -> None:
        """Leave a card that could not run for this session, recording nothing."""
        self._skipped.add(card.key)

    def reload(self, catalog: Catalog) -> None:
        """Use a freshly loaded catalog (after a deck was edited); the store learns the new texts."""
        self.catalog = catalog
        self.store.sync_cards(catalog.decks.values(), self.clock(), digests=catalog.digests)

    # ----------------------------------------------------------------------------------- end

    def summary(self) -> SessionSummary:
        graded = [r for r in self._rated if r.correct is not None]
        return SessionSummary(
            reviewed=len(self._rated),
            graded=len(graded),
            correct=sum(1 for r in graded if r.correct),
            again=sum(1 for r in self._rated if r.rating is Rating.AGAIN),
            seconds=time.monotonic() - self.started,
            next_due=self.next_due(),
            leeches=list(self._leeches),
            skipped=len(self._skipped),
        )

    def next_due(self) -> datetime | None:
        return self.store.next_due(self.deck_ids, self.clock())
