"""Judge a prediction against what really happened, and suggest a rating for the scheduler.

``grade(kind, outcome, answer)`` never raises: every string gets a :class:`Verdict`, either a judgement
(``readable=True``) or "could not read this answer" (``readable=False``), whose message says what is wrong
with it and what is accepted for that kind; the front ends put their own "could not read" before it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from quizapp.core.execution.outcome import Outcome
from quizapp.core.grading.answers import (
    HINTS,
    AnswerError,
    DType,
    Raises,
    Shape,
    Tensor,
    parse_answer,
    parse_dims,
    parse_value,
)
from quizapp.core.grading.compare import match_dims, match_value
from quizapp.core.grading.dtypes import aliases_of
from quizapp.core.rating import Rating

MAX_SHOWN_PROBLEMS = 3  # differences spelled out in a message (all are kept in Verdict.details)


@dataclass(frozen=True)
class Verdict:
    correct: bool
    readable: bool
    message: str  # why it is wrong, the hint when unreadable, what happened when the card could not run
    actual: str  # what really happened, as shown to the user
    answer: str  # the answer as given
    details: tuple[str, ...] = ()  # every difference found, most useful first
    kind: str = ""  # the card's kind, which sets how quick a quick answer is (suggest_rating)


def grade(kind: Any, outcome: Outcome, answer: Any) -> Verdict:
    """Judge ``answer`` (any text at all) for a card of ``kind`` against ``outcome``."""
    kind = str(getattr(kind, "value", kind))
    text = answer if isinstance(answer, str) else ""
    try:
        return _grade(kind, outcome, text)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"; this is a last resort
        hint = HINTS.get(kind, HINTS["value"])
        return Verdict(
            False,
            False,
            f"this answer could not be judged (grader error: {type(exc).__name__}); {hint}",
            _actual(outcome),
            text,
            kind=kind,
        )


def _grade(kind: str, outcome: Outcome, text: str) -> Verdict:
    actual = _actual(outcome)

    def verdict(correct: bool, problems: list[str] | str | None = None, readable: bool = True) -> Verdict:
        if problems is None:
            problems = []
        elif isinstance(problems, str):
            problems = [problems]
        message = "; ".join(problems[:MAX_SHOWN_PROBLEMS])
        if len(problems) > MAX_SHOWN_PROBLEMS:
            message += f"; and {len(problems) - MAX_SHOWN_PROBLEMS} more"
        return Verdict(correct, readable, message, actual, text, tuple(problems), kind)

    if outcome.failed:
        return verdict(False, f"this card could not be run: {outcome.reason or outcome.display or 'no outcome'}")
    if kind == "recall":
        return verdict(False, "a recall card is not run: compare with its answer and rate yourself")
    try:
        parsed = parse_answer(kind, text)
    except AnswerError as error:
        fallback = _unparsed(kind, outcome, text)
        if fallback is not None:
            return verdict(*fallback)
        # The front ends say "could not read this answer" / "could not read expect" themselves.
        return verdict(False, str(error), readable=False)

    if outcome.raised:
        return verdict(*_against_error(parsed, outcome))
    if isinstance(parsed, Raises):
        return verdict(False, f"you predicted an error, but it ran and gave {_one_line(actual)}")
    value = outcome.value or {}
    if isinstance(parsed, Shape):
        dims = _int_tuple(value)
        if dims is None:
            return verdict(False, f"it gave {_one_line(actual)}, which is not a {kind}")
        return verdict(*_judged(match_dims(parsed.dims, dims)))
    if isinstance(parsed, DType) and kind == "dtype":
        if value.get("t") != "dtype":
            return verdict(False, f"it gave {_one_line(actual)}, which is not a dtype")
        if parsed.name == value.get("v"):
            return verdict(True)
        return verdict(False, f"you said {_dtype_names(parsed.name)}, it is {_dtype_names(str(value.get('v')))}")
    if value.get("t") == "other":
        return verdict(*_same_text(text, str(value.get("repr", ""))))
    if value.get("t") == "str" and not isinstance(parsed, str):
        # Unquoted text is kind for a string result: `hello` for 'hello'
        return verdict(*_same_text(text, str(value.get("v", ""))))
    if value.get("t") == "tensor" and value.get("values") is None:
        value = _with_printed(value, outcome.display)
    return verdict(*_judged(match_value(parsed, value)))


def _with_printed(value: dict[str, Any], display: str) -> dict[str, Any]:
    """A tensor too big to carry its elements still has PyTorch's summarised print: compare against that."""
    try:
        printed = parse_value(display)
    except AnswerError:
        return value
    return {**value, "printed": printed.data} if isinstance(printed, Tensor) else value


