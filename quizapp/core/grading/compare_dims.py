"""Matching dimensions: a written shape (or strides, or a torch.Size) against the real one.

Used for shape and stride cards (``verdict``), for torch.Size values and for a tensor's shape
(``compare_tensors``), so that a wrong dimension is reported the same way everywhere.
"""

from __future__ import annotations

from quizapp.core.grading.describe import format_dims, plural


def match_dims(answer: tuple[int, ...], actual: tuple[int, ...], what: str = "shape") -> list[str]:
    """``dim 1: you said 3, it is 4`` for each differing dimension, or a rank mismatch."""
    if len(answer) != len(actual):
        written = f"{plural(len(answer), 'dim')} {format_dims(answer)}"
        real = f"{plural(len(actual), 'dim')} {format_dims(actual)}"
        return [f"you gave {written}, it has {real}"]
    return [f"dim {i}: you said {a}, it is {b}" for i, (a, b) in enumerate(zip(answer, actual, strict=True)) if a != b]
