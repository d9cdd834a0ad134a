"""Read a prediction the way people write it, without ever executing it.

``parse_answer(kind, text)`` returns one of the answer types (:mod:`quizapp.core.grading.answer_types`) or
raises :class:`~quizapp.core.grading.answer_text.AnswerError` whose ``hint`` says what is accepted for that
kind. This module is the entry: it applies the shared limits and clean-up (``answer_text``), then hands the
text to the reader for the card's kind: ``read_raises`` (any kind), ``read_dims`` (shape, stride),
``read_values`` (value); a dtype answer is one name, read here.
"""

from __future__ import annotations

import re

from quizapp.core.grading.answer_text import (
    DTYPE_WORDS,
    HINTS,
    MAX_ANSWER_CHARS,
    MAX_NESTING,
    AnswerError,
    did_you_mean,
    dtype_name,
    nesting_depth,
    normalize,
    short_repr,
    strip_comment,
)
from quizapp.core.grading.answer_types import Answer, DType, Shape
from quizapp.core.grading.read_dims import parse_dims
from quizapp.core.grading.read_raises import parse_raises
from quizapp.core.grading.read_values import parse_value


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
    if nesting_depth(text) > MAX_NESTING:
        raise AnswerError(f"the answer is nested more than {MAX_NESTING} brackets deep", hint)
    if kind in ("shape", "stride"):
        return Shape(parse_dims(text, kind, hint))
    if kind == "dtype":
        written = re.sub(r"^(?:dtype\s*[=:]?\s*)", "", text).strip()
        name = dtype_name(written)
        if name is None:
            raise AnswerError(f"{short_repr(text)} is not a dtype{did_you_mean(written, DTYPE_WORDS)}", hint)
        return DType(name, text)
    return parse_value(text, hint)
