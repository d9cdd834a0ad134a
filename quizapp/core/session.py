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

Concepts are taught once: :meth:`StudySession.concept_to_teach` names the concept note to show before a
new card only while that concept has never been shown (see :mod:`quizapp.core.seen_concepts`).

Concept teaching lives in :mod:`quizapp.core.session_concepts` and grading in
:mod:`quizapp.core.session_grading` (the session's mixins); :class:`Concept` and :func:`concept_title`
stay importable from here.

Undo takes back the last *action* of the session, whatever it was: a rating, a bury or a suspend.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from quizapp.core.decks import params as P
from quizapp.core.decks import torchver
from quizapp.core.decks.model import Card, CardKey
from quizapp.core.execution.outcome import Outcome
from quizapp.core.kinds import registry as kinds
from quizapp.core.rating import Rating
from quizapp.core.seen_concepts import SeenConcepts, legacy_path
from quizapp.core.session_concepts import Concept as Concept  # re-exported: the study screen imports it from here
from quizapp.core.session_concepts import ConceptTeaching
from quizapp.core.session_concepts import concept_title as concept_title
from quizapp.core.session_grading import SessionGrading

if TYPE_CHECKING:  # only for annotations: importing them here would load the grader/engine at launch
    from quizapp.core.decks.registry import Catalog
    from quizapp.core.execution.engine import Engine
    from quizapp.core.grading.verdict import Verdict
    from quizapp.core.storage.records import DeckCounts, ReviewResult
    from quizapp.core.storage.store import Store

# A learning step due within this long is shown early rather than ending the session (Anki's default).
LEARN_AHEAD = timedelta(minutes=20)


def utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass(frozen=True)
class Action:
    """One undoable action of this session: ``what`` is "rating", "bury" or "suspend"."""

    what: str
    key: CardKey
    rated: _Rated | None = None


class StudySession(ConceptTeaching, SessionGrading):
    """Study the cards of ``deck_ids`` (None: every loaded deck).

    ``clock`` returns the current UTC time (tests pass a fixed one); ``rng`` picks the variant of a
    parametric card; ``grader`` is ``(kind, outcome, answer) -> Verdict`` (default: the real grader).
    """

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        engine: Engine,
        deck_ids: Sequence[str] | None = None,
        clock: Callable[[], datetime] = utc_now,
        *,
        rng: random.Random | None = None,
        grader: Callable[[str, Outcome, str], Verdict] | None = None,
        seen: SeenConcepts | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.engine = engine
        self.deck_ids = list(deck_ids) if deck_ids is not None else None
        self.clock = clock
        self.rng = rng or random.Random()
        self._grader = grader
        self.started = time.monotonic()
        self.seen = seen if seen is not None else SeenConcepts(store, legacy=legacy_path())
        self._rated: list[_Rated] = []
        self._actions: list[Action] = []  # undo stack, newest last
        self._leeches: list[CardKey] = []
        self._skipped: set[CardKey] = set()
        self._first: CardKey | None = None  # an undone card goes first
        self.extra_new = 0  # new cards allowed today on top of the daily limit (study_more)
        from quizapp.core.execution.engine import preload_soon

        # The worker imports what these cards import lazily (named or learned), before they are graded.
        preload_soon(engine, lambda: [card for deck in self._decks() for card in self.catalog.decks[deck].cards
                                      if deck in self.catalog.decks])

    @contextlib.contextmanager
    def _limits(self) -> Iterator[None]:
        """While it is open the store sees today's new-card limit raised by ``extra_new`` (custom study).

        The raise lives in this session only: settings on disk, and other sessions, keep the limit.
        """
        if not self.extra_new:
            yield
            return
        base = self.store.settings
        self.store.settings = replace(base, new_per_day=base.new_per_day + self.extra_new)
        try:
            yield
        finally:
            self.store.settings = base

    # ----------------------------------------------------------------------------------- queue

    def _queue(self, now: datetime) -> list[CardKey]:
        """Cards to study now: the store's queue without skipped cards and cards no deck holds."""
        with self._limits():
            keys = self.store.due_queue(self._decks(), now)
        return [k for k in keys if k not in self._skipped and self._studiable(k)]

    def _decks(self) -> list[str]:
        """The session's decks; "every deck" is the catalogue's decks in its order (the curriculum order
        for the bundled ones), so new cards come basics first rather than by deck id."""
        return self.deck_ids if self.deck_ids is not None else list(self.catalog.decks)

    @functools.cached_property
    def _torch_here(self) -> str | None:
        """The installed torch release (package metadata: the app's process never imports torch)."""
        return torchver.installed_torch_version()

    def _studiable(self, key: CardKey) -> bool:
        """The catalogue holds the card and its ``torch`` key (if any) admits the torch installed here:
        a card whose claim does not hold on this release would grade the learner against a wrong answer."""
        card = self.catalog.card(key)
        if card is None:
            return False
        if card.torch is None:
            return True
        here = self._torch_here
        try:
            return here is None or card.torch.holds(here)
        except ValueError:  # a version string we cannot read: show the card rather than hide it
            return True

    def _next_key(self) -> CardKey | None:
        now = self.clock()
        if self._first is not None:
            first, self._first = self._first, None
            if self._studiable(first):
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
        if card.params and kinds.of(card).predicts:
            # A write card stays whole: an answer to it must be right on every variant.
            card = P.instantiate(card, P.sample(card, self.rng))
        return card

    def remaining(self) -> int:
        """How many cards are waiting now."""
        return len(self._queue(self.clock()))

    def counts(self) -> DeckCounts:
        """New / learning / review cards left today in this session's decks (the header, as Anki's).

        The daily limits are shared by all decks, so the sums are capped by what the limits still allow.
        """
        from quizapp.core.storage.records import DeckCounts

        now = self.clock()
        with self._limits():
            per_deck = self.store.deck_counts(self._decks(), now)
            new_left, reviews_left = self.store.left_today(now)
        shown = [c for d, c in per_deck.items() if self.catalog.decks.get(d) is not None]
        return DeckCounts(new=min(sum(c.new for c in shown), new_left),
                          learning=sum(c.learning for c in shown),
                          due=min(sum(c.due for c in shown), reviews_left))

    def limit_reached(self) -> bool:
        """True when new cards are waiting in these decks but today's new-card limit is used up."""
        now = self.clock()
        with self._limits():
            new_left, _ = self.store.left_today(now)
        if new_left > 0:
            return False
        base = self.store.settings
        self.store.settings = replace(base, new_per_day=10**9)  # count the new cards, limit aside
        try:
            waiting = self.store.deck_counts(self.deck_ids, now)
        finally:
            self.store.settings = base
        return any(c.new for d, c in waiting.items() if d in self.catalog.decks)

    def study_more(self, extra: int | None = None) -> None:
        """Custom study: allow ``extra`` more new cards today in this session (default: one day's limit)."""
        self.extra_new += extra if extra is not None else max(self.store.settings.new_per_day, 10)

    def capped_seconds(self, seconds: float) -> float:
        """The answer time to record: at most the ``answer_time_cap_seconds`` setting."""
        cap = float(getattr(self.store.settings, "answer_time_cap_seconds", 60.0))
        return max(0.0, min(float(seconds), cap))

    def preview(self, card: Card) -> dict[Rating, timedelta]:
        """The next interval for each rating (the rating buttons' labels)."""
        return self.store.preview(card.key, self.clock())

    # ----------------------------------------------------------------------------------- actions

    def rate(self, card: Card, rating: Rating, *, answer: str = "", correct: bool | None = None,
             seconds: float = 0.0) -> ReviewResult:
        """Record the rating (committed before this returns). ``correct`` is None for recall cards."""
        result = self.store.record_review(card.key, Rating(rating), answer=answer, correct=correct,
                                          duration_s=self.capped_seconds(seconds), now=self.clock())
        rated = _Rated(card.key, Rating(rating), correct, result.review_id)
        self._rated.append(rated)
        self._actions.append(Action("rating", card.key, rated))
        if result.leech:
            self._leeches.append(card.key)
        return result

    def can_undo(self) -> bool:
        return bool(self._actions)

    def last_action(self) -> Action | None:
        return self._actions[-1] if self._actions else None

    def undo(self) -> Action | None:
        """Take back this session's last action (rating, bury or suspend); its card is shown again next.

        None: nothing to undo. The action stays on the stack when the store refuses (it raises).
        """
        if not self._actions:
            return None
        action = self._actions[-1]
        if action.what == "rating":
            assert action.rated is not None
            key = self._undo_rating(action.rated)
            self._rated.remove(action.rated)
            if action.key in self._leeches:
                self._leeches.remove(action.key)
        elif action.what == "bury":
            self.store.unbury(action.key)
            key = action.key
        else:
            self.store.unsuspend(action.key)
            key = action.key
        self._actions.pop()
        self._first = key
        return action

    def _undo_rating(self, rated: _Rated) -> CardKey:
        """Take one of this session's ratings out of the log by its review id (never another window's or
        another learner's); raises StoreError "reviewed elsewhere since" when the card moved on."""
        return self.store.undo_review(rated.review_id)

    def bury(self, card: Card) -> datetime:
        """Hide the card until tomorrow's study day; returns when it comes back."""
        until = self.store.bury(card.key, self.clock())
        self._actions.append(Action("bury", card.key))
        return until

    def suspend(self, card: Card) -> None:
        """Keep the card out of every queue until it is unsuspended (from Browse)."""
        self.store.suspend(card.key)
        self._actions.append(Action("suspend", card.key))

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
        with self._limits():
            return self.store.next_due(self.deck_ids, self.clock())
