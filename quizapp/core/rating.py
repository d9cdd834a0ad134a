"""The four answer ratings, shared by grading (which suggests one) and scheduling (which applies one).

The numeric values are FSRS's (``fsrs.Rating``): Again=1, Hard=2, Good=3, Easy=4.
"""

from __future__ import annotations

from enum import IntEnum


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()
