"""Matching one number or boolean (a "leaf") against the real one, to the precision it was written.

Numbers match to half a unit of the last digit written, plus a relative slack for the stored dtype's
rounding; nan matches nan; an integer written for a whole float is right, a float written for an integer
is not; booleans only match booleans. ``match_leaf`` serves both plain values (``compare``) and tensor
elements (``compare_tensors``), where a difference in the kind of number is marked with ``KIND_MARK`` so
that one line about it replaces a line per element.
"""

from __future__ import annotations

import math
from typing import Any

from quizapp.core.grading.answer_types import Complex, Number
from quizapp.core.grading.describe import format_number, show
from quizapp.core.grading.dtypes import PYTHON_FLOAT_SLACK, RELATIVE_SLACK

KIND_MARK = "\u0000"  # prefix telling compare_tensors._Leaves a difference is about the kind of number, not its value


def is_kind_problem(problem: str) -> bool:
    return problem.startswith(KIND_MARK)


def match_leaf(answer: Any, actual: Any, kind: str, dtype: str | None, where: str, extra: float = 0.0) -> list[str]:
    """One number or boolean. ``kind`` is the actual's family: "bool", "int", "float" or "complex"."""
    what = (
        f"{dtype} tensor"
        if dtype
        else {"int": "an int", "float": "a float", "complex": "a complex number", "bool": "a bool"}[kind]
    )

    def kind_problem(text: str) -> list[str]:
        # Inside a tensor, marked so that one line about the kind of number replaces per-element lines
        return [f"{KIND_MARK}{text}"] if dtype else [f"{where}{text}"]

    if kind == "bool":
        if not isinstance(answer, bool):
            return kind_problem(
                f"it is {what} (True/False), you wrote {show(answer)}"
                if not dtype
                else f"it is a {dtype} tensor: write its elements as True/False, not {show(answer)}"
            )
        return [] if answer == bool(actual) else [f"{where}you said {answer}, it is {bool(actual)}"]
    if isinstance(answer, bool):
        return kind_problem(
            f"you wrote a bool, it is {what}: {format_number(actual)}"
            if not dtype
            else f"you wrote booleans, but it is a {dtype} tensor"
        )
    if kind == "int":
        if isinstance(answer, Number) and answer.integral:
            if answer.value == actual:
                return []
            return [f"{where}you said {answer.text}, it is {actual} (off by {_off(abs(answer.value - actual))})"]
        if isinstance(answer, (Number, Complex)):
            return kind_problem(
                f"you wrote {answer.text}, a floating-point number, but it is {what}: {actual}"
                if not dtype
                else f"you wrote floating-point numbers ({answer.text}), but it is "
                f"a {dtype} tensor, whose elements are integers"
            )
        return [f"{where}it is {what} {actual}, you said {show(answer)}"]
    if kind == "float":
        if isinstance(answer, Number):
            return _close(answer, actual, dtype, where, extra)
        if isinstance(answer, Complex):
            return kind_problem(
                f"you wrote a complex number ({answer.text}), but it is {'a ' + what if dtype else what}"
            )
        return [f"{where}it is {what} {format_number(actual)}, you said {show(answer)}"]
    # complex
    if isinstance(answer, Number):
        answer = Complex(answer, Number(0, 0.0, True, "0"))
    if isinstance(answer, Complex):
        problems = _close(answer.real, actual.real, dtype, "", extra) + _close(
            answer.imag, actual.imag, dtype, "", extra
        )
        if problems:
            return [f"{where}you said {answer.text}, it is {format_number(actual)}"]
        return []
    return [f"{where}it is {what} {format_number(actual)}, you said {show(answer)}"]


def _close(answer: Number, actual: float, dtype: str | None, where: str, extra: float = 0.0) -> list[str]:
    try:
        value = float(answer.value)
    except OverflowError:  # an integer with hundreds of digits
        value = math.inf if answer.value > 0 else -math.inf
    if math.isnan(actual) or math.isnan(value):
        if math.isnan(actual) and math.isnan(value):
            return []
        return [f"{where}you said {answer.text}, it is {format_number(actual)}"]
    if math.isinf(actual) or math.isinf(value):
        return [] if value == actual else [f"{where}you said {answer.text}, it is {format_number(actual)}"]
    slack = RELATIVE_SLACK.get(dtype or "", PYTHON_FLOAT_SLACK) * abs(actual)
    off = abs(value - actual)
    if off <= answer.tolerance + slack + extra:
        return []
    return [f"{where}you said {answer.text}, it is {format_number(actual)} (off by {_off(off)})"]


def decode_real(value: Any) -> float:
    if isinstance(value, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(value, math.nan)
    return float(value) if isinstance(value, (int, float)) else math.nan


def _off(difference: Any) -> str:
    return f"{difference:.3g}" if isinstance(difference, float) else str(difference)
