"""The rating quizapp suggests after a verdict: Again, Hard, Good, or Easy when the answer came quickly.

How quick is quick depends on the card's kind (a dtype is named at a glance, a stride takes working
out), so this lives with the kinds, above grading: a verdict says what is right, this says how well.
"""

from __future__ import annotations

import math

from quizapp.core.grading.verdict import Verdict
from quizapp.core.kinds import registry
from quizapp.core.rating import Rating

# "Answered quickly": at most a few seconds to think (each kind says how many: more for kinds that take
# working out) plus typing time at a relaxed 3 characters a second. Within that is Easy, slower Good.
SECONDS_PER_CHARACTER = 1 / 3


def easy_within(kind: str, answer: str) -> float:
    """How many seconds a right answer may take and still count as quick (Easy)."""
    typed = len("".join(answer.split()))
    try:
        thinking = registry.get(kind).thinking_seconds
    except KeyError:
        thinking = 8.0
    return thinking + typed * SECONDS_PER_CHARACTER


def suggest_rating(verdict: Verdict, seconds: float) -> Rating:
    """Wrong (or unreadable) -> Again; partly right -> Hard; right -> Easy when answered quickly
    (see easy_within), else Good."""
    if verdict.partial and verdict.readable and not verdict.correct:
        return Rating.HARD
    if not (verdict.correct and verdict.readable):
        return Rating.AGAIN
    if not isinstance(seconds, (int, float)) or math.isnan(seconds) or seconds < 0:
        return Rating.GOOD
    return Rating.EASY if seconds <= easy_within(verdict.kind, verdict.answer) else Rating.GOOD
