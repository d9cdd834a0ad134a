"""The study screen's grading flow: a prediction is submitted, run and judged off the UI thread, then
shown as a verdict with rating buttons (or as "could not run", or, for "I don't know", recorded as
Again at once); a rating is recorded. A mixin of :class:`~quizapp.tui.screens.study.StudyScreen`
(Textual's ``@on`` is not used here: the screen's own handlers call into this).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.widgets import Input, Static

from quizapp.core.decks.model import Card
from quizapp.core.execution.outcome import Outcome
from quizapp.core.kinds import registry as kinds
from quizapp.core.rating import Rating
from quizapp.tui import format as fmt
from quizapp.tui.widgets.answer_input import is_dont_know
from quizapp.tui.widgets.code_editor import WriteStage, write_verdict, writes_code
from quizapp.tui.widgets.rating_bar import RatingBar
from quizapp.tui.widgets.verdict_view import verdict_renderable

if TYPE_CHECKING:
    from quizapp.core.grading.verdict import Verdict

SPINNER_DELAY = 0.15  # seconds of grading before the spinner shows (a warm engine answers well before)


class Grading:
    """Submitting, grading and rating the card on screen (mixed into StudyScreen)."""

    if TYPE_CHECKING:  # provided by StudyScreen / Screen
        card: Any
        stage: str
        session: Any
        suggested: Rating
        answer: str
        seconds: float
        shown_at: float
        dont_know: bool
        first_review: bool
        outcome: Outcome | None
        verdict: Verdict | None
        _banner: Any

        def __getattr__(self, name: str) -> Any: ...

    def _submit(self, value: str) -> None:
        card = self.card
        if card is None or self.stage != "question" or writes_code(card):
            return
        answer = value.strip()
        if not answer:
            self.notify("Type your prediction first ('error' if you think it raises, '?' if you don't know).",
                        severity="warning")
            return
        self.query_one("#answer", Input).disabled = True
        self._start_grading(card, answer, dont_know=is_dont_know(answer))

    def _submit_code(self, code: str) -> None:
        """A write card's code from the editor: graded by running it (never 'I don't know')."""
        card = self.card
        if card is None or self.stage != "question" or not writes_code(card):
            return
        if not code.strip():
            self.notify("Write your code first: statements whose last line is the result.", severity="warning")
            return
        self.query_one(WriteStage).set_read_only()
        self._start_grading(card, code, dont_know=False)

    def _start_grading(self, card: Card, answer: str, *, dont_know: bool) -> None:
        """The answer is in (its input already locked): time it, then grade it off the UI thread."""
        self.dont_know = dont_know
        self.answer = answer
        self.seconds = time.monotonic() - self.shown_at
        self.stage = "grading"
        self.set_timer(SPINNER_DELAY, self._maybe_show_spinner)
        self._grade(card, answer)

    def _maybe_show_spinner(self) -> None:
        if self.stage == "grading":
            self.query_one("#spinner").display = True


    @work(thread=True, exclusive=True, group="grade")
    def _grade(self, card: Card, answer: str) -> None:
        try:
            outcome, verdict = self.session.grade(card, answer)
        except Exception as exc:  # a broken grader or store must not crash the app
            self.app.call_from_thread(self._graded_with_error, card, exc)
            return
        self.app.call_from_thread(self._graded, card, outcome, verdict)


    def _graded_with_error(self, card: Card, exc: Exception) -> None:
        self.query_one("#spinner").display = False
        if card is not self.card:
            return
        self.notify(f"Could not grade this card: {exc}", severity="error")
        self._show_failed(Outcome.failure(str(exc)))


    def _graded(self, card: Card, outcome: Outcome, verdict: Verdict) -> None:
        self.query_one("#spinner").display = False
        if card is not self.card or self.stage != "grading":
            return  # the user moved on (undo, bury, leave) while it ran
        if outcome.failed:
            self._show_failed(outcome)
            return
        if self.dont_know:
            self._record_dont_know(card, outcome)
            return
        if not verdict.readable:
            self.notify(verdict.message, title="Could not read this answer", severity="warning")
            self.stage = "question"
            answer = self.query_one("#answer", Input)
            answer.disabled = False
            answer.focus()
            return
        self.outcome, self.verdict = outcome, verdict
        if writes_code(card):
            self.query_one(WriteStage).remember(card, self.answer, verdict.correct)
            solution = kinds.of(card).shown_answer(card, outcome) or ""
            shown = write_verdict(card, outcome, verdict, self.app.current_theme.dark, solution)
        else:
            shown = verdict_renderable(card, self.answer, outcome, verdict, self._md)
        self.query_one("#verdict", Static).update(shown)
        self._show_rating(self.session.suggested_rating(verdict, self.seconds, first_review=self.first_review))


    def _record_dont_know(self, card: Card, outcome: Outcome) -> None:
        """'I don't know': the outcome is shown and Again is recorded at once (undo takes it back)."""
        self.outcome = outcome
        try:
            result = self.session.rate(card, Rating.AGAIN, answer="?", correct=False, seconds=self.seconds)
        except Exception as exc:
            self.notify(f"Could not save this rating: {exc}", severity="error", timeout=10)
            self.stage = "question"
            self.query_one("#answer", Input).disabled = False
            return
        self.query_one("#verdict", Static).update(
            verdict_renderable(card, self.answer, outcome, None, self._md, dont_know=True))
        self._note_leech(card, result)
        self.stage = "shown"
        self._update_counts()
        self._scroll_top()
        self._focus_later("#continue")


    def _show_failed(self, outcome: Outcome) -> None:
        reason = outcome.reason or outcome.display or "unknown reason"
        text = Text.assemble(("This card could not run: ", "bold"), reason,
                             "\nNothing is recorded for it. Skip it (n), or edit the deck (e) and reload.")
        if outcome.stdout:
            text.append("\n\nPrinted before it stopped:\n" + outcome.stdout.rstrip("\n"))
        self.query_one("#notice", Static).update(text)
        self.stage = "failed"
        self._focus_later("#skip-button")


    def _show_rating(self, suggested: Rating) -> None:
        card = self.card
        assert card is not None
        self.suggested = suggested
        try:
            intervals = self.session.preview(card)
        except Exception as exc:  # a database problem: rating labels are a nicety, not worth a crash
            self.notify(f"Could not preview intervals: {exc}", severity="warning")
            intervals = {}
        self.stage = "rating"
        self._scroll_top()
        self.query_one(RatingBar).show(intervals, suggested)


    def _record(self, value: int) -> bool:
        """Record ``value`` for the card on screen; False (and a notice) when it could not be saved."""
        card = self.card
        if card is None or self.stage != "rating":
            return False
        rating = Rating(value)
        correct = self.verdict.correct if (self.verdict is not None and card.executable) else None
        try:
            result = self.session.rate(card, rating, answer=self.answer, correct=correct, seconds=self.seconds)
        except Exception as exc:
            self.notify(f"Could not save this rating: {exc}", severity="error", timeout=10)
            return False
        self._banner = None
        self._note_leech(card, result)
        return True


    def _note_leech(self, card: Card, result: object) -> None:
        """A new leech is said on screen (above the next card), not only in a toast that fades."""
        if not getattr(result, "leech", False):
            return
        lapses = result.state.lapses  # type: ignore[attr-defined]
        self._banner = Text.assemble(
            ("Leech: ", "bold yellow"), f"{card.deck}/{card.id} was forgotten {fmt.times(lapses)}; it is now "
            "suspended. Rewrite it or study its concept; Browse (state:leech) can unsuspend it.")
        self._show_banner()
