"""The protocol every card kind implements, so a kind is one module instead of string tests everywhere.

A kind says, as data, which card keys it needs and which do not apply, which fields hold code (and in
which parse mode), its default prompt, the answer hint and placeholder a front end shows, how long a
right answer may take to count as quick; and, as methods, what the worker runs to grade an answer, how
an answer is judged, what ``deck check`` runs and judges, and how ``deck fill`` and the Anki export show
the card's answer. The loader, grader, check, fill, apkg, CLI and study screen ask
:mod:`quizapp.core.kinds.registry` for the kind instead of comparing kind names.

Nothing here imports torch: the worker's half of a kind is an encoder in
``quizapp/core/execution/encoders.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from quizapp.core.decks.model import Card
    from quizapp.core.execution.engine import Engine, Job
    from quizapp.core.execution.outcome import Outcome
    from quizapp.core.grading.verdict import Verdict

CheckStatus = Literal["ok", "mismatch", "failed"]
# How a code field must parse: "exec" statements, "eval" one expression, "program" statements whose
# last one is an expression (a write card's solution, and every answer to it).
CodeMode = Literal["exec", "eval", "program"]


@dataclass(frozen=True)
class CheckResult:
    """What ``deck check`` concludes about one card (or variant) once its jobs have run."""

    status: CheckStatus
    expected: str | None
    actual: str | None
    reason: str | None
    seconds: float = 0.0
    stdout: str = ""


@dataclass(frozen=True)
class CheckWork:
    """The jobs ``deck check`` runs for a card, and how their outcomes (in job order) are judged."""

    jobs: Sequence[Job]
    judge: Callable[[list[Outcome]], CheckResult]


class CardKind:
    """One card kind. Subclasses set the class attributes and override what differs."""

    name: str = ""
    runs_code: bool = True  # grading runs something in the worker
    predicts: bool = True  # the learner types a one-line prediction of `ask`'s outcome
    fillable: bool = False  # `deck fill` can write this kind's `expect` from its outcome
    # Card keys besides the common ones (id, kind, prompt, explain, tags, concept) that this kind reads.
    keys: tuple[str, ...] = ()
    # Keys that must be present: name -> how the loader's "<kind> card 'x' needs ..." problem goes on.
    required: dict[str, str] = {}
    # Code fields and how each must parse.
    code_fields: dict[str, CodeMode] = {}
    # Why a key of another kind does not apply to this one (the loader's message).
    not_applicable: str = ""
    hint: str = ""  # what answers look like (shown when an answer cannot be read)
    placeholder: str = ""  # the answer box's placeholder
    thinking_seconds: float = 8.0  # "answered quickly": this much thinking plus typing time

    # --- authoring
    def default_prompt(self, ask: str | None) -> str | None:
        """The question when the card gives no ``prompt`` (None: a prompt is required)."""
        return None

    def read_extra(self, reader: Any, entries: dict[str, Any], where: str) -> dict[str, Any]:
        """Card fields beyond text fields (write: forbid, compare, attempts); problems go to ``reader``."""
        return {}

    # --- studying
    def answer_jobs(self, card: Card, answer: str) -> list[Job]:
        """What the worker runs to grade ``answer`` for ``card`` (an instantiated card)."""
        return []

    def judge(self, card: Card, answer: str, outcomes: list[Outcome]) -> tuple[Outcome, Verdict]:
        """The outcome to show and the verdict, from the outcomes of :meth:`answer_jobs`."""
        raise NotImplementedError(f"kind {self.name!r} does not grade answers")

    def evaluate(self, card: Card, answer: str, engine: Engine) -> tuple[Outcome, Verdict]:
        """Run what grading needs and judge ``answer``. Blocks; never raises for bad code."""
        jobs = self.answer_jobs(card, answer)
        outcomes = engine.run_many(jobs) if jobs else []
        return self.judge(card, answer, outcomes)

    # --- deck check, fill, export
    def check(self, card: Card) -> CheckWork:
        """The jobs ``deck check`` runs for ``card`` and how it judges them."""
        return CheckWork((), lambda _outcomes: CheckResult("ok", None, None, None))

    def shown_answer(self, card: Card, outcome: Outcome | None) -> str | None:
        """The back of the card for the Anki export and reports: None when it must come from elsewhere."""
        return None
