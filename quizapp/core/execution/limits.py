"""The resource limits every card runs under, with defaults that suit small torch snippets.

Each limit is enforced by the worker, outside the snippet's reach: wall time by SIGKILL on the
card's process group (so ignoring signals does not help), memory by ``RLIMIT_AS`` measured from the
worker's size at fork (after ``import torch`` a process already maps ~620 MB, so an absolute limit
would be meaningless), output by truncating what the snippet prints.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    # Seconds from the card's fork to its result, repr included; past it the card's processes get SIGKILL.
    wall_seconds: float = 5.0
    # Address space a card may add on top of the warm worker's (tensors, Python objects, stacks).
    memory_mb: int = 1024
    # What a card may print (stdout and stderr together); the rest is dropped and marked as truncated.
    output_bytes: int = 65536

    def __post_init__(self) -> None:
        if not self.wall_seconds > 0:
            raise ValueError(f"wall_seconds must be positive, not {self.wall_seconds!r}")
        if self.memory_mb < 64:
            raise ValueError(f"memory_mb must be at least 64, not {self.memory_mb!r}")
        if self.output_bytes < 0:
            raise ValueError(f"output_bytes must not be negative, not {self.output_bytes!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        return cls(
            wall_seconds=float(data.get("wall_seconds", cls.wall_seconds)),
            memory_mb=int(data.get("memory_mb", cls.memory_mb)),
            output_bytes=int(data.get("output_bytes", cls.output_bytes)),
        )


def limits_from_settings(settings: Any, *, wall_seconds: float | None = None) -> Limits:
    """The limits the user chose in their settings (``quizapp.core.settings.Settings``).

    ``wall_seconds`` (a command's ``--timeout``) overrides the setting's time limit.
    """
    return Limits(
        wall_seconds=wall_seconds or settings.card_time_limit_seconds,
        memory_mb=settings.card_memory_mb,
        output_bytes=settings.card_output_kb * 1024,
    )


def user_limits(wall_seconds: float | None = None) -> Limits:
    """The limits from the user's settings file (and ``QUIZAPP_CARD_*`` overrides), for front ends."""
    from quizapp.core import settings

    return limits_from_settings(settings.load(), wall_seconds=wall_seconds)
