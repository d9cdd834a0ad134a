"""Reading an "it raises" answer: `error`, `it raises`, `RuntimeError`, `raises IndexError: msg`.

Every kind accepts one, so ``parse_answer`` tries it first; ``parse_raises_loose`` is the wider reading the
verdict uses for a card that did raise (any class-like name). Its own module because it is a notation of
its own, with its own vocabulary (the error words, builtin exception names, PyTorch's qualified names).
"""

from __future__ import annotations

import builtins
import re

from quizapp.core.grading.answer_types import Raises

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
EXCEPTION_NAMES = {
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
    if last.endswith(("Error", "Exception", "Warning")) or last in EXCEPTION_NAMES:
        return Raises(name.removeprefix("builtins."))
    return None
