"""Reading a value answer: a Python literal or what PyTorch prints (`tensor([1., 2.])`, `torch.Size([2])`).

``parse_value`` parses the text with ``ast.parse(mode="eval")`` and walks only a whitelist of node types
into the answer types (no ``eval``, no ``literal_eval``); anything else is an :class:`AnswerError`. Numbers
keep the precision they were written to (``Number.tolerance``), which the comparers match against.
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any

from quizapp.core.grading.answer_text import (
    DTYPE_WORDS,
    HINTS,
    AnswerError,
    did_you_mean,
    dotted_name,
    dtype_name,
    parse_expression,
    short_repr,
)
from quizapp.core.grading.answer_types import (
    ELLIPSIS,
    Answer,
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
from quizapp.core.grading.read_raises import EXCEPTION_NAMES

MAX_DECIMALS = 300  # beyond this a written precision means nothing for a float64


# What PyTorch prints a float to (4 decimals): the precision given to whole numbers written without
# decimals (`3`, `3.`), so that `3` is right for 3.0 (and 2.99999994) but not for 3.2.
PRINT_DECIMALS = 4


_GRAD_FN = re.compile(r"grad_fn\s*=\s*<\s*([\w.]+)\s*>")
_PARAMETER = re.compile(r"Parameter containing:\s*tensor(?=\s*\()", re.IGNORECASE)
_PARAMETER_CALL = "__parameter__tensor"  # what `Parameter containing: tensor(...)` is read as
_TENSOR_CALLS = ("tensor", "torch.tensor", "array", "np.array", "numpy.array", _PARAMETER_CALL)
# numpy scalars as numpy prints them: np.float32(0.5), numpy.int64(3)
_NUMPY_SCALAR = re.compile(r"(?:np|numpy)\.(?:float|int|uint|complex|bool_?)\d*")
_WORDS: dict[str, Any] = {
    "true": True,
    "yes": True,
    "false": False,
    "no": False,
    "none": Null(),
    "null": Null(),
}
_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "infinity": math.inf}
_TENSOR_KEYWORDS = {"dtype", "requires_grad", "grad_fn", "device", "size"}


def parse_value(text: str, hint: str = HINTS["value"]) -> Answer:
    """Any value a snippet can produce, as a Python literal or as PyTorch prints it."""
    text = _PARAMETER.sub(_PARAMETER_CALL, text)
    # PyTorch prints `grad_fn=<AddBackward0>`, which is not an expression: make the name a string.
    text = _GRAD_FN.sub(lambda m: f"grad_fn='{m.group(1)}'", text)
    node = parse_expression(text, hint)
    answer: Answer = _Reader(text, hint).value(node)
    return answer


class _Reader:
    """Walks a whitelist of expression nodes into answer types; anything else is an AnswerError."""

    def __init__(self, text: str, hint: str) -> None:
        self.source = f"(\n{text}\n)"
        self.hint = hint

    def fail(self, problem: str) -> AnswerError:
        return AnswerError(problem, self.hint)

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, (ast.UnaryOp, ast.BinOp)):
            return self.arithmetic(node)
        if isinstance(node, ast.List):
            return Seq(tuple(self.value(e) for e in node.elts), "list")
        if isinstance(node, ast.Tuple):
            return Seq(tuple(self.value(e) for e in node.elts), "tuple")
        if isinstance(node, ast.Dict):
            pairs = []
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:  # {**other}
                    raise self.fail("`**` is not allowed in an answer")
                pairs.append((self.value(k), self.value(v)))
            return Mapping(tuple(pairs))
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(f"{short_repr(self.segment(node))} is not a value I can read")

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def constant(self, node: ast.Constant) -> Any:
        value = node.value
        if value is Ellipsis:
            return ELLIPSIS
        if isinstance(value, (bool, str)):
            return value
        if value is None:
            return Null()
        if isinstance(value, complex):
            return Complex(_number(0, "0"), _number(value.imag, self.segment(node).rstrip("jJ")))
        if isinstance(value, (int, float)):
            return _number(value, self.segment(node))
        raise self.fail("bytes are not an answer")

    def arithmetic(self, node: ast.AST) -> Number | Complex:
        # Only signs and complex literals: `-3`, `-nan`, `1.+1.j`, `-0.5-2j`.
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.value(node.operand)
            sign = -1 if isinstance(node.op, ast.USub) else 1
            if isinstance(inner, Number):
                return _signed(inner, sign)
            if isinstance(inner, Complex) and _is_zero(inner.real):
                return Complex(inner.real, _signed(inner.imag, sign))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, Number) and isinstance(right, Complex) and _is_zero(right.real):
                imag = right.imag if isinstance(node.op, ast.Add) else _signed(right.imag, -1)
                return Complex(left, imag)
        raise self.fail(f"{short_repr(self.segment(node))}: write the value itself, not a calculation")

    def name(self, node: ast.Name | ast.Attribute) -> Any:
        dotted = dotted_name(node)
        if dotted is None:
            raise self.fail(f"{short_repr(self.segment(node))} is not a value I can read")
        lowered = dotted.lower()
        if lowered in _WORDS:
            return _WORDS[lowered]
        if lowered in _SPECIAL_FLOATS or lowered in ("math.nan", "math.inf", "torch.nan", "torch.inf"):
            return _number(_SPECIAL_FLOATS[lowered.rsplit(".", 1)[-1]], dotted)
        dtype = dtype_name(dotted.removeprefix("np.").removeprefix("numpy."))
        if dtype is not None:
            return DType(dtype, dotted)
        hint = did_you_mean(dotted, _VALUE_WORDS)
        raise self.fail(f"{short_repr(dotted)} is not a value I can read{hint or ' (put text in quotes)'}")

    def call(self, node: ast.Call) -> Any:
        func = dotted_name(node.func)
        if func in _TENSOR_CALLS:
            return self.tensor(node, parameter=func == _PARAMETER_CALL or None)
        if func is not None and _NUMPY_SCALAR.fullmatch(func) and len(node.args) == 1 and not node.keywords:
            number = self.value(node.args[0])
            if isinstance(number, (Number, Complex, bool)):
                return number
            raise self.fail(f"{func}(...) takes a number")
        if func in ("torch.Size", "Size"):
            if node.keywords or len(node.args) > 1:
                raise self.fail("torch.Size takes one list, like torch.Size([2, 3])")
            dims = self.value(node.args[0]) if node.args else Seq((), "list")
            if not isinstance(dims, Seq) or not all(_is_count(d) for d in dims.items):
                raise self.fail("torch.Size takes a list of whole numbers, like torch.Size([2, 3])")
            return Size(tuple(int(d.value) for d in dims.items))
        if func in ("device", "torch.device"):
            args = [self.value(a) for a in node.args] + [self.value(k.value) for k in node.keywords]
            if len(args) == 1 and isinstance(args[0], str):
                return Device(args[0])
            raise self.fail("write a device like device(type='cpu')")
        if func is not None and node.keywords and not node.args and all(k.arg for k in node.keywords):
            return Named(
                func, tuple(str(k.arg) for k in node.keywords), tuple(self.value(k.value) for k in node.keywords)
            )
        hint = did_you_mean(func, _CALL_WORDS) if func else ""
        raise self.fail(f"{short_repr(self.segment(node))} is not a value I can read{hint}")

    def tensor(self, node: ast.Call, parameter: bool | None = None) -> Tensor:
        if len(node.args) != 1:
            raise self.fail("tensor(...) takes one list or number, like tensor([1., 2.])")
        data = self.elements(node.args[0])
        options: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg not in _TENSOR_KEYWORDS:
                raise self.fail(f"tensor(...) has no {keyword.arg}= that I know")
            options[keyword.arg] = self.value(keyword.value)
        dtype = options.get("dtype")
        if dtype is not None and not isinstance(dtype, DType):
            raise self.fail("dtype= takes a dtype, like dtype=torch.int8")
        requires_grad = options.get("requires_grad")
        if requires_grad is not None and not isinstance(requires_grad, bool):
            raise self.fail("requires_grad= takes True or False")
        grad_fn = options.get("grad_fn")
        if grad_fn is not None and not isinstance(grad_fn, str):
            raise self.fail("grad_fn= takes a name, like grad_fn=<AddBackward0>")
        device = options.get("device")
        if device is not None:
            if isinstance(device, Device):
                device = device.name
            if not isinstance(device, str):
                raise self.fail("device= takes a device, like device='cuda:0'")
        size = options.get("size")
        if size is not None:
            if not isinstance(size, (Seq, Size)):
                raise self.fail("size= takes a shape, like size=(0, 3)")
            items = size.dims if isinstance(size, Size) else size.items
            if not all(isinstance(d, int) or _is_count(d) for d in items):
                raise self.fail("size= takes whole numbers, like size=(0, 3)")
            size = tuple(d if isinstance(d, int) else int(d.value) for d in items)
        return Tensor(data, dtype, requires_grad, grad_fn.rsplit(".", 1)[-1] if grad_fn else None, size,
                      device, parameter)

    def elements(self, node: ast.AST) -> Any:
        """A tensor's data: nested lists (or tuples) of numbers, booleans and `...`."""
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.elements(e) for e in node.elts]
        leaf = self.value(node)
        if isinstance(leaf, (Number, Complex, bool)) or leaf is ELLIPSIS:
            return leaf
        raise self.fail("a tensor holds numbers or booleans only")


