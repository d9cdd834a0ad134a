"""``recall``: no code; the learner reveals ``answer`` and rates themself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quizapp.core.kinds.base import CardKind

if TYPE_CHECKING:
    from quizapp.core.decks.model import Card
    from quizapp.core.execution.outcome import Outcome


class RecallKind(CardKind):
    name = "recall"
    runs_code = False
    predicts = False
    keys = ("answer",)
    required = {"answer": "an 'answer' (the back of the card)", "prompt": "a 'prompt' (the question)"}
    not_applicable = "recall cards run no code"
    thinking_seconds = 8.0

    def shown_answer(self, card: Card, outcome: Outcome | None) -> str | None:
        return card.answer


KIND = RecallKind()
