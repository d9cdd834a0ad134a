"""Read a prediction the way people write it, without ever executing it.

``parse_answer(kind, text)`` returns one of the answer types below or raises :class:`AnswerError` whose
``hint`` says what is accepted for that kind. Text is parsed with ``ast.parse(mode="eval")`` and only a
whitelist of node types is walked (no ``eval``, no ``literal_eval``); length and nesting depth are capped
before parsing so that no input can exhaust the parser.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

from quizapp.core.grading.dtypes import DTYPES, canonical_dtype

MAX_ANSWER_CHARS = 200_000  # PyTorch's summarised print of a big tensor is a few thousand characters
MAX_NESTING = 40  # brackets deep; the encoded outcome itself stops at 32 levels
MAX_DECIMALS = 300  # beyond this a written precision means nothing for a float64

# What PyTorch prints a float to (4 decimals): the precision given to whole numbers written without
# decimals (`3`, `3.`), so that `3` is right for 3.0 (and 2.99999994) but not for 3.2.
PRINT_DECIMALS = 4

HINTS = {
    "shape": "write a shape like (2, 3), 2x3, 2 3 or torch.Size([2, 3]); () or scalar for a 0-d tensor; "
    "or error if it raises",
    "stride": "write strides like (3, 1), 3x1 or 3 1; () for a 0-d tensor; or error if it raises",
    "dtype": "write a dtype like torch.float32, float32, torch.long or bool; or error if it raises",
    "value": "write a Python literal or what PyTorch prints: 3, 2.5, nan, True, [1, 2], tensor([1., 2.]), "
    "tensor([1, 2], dtype=torch.int8), torch.Size([2]), (tensor(1), tensor(2)); or error if it raises",
}


class AnswerError(ValueError):
    """The answer could not be read; ``hint`` tells what is accepted."""

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.problem}; {self.hint}" if self.hint else self.problem


# ----------------------------------------------------------------------------------------- answer types


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


# --------------------------------------------------------------------------------------------- entry


def parse_answer(kind: str, text: str) -> Answer:
    """Parse ``text`` as an answer for a card of ``kind`` ("shape", "stride", "dtype" or "value")."""
    hint = HINTS.get(kind, HINTS["value"])
    if not isinstance(text, str):
        raise AnswerError("the answer is not text", hint)
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"the answer is too long ({len(text):,} characters)", hint)
    text = strip_comment(normalize(text))
    if not text:
        raise AnswerError("the answer is empty", hint)
    raises = parse_raises(text)
    if raises is not None:
        return raises
    if _nesting(text) > MAX_NESTING:
        raise AnswerError(f"the answer is nested more than {MAX_NESTING} brackets deep", hint)
    if kind in ("shape", "stride"):
        return Shape(parse_dims(text, kind, hint))
    if kind == "dtype":
        written = re.sub(r"^(?:dtype\s*[=:]?\s*)", "", text).strip()
        name = dtype_name(written)
        if name is None:
            raise AnswerError(f"{_short(text)} is not a dtype{_did_you_mean(written, _DTYPE_WORDS)}", hint)
        return DType(name, text)
    return parse_value(text, hint)


def normalize(text: str) -> str:
    """Unicode look-alikes (minus sign, times sign, curly quotes, no-break space) to ASCII; outer whitespace off."""
    text = text.replace("\u2212", "-").replace("\u00d7", "x").replace("\u00a0", " ").replace("\u2026", "...")
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return text.strip()


def strip_comment(text: str) -> str:
    """``(2, 3)  # the 1 stretches`` -> ``(2, 3)``: a ``#`` outside quotes starts a comment, as in Python."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return text[:i].rstrip()
    return text


# Short names people use for dtypes (mixed-precision jargon), mapped to PyTorch's names.
SHORT_DTYPES = {
    "f16": "float16", "fp16": "float16", "f32": "float32", "fp32": "float32", "f64": "float64", "fp64": "float64",
    "bf16": "bfloat16", "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64", "u8": "uint8",
    "c64": "complex64", "c128": "complex128",
}


