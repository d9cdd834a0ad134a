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
"""

from __future__ import annotations

import math
from typing import Any

from quizapp.core.grading.answers import (
    ELLIPSIS,
    Complex,
    Device,
    DType,
    Mapping,
    Named,
    Null,
    Number,
    Seq,
    Size,
    Tensor,
)
from quizapp.core.grading.dtypes import PYTHON_FLOAT_SLACK, RELATIVE_SLACK, family

MAX_REPORTED = 2  # differing elements spelled out in a message; the rest are counted
PRINT_THRESHOLD = 1000  # PyTorch prints a tensor of at most this many elements in full (no `...`)


# --------------------------------------------------------------------------------------------- shapes


def match_dims(answer: tuple[int, ...], actual: tuple[int, ...], what: str = "shape") -> list[str]:
    """``dim 1: you said 3, it is 4`` for each differing dimension, or a rank mismatch."""
    if len(answer) != len(actual):
        written, real = f"{_count(len(answer), 'dim')} {_dims(answer)}", f"{_count(len(actual), 'dim')} {_dims(actual)}"
        return [f"you gave {written}, it has {real}"]
    return [f"dim {i}: you said {a}, it is {b}" for i, (a, b) in enumerate(zip(answer, actual, strict=True)) if a != b]


def _dims(dims: tuple[int, ...] | list[int]) -> str:
    return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(str(d) for d in dims) + ")"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------------------------- values


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
    return _leaf(answer, actual.get("v"), "int", None, where)


def _float(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    return _leaf(answer, _real(actual.get("v")), "float", None, where)


def _complex(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    return _leaf(answer, complex(_real(actual.get("re")), _real(actual.get("im"))), "complex", None, where)


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
        return [f"{where}you gave {_count(len(written), 'item')}, it has {_count(len(items), 'item')}"]
    labels = fields if fields and len(fields) == len(items) else [f"item {i}" for i in range(len(items))]
    problems = []
    for label, a, b in zip(labels, written, items, strict=True):
        problems += match_value(a, b, f"{where}{label}: ")
    return problems


def _dict(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    pairs = actual.get("items") or []
    if not isinstance(answer, Mapping):
        return [f"{where}it is a dict with {_count(len(pairs), 'key')}, you said {show(answer)}"]
    if len(answer.items) != len(pairs):
        return [f"{where}you gave {_count(len(answer.items), 'key')}, it has {_count(len(pairs), 'key')}"]
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


# --------------------------------------------------------------------------------------------- tensors


def _tensor(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    dtype = str(actual.get("dtype"))
    shape = tuple(actual.get("shape") or ())
    if isinstance(answer, Tensor):
        return _tensor_annotations(answer, actual, where) or _tensor_data(answer.data, answer.size, actual, where)
    if isinstance(answer, Seq):
        return _tensor_data(_plain(answer), None, actual, where)
    if isinstance(answer, (Number, Complex, bool)):
        if shape:
            return [f"{where}it is a tensor of shape {_dims(shape)}, you gave a single number {show(answer)}"]
        return _tensor_data(answer, None, actual, where)
    return [f"{where}it is a {dtype} tensor of shape {_dims(shape)}, you said {show(answer)}"]


def _tensor_annotations(answer: Tensor, actual: dict[str, Any], where: str) -> list[str]:
    dtype = str(actual.get("dtype"))
    problems = []
    if answer.dtype is not None and answer.dtype.name != dtype:
        problems.append(f"{where}dtype: you said {answer.dtype.name}, it is {dtype}")
    if answer.requires_grad is not None and answer.requires_grad != bool(actual.get("requires_grad")):
        problems.append(
            f"{where}requires_grad: you said {answer.requires_grad}, it is {bool(actual.get('requires_grad'))}"
        )
    if answer.grad_fn is not None and answer.grad_fn != actual.get("grad_fn"):
        problems.append(f"{where}grad_fn: you said {answer.grad_fn}, it is {actual.get('grad_fn') or 'None (a leaf)'}")
    device = str(actual.get("device") or "cpu")
    if answer.device is not None and _device_name(answer.device) != _device_name(device):
        problems.append(f"{where}device: you said {answer.device}, it is {device}")
    if answer.parameter and actual.get("parameter") is False:
        problems.append(f"{where}you wrote `Parameter containing:`, but it is a plain tensor, not an nn.Parameter")
    return problems


def _device_name(name: str) -> str:
    """`cuda` and `cuda:0` differ only in the index PyTorch fills in; `cpu` has none."""
    return name.strip().lower().removesuffix(":0") if name.strip().lower().startswith("cpu") else name.strip().lower()


def _ellipsis_problem(data: Any, shape: tuple[int, ...], where: str) -> str | None:
    """Why a `...` in the answer cannot stand for what it hides, or None when it is PyTorch's summary.

    PyTorch writes `...` only in a tensor of more than PRINT_THRESHOLD elements, and always with the
    elements it does show beside it: `tensor([...])`, `[[...], [...]]` or `tensor(...)` predict nothing.
    """
    numel = math.prod(shape)
    if numel <= PRINT_THRESHOLD:
        return (f"{where}`...` hides elements, but PyTorch prints this tensor in full ({_count(numel, 'element')}): "
                "write them all")
    if not _shows_elements(data):
        return (f"{where}your answer shows no elements: `...` stands for the ones PyTorch leaves out, "
                "beside those it shows")
    return None


def _shows_elements(data: Any) -> bool:
    """Every list holding `...` also holds something else, and at least one number is written."""
    if not isinstance(data, list):
        return data is not ELLIPSIS
    if ELLIPSIS in data and all(d is ELLIPSIS for d in data):
        return False
    shown = [d for d in data if d is not ELLIPSIS]
    return bool(shown) and all(_shows_elements(d) for d in shown)


def _plain(seq: Seq) -> list[Any]:
    return [_plain(i) if isinstance(i, Seq) else i for i in seq.items]


def _tensor_data(data: Any, size: tuple[int, ...] | None, actual: dict[str, Any], where: str) -> list[str]:
    dtype = str(actual.get("dtype"))
    shape = tuple(actual.get("shape") or ())
    summarised = _has_ellipsis(data)
    if size is not None:
        written_shape: tuple[int, ...] | None = size
    elif summarised:
        written_shape = None
    else:
        written_shape = _shape_of(data)
        if written_shape is None:
            return [f"{where}your rows have different lengths; a tensor's rows all have the same length"]
    if written_shape is not None:
        problems = match_dims(written_shape, shape)
        if problems:
            return [f"{where}shape: {p}" for p in problems]
    elif (problem := _ellipsis_problem(data, shape, where)) is not None:
        return [problem]
    elif _depth(data) != len(shape):
        return [f"{where}shape: you wrote a {_depth(data)}-d tensor, it is {len(shape)}-d with shape {_dims(shape)}"]
    values = actual.get("values")
    if values is None:
        values = actual.get("printed")  # PyTorch's summarised print, when the elements were too many to carry
    if values is None:
        return []  # neither: shape (and any dtype= written) is all that can be checked
    if size is not None and math.prod(size) == 0:
        return []
    leaves = _Leaves(dtype, where)
    leaves.walk(data, values, ())
    return leaves.report()


class _Leaves:
    """Walks written data and actual values together, collecting element differences."""

    def __init__(self, dtype: str, where: str) -> None:
        self.dtype = dtype
        self.family = family(dtype)
        self.where = where
        self.problems: list[str] = []
        self.kind_problem: str | None = None
        self.differing = 0

    def walk(self, data: Any, values: Any, index: tuple[int, ...]) -> None:
        """``values`` are the encoded elements, or PyTorch's summarised print of them (with `...`)."""
        if isinstance(data, list):
            if not isinstance(values, list):
                self.problems.append(f"{self.where}shape: element {_index(index)} is a number, you wrote a list")
                return
            pairs = self.pairs(data, values, index)
            if pairs is not None:
                for i, item, value in pairs:
                    self.walk(item, value, (*index, i))
            return
        if data is ELLIPSIS:
            return
        extra = 0.0  # how far a printed (rather than encoded) element may be from the real one
        if isinstance(values, Number):
            actual: Any = float(values.value) if self.family == "float" else values.value
            extra = values.tolerance
        elif isinstance(values, Complex):
            actual = complex(float(values.real.value), float(values.imag.value))
            extra = max(values.real.tolerance, values.imag.tolerance)
        elif self.family == "complex" and isinstance(values, list) and len(values) == 2:
            actual = complex(_real(values[0]), _real(values[1]))
        elif isinstance(values, list):
            self.problems.append(f"{self.where}shape: you wrote a number at {_index(index)}, it has a dimension there")
            return
        else:
            actual = _real(values) if self.family == "float" else values
        found = _leaf(data, actual, self.family, self.dtype, "", extra)
        if found:
            self.differing += 1
            if _is_kind_problem(found[0]):
                self.kind_problem = self.kind_problem or found[0][len(_KIND_MARK) :]
            elif len(self.problems) < MAX_REPORTED:
                where = f"element {_index(index)}: " if index else ""
                self.problems.append(f"{self.where}{where}{found[0]}")

    def pairs(self, data: list[Any], values: list[Any], index: tuple[int, ...]) -> list[tuple[int, Any, Any]] | None:
        """(position, written, actual) for the positions both sides show; `...` hides positions on either side.

        Positions count from the start (0, 1, ...) or, after a `...` whose length is unknown, from the end
        (-1 is the last); a side whose length is known converts them to plain indices.
        """
        written, written_length = _positions(data)
        real, real_length = _positions(values)
        if real_length is not None and written_length is None and len(written) >= real_length:
            self.problems.append(
                f"{self.where}shape: your `...` at {_index(index) or 'the top'} "
                f"stands for no elements (that dimension has {real_length})"
            )
            return None
        if real_length is not None and written_length is not None and real_length != written_length:
            self.problems.append(
                f"{self.where}shape: at {_index(index) or 'the top'} you wrote {_count(written_length, 'element')}, "
                f"it has {real_length}"
            )
            return None
        length = real_length if real_length is not None else written_length
        if length is not None:
            written = {k % length if k < 0 else k: v for k, v in written.items()}
            real = {k % length if k < 0 else k: v for k, v in real.items()}
        return [(k, written[k], real[k]) for k in sorted(written, key=lambda k: (k < 0, k)) if k in real]

    def report(self) -> list[str]:
        if self.kind_problem is not None:
            return [f"{self.where}{self.kind_problem}"]
        problems = list(self.problems)
        if self.differing > len(problems) and problems:
            problems[-1] += f" ({self.differing} elements differ in all)"
        return problems


