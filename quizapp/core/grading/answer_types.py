"""The parsed answers: what ``parse_answer`` returns, and what the comparers take.

Plain frozen data, no parsing and no judging, so that both the readers (``answers``, ``read_*``) and the
comparers (``compare*``, ``verdict``) depend on these types without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Raises:
    """An "it raises" answer: ``name`` is the exception class named, or None for a plain "error"."""

    name: str | None = None


@dataclass(frozen=True)
class Shape:
    dims: tuple[int, ...]


@dataclass(frozen=True)
class DType:
    name: str  # canonical, e.g. "torch.int64"
    written: str  # as the user wrote it, for messages


@dataclass(frozen=True)
class Number:
    """A real number as written: ``integral`` when written without a point or exponent (`3`, not `3.`)."""

    value: float | int
    tolerance: float  # half a unit of the last digit written
    integral: bool
    text: str


@dataclass(frozen=True)
class Complex:
    real: Number
    imag: Number

    @property
    def text(self) -> str:
        sign = "" if self.imag.text.startswith("-") else "+"
        return f"{self.real.text}{sign}{self.imag.text}j"


@dataclass(frozen=True)
class Null:
    pass


@dataclass(frozen=True)
class Device:
    name: str


@dataclass(frozen=True)
class Seq:
    items: tuple[Any, ...]
    brackets: str  # "list" or "tuple"


@dataclass(frozen=True)
class Size:
    dims: tuple[int, ...]


@dataclass(frozen=True)
class Tensor:
    data: Any  # nested lists of leaves (Number, Complex, bool, ELLIPSIS) or a single leaf for 0-d
    dtype: DType | None = None
    requires_grad: bool | None = None
    grad_fn: str | None = None
    size: tuple[int, ...] | None = None  # from `size=(0, 3)`, which PyTorch prints for empty tensors
    device: str | None = None  # from `device='cuda:0'` (PyTorch prints it for tensors off the CPU)
    parameter: bool | None = None  # True when written after `Parameter containing:`


@dataclass(frozen=True)
class Named:
    """A named tuple as PyTorch prints it: ``torch.return_types.aminmax(min=..., max=...)``."""

    name: str
    fields: tuple[str, ...]
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Mapping:
    items: tuple[tuple[Any, Any], ...]


class _Ellipsis:
    """`...` in PyTorch's summarised print of a big tensor: elements that were not shown."""

    def __repr__(self) -> str:
        return "..."


ELLIPSIS = _Ellipsis()

Answer = Raises | Shape | DType | Number | Complex | bool | str | Null | Device | Seq | Size | Tensor | Named | Mapping