_CALL_WORDS = ("tensor", "torch.tensor", "torch.Size", "Size", "device", "torch.device", "array", "np.array")


_VALUE_WORDS = ("True", "False", "None", "nan", "inf", "true", "false", *DTYPE_WORDS, *sorted(EXCEPTION_NAMES))


def _number(value: float, text: str) -> Number:
    text = "".join(text.split())
    if isinstance(value, float) and not math.isfinite(value):
        return Number(value, 0.0, False, text)
    body = text.lower().lstrip("+-").replace("_", "")
    mantissa, _, exponent = body.partition("e")
    integral = isinstance(value, int)
    if integral or ("e" not in body and mantissa.endswith(".")):
        decimals = PRINT_DECIMALS  # `3` and `3.`: a whole number, to PyTorch's printed precision
    else:
        written = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
        try:
            shift = int(exponent) if exponent else 0
        except ValueError:
            shift = 0
        decimals = max(-MAX_DECIMALS, min(MAX_DECIMALS, written - shift))
    return Number(value, 0.5 * 10.0 ** (-decimals), integral, text)


def _signed(number: Number, sign: int) -> Number:
    if sign == 1:
        return number
    text = number.text[1:] if number.text.startswith("-") else f"-{number.text}"
    return Number(-number.value, number.tolerance, number.integral, text)


def _is_zero(number: Number) -> bool:
    return number.value == 0


def _is_count(item: Any) -> bool:
    return isinstance(item, Number) and item.integral and item.value >= 0