def _judged(problems: list[str]) -> tuple[bool, list[str]]:
    return not problems, problems


def _unparsed(kind: str, outcome: Outcome, text: str) -> tuple[bool, list[str]] | None:
    """Judge answers the parser cannot read: a copy of what the app shows, text, or `2x3` for a Size."""
    if kind != "value" or not outcome.ok or not outcome.value:
        return None
    if outcome.display and "".join(text.split()) == "".join(outcome.display.split()):
        return True, []  # e.g. a quantized or sparse tensor's print, whose annotations are not parsed
    t = outcome.value.get("t")
    if t == "other":
        return _same_text(text, str(outcome.value.get("repr", "")))
    if t == "str":
        return _same_text(text, str(outcome.value.get("v", "")))
    dims = _int_tuple(outcome.value)
    if dims is not None:  # `2x3` for a torch.Size or a tuple of ints
        try:
            written = parse_dims(text.strip(), "shape", HINTS["shape"])
        except AnswerError:
            return None
        return _judged(match_dims(written, dims))
    return None


def _same_text(text: str, actual: str) -> tuple[bool, list[str]]:
    written = "".join(text.split())
    if len(written) >= 2 and written[0] == written[-1] and written[0] in "'\"":
        written = written[1:-1]
    if written == "".join(actual.split()):
        return True, []
    return False, [f"it is {_one_line(actual)}"]


def _against_error(parsed: Any, outcome: Outcome) -> tuple[bool, list[str]]:
    raised = _one_line(outcome.display or outcome.error_type or "an exception")
    if not isinstance(parsed, Raises):
        return False, [f"it raised {raised}"]
    if parsed.name is None:
        return True, [f"it raised {raised}"]
    types = set(outcome.error_types) | ({outcome.error_type} if outcome.error_type else set())
    if parsed.name in types:
        return True, [f"it raised {raised}"]
    last = parsed.name.rsplit(".", 1)[-1]
    if last in types:
        return False, [f"{parsed.name} is not that class's name: write {last} (it raised {raised})"]
    return False, [f"you said {parsed.name}, but it raised {raised}"]


def _int_tuple(value: dict[str, Any]) -> tuple[int, ...] | None:
    if value.get("t") == "size":
        items = value.get("v") or []
        return tuple(items) if all(type(i) is int for i in items) else None
    if value.get("t") != "tuple":
        return None
    items = value.get("items") or []
    if not all(isinstance(i, dict) and i.get("t") == "int" for i in items):
        return None
    return tuple(int(i["v"]) for i in items)


def _dtype_names(name: str) -> str:
    others = [a for a in aliases_of(name) if a != name]
    return f"{name} ({', '.join(others)})" if others else name


def _actual(outcome: Outcome) -> str:
    if outcome.failed:
        return outcome.reason or outcome.display
    if outcome.raised:
        return outcome.display or outcome.error_type or "an exception"
    return outcome.display


def _one_line(text: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------- rating

# "Answered quickly": at most a few seconds to think (each kind says how many: more for kinds that take
# working out) plus typing time at a relaxed 3 characters a second. Within that is Easy, slower Good.
SECONDS_PER_CHARACTER = 1 / 3


def easy_within(kind: str, answer: str) -> float:
    """How many seconds a right answer may take and still count as quick (Easy)."""
    from quizapp.core.kinds import registry

    typed = len("".join(answer.split()))
    try:
        thinking = registry.get(kind).thinking_seconds
    except KeyError:
        thinking = 8.0
    return thinking + typed * SECONDS_PER_CHARACTER


def suggest_rating(verdict: Verdict, seconds: float) -> Rating:
    """Wrong (or unreadable) -> Again; right -> Easy when answered quickly (see easy_within), else Good."""
    if not (verdict.correct and verdict.readable):
        return Rating.AGAIN
    if not isinstance(seconds, (int, float)) or math.isnan(seconds) or seconds < 0:
        return Rating.GOOD
    return Rating.EASY if seconds <= easy_within(verdict.kind, verdict.answer) else Rating.GOOD
