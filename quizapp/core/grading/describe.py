"""How answers and encoded values are named in the comparers' messages.

``show`` names what the user wrote (`a list of 2 items`), ``describe`` what the value really is (`a
torch.float32 tensor of shape (2, 3)`); ``format_dims``, ``format_number`` and ``plural`` write shapes,
numbers and counts the same way in every message. Shared by all ``compare*`` modules, so kept apart.
"""

from __future__ import annotations

from typing import Any

from quizapp.core.grading.answer_types import Complex, Device, DType, Mapping, Named, Null, Number, Seq, Size, Tensor


def format_dims(dims: tuple[int, ...] | list[int]) -> str:
    return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(str(d) for d in dims) + ")"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, complex):
        return f"{format_number(value.real)}{'-' if value.imag < 0 else '+'}{format_number(abs(value.imag))}j"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return f"{value:.1f}"
        return f"{value:.6g}"
    return str(value)


def show(answer: Any) -> str:
    """A short description of what the user wrote, for messages."""
    if isinstance(answer, bool):
        return str(answer)
    if isinstance(answer, (Number, Complex)):
        return answer.text
    if isinstance(answer, str):
        return repr(answer) if len(answer) < 40 else "a string"
    if isinstance(answer, Null):
        return "None"
    if isinstance(answer, DType):
        return answer.name
    if isinstance(answer, Device):
        return f"device {answer.name!r}"
    if isinstance(answer, Tensor):
        return "a tensor"
    if isinstance(answer, Size):
        return f"torch.Size({list(answer.dims)})"
    if isinstance(answer, Named):
        return f"{answer.name}(...)"
    if isinstance(answer, Seq):
        return f"a {answer.brackets} of {plural(len(answer.items), 'item')}"
    if isinstance(answer, Mapping):
        return "a dict"
    return "something else"


def describe(actual: dict[str, Any]) -> str:
    t = actual.get("t")
    if t == "tensor":
        return f"a {actual.get('dtype')} tensor of shape {format_dims(tuple(actual.get('shape') or ()))}"
    if t in ("tuple", "list"):
        name = actual.get("name")
        count = plural(len(actual.get("items") or []), "item")
        return f"{name}(...) ({count})" if name else f"a {t} of {count}"
    if t == "other":
        return f"a {actual.get('type')}"
    return f"a {t}"