def dtype_name(written: str) -> str | None:
    """A dtype as written (`torch.long`, `float32`, `fp16`, `torch.bf16`) -> its canonical name, or None."""
    name = canonical_dtype(written)
    if name is None:
        short = "".join(written.split()).lower().removeprefix("torch.")
        if short in SHORT_DTYPES:
            name = canonical_dtype(SHORT_DTYPES[short])
    return name


def _did_you_mean(written: str, words: tuple[str, ...]) -> str:
    """`` (did you mean 'tensor'?)`` for a near miss such as `tensro`, else ""."""
    close = difflib.get_close_matches(written, words, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _nesting(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


# ------------------------------------------------------------------------------------------- raises

_ERROR_WORDS = {
    "error",
    "errors",
    "an error",
    "raise",
    "raises",
    "raises error",
    "raises an error",
    "it raises",
    "it raises an error",
    "raises an exception",
    "it raises an exception",
    "exception",
    "an exception",
    "throws",
    "it throws",
    "throws an error",
    "it throws an error",
    "throws an exception",
    "it errors",
    "fails",
    "it fails",
    "crash",
    "crashes",
    "it crashes",
}
_RAISES_NAMED = re.compile(
    r"(?:(?:it\s+)?(?:raises|throws|raise)\s+(?:an?\s+)?)?([A-Za-z_][\w.]*)(?:\s*:.*)?", re.DOTALL
)
# Every builtin exception class, whatever its name ends with (ExceptionGroup, StopIteration, ...).
_EXCEPTION_NAMES = {
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
}
# Qualified names that PyTorch documents, mapped to the class name the worker reports (its __name__)
QUALIFIED_ERRORS = {
    "torch.linalg.LinAlgError": "_LinAlgError",
    "torch._C._LinAlgError": "_LinAlgError",
    "LinAlgError": "_LinAlgError",
    "torch.OutOfMemoryError": "OutOfMemoryError",
    "torch.cuda.OutOfMemoryError": "OutOfMemoryError",
}


def parse_raises_loose(text: str) -> Raises | None:
    """For a card that raised: any class-like name (`Oops`, `torch.jit.Error`, `raises MyError: ...`).

    Only names whose last part starts with a capital letter count, so plain words stay unreadable.
    """
    match = _RAISES_NAMED.fullmatch(text)
    if match is None:
        return None
    name = match.group(1)
    last = name.rsplit(".", 1)[-1]
    return Raises(QUALIFIED_ERRORS.get(name, name.removeprefix("builtins."))) if last[:1].isupper() else None


def parse_raises(text: str) -> Raises | None:
    """ "error", "it raises", "RuntimeError", "raises IndexError", "RuntimeError: msg" -> Raises, else None."""
    words = " ".join(text.lower().split()).rstrip(".!")
    if words in _ERROR_WORDS:
        return Raises(None)
    match = _RAISES_NAMED.fullmatch(text)
    if match is None:
        return None
    name = match.group(1)
    if name.lower() in ("error", "exception"):  # "Error: ..." is the generic answer with a remark
        return Raises(None)
    if name in QUALIFIED_ERRORS:
        return Raises(QUALIFIED_ERRORS[name])
    last = name.rsplit(".", 1)[-1]
    if last.endswith(("Error", "Exception", "Warning")) or last in _EXCEPTION_NAMES:
        return Raises(name.removeprefix("builtins."))
    return None


# -------------------------------------------------------------------------------------- shape/stride

BY_X = re.compile(r"\d+(?:\s*(?:[xX*]|\bby\b)\s*\d+)+")
_BY_X = BY_X
_BY_SPACE = re.compile(r"[(\[]?\s*\d+(?:\s+\d+)+\s*[)\]]?")
_SCALAR_WORDS = {"scalar", "0-d", "0d"}
# `shape (2, 3)`, `size: 2x3`, `strides=(3, 1)`: a leading word naming what the answer is.
_LEADING_WORD = re.compile(r"^(?:shape|size|sizes|stride|strides|dims?)\s*(?:[:=]\s*)?(?=[(\[\d]|$)", re.IGNORECASE)


def parse_dims(text: str, kind: str, hint: str) -> tuple[int, ...]:
    """`(2, 3)` `[2, 3]` `2, 3` `2 3` `(4 3)` `2x3` `3 by 4` `shape (2, 3)` `torch.Size([2, 3])` `7` `(7,)` `()`
    `scalar` -> a tuple of ints."""
    text = _LEADING_WORD.sub("", text).strip() or text
    if text.lower() in _SCALAR_WORDS:
        return ()
    if _BY_X.fullmatch(text):
        return tuple(int(d) for d in re.split(r"\s*(?:[xX*]|\bby\b)\s*", text))
    if _BY_SPACE.fullmatch(text) and (text[0] in "([") == (text[-1] in ")]"):
        return tuple(int(d) for d in text.strip("()[] ").split())
    try:
        node = _parse_expression(text, hint)
    except AnswerError:
        raise AnswerError(f"{_short(text)} is not a {kind}", hint) from None
    if isinstance(node, ast.Call) and _dotted(node.func) in ("torch.Size", "Size") and not node.keywords:
        if not node.args:
            return ()
        if len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
            node = node.args[0]
        else:
            raise AnswerError("torch.Size takes one list, like torch.Size([2, 3])", hint)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_dim(item, kind, hint) for item in node.elts)
    if not isinstance(node, (ast.Constant, ast.UnaryOp)):
        raise AnswerError(f"{_short(text)} is not a {kind}", hint)
    return (_dim(node, kind, hint),)


def _dim(node: ast.AST, kind: str, hint: str) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        return node.value
    what = "dimension" if kind == "shape" else "stride"
    raise AnswerError(f"each {what} must be a whole number >= 0", hint)


# -------------------------------------------------------------------------------------------- values

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
    node = _parse_expression(text, hint)
    answer: Answer = _Reader(text, hint).value(node)
    return answer


def _parse_expression(text: str, hint: str) -> ast.expr:
    # Parenthesised so that PyTorch's multi-line prints and top-level "2, 3" both read as one expression.
    source = f"(\n{text}\n)"
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        raise AnswerError(f"{_short(text)} is not something I can read", hint) from None
    return tree.body


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


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
        raise self.fail(f"{_short(self.segment(node))} is not a value I can read")

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
        raise self.fail(f"{_short(self.segment(node))}: write the value itself, not a calculation")

    def name(self, node: ast.Name | ast.Attribute) -> Any:
        dotted = _dotted(node)
        if dotted is None:
            raise self.fail(f"{_short(self.segment(node))} is not a value I can read")
        lowered = dotted.lower()
        if lowered in _WORDS:
            return _WORDS[lowered]
        if lowered in _SPECIAL_FLOATS or lowered in ("math.nan", "math.inf", "torch.nan", "torch.inf"):
            return _number(_SPECIAL_FLOATS[lowered.rsplit(".", 1)[-1]], dotted)
        dtype = dtype_name(dotted.removeprefix("np.").removeprefix("numpy."))
        if dtype is not None:
            return DType(dtype, dotted)
        hint = _did_you_mean(dotted, _VALUE_WORDS)
        raise self.fail(f"{_short(dotted)} is not a value I can read{hint or ' (put text in quotes)'}")

    def call(self, node: ast.Call) -> Any:
        func = _dotted(node.func)
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
        hint = _did_you_mean(func, _CALL_WORDS) if func else ""
        raise self.fail(f"{_short(self.segment(node))} is not a value I can read{hint}")

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
# Suggestions leave out the sub-byte and bit types (`int6`, `bits8`): nobody means them by a typo.
_DTYPE_WORDS = tuple(sorted(
    w for w in set(DTYPES) | set(SHORT_DTYPES)
    if not re.fullmatch(r"(?:torch\.)?(?:u?int[1-7]|bits\w*)", w)
))
_VALUE_WORDS = ("True", "False", "None", "nan", "inf", "true", "false", *_DTYPE_WORDS, *sorted(_EXCEPTION_NAMES))


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
