"""Matching a tensor answer, including PyTorch's summarised print (`...`), against an encoded tensor.

``match_tensor`` checks what is written beside the data (``dtype=``, ``requires_grad=``, ``grad_fn=``,
``device=``, ``Parameter containing:``), then the shape, then the elements: a plain list stands for a
tensor of that shape; `...` stands for the elements PyTorch leaves out of a print of more than
``PRINT_THRESHOLD`` elements, and the elements shown on both sides are matched position by position
(counting from the end after a `...`). At most ``MAX_REPORTED`` differing elements are spelled out.
"""

from __future__ import annotations

import math
from typing import Any

from quizapp.core.grading.answer_types import ELLIPSIS, Complex, Number, Seq, Tensor
from quizapp.core.grading.compare_dims import match_dims
from quizapp.core.grading.compare_numbers import KIND_MARK, decode_real, is_kind_problem, match_leaf
from quizapp.core.grading.describe import format_dims, plural, show
from quizapp.core.grading.dtypes import family

MAX_REPORTED = 2  # differing elements spelled out in a message; the rest are counted
PRINT_THRESHOLD = 1000  # PyTorch prints a tensor of at most this many elements in full (no `...`)


def match_tensor(answer: Any, actual: dict[str, Any], where: str) -> list[str]:
    dtype = str(actual.get("dtype"))
    shape = tuple(actual.get("shape") or ())
    if isinstance(answer, Tensor):
        return _tensor_annotations(answer, actual, where) or _tensor_data(answer.data, answer.size, actual, where)
    if isinstance(answer, Seq):
        return _tensor_data(_plain(answer), None, actual, where)
    if isinstance(answer, (Number, Complex, bool)):
        if shape:
            return [f"{where}it is a tensor of shape {format_dims(shape)}, you gave a single number {show(answer)}"]
        return _tensor_data(answer, None, actual, where)
    return [f"{where}it is a {dtype} tensor of shape {format_dims(shape)}, you said {show(answer)}"]


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
        return (f"{where}`...` hides elements, but PyTorch prints this tensor in full ({plural(numel, 'element')}): "
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
        return [
            f"{where}shape: you wrote a {_depth(data)}-d tensor, it is {len(shape)}-d with shape {format_dims(shape)}"
        ]
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
            actual = complex(decode_real(values[0]), decode_real(values[1]))
        elif isinstance(values, list):
            self.problems.append(f"{self.where}shape: you wrote a number at {_index(index)}, it has a dimension there")
            return
        else:
            actual = decode_real(values) if self.family == "float" else values
        found = match_leaf(data, actual, self.family, self.dtype, "", extra)
        if found:
            self.differing += 1
            if is_kind_problem(found[0]):
                self.kind_problem = self.kind_problem or found[0][len(KIND_MARK) :]
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
                f"{self.where}shape: at {_index(index) or 'the top'} you wrote {plural(written_length, 'element')}, "
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
