"""The try-it pane's code as a job: the learner's edited snippet, run in the same sandbox as a card.

The last line of the edited code, when it is an expression, is what gets shown (as a ``value`` card
would show it); everything before it runs as setup. Nothing here is graded or recorded.
"""

from __future__ import annotations

import ast

from quizapp.core.execution.engine import Job

MAX_CODE_CHARS = 20_000


def job_for_code(code: str) -> Job:
    """``code`` -> Job(setup, ask); ValueError with a one-line reason when it is not valid Python."""
    if len(code) > MAX_CODE_CHARS:
        raise ValueError(f"the code is too long ({len(code):,} characters; at most {MAX_CODE_CHARS:,})")
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise ValueError(f"not valid Python: {exc.msg} (line {exc.lineno})") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not valid Python: {exc}") from None
    if not tree.body:
        raise ValueError("there is no code to run")
    last = tree.body[-1]
    lines = code.splitlines()
    if isinstance(last, ast.Expr) and last.end_lineno is not None:
        setup = "\n".join(lines[: last.lineno - 1]) + "\n" + lines[last.lineno - 1][: last.col_offset]
        ask = ast.get_source_segment(code, last) or "None"
        return Job(setup=setup.strip("\n") or None, ask=ask, kind="value", label="try-it")
    return Job(setup=code, ask="None", kind="value", label="try-it")