def _positions(items: list[Any]) -> tuple[dict[int, Any], int | None]:
    """Items by position, and the length when there is no `...` (then positions after it count from -1)."""
    if ELLIPSIS not in items:
        return dict(enumerate(items)), len(items)
    cut = items.index(ELLIPSIS)
    head, tail = items[:cut], [i for i in items[cut + 1 :] if i is not ELLIPSIS]
    by_position = dict(enumerate(head))
    by_position.update({i - len(tail): item for i, item in enumerate(tail)})
    return by_position, None


def _has_ellipsis(data: Any) -> bool:
    if isinstance(data, list):
        return any(_has_ellipsis(d) for d in data)
    return data is ELLIPSIS


def _depth(data: Any) -> int:
    depth = 0
    while isinstance(data, list):
        depth += 1
        data = next((d for d in data if d is not ELLIPSIS), None)
    return depth


def _shape_of(data: Any) -> tuple[int, ...] | None:
    """The shape of nested lists, or None when ragged."""
    if not isinstance(data, list):
        return ()
    shapes = {_shape_of(d) for d in data}
    if not data:
        return (0,)
    inner = shapes.pop() if len(shapes) == 1 else None
    if inner is None:
        return None
    return (len(data), *inner)


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


# ---------------------------------------------------------------------------------------------- leaves

