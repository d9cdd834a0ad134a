"""Match a parsed answer against an encoded outcome value (see ``quizapp.core.execution.outcome``).

Every ``match_*`` function returns the differences it found as short sentences, most useful first; an
empty list means the answer is right. The rules (documented for deck authors in the README, "How answers are
written and matched"):

- numbers match to the precision written: half a unit of the last digit (`0.3333` and `0.33` are right
  for 1/3); a whole number written without decimals (`3`, `3.`) must be whole to PyTorch's 4 printed
  decimals; a little relative slack covers the stored dtype's rounding; nan matches nan; -0. matches 0.
- a number written as an integer is right for a float whose value is whole, but a float written for an
  integer (`3.` for a long tensor or a Python int) is wrong, and booleans only match booleans;
- a plain list (or tuple) matches a tensor of the same shape and values; `dtype=`, `requires_grad=` and
  `grad_fn=` are checked when written and never required; `...` in a summarised print matches the
  elements it stands for, and the elements shown must match;
- tuples and lists match each other (a torch.Size, a named tuple are tuples), element by element.

This module holds ``match_value``: the dispatch on the encoded type and the plain values (scalars,
strings, dtypes, devices, sizes, sequences, dicts). The rest lives beside it: ``compare_dims`` (shapes),
``compare_numbers`` (one number to its written precision), ``compare_tensors`` (tensors and PyTorch's
summarised print) and ``describe`` (how answers and values are named in the messages).
"""

from __future__ import annotations

from typing import Any

from quizapp.core.grading.answer_types import Device, DType, Mapping, Named, Null, Number, Seq, Size
from quizapp.core.grading.compare_dims import match_dims
from quizapp.core.grading.compare_numbers import decode_real, match_leaf
from quizapp.core.grading.compare_tensors import match_tensor
from quizapp.core.grading.describe import describe, format_number, plural, show


def match_value(answer: Any, actual: dict[str, Any], where: str = "") -> list[str]:
    """Compare any parsed value answer with an encoded value; ``where`` prefixes messages ("item 0: ")."""
    t = actual.get("t")
    handler = _HANDLERS.get(t) if isinstance(t, str) else None
    if handler is None:
        return [f"{where}it is {describe(actual)}, which I cannot compare"]
    return handler(answer, actual, where)


def _none(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    return [] if isinstance(answer, Null) else [f"{where}it is None, you said {show(answer)}"]


def _bool(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    value = bool(actual.get("v"))
    if isinstance(answer, bool):
        return [] if answer == value else [f"{where}you said {answer}, it is {value}"]
    return [f"{where}it is the bool {value}, you said {show(answer)}"]


def _int(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    return match_leaf(answer, actual.get("v"), "int", None, where)


def _float(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    return match_leaf(answer, decode_real(actual.get("v")), "float", None, where)


def _complex(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    value = complex(decode_real(actual.get("re")), decode_real(actual.get("im")))
    return match_leaf(answer, value, "complex", None, where)


def _str(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    value = actual.get("v")
    if isinstance(answer, str):
        return [] if answer == value else [f"{where}you said {answer!r}, it is {value!r}"]
    return [f"{where}it is the string {value!r}, you said {show(answer)}"]


def _dtype(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    value = actual.get("v")
    if isinstance(answer, DType):
        return [] if answer.name == value else [f"{where}dtype: you said {answer.name}, it is {value}"]
    return [f"{where}it is the dtype {value}, you said {show(answer)}"]


def _device(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    value = actual.get("v")
    name = answer.name if isinstance(answer, Device) else answer if isinstance(answer, str) else None
    if name is None:
        return [f"{where}it is device(type={value!r}), you said {show(answer)}"]
    return [] if name == value else [f"{where}you said device {name!r}, it is {value!r}"]


def _size(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    dims = tuple(actual.get("v") or ())
    if isinstance(answer, Size):
        written = answer.dims
    elif isinstance(answer, Seq) and all(isinstance(i, Number) and i.integral for i in answer.items):
        written = tuple(int(i.value) for i in answer.items)
    else:
        return [f"{where}it is torch.Size({list(dims)}), you said {show(answer)}"]
    return [f"{where}{d}" for d in match_dims(written, dims)]


def _sequence(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    items = actual.get("items") or []
    name, fields = actual.get("name"), actual.get("fields")
    if isinstance(answer, Named):
        problems = []
        if name is None or answer.name.rsplit(".", 1)[-1] != str(name).rsplit(".", 1)[-1]:
            problems.append(f"{where}you said {answer.name}(...), it is {name or 'a plain ' + actual['t']}")
        elif list(answer.fields) != list(fields or []):
            problems.append(f"{where}fields: you said {', '.join(answer.fields)}, it has {', '.join(fields or [])}")
        if problems:
            return problems
        written: tuple[Any, ...] = answer.items
    elif isinstance(answer, Seq):
        written = answer.items
    elif isinstance(answer, Size):
        written = tuple(Number(d, 0.0, True, str(d)) for d in answer.dims)
    else:
        return [f"{where}it is {describe(actual)}, you said {show(answer)}"]
    if len(written) != len(items):
        return [f"{where}you gave {plural(len(written), 'item')}, it has {plural(len(items), 'item')}"]
    labels = fields if fields and len(fields) == len(items) else [f"item {i}" for i in range(len(items))]
    problems = []
    for label, a, b in zip(labels, written, items, strict=True):
        problems += match_value(a, b, f"{where}{label}: ")
    return problems


def _dict(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    pairs = actual.get("items") or []
    if not isinstance(answer, Mapping):
        return [f"{where}it is a dict with {plural(len(pairs), 'key')}, you said {show(answer)}"]
    if len(answer.items) != len(pairs):
        return [f"{where}you gave {plural(len(answer.items), 'key')}, it has {plural(len(pairs), 'key')}"]
    problems = []
    for key, value in pairs:
        found = [v for k, v in answer.items if not match_value(k, key)]
        if not found:
            problems.append(f"{where}key {_brief(key)} is missing from your answer")
        else:
            problems += match_value(found[0], value, f"{where}[{_brief(key)}]: ")
    return problems


def _other(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    # Objects the worker could only print are compared by their printed text, at the top level (grade()).
    return [f"{where}it is {actual.get('repr') or actual.get('type')}"]



def _brief(actual: dict[str, Any]) -> str:
    t = actual.get("t")
    if t in ("int", "bool"):
        return str(actual.get("v"))
    if t == "str":
        return repr(actual.get("v"))
    if t == "float":
        return format_number(decode_real(actual.get("v")))
    return describe(actual)



_HANDLERS = {
    "none": _none,
    "bool": _bool,
    "int": _int,
    "float": _float,
    "complex": _complex,
    "str": _str,
    "dtype": _dtype,
    "device": _device,
    "size": _size,
    "tuple": _sequence,
    "list": _sequence,
    "dict": _dict,
    "tensor": match_tensor,
    "other": _other,
}
