"""What every answer reader shares: the hints, the error, the limits, and the text-level steps.

``HINTS`` says what is accepted for each kind and :class:`AnswerError` carries one of them; the readers of
every kind (``answers``, ``read_dims``, ``read_values``) raise it. The rest is what they all do to text before
reading it: normalising look-alike characters, stripping a ``#`` comment, measuring bracket nesting (capped
before parsing so that no input can exhaust the parser), parsing one expression with ``ast`` (never
executing it), naming dotted names, quoting a short excerpt for a message, suggesting a near miss, and
reading a dtype as people write it. Kept apart so that each per-kind reader holds only its own notation.
"""

from __future__ import annotations

import ast
import difflib
import re

from quizapp.core.grading.dtypes import DTYPES, canonical_dtype

MAX_ANSWER_CHARS = 200_000  # PyTorch's summarised print of a big tensor is a few thousand characters
MAX_NESTING = 40  # brackets deep; the encoded outcome itself stops at 32 levels

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


def did_you_mean(written: str, words: tuple[str, ...]) -> str:
    """`` (did you mean 'tensor'?)`` for a near miss such as `tensro`, else ""."""
    close = difflib.get_close_matches(written, words, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def nesting_depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def short_repr(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def parse_expression(text: str, hint: str) -> ast.expr:
    # Parenthesised so that PyTorch's multi-line prints and top-level "2, 3" both read as one expression.
    source = f"(\n{text}\n)"
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        raise AnswerError(f"{short_repr(text)} is not something I can read", hint) from None
    return tree.body


def dotted_name(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


# Suggestions leave out the sub-byte and bit types (`int6`, `bits8`): nobody means them by a typo.
DTYPE_WORDS = tuple(sorted(
    w for w in set(DTYPES) | set(SHORT_DTYPES)
    if not re.fullmatch(r"(?:torch\.)?(?:u?int[1-7]|bits\w*)", w)
))
