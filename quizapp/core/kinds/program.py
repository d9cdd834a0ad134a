"""A write card's code (its ``solution``, or a learner's answer) read as a program: statements whose
last one is an expression, the result. Parsed with :mod:`ast`, never executed here.

The program is split where its last statement starts, so the worker runs ``body`` as statements and
``result`` as one expression, and the line numbers a learner sees in an error match what they typed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

MAX_PROGRAM_CHARS = 20_000  # a puzzle's answer is a few lines; this only stops a pasted novel
MAX_NESTING = 60  # brackets deep: deeper nesting can exhaust the parser's C stack


class ProgramError(ValueError):
    """The code is not a program with a result; ``str()`` says why in one line."""


@dataclass(frozen=True)
class Program:
    text: str
    tree: ast.Module
    body: str  # the statements before the result ("" when the program is one expression)
    result: str  # the last statement: one expression


def parse_program(text: str) -> Program:
    """Read ``text`` as statements ending in an expression; raise :class:`ProgramError` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ProgramError("there is no code: write an expression, or statements ending in one")
    if len(text) > MAX_PROGRAM_CHARS:
        raise ProgramError(f"the code is longer than {MAX_PROGRAM_CHARS:,} characters")
    if _nesting(text) > MAX_NESTING:
        raise ProgramError(f"the code nests brackets more than {MAX_NESTING} deep")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        raise ProgramError(f"syntax error{where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ProgramError(f"the code cannot be parsed: {type(exc).__name__}") from None
    if not tree.body:
        raise ProgramError("there is no code, only comments: write an expression, or statements ending in one")
    last = tree.body[-1]
    if not isinstance(last, ast.Expr):
        raise ProgramError(f"the last line (line {last.lineno}) must be an expression, the result"
                           f" (it is {_statement_name(last)})")
    start = _offset(text, last.lineno, last.col_offset)
    body, result = text[:start], text[start:].strip()
    # Compiling (never running) catches what parses but cannot run: `return` outside a function, or a
    # last line that is a statement-only expression such as `*x`.
    _compiles(tree, "exec", 0)
    _compiles(result, "eval", last.lineno - 1)
    return Program(text=text, tree=tree, body=body, result=result)


def _compiles(code: ast.Module | str, mode: str, lines_before: int) -> None:
    try:
        compile(code, "<answer>", mode)
    except SyntaxError as exc:
        where = f" (line {exc.lineno + lines_before})" if exc.lineno else ""
        raise ProgramError(f"syntax error{where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ProgramError(f"the code cannot be parsed: {type(exc).__name__}") from None


def _offset(text: str, lineno: int, col_offset: int) -> int:
    """The index into ``text`` of a node's start (``col_offset`` counts UTF-8 bytes)."""
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: lineno - 1])
    line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
    return before + len(line.encode("utf-8")[:col_offset].decode("utf-8", "ignore"))


def _nesting(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _statement_name(node: ast.stmt) -> str:
    names = {ast.Assign: "an assignment", ast.AugAssign: "an assignment", ast.AnnAssign: "an assignment",
             ast.Return: "a return statement", ast.For: "a for loop", ast.While: "a while loop",
             ast.If: "an if statement", ast.FunctionDef: "a function definition", ast.Import: "an import"}
    return names.get(type(node), f"a {type(node).__name__} statement")
