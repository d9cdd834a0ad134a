"""The verdict as the study screen shows it, ordered so that what teaches comes first at 80x24.

Order: Correct / Incorrect / Partly right, what you said, what differs, a short outcome, "Why" (the
card's explanation), then a long outcome (a big tensor print) and what the snippet printed. The
exception's message is shown once (in the outcome), never repeated in the difference line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from quizapp.core.decks.model import Card
from quizapp.core.execution.outcome import Outcome

if TYPE_CHECKING:
    from quizapp.core.grading.verdict import Verdict

SHORT_OUTCOME_LINES = 4  # an outcome up to this long is shown before "Why"
_RAISED_TAIL = re.compile(r"(?:,?\s*but\s+)?\(?it raised .*$", re.DOTALL)


def difference_line(verdict: Verdict, outcome: Outcome) -> str:
    """The verdict's message without a repeat of the exception the outcome already shows."""
    message = verdict.message
    if outcome.raised:
        message = _RAISED_TAIL.sub("", message).rstrip(" ;,:(")
    return message


def verdict_renderable(card: Card, answer: str, outcome: Outcome, verdict: Verdict | None,
                       md: Callable[[str], RenderableType], *, dont_know: bool = False) -> Group:
    if dont_know:
        word = Text("Not known: recorded as Again", style="bold yellow")
    elif verdict is not None and verdict.correct:
        word = Text("Correct", style="bold green")
    elif verdict is not None and verdict.partial:
        word = Text("Partly right: it raises, but another exception class (suggested: Hard)", style="bold yellow")
    else:
        word = Text("Incorrect", style="bold red")
    parts: list[RenderableType] = [word]
    if not dont_know:
        parts.append(Text(f"You said: {answer}", style="dim"))
    if verdict is not None and not verdict.correct and not dont_know:
        line = difference_line(verdict, outcome)
        if line:
            parts.append(Text(line, style="italic"))
    shown = outcome.display or (verdict.actual if verdict is not None else "")
    heading = "It raised" if outcome.raised else "Outcome"
    block = [Text(""), Text(heading, style="bold"), Text(shown)]
    short = shown.count("\n") < SHORT_OUTCOME_LINES
    if short:
        parts += block
    if card.explain:
        parts += [Text(""), Text("Why", style="bold"), md(card.explain)]
    if not short:
        parts += block
    if outcome.stdout:
        parts += [Text(""), Text("Printed", style="bold"), Text(outcome.stdout.rstrip("\n"))]
    return Group(*parts)
