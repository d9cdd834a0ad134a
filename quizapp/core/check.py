"""``deck check``: run every card of some decks and compare each outcome with the author's ``expect``.

Pure core: the CLI (``quizapp/cli/deck.py``) renders a :class:`CheckReport` for people or as JSON. The
comparison is one call, :func:`judge`, which asks the grader (``quizapp.core.grading.verdict.grade``),
the same code that grades learners, so an ``expect`` is right exactly when a learner typing it would be.

Statuses (``docs/deck-format.md``): ``ok`` (ran, and ``expect``, where given, matches),
``mismatch`` (``expect`` disagrees with what the code does), ``failed`` (no outcome: time limit, memory
limit, the process died). What runs and how it is judged is the card's kind's (``kinds.base.CardKind.check``):
recall cards are listed as ``ok`` without running; a write card's solution and attempts are graded as
answers. Parametric cards are checked on the variants :func:`quizapp.core.decks.params.check_variants` picks.

An extension (docs/deck-format.md): a card whose ``torch`` key excludes the installed torch is not run
and is reported as ``skipped``, never ``ok``; it does not change the exit status, and the JSON summary
gains a ``skipped`` count.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from quizapp.core.decks import params as card_params
from quizapp.core.decks import torchver
from quizapp.core.decks.model import Card, Deck, Problem
from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.outcome import Outcome
from quizapp.core.kinds import registry as kinds
from quizapp.core.kinds.base import CheckResult

CheckStatus = Literal["ok", "mismatch", "failed", "skipped"]
INSTALLED_TORCH = "installed"  # check_decks' default: compare ``torch`` keys with the installed release


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
        """0: every card ok (or skipped); 1: a mismatch or failure; 2: a deck could not be loaded."""
        if self.problems:
            return 2
        return 0 if all(c.status in ("ok", "skipped") for c in self.cards) else 1

    def slowest(self, n: int = 5) -> list[CardCheck]:
        ran = [c for c in self.cards if c.seconds > 0]
        return sorted(ran, key=lambda c: c.seconds, reverse=True)[:n]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "cards": [c.to_json() for c in self.cards],
            "summary": {"ok": self.count("ok"), "mismatch": self.count("mismatch"),
                        "failed": self.count("failed"), "skipped": self.count("skipped"),
                        "seconds": round(self.seconds, 2)},
        }
        if self.notes:
            data["notes"] = list(self.notes)
        return data


@dataclass
class OutcomeMemo:
    """Outcomes of earlier runs, by job, so ``deck check --watch`` re-runs only the cards that changed.

    Keyed by everything the worker is given for a job (setup, ask, kind, payload; not its label), so an
    edit of a card's code runs it again while an edit of its ``expect``, text or position is judged again
    from the remembered outcome. Only completed runs are remembered: a card that failed (a time limit on
    a busy machine) is always run again. One memo serves one engine with one set of limits (a watch
    session).
    """

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    reused: int = 0  # outcomes served from the memo in the last check

    @staticmethod
    def key(job: Any) -> str:
        if isinstance(job, Job):  # what runs: neither its label nor its deck's group changes the outcome
            return repr(dataclasses.replace(job, label="", group=None, preload=()))
        if dataclasses.is_dataclass(job) and not isinstance(job, type):
            return repr(dataclasses.replace(job, label=""))
        return repr(job)


def preload_for(decks: Iterable[Deck]) -> list[str]:
    """Modules named in these decks' code (or declared) that the worker should import once
    (``execution/preload.py``); ``Engine.preload_cards`` adds what the cards imported in earlier runs."""
    from quizapp.core.execution import preload

    return preload.modules_for(code for deck in decks for card in deck.cards for code in (card.setup, card.ask))


def preload_cards(engine: Any, cards: Iterable[Card]) -> list[str]:
    """Ask ``engine`` to preload what ``cards`` need (named, declared or learned); [] when nothing.

    Engines without preloading (test doubles, other front ends' engines) are left alone.
    """
    ask = getattr(engine, "preload_cards", None)
    return list(ask(cards)) if callable(ask) else []


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


def _checked(card: Card, result: CheckResult, variant: dict[str, Any] | None) -> CardCheck:
    return CardCheck(deck=card.deck, id=card.id, kind=card.kind.value, status=result.status,
                     expected=result.expected, actual=result.actual, reason=result.reason, seconds=result.seconds,
                     where=_where(card), variant=variant, stdout=result.stdout)


def skip_reason(card: Card, torch_version: str | None) -> str | None:
    """Why ``card`` is not checked on ``torch_version`` (its ``torch`` key excludes it), or None."""
    if card.torch is None:
        return None
    if torch_version is None:
        return f"holds for torch {card.torch}; no torch is installed"
    try:
        if card.torch.holds(torch_version):
            return None
    except ValueError:  # a version string we cannot read: run the card rather than hide it
        return None
    return f"holds for torch {card.torch}; this is torch {torch_version}"


def check_decks(decks: Iterable[Deck], engine: Engine, *,
                on_result: Callable[[CardCheck, int, int], Any] | None = None,
                memo: OutcomeMemo | None = None,
                torch_version: str | None = INSTALLED_TORCH) -> CheckReport:
    """Run every card of ``decks`` on ``engine`` (in parallel) and judge each as its kind says.

    ``on_result(check, done, total)`` is called as each card finishes (for a progress bar).
    ``torch_version`` is the release cards' ``torch`` keys are compared with; by default the one
    installed in this environment (the worker runs the same interpreter), None for no torch at all.
    With a ``memo``, jobs whose outcome it remembers are not run again (their cards are judged anew).
    """
    if torch_version == INSTALLED_TORCH:
        torch_version = torchver.installed_torch_version()
    started = time.perf_counter()
    report = CheckReport()
    # Everything to report, in deck order: (card, variant bindings). A kind that checks its variants
    # itself (write: an answer must be right on all of them) gets the whole card.
    entries: list[tuple[Card, dict[str, Any] | None]] = []
    skipped: dict[int, str] = {}  # entry index -> why
    for deck in decks:
        for card in deck.cards:
            why = skip_reason(card, torch_version)
            if why is not None:
                skipped[len(entries)] = why
                entries.append((card, None))
                continue
            if not card.params or not kinds.of(card).predicts:
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
    total = len(entries)
    done = 0

    def finish(index: int, check: CardCheck) -> None:
        nonlocal done
        results[index] = check
        done += 1
        if on_result is not None:
            on_result(check, done, total)

    for i, (card, _) in enumerate(entries):
        if i in skipped:
            finish(i, CardCheck(deck=card.deck, id=card.id, kind=card.kind.value, status="skipped",
                                expected=card.expect, actual=None, reason=skipped[i], where=_where(card)))

    # Every card's jobs go into one batch, so cards run in parallel; a card is judged once all its
    # outcomes are in.
    works = [kinds.of(card).check(card) for card, _ in entries]  # skipped ones' jobs are dropped below
    jobs = []
    owner: list[tuple[int, int]] = []  # job -> (entry, position among that entry's jobs)
    collected: list[list[Outcome | None]] = [[None] * len(w.jobs) for w in works]
    waiting = [0] * len(works)
    if memo is not None:
        memo.reused = 0
    # What each card imports lazily (engines without preloading, such as test doubles, name nothing).
    modules_for = getattr(engine, "modules_for_card", None)
    for index, work in enumerate(works):
        if index in skipped:
            continue
        lazy = tuple(modules_for(entries[index][0])) if callable(modules_for) and work.jobs else ()
        for position, job in enumerate(work.jobs):
            remembered = memo.outcomes.get(memo.key(job)) if memo is not None else None
            if remembered is not None and memo is not None:
                collected[index][position] = remembered
                memo.reused += 1
                continue
            # One deck's cards may share a child, one after another, when their code allows it (see
            # execution/state_guard.py): a fresh fork per card costs several times a small card's time.
            # A child shared by cards that import modules lazily imports them once, beside the others.
            if isinstance(job, Job):
                job = dataclasses.replace(job, group=entries[index][0].deck, preload=lazy)
            jobs.append(job)
            owner.append((index, position))
            waiting[index] += 1

    def judged(index: int) -> None:
        card, variant = entries[index]
        outcomes = [o for o in collected[index] if o is not None]
        finish(index, _checked(card, works[index].judge(outcomes), variant))

    for index, count in enumerate(waiting):
        if count == 0 and index not in skipped:
            judged(index)

    def on_outcome(number: int, outcome: Outcome) -> None:
        index, position = owner[number]
        collected[index][position] = outcome
        if memo is not None and not outcome.failed:
            memo.outcomes[memo.key(jobs[number])] = outcome
        waiting[index] -= 1
        if waiting[index] == 0:
            judged(index)

    if jobs:
        # Jobs whose child imports modules first go first, so that the import overlaps the other cards
        # (the worker imports them itself for such cards that run alone).
        order = sorted(range(len(jobs)), key=lambda n: not getattr(jobs[n], "preload", ()))
        jobs, owner = [jobs[n] for n in order], [owner[n] for n in order]
        engine.run_many(jobs, on_result=on_outcome)
    report.cards = [r for r in results if r is not None]
    report.seconds = time.perf_counter() - started
    return report
