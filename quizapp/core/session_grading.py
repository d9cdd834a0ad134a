"""Grading in a study session: run a card's code, judge the answer, suggest a rating, try edited code.

:class:`SessionGrading` is the part of :class:`~quizapp.core.session.StudySession` that talks to the
execution engine and the grader. Its methods block on the engine (call them from a worker thread) and
never raise for a bad snippet: an engine failure becomes a ``failed`` outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from quizapp.core.decks.model import Card
from quizapp.core.execution.outcome import Outcome
from quizapp.core.kinds import registry as kinds
from quizapp.core.rating import Rating

if TYPE_CHECKING:  # only for annotations: importing them here would load the grader/engine at launch
    from quizapp.core.execution.engine import Engine
    from quizapp.core.grading.verdict import Verdict


class SessionGrading:
    """The session's grading (a mixin of :class:`~quizapp.core.session.StudySession`)."""

    engine: Engine
    _grader: Callable[[str, Outcome, str], Verdict] | None

    def grade(self, card: Card, answer: str) -> tuple[Outcome, Verdict]:
        """Run the card's code and judge ``answer`` against what it really did. Blocks: call from a thread.

        Never raises for a bad snippet: an engine failure becomes a ``failed`` outcome (the front end
        offers to skip the card; nothing is recorded).
        """
        kind = kinds.of(card)
        if not kind.predicts:  # the kind runs and judges the answer itself (write: on every variant)
            try:
                return kind.evaluate(card, answer, self.engine)
            except Exception as exc:  # the engine itself broke: a readable notice, nothing recorded
                outcome = Outcome.failure(f"the card could not be run: {exc}")
                from quizapp.core.grading.verdict import grade

                return outcome, grade(card.kind.value, outcome, answer)
        from quizapp.core.execution.engine import job_for

        try:
            outcome = self.engine.run(job_for(card))
        except Exception as exc:  # the engine itself broke (worker could not start): a readable notice
            outcome = Outcome.failure(f"the card could not be run: {exc}")
        grader = self._grader
        if grader is None:
            from quizapp.core.grading.verdict import grade

            grader = grade
        return outcome, grader(card.kind.value, outcome, answer)

    @staticmethod
    def suggested_rating(verdict: Verdict, seconds: float, *, first_review: bool = False) -> Rating:
        """The grader's suggestion; never Easy on a card's first review.

        A brand-new card may have been answered from the concept note just read: Easy would push it
        8-16 days away before it was ever recalled unaided.
        """
        from quizapp.core.kinds.suggest import suggest_rating

        rating = Rating(suggest_rating(verdict, seconds))
        return Rating.GOOD if first_review and rating is Rating.EASY else rating

    def try_code(self, code: str) -> Outcome:
        """Run edited code (the try-it pane) in the same sandbox; nothing is graded or recorded. Blocks."""
        from quizapp.core.playground import job_for_code

        try:
            job = job_for_code(code)
        except ValueError as exc:
            return Outcome.failure(str(exc))
        try:
            return self.engine.run(job)
        except Exception as exc:  # the worker could not start: a readable notice
            return Outcome.failure(f"the code could not be run: {exc}")
