"""``write``: the learner writes the code; it is graded by running it against the author's solution.

Grading an answer (:meth:`WriteKind.evaluate`):

1. The answer is parsed (never executed in the app): it must be statements ending in an expression
   (:mod:`program`), and use nothing the card forbids (:mod:`forbid`, on the AST). Either failure is
   a wrong answer with its reason, and nothing runs.
2. For every variant of the card (every combination of ``params``, up to ``deck check``'s cap), the
   reference solution and the answer each run in their own sandboxed child, the card's ``setup``
   first. The answer is untrusted input exactly like deck code: same limits, same containment.
3. The two encoded results are compared in the app's process (:mod:`results`). The reference ran in
   a process the answer never touched, so an answer that monkeypatches torch can change only its own
   result, never the reference nor the comparison.

An answer that raises, exceeds a limit or returns something else is *wrong* (not "could not run");
only a reference solution that cannot run makes the card itself fail.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from quizapp.core.decks import params as P
from quizapp.core.decks.model import COMPARE_MODES, Attempt
from quizapp.core.kinds.base import CardKind, CheckResult, CheckWork
from quizapp.core.kinds.forbid import entry_problem, forbidden_uses
from quizapp.core.kinds.program import ProgramError, parse_program
from quizapp.core.kinds.results import differences

if TYPE_CHECKING:
    from quizapp.core.decks.model import Card
    from quizapp.core.execution.engine import Engine, Job
    from quizapp.core.execution.outcome import Outcome
    from quizapp.core.grading.verdict import Verdict

REFERENCE_CACHE = 256  # reference outcomes kept per engine: a card reviewed again needs no re-run
HINT = ("write Python statements whose last line is an expression: its value is your answer "
        "(e.g. `torch.arange(n)[:, None] + 1`)")


@dataclasses.dataclass(frozen=True)
class Judgement:
    """An answer judged on every variant: ``shown`` is what it produced where it went wrong (or last)."""

    correct: bool
    message: str
    shown: str
    stdout: str = ""
    details: tuple[str, ...] = ()
    card_failed: str | None = None  # the reference could not run: the card is broken, not the answer
    seconds: float = 0.0


class WriteKind(CardKind):
    name = "write"
    predicts = False
    keys = ("setup", "solution", "params", "forbid", "compare", "attempts")
    required = {"prompt": "a 'prompt' (what to write)",
                "solution": "a 'solution' (the reference answer: an expression, or statements ending in one)"}
    code_fields = {"setup": "exec", "solution": "program"}
    not_applicable = "write cards are graded by running the learner's code against 'solution'"
    hint = HINT
    placeholder = "Your code: statements whose last line is the result"
    thinking_seconds = 60.0  # writing code takes longer than predicting an outcome

    def __init__(self) -> None:
        self._references: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[Any, ...], Outcome]] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    # --- loading
    def read_extra(self, reader: Any, entries: dict[str, Any], where: str) -> dict[str, Any]:
        from quizapp.core.decks.yamlsafe import Map, Scalar, Seq

        extra: dict[str, Any] = {}
        entry = entries.get("forbid")
        if entry is not None:
            node = entry[1]
            if not isinstance(node, Seq):
                reader.problem(f"'forbid'{where} must be a list, e.g. [torch.cumsum, for]", node.line)
            else:
                found: list[str] = []
                for item in node.items:
                    if not isinstance(item, Scalar) or item.type == "null" or not item.value.strip():
                        reader.problem(f"each forbid entry{where} must be a name, 'for' or 'while'", item.line)
                        continue
                    problem = entry_problem(item.value.strip())
                    if problem:
                        reader.problem(problem + where, item.line)
                    else:
                        found.append(item.value.strip())
                extra["forbid"] = tuple(found)
        compare = reader.text(entries.get("compare"), "compare")
        if compare is not None:
            if compare.strip() not in COMPARE_MODES:
                reader.problem(f"'compare'{where} must be 'exact' or 'close', not '{compare.strip()}'",
                               entries["compare"][1].line)
            else:
                extra["compare"] = compare.strip()
        entry = entries.get("attempts")
        if entry is not None:
            node = entry[1]
            if not isinstance(node, Seq):
                reader.problem(f"'attempts'{where} must be a list of {{code: ..., correct: true/false}}", node.line)
            else:
                attempts: list[Attempt] = []
                for item in node.items:
                    attempt = self._attempt(reader, item, where, Map, Scalar)
                    if attempt is not None:
                        attempts.append(attempt)
                extra["attempts"] = tuple(attempts)
        return extra

    @staticmethod
    def _attempt(reader: Any, item: Any, where: str, Map: Any, Scalar: Any) -> Attempt | None:  # noqa: N803
        if not isinstance(item, Map):
            reader.problem(f"each attempt{where} must be a mapping {{code: ..., correct: true/false}}", item.line)
            return None
        found = reader.check_keys(item, ("code", "correct"), f" in an attempt{where}")
        code = reader.text(found.get("code"), "code")
        if code is None or not code.strip():
            reader.problem(f"an attempt{where} needs 'code' (the answer to grade)", item.line)
            return None
        correct_entry = found.get("correct")
        node = correct_entry[1] if correct_entry else None
        if not isinstance(node, Scalar) or node.type != "bool":
            reader.problem(f"an attempt{where} needs 'correct: true' or 'correct: false'",
                           node.line if node is not None else item.line)
            return None
        return Attempt(code=code, correct=bool(node.typed()), line=item.line)

    # --- grading
    def variants(self, card: Card) -> list[Card]:
        """The instantiated cards an answer must be right on (a variant given as such: only itself)."""
        if card.bindings is not None or not card.params:
            return [card]
        return P.check_variants(card)[0]

    def _job(self, card: Card, code: Any, role: str) -> Job:
        from quizapp.core.execution.engine import Job

        return Job(setup=card.setup, ask=code.result, kind=self.name, label=f"{card.deck}/{card.id} ({role})",
                   payload={"answer": code.body})

    def reference_program(self, card: Card) -> Any:
        """The card's solution as a program (the loader made sure it parses)."""
        assert card.solution is not None
        return parse_program(card.solution)

    def static_problem(self, card: Card, answer: str) -> tuple[Any, str | None]:
        """(the parsed answer, None) or (None, why it is wrong without running it)."""
        try:
            program = parse_program(answer)
        except ProgramError as exc:
            return None, f"your code cannot run: {exc}"
        uses = forbidden_uses(program.tree, card.forbid)
        if uses:
            return None, "your code " + "; ".join(uses) + ", which this card forbids"
        return program, None

    def evaluate(self, card: Card, answer: str, engine: Engine) -> tuple[Outcome, Verdict]:
        judgement = self.judge_answer(card, answer, engine)
        return self._as_outcome(judgement), self._as_verdict(judgement, answer)

    def judge_answer(self, card: Card, answer: str, engine: Engine) -> Judgement:
        """Judge ``answer`` on every variant of ``card`` (blocks while the variants run)."""
        program, problem = self.static_problem(card, answer)
        if problem is not None:
            return Judgement(False, problem, "(not run)")
        variants = self.variants(card)
        references = self._references_for(variants, engine)
        answers = engine.run_many([self._job(v, program, "answer") for v in variants])
        return self.compare_all(card, variants, references, answers)

    def _references_for(self, variants: list[Card], engine: Engine) -> list[Outcome]:
        keys = [(v.setup, v.solution) for v in variants]
        with self._lock:
            cache = self._references.setdefault(engine, OrderedDict())
            known = {k: cache[k] for k in keys if k in cache}
        missing = [i for i, k in enumerate(keys) if k not in known]
        if missing:
            ran = engine.run_many([self._job(variants[i], self.reference_program(variants[i]), "solution")
                                   for i in missing])
            with self._lock:
                for i, outcome in zip(missing, ran, strict=True):
                    known[keys[i]] = outcome
                    if outcome.ok:  # a failure may be the machine's (load): try again next time
                        cache[keys[i]] = outcome
                        cache.move_to_end(keys[i])
                while len(cache) > REFERENCE_CACHE:
                    cache.popitem(last=False)
        return [known[k] for k in keys]

    def compare_all(self, card: Card, variants: list[Card], references: list[Outcome],
                    answers: list[Outcome]) -> Judgement:
        seconds = sum(o.seconds for o in answers)
        last: Outcome | None = None
        for variant, reference, outcome in zip(variants, references, answers, strict=True):
            label = _variant_label(variant)
            if not reference.ok:
                why = reference.reason if reference.failed else reference.display
                return Judgement(False, "", "", card_failed=f"the card's solution{label} did not run: {why}",
                                 seconds=seconds)
            last = outcome
            with_ = f"with {label.strip(' ()')}, " if label else ""
            if outcome.failed:
                reason = outcome.reason or outcome.display or "it stopped"
                return Judgement(False, f"{with_}your code did not finish: {reason}", f"stopped: {reason}",
                                 outcome.stdout, seconds=seconds)
            if outcome.raised:
                return Judgement(False, f"{with_}your code raised {_one_line(outcome.display)}",
                                 outcome.display, outcome.stdout, seconds=seconds)
            problems = differences(reference.value or {}, outcome.value or {}, card.compare)
            if problems:
                lead = f"with {label.strip(' ()')}: " if label else ""
                return Judgement(False, lead + "; ".join(problems[:3]), outcome.display, outcome.stdout,
                                 tuple(problems), seconds=seconds)
        shown = last.display if last is not None else ""
        if last is not None and variants and _variant_label(variants[-1]):
            # The screen shows the setup of the first variant; say which one this result is for.
            shown = f"{_variant_label(variants[-1]).strip(' ()')}:\n{shown}"
        count = len(variants)
        note = f"right on all {count} variants" if count > 1 else "right"
        return Judgement(True, note, shown, last.stdout if last is not None else "", seconds=seconds)

    def _as_outcome(self, judgement: Judgement) -> Outcome:
        from quizapp.core.execution.outcome import Outcome

        if judgement.card_failed is not None:
            return Outcome.failure(judgement.card_failed, seconds=judgement.seconds)
        # "ok": the answer was judged (right or wrong); what it produced is what the learner is shown.
        return Outcome(status="ok", value=None, display=judgement.shown, stdout=judgement.stdout,
                       seconds=judgement.seconds)

    def _as_verdict(self, judgement: Judgement, answer: str) -> Verdict:
        from quizapp.core.grading.verdict import Verdict

        return Verdict(judgement.correct, True, "" if judgement.correct else judgement.message,
                       judgement.card_failed or judgement.shown, answer,
                       judgement.details or ((judgement.message,) if not judgement.correct else ()), self.name)

    # --- deck check
    def check(self, card: Card) -> CheckWork:
        """The solution (graded as an answer) and every attempt, on every variant, in one batch of jobs."""
        variants = self.variants(card)
        n = len(variants)
        # (name, the code on each variant, the verdict wanted): the solution's placeholders differ per variant
        entries: list[tuple[str, list[str], bool]] = [("solution", [v.solution or "" for v in variants], True)]
        entries += [(f"attempt {i} (line {a.line})" if a.line else f"attempt {i}", [a.code] * n, a.correct)
                    for i, a in enumerate(card.attempts, 1)]
        jobs: list[Job] = [self._job(v, self.reference_program(v), "solution") for v in variants]
        plans: list[tuple[str, bool, str | None, int]] = []  # (name, wanted, static problem, first job)
        for name, codes, wanted in entries:
            parsed = [self.static_problem(card, code) for code in codes]
            problem = next((p for _, p in parsed if p is not None), None)
            plans.append((name, wanted, problem, len(jobs)))
            if problem is None:
                jobs += [self._job(v, program, name) for v, (program, _) in zip(variants, parsed, strict=True)]

        def judge(outcomes: list[Outcome]) -> CheckResult:
            seconds = sum(o.seconds for o in outcomes)
            references = outcomes[:n]
            for name, wanted, problem, first in plans:
                if problem is not None:
                    judgement = Judgement(False, problem, "(not run)")
                else:
                    judgement = self.compare_all(card, variants, references, outcomes[first:first + n])
                if judgement.card_failed is not None:
                    return CheckResult("failed", None, None, judgement.card_failed, seconds)
                if judgement.correct != wanted:
                    verdict = "right" if judgement.correct else "wrong"
                    return CheckResult("mismatch", f"{name}: {'right' if wanted else 'wrong'}",
                                       f"{name}: graded {verdict}" + (f" ({judgement.message})" if
                                                                      not judgement.correct else ""),
                                       judgement.message if not judgement.correct else
                                       f"{name} was accepted but the card says it is wrong", seconds)
            count = len(card.attempts)
            return CheckResult("ok", None, f"solution and {count} attempt{'s' if count != 1 else ''} graded as"
                               " stated", None, seconds)

        return CheckWork(jobs, judge)

    # --- fill, export, study
    def shown_answer(self, card: Card, outcome: Outcome | None) -> str | None:
        """The reference solution; for a whole parametric card, as its first variant spells it."""
        solution = card.solution or ""
        if card.params and card.bindings is None:
            return P.substitute(solution, P.variants(card)[0])
        return solution


def _variant_label(card: Card) -> str:
    if not card.bindings:
        return ""
    return " (" + ", ".join(f"{k}={P.value_text(v)}" for k, v in card.bindings.items()) + ")"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


KIND = WriteKind()
