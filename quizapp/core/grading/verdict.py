"""Judge a prediction against what really happened, and suggest a rating for the scheduler.

``grade(kind, outcome, answer)`` never raises: every string gets a :class:`Verdict`, either a judgement
(``readable=True``) or "could not read this answer" (``readable=False``), whose message says what is wrong
with it and what is accepted for that kind; the front ends put their own "could not read" before it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from quizapp.core.execution.outcome import Outcome
from quizapp.core.grading.answer_text import HINTS, AnswerError, strip_comment
from quizapp.core.grading.answer_types import ELLIPSIS, DType, Number, Raises, Shape, Tensor
from quizapp.core.grading.answers import parse_answer
from quizapp.core.grading.compare import match_value
from quizapp.core.grading.compare_dims import match_dims
from quizapp.core.grading.dtypes import aliases_of
from quizapp.core.grading.read_dims import BY_X, parse_dims
from quizapp.core.grading.read_raises import parse_raises_loose
from quizapp.core.grading.read_values import parse_value

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
    partial: bool = False  # not right, but nearly: "it raises" predicted with the wrong exception class


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

    def verdict(correct: bool, problems: list[str] | str | None = None, readable: bool = True,
                partial: bool = False) -> Verdict:
        if problems is None:
            problems = []
        elif isinstance(problems, str):
            problems = [problems]
        message = "; ".join(problems[:MAX_SHOWN_PROBLEMS])
        if len(problems) > MAX_SHOWN_PROBLEMS:
            message += f"; and {len(problems) - MAX_SHOWN_PROBLEMS} more"
        return Verdict(correct, readable, message, actual, text, tuple(problems), kind, partial)

    if outcome.failed:
        return verdict(False, f"this card could not be run: {outcome.reason or outcome.display or 'no outcome'}")
    if kind == "recall":
        return verdict(False, "a recall card is not run: compare with its answer and rate yourself")
    value = _annotated(outcome)
    if kind == "value" and _int_tuple(value) is not None and BY_X.fullmatch(strip_comment(text.strip())):
        # `0x3` for a torch.Size is 0 by 3, not hexadecimal 3
        written = parse_dims(strip_comment(text.strip()), "shape", HINTS["shape"])
        return verdict(*_judged(match_dims(written, _int_tuple(value) or ())))
    try:
        parsed = parse_answer(kind, text)
    except AnswerError as error:
        loose = parse_raises_loose(strip_comment(text.strip())) if outcome.raised else None
        if loose is not None:  # a class name that is not a builtin's: `Oops`, `ExceptionGroup`, `torch.jit.Error`
            correct, problems = _against_error(loose, outcome)
            near = difflib.get_close_matches(str(loose.name).rsplit(".", 1)[-1], list(outcome.error_types), 1, 0.8)
            if not correct and near:  # `RuntimeEror`: a typo, not another class
                return verdict(False, f"{loose.name} is not a class name I know (did you mean {near[0]!r}?); "
                               f"{HINTS.get(kind, HINTS['value'])}", readable=False)
            return verdict(correct, problems, partial=not correct)
        fallback = _unparsed(kind, outcome, text)
        if fallback is not None:
            return verdict(*fallback)
        # The front ends say "could not read this answer" / "could not read expect" themselves.
        return verdict(False, str(error), readable=False)

    if outcome.raised:
        correct, problems = _against_error(parsed, outcome)
        # Predicting that it raises, with the wrong class, is half the insight: partial credit.
        return verdict(correct, problems, partial=not correct and isinstance(parsed, Raises))
    if isinstance(parsed, Raises):
        return verdict(False, f"you predicted an error, but it ran and gave {_one_line(actual)}")
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
        number = _numpy_value(value)
        if number is not None:  # numpy scalars and arrays are compared as numbers
            return verdict(*_judged(match_value(parsed, number)))
        return verdict(*_same_text(text, str(value.get("repr", ""))))
    if value.get("t") == "str" and not isinstance(parsed, str):
        # Unquoted text is kind for a string result: `hello` for 'hello'
        return verdict(*_same_text(text, str(value.get("v", ""))))
    if value.get("t") == "tensor" and value.get("values") is None:
        value = _with_printed(value, outcome.display)
    return verdict(*_judged(match_value(parsed, value)))


_DEVICE_IN_PRINT = re.compile(r"device='([^']+)'")


def _annotated(outcome: Outcome) -> dict[str, Any]:
    """The outcome's value; for a tensor, with what only its print tells: its device and whether it is an
    nn.Parameter (``Parameter containing:``), so that such annotations in an answer can be checked."""
    value = outcome.value or {}
    if value.get("t") != "tensor" or not outcome.display:
        return value
    devices = _DEVICE_IN_PRINT.findall(outcome.display[-300:])  # PyTorch writes it last: `..., device='meta')`
    return {"device": devices[-1] if devices else "cpu",
            "parameter": outcome.display.lstrip().startswith("Parameter containing:"), **value}


def _numpy_value(value: dict[str, Any]) -> dict[str, Any] | None:
    """A numpy scalar or array the worker could only print, as the number or tensor it holds."""
    if not str(value.get("type", "")).startswith("numpy."):
        return None
    try:
        printed = parse_value(str(value.get("repr", "")))
    except AnswerError:
        return None
    return _as_encoded(printed)


def _as_encoded(printed: Any) -> dict[str, Any] | None:
    if isinstance(printed, bool):
        return {"t": "bool", "v": printed}
    if isinstance(printed, Number):
        if printed.integral:
            return {"t": "int", "v": int(printed.value)}
        return {"t": "float", "v": float(printed.value)}
    if isinstance(printed, Tensor) and not _has_ellipsis(printed.data):
        data = _plain_leaves(printed.data)
        if data is None:
            return None
        default = "torch.float64" if _any_float(printed.data) else "torch.int64"
        dtype = printed.dtype.name if printed.dtype else default
        return {"t": "tensor", "dtype": dtype, "shape": list(_shape(printed.data)), "values": data,
                "requires_grad": False, "grad_fn": None}
    return None


def _has_ellipsis(data: Any) -> bool:
    return data is ELLIPSIS or (isinstance(data, list) and any(_has_ellipsis(d) for d in data))


def _plain_leaves(data: Any) -> Any:
    if isinstance(data, list):
        items = [_plain_leaves(d) for d in data]
        return None if any(i is None for i in items) else items
    if isinstance(data, bool):
        return data
    return data.value if isinstance(data, Number) else None


def _any_float(data: Any) -> bool:
    if isinstance(data, list):
        return any(_any_float(d) for d in data)
    return not getattr(data, "integral", True)


def _shape(data: Any) -> tuple[int, ...]:
    return (len(data), *(_shape(data[0]) if data else ())) if isinstance(data, list) else ()


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
    if parsed.name in types or parsed.name in _qualified_names(outcome):
        return True, [f"it raised {raised}"]
    last = parsed.name.rsplit(".", 1)[-1]
    if last in types and last not in _BUILTIN_EXCEPTIONS:
        return True, [f"it raised {raised}"]  # `torch.jit.Error`: the dotted name Python prints for it
    if last in types:
        return False, [f"{parsed.name} is not that class's name: write {last} (it raised {raised})"]
    return False, [f"you said {parsed.name}, but it raised {raised}"]


_BUILTIN_EXCEPTIONS = {
    name for name, value in vars(__import__("builtins")).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _qualified_names(outcome: Outcome) -> set[str]:
    """Dotted names as Python prints a raised class (``torch.jit.Error: ...``), read from its display."""
    head = (outcome.display or "").split(":", 1)[0].strip()
    return {head} if "." in head and head.rsplit(".", 1)[-1] == outcome.error_type else set()


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
