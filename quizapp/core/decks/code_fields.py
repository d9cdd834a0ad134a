"""Checking that a card's code fields are Python in their kind's mode, for every param value.

:class:`CodeFieldsChecker` is the part of the loader's reader that parses ``setup`` (statements), ``ask``
(one expression) and a ``solution`` (statements ending in an expression), and points each syntax error at
its line in the deck file.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from typing import Any

from quizapp.core.decks import params as P
from quizapp.core.decks.field_readers import FieldReader
from quizapp.core.decks.yamlsafe import Node, Scalar
from quizapp.core.kinds.base import CodeMode


class CodeFieldsChecker(FieldReader):
    """The reader's check that code fields parse (a mixin of the loader's deck reader)."""

    def check_python(self, entries: dict[str, tuple[Scalar, Node]], texts: dict[str, str | None],
                     params: dict[str, tuple[Any, ...]], where: str, modes: Mapping[str, CodeMode]) -> None:
        """Each code field must parse in its kind's mode (for every param value): ``setup`` statements,
        ``ask`` one expression, a ``solution`` statements ending in an expression."""
        for bindings in P.spanning_bindings(params):
            suffix = "" if not bindings else " with " + ", ".join(f"{k}={P.value_text(v)}" for k, v in bindings.items())
            ok = True
            for name, mode in modes.items():
                text = texts[name]
                if text is None:
                    continue
                code = P.substitute(text, bindings) if bindings else text
                error = python_error(code, mode)
                if error is not None:
                    message, offset = error
                    if not params and "$" in code:
                        message += " ('$name' placeholders need 'params')"
                    self.problem(f"'{name}'{where}{suffix} {message}", code_line(entries[name][1], offset))
                    ok = False
            if not ok:
                return  # one bad variant is enough to show


@functools.lru_cache(maxsize=4096)  # reloading the catalog (after an edit) re-checks the same code
def python_error(code: str, mode: CodeMode) -> tuple[str, int] | None:
    """None when ``code`` parses in ``mode``, else (message, 1-based line within the code)."""
    if mode == "program":
        from quizapp.core.kinds.program import ProgramError, parse_program

        try:
            parse_program(code)
            return None
        except ProgramError as exc:
            found = re.search(r"\(line (\d+)", str(exc))
            return f"is not a program ending in an expression: {exc}", int(found.group(1)) if found else 1
    try:
        ast.parse(code, mode=mode)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        first = exc
    if mode == "eval":
        try:
            ast.parse(code, mode="exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        else:
            return "must be one Python expression (put statements in 'setup')", 1
    if isinstance(first, SyntaxError):
        lineno = first.lineno or 1
        return f"is not valid Python: {first.msg} (line {lineno} of the code)", lineno
    if isinstance(first, ValueError):
        return f"is not valid Python: {first}", 1
    return "is not valid Python: nested too deeply", 1


def code_line(node: Node, code_line: int) -> int:
    """The file line of line ``code_line`` of a code field (block scalars start on the next line)."""
    if isinstance(node, Scalar) and node.style in ("|", ">"):
        return node.line + code_line
    return node.line + code_line - 1 if isinstance(node, Scalar) and node.style is None else node.line
