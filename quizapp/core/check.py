"""``deck check``: run every card of some decks and compare each outcome with the author's ``expect``.

Pure core: the CLI (``quizapp/cli/deck.py``) renders a :class:`CheckReport` for people or as JSON. The
comparison is one call, :func:`judge`, which asks the grader (``quizapp.core.grading.verdict.grade``),
the same code that grades learners, so an ``expect`` is right exactly when a learner typing it would be.

Statuses (``/work/shared/deck-format.md``): ``ok`` (ran, and ``expect``, where given, matches),
``mismatch`` (``expect`` disagrees with what the code does), ``failed`` (no outcome: time limit, memory
limit, the process died). Recall cards are listed as ``ok`` without running. Parametric cards are
checked on the variants :func:`quizapp.core.decks.params.check_variants` picks.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal

from quizapp.core.decks import params as card_params
from quizapp.core.decks.model import Card, Deck, Problem
from quizapp.core.execution.engine import Engine, job_for
from quizapp.core.execution.outcome import Outcome

CheckStatus = Literal["ok", "mismatch", "failed"]


@dataclass(frozen=True)
class CardCheck:
    """The verdict on one card (or one variant of a parametric card)."""

    deck: str
    id: str
    kind: str
    status: CheckStatus
    expected: str | None  # the author's expect, as written (None when absent)
    actual: str | None  # the outcome as the app shows it to a user (None: recall card, or no outcome)
    reason: str | None  # why, for mismatch and failed
    seconds: float = 0.0
    where: str = ""  # "decks/x.yaml:14", for people
    variant: dict[str, Any] | None = None  # the bindings of a parametric card's variant
    stdout: str = ""

    @property
    def label(self) -> str:
        name = f"{self.deck}/{self.id}"
        if self.variant:
            name += " [" + ", ".join(f"{k}={card_params.value_text(v)}" for k, v in self.variant.items()) + "]"
        return name

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"deck": self.deck, "id": self.id, "kind": self.kind, "status": self.status,
                                "expected": self.expected, "actual": self.actual, "reason": self.reason}
        if self.variant is not None:  # an extension of the documented shape, only for parametric cards
            data["variant"] = self.variant
        return data


@dataclass
class CheckReport:
    cards: list[CardCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # decks that could not be loaded
    notes: list[str] = field(default_factory=list)  # e.g. "broadcasting/rule: a seeded sample of 50 of 240 variants"
    seconds: float = 0.0

    def count(self, status: CheckStatus) -> int:
        return sum(1 for c in self.cards if c.status == status)

    @property
    def exit_code(self) -> int:
        """0: every card ok; 1: a mismatch or failure; 2: a deck could not be loaded."""
        if self.problems:
            return 2
        return 0 if all(c.status == "ok" for c in self.cards) else 1

    def slowest(self, n: int = 5) -> list[CardCheck]:
        ran = [c for c in self.cards if c.seconds > 0]
        return sorted(ran, key=lambda c: c.seconds, reverse=True)[:n]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "cards": [c.to_json() for c in self.cards],
            "summary": {"ok": self.count("ok"), "mismatch": self.count("mismatch"),
                        "failed": self.count("failed"), "seconds": round(self.seconds, 2)},
        }
        if self.notes:
            data["notes"] = list(self.notes)
        return data


@dataclass
class OutcomeMemo:
    """Outcomes of earlier runs, by job, so ``deck check --watch`` re-runs only the cards that changed.

    Keyed by everything the worker is given for a card (setup, ask, kind and any other job field; not
    its label), so an edit of a card's code runs it again while an edit of its ``expect``, text or
    position is judged again from the remembered outcome. Only completed runs are remembered: a card
    that failed (a time limit on a busy machine) is always run again. One memo serves one engine with
    one set of limits (a watch session).
    """

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    # (job key, kind, expect) -> the verdict on that outcome: an unchanged card is not even graded again
    judged: dict[tuple[str, str, str | None], CardCheck] = field(default_factory=dict)
    reused: int = 0  # outcomes served from the memo in the last check

    def recall(self, key: str, card: Card, variant: dict[str, Any] | None) -> CardCheck | None:
        """The check of ``card`` from a remembered outcome (None: never ran, or it failed)."""
        outcome = self.outcomes.get(key)
        if outcome is None:
            return None
        verdict_key = (key, card.kind.value, card.expect)
        known = self.judged.get(verdict_key)
        if known is None:
            known = self.judged[verdict_key] = _checked(card, outcome, variant)
        # Where it is and what it is called may have changed without changing what it does.
        return dataclasses.replace(known, deck=card.deck, id=card.id, where=_where(card), variant=variant)

    @staticmethod
    def key(job: Any) -> str:
        return repr(dataclasses.replace(job, label="")) if dataclasses.is_dataclass(job) else repr(job)


def preload_for(decks: Iterable[Deck]) -> list[str]:
    """Modules the worker should import once for these decks' cards (see ``execution/preload.py``)."""
    from quizapp.core.execution import preload

    return preload.modules_for(code for deck in decks for card in deck.cards for code in (card.setup, card.ask))


