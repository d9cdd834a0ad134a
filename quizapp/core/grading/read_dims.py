"""Reading a shape or stride answer: `(2, 3)`, `2x3`, `2 3`, `3 by 4`, `torch.Size([2, 3])`, `scalar`.

``parse_dims`` returns a tuple of whole numbers. The short notations (`2x3`, `2 3`) are matched as text
first; anything else is parsed with ``ast`` and only tuples, lists, numbers and ``torch.Size`` are read.
"""

from __future__ import annotations

import ast
import re

from quizapp.core.grading.answer_text import AnswerError, dotted_name, parse_expression, short_repr

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
        node = parse_expression(text, hint)
    except AnswerError:
        raise AnswerError(f"{short_repr(text)} is not a {kind}", hint) from None
    if isinstance(node, ast.Call) and dotted_name(node.func) in ("torch.Size", "Size") and not node.keywords:
        if not node.args:
            return ()
        if len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
            node = node.args[0]
        else:
            raise AnswerError("torch.Size takes one list, like torch.Size([2, 3])", hint)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_dim(item, kind, hint) for item in node.elts)
    if not isinstance(node, (ast.Constant, ast.UnaryOp)):
        raise AnswerError(f"{short_repr(text)} is not a {kind}", hint)
    return (_dim(node, kind, hint),)


def _dim(node: ast.AST, kind: str, hint: str) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        return node.value
    what = "dimension" if kind == "shape" else "stride"
    raise AnswerError(f"each {what} must be a whole number >= 0", hint)
