"""What the four prediction kinds (shape, stride, dtype, value) share: run `ask`, parse the prediction,
grade it against the outcome.

Parsing and judging delegate to :mod:`quizapp.core.grading.answers` and :mod:`quizapp.core.grading.verdict`
(their bodies stay there): a kind only says which grader applies. ``deck check`` judges the author's
``expect`` with that same grader, so an ``expect`` is right exactly when a learner typing it would be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quizapp.core.kinds.base import CardKind, CheckResult, CheckStatus, CheckWork

if TYPE_CHECKING:
    from quizapp.core.decks.model import Card
    from quizapp.core.execution.engine import Job
    from quizapp.core.execution.outcome import Outcome
    from quizapp.core.grading.verdict import Verdict

PROMPT_ASK_WIDTH = 60  # longer asks are not repeated in the default prompt: the code is shown anyway
PLACEHOLDER = "Your prediction: e.g. (2, 3)  float32  tensor([1., 2.])  error"


class PredictedKind(CardKind):
    """A kind whose learner predicts the outcome of the card's `ask` expression."""

    keys = ("setup", "ask", "expect", "params")
    required = {"ask": "'ask' (the Python expression whose outcome is predicted)"}
    code_fields = {"setup": "exec", "ask": "eval"}
    not_applicable = "only recall cards have an 'answer'; executable cards are graded by running 'ask'"
    placeholder = PLACEHOLDER
    fillable = True
    prompt_short = ""  # "What is the shape of `{ask}`?"
    prompt_generic = ""  # for an ask too long or multi-line to quote

    @property
    def hint(self) -> str:  # type: ignore[override]
        from quizapp.core.grading.answer_text import HINTS

        return HINTS[self.name]

    def default_prompt(self, ask: str | None) -> str | None:
        if ask is None:
            return None
        one_line = " ".join(ask.split())
        if "\n" in ask.strip() or len(one_line) > PROMPT_ASK_WIDTH or "`" in one_line:
            return self.prompt_generic
        return self.prompt_short.format(ask=one_line)

    def parse(self, text: str) -> Any:
        """The prediction as the grader reads it; raises ``AnswerError`` with a hint when unreadable."""
        from quizapp.core.grading.answers import parse_answer

        return parse_answer(self.name, text)

    def grade(self, outcome: Outcome, answer: str) -> Verdict:
        from quizapp.core.grading.verdict import grade

        return grade(self.name, outcome, answer)

    def answer_jobs(self, card: Card, answer: str) -> list[Job]:
        from quizapp.core.execution.engine import job_for

        return [job_for(card)]

    def judge(self, card: Card, answer: str, outcomes: list[Outcome]) -> tuple[Outcome, Verdict]:
        outcome = outcomes[0]
        return outcome, self.grade(outcome, answer)

    def check(self, card: Card) -> CheckWork:
        from quizapp.core.execution.engine import job_for

        def judge(outcomes: list[Outcome]) -> CheckResult:
            outcome = outcomes[0]

            def result(status: CheckStatus, actual: str | None, reason: str | None) -> CheckResult:
                return CheckResult(status, expected=card.expect, actual=actual, reason=reason,
                                   seconds=outcome.seconds, stdout=outcome.stdout)

            if outcome.failed:
                return result("failed", None, outcome.reason or outcome.display)
            if card.expect is None:
                return result("ok", outcome.display, None)
            verdict = self.grade(outcome, card.expect)
            if not verdict.readable:
                return result("mismatch", outcome.display, f"could not read expect: {verdict.message}")
            return result("ok" if verdict.correct else "mismatch", outcome.display,
                          None if verdict.correct else verdict.message)

        return CheckWork([job_for(card)], judge)

    def shown_answer(self, card: Card, outcome: Outcome | None) -> str | None:
        """The outcome as an answer: PyTorch's print, or `raises X: message`; None when it did not run."""
        if outcome is None:
            return None
        if outcome.ok:
            return outcome.display
        if outcome.raised:
            message = (outcome.error_message or "").strip()
            return f"raises {outcome.error_type}" + (f": {message}" if message else "")
        return None