_KIND_MARK = "\u0000"  # prefix telling _Leaves a difference is about the kind of number, not its value


def _is_kind_problem(problem: str) -> bool:
    return problem.startswith(_KIND_MARK)


def _leaf(answer: Any, actual: Any, kind: str, dtype: str | None, where: str, extra: float = 0.0) -> list[str]:
    """One number or boolean. ``kind`` is the actual's family: "bool", "int", "float" or "complex"."""
    what = (
        f"{dtype} tensor"
        if dtype
        else {"int": "an int", "float": "a float", "complex": "a complex number", "bool": "a bool"}[kind]
    )

    def kind_problem(text: str) -> list[str]:
        # Inside a tensor, marked so that one line about the kind of number replaces per-element lines
        return [f"{_KIND_MARK}{text}"] if dtype else [f"{where}{text}"]

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
            f"you wrote a bool, it is {what}: {_num(actual)}"
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
        return [f"{where}it is {what} {_num(actual)}, you said {show(answer)}"]
    # complex
    if isinstance(answer, Number):
        answer = Complex(answer, Number(0, 0.0, True, "0"))
    if isinstance(answer, Complex):
        problems = _close(answer.real, actual.real, dtype, "", extra) + _close(
            answer.imag, actual.imag, dtype, "", extra
        )
        if problems:
            return [f"{where}you said {answer.text}, it is {_num(actual)}"]
        return []
    return [f"{where}it is {what} {_num(actual)}, you said {show(answer)}"]