def judge(kind: str, outcome: Outcome, expect: str) -> tuple[bool, str | None]:
    """Does the author's ``expect`` match the outcome? Returns (matches, the grader's explanation)."""
    from quizapp.core.grading.verdict import grade

    verdict = grade(kind, outcome, expect)
    if not verdict.readable:
        return False, f"could not read expect: {verdict.message}"
    return verdict.correct, (None if verdict.correct else verdict.message)


def _where(card: Card) -> str:
    if card.source is None:
        return ""
    from quizapp.core.decks.loader import display_path

    path = display_path(card.source)
    return f"{path}:{card.line}" if card.line else path


def _checked(card: Card, outcome: Outcome, variant: dict[str, Any] | None) -> CardCheck:
    common = dict(deck=card.deck, id=card.id, kind=card.kind.value, expected=card.expect,
                  seconds=outcome.seconds, where=_where(card), variant=variant, stdout=outcome.stdout)
    if outcome.failed:
        return CardCheck(status="failed", actual=None, reason=outcome.reason or outcome.display, **common)
    if card.expect is None:
        return CardCheck(status="ok", actual=outcome.display, reason=None, **common)
    matches, why = judge(card.kind.value, outcome, card.expect)
    return CardCheck(status="ok" if matches else "mismatch", actual=outcome.display, reason=why, **common)


def check_decks(decks: Iterable[Deck], engine: Engine, *,
                on_result: Callable[[CardCheck, int, int], Any] | None = None,
                memo: OutcomeMemo | None = None) -> CheckReport:
    """Run every card of ``decks`` on ``engine`` (in parallel) and judge each against its ``expect``.

    ``on_result(check, done, total)`` is called as each card finishes (for a progress bar). With a
    ``memo``, cards whose job it remembers are judged from the remembered outcome instead of run.
    """
    started = time.perf_counter()
    report = CheckReport()
    # Everything to report, in deck order: (card, variant bindings); executable ones also get a job.
    entries: list[tuple[Card, dict[str, Any] | None]] = []
    for deck in decks:
        for card in deck.cards:
            if not card.executable or not card.params:
                entries.append((card, None))
                continue
            try:
                variants, plan = card_params.check_variants(card)
            except ValueError as exc:  # the loader validates params; this is a last line of defence
                report.problems.append(Problem(_where(card) or deck.id, f"card '{card.id}': {exc}"))
                continue
            if plan.sampled:
                report.notes.append(f"{card.deck}/{card.id}: checked {plan.describe()}")
            entries += [(v, v.bindings) for v in variants]

    results: list[CardCheck | None] = [None] * len(entries)
    runnable = [i for i, (card, _) in enumerate(entries) if card.executable]
    total = len(entries)
    done = 0

    def finish(index: int, check: CardCheck) -> None:
        nonlocal done
        results[index] = check
        done += 1
        if on_result is not None:
            on_result(check, done, total)

    for i, (card, _) in enumerate(entries):
        if not card.executable:
            finish(i, CardCheck(deck=card.deck, id=card.id, kind=card.kind.value, status="ok",
                                expected=card.expect, actual=None, reason=None, where=_where(card)))

    jobs = {i: job_for(entries[i][0]) for i in runnable}
    if memo is not None:
        memo.reused = 0
        for i in list(runnable):
            remembered = memo.recall(memo.key(jobs[i]), entries[i][0], entries[i][1])
            if remembered is not None:
                finish(i, remembered)
                memo.reused += 1
        runnable = [i for i in runnable if results[i] is None]

    def on_outcome(position: int, outcome: Outcome) -> None:
        index = runnable[position]
        card, variant = entries[index]
        if memo is not None and not outcome.failed:
            memo.outcomes[memo.key(jobs[index])] = outcome
        finish(index, _checked(card, outcome, variant))

    engine.run_many([jobs[i] for i in runnable], on_result=on_outcome)
    report.cards = [r for r in results if r is not None]
    report.seconds = time.perf_counter() - started
    return report
