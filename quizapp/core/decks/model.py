"""The deck domain objects. Plain, immutable data: no YAML, no I/O.

A :class:`Card` always carries its deck id; ``card.key`` = ``(deck, id)`` is what progress is stored
under (so editing a card's text keeps its history, changing its id starts afresh).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from quizapp.core.decks.torchver import TorchRange


class Kind(StrEnum):
    # StrEnum, not (str, Enum): members format as their value ("shape"), where (str, Enum) printed
    # "Kind.SHAPE". Every user-facing text already goes through ``.value``, so no output changes.
    SHAPE = "shape"
    STRIDE = "stride"
    DTYPE = "dtype"
    VALUE = "value"
    RECALL = "recall"
    WRITE = "write"

    @property
    def executable(self) -> bool:
        """True when grading runs code in the worker (every kind but ``recall``); see quizapp.core.kinds."""
        return self is not Kind.RECALL


COMPARE_MODES = ("exact", "close")


@dataclass(frozen=True)
class Attempt:
    """A ``write`` card's sample answer and the verdict its author requires (``deck check`` grades it)."""

    code: str
    correct: bool
    line: int = 0  # 1-based line of the attempt in its file (0: unknown)


CardKey = tuple[str, str]  # (deck id, card id)


@dataclass(frozen=True)
class Card:
    deck: str
    id: str
    kind: Kind
    prompt: str  # the question; for executable kinds a default is derived from kind and ask
    setup: str | None = None
    ask: str | None = None
    expect: str | None = None
    explain: str | None = None
    answer: str | None = None  # recall cards: the back
    # write cards: the reference answer, what an answer may not use, how results compare, sample answers
    solution: str | None = None
    forbid: tuple[str, ...] = ()
    compare: str = "exact"
    attempts: tuple[Attempt, ...] = ()
    tags: tuple[str, ...] = ()
    concept: str | None = None
    # Parametric cards: name -> list of values; see quizapp/core/decks/params.py
    params: dict[str, tuple[Any, ...]] | None = field(default=None, hash=False)
    # The torch releases the card's claims hold for (its own ``torch`` key and its deck's, both
    # applying); None: every release. See quizapp/core/decks/torchver.py.
    torch: TorchRange | None = None
    source: Path | None = None
    line: int = 0  # 1-based line of the card in its file (0: unknown)
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    # Set on a variant made by params.instantiate(): the values its placeholders were replaced with.
    # The variant keeps the card's key, so every variant shares one review history.
    bindings: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def key(self) -> CardKey:
        return (self.deck, self.id)

    @property
    def executable(self) -> bool:
        return self.kind.executable

    @property
    def parametric(self) -> bool:
        """True for a card with ``params`` that has not been instantiated yet (it holds placeholders)."""
        return bool(self.params) and self.bindings is None

    @property
    def code(self) -> str:
        """The snippet as shown to the learner: setup, then the asked expression (a write card: its setup)."""
        parts = [p for p in (self.setup, self.ask) if p]
        return "\n".join(p.rstrip("\n") for p in parts)


@dataclass(frozen=True)
class Deck:
    id: str
    title: str
    cards: tuple[Card, ...]
    description: str | None = None
    tags: tuple[str, ...] = ()
    concepts: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    torch: TorchRange | None = None  # the deck's own ``torch`` key (its cards carry it too)
    source: Path | None = None
    bundled: bool = False

    def card(self, card_id: str) -> Card | None:
        for c in self.cards:
            if c.id == card_id:
                return c
        return None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck file: printed as ``path:line: message`` (line omitted if unknown)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


class DeckLoadError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