def _close(answer: Number, actual: float, dtype: str | None, where: str, extra: float = 0.0) -> list[str]:
    try:
        value = float(answer.value)
    except OverflowError:  # an integer with hundreds of digits
        value = math.inf if answer.value > 0 else -math.inf
    if math.isnan(actual) or math.isnan(value):
        if math.isnan(actual) and math.isnan(value):
            return []
        return [f"{where}you said {answer.text}, it is {_num(actual)}"]
    if math.isinf(actual) or math.isinf(value):
        return [] if value == actual else [f"{where}you said {answer.text}, it is {_num(actual)}"]
    slack = RELATIVE_SLACK.get(dtype or "", PYTHON_FLOAT_SLACK) * abs(actual)
    off = abs(value - actual)
    if off <= answer.tolerance + slack + extra:
        return []
    return [f"{where}you said {answer.text}, it is {_num(actual)} (off by {_off(off)})"]


def _real(value: Any) -> float:
    if isinstance(value, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(value, math.nan)
    return float(value) if isinstance(value, (int, float)) else math.nan


def _off(difference: Any) -> str:
    return f"{difference:.3g}" if isinstance(difference, float) else str(difference)


def _num(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, complex):
        return f"{_num(value.real)}{'-' if value.imag < 0 else '+'}{_num(abs(value.imag))}j"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return f"{value:.1f}"
        return f"{value:.6g}"
    return str(value)


# ---------------------------------------------------------------------------------------- describing


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
        return f"a {answer.brackets} of {_count(len(answer.items), 'item')}"
    if isinstance(answer, Mapping):
        return "a dict"
    return "something else"


def describe(actual: dict[str, Any]) -> str:
    t = actual.get("t")
    if t == "tensor":
        return f"a {actual.get('dtype')} tensor of shape {_dims(tuple(actual.get('shape') or ()))}"
    if t in ("tuple", "list"):
        name = actual.get("name")
        count = _count(len(actual.get("items") or []), "item")
        return f"{name}(...) ({count})" if name else f"a {t} of {count}"
    if t == "other":
        return f"a {actual.get('type')}"
    return f"a {t}"


def _brief(actual: dict[str, Any]) -> str:
    t = actual.get("t")
    if t in ("int", "bool"):
        return str(actual.get("v"))
    if t == "str":
        return repr(actual.get("v"))
    if t == "float":
        return _num(_real(actual.get("v")))
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
    "tensor": _tensor,
    "other": _other,
}
