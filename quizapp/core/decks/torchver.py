"""The ``torch`` key of a deck or card: which torch releases its claims hold for.

A card such as "`torch.jit.script` warns that it is deprecated" is true on some releases only. Its
author writes ``torch: ">=2.13"`` (on the card, or on the deck for every card); ``deck check`` then
runs it only where the installed torch satisfies the range and reports it as ``skipped`` elsewhere,
never as ``ok``.

The syntax is a small, strict subset of PEP 440 specifiers, parsed here rather than with the
``packaging`` library because quizapp does not depend on it: comma-separated clauses, each an
operator (``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=``) and a release of one to three numbers
(``2``, ``2.4``, ``2.4.1``); ``==2.4`` and ``!=2.4`` cover the whole 2.4 series. All clauses must hold.

The installed version is read from the package metadata (``importlib.metadata``), never by importing
torch: the app's process must not import it (the worker, started with the same interpreter, does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

OPERATORS = (">=", "<=", "==", "!=", ">", "<")
_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+){0,2})\s*")
# A torch version as installed: "2.13.0", "2.13.0+cpu", "2.14.0a0+git1234", "2.1.2+cu121".
_INSTALLED = re.compile(r"\s*v?(\d+(?:\.\d+)*)")

Release = tuple[int, int, int]


@dataclass(frozen=True)
class Clause:
    operator: str
    release: tuple[int, ...]  # as written: (2, 4) for "2.4"

    def holds(self, version: Release) -> bool:
        if self.operator in ("==", "!="):
            # "==2.4" means the 2.4 series: compare only as many numbers as were written.
            same = version[: len(self.release)] == self.release
            return same if self.operator == "==" else not same
        bound = _padded(self.release)
        return {">=": version >= bound, ">": version > bound,
                "<=": version <= bound, "<": version < bound}[self.operator]

    def __str__(self) -> str:
        return self.operator + ".".join(str(n) for n in self.release)


@dataclass(frozen=True)
class TorchRange:
    """A parsed ``torch`` key: every clause must hold."""

    clauses: tuple[Clause, ...]

    def holds(self, version: str | Release) -> bool:
        release = parse_installed(version) if isinstance(version, str) else version
        return all(c.holds(release) for c in self.clauses)

    def __str__(self) -> str:
        return ",".join(str(c) for c in self.clauses)


def parse_range(text: str) -> TorchRange:
    """``">=2.4,<2.14"`` -> :class:`TorchRange`; ``ValueError`` with a one-line reason otherwise."""
    if not text.strip():
        raise ValueError("is empty")
    clauses: list[Clause] = []
    for part in text.split(","):
        match = _CLAUSE.fullmatch(part)
        if match is None:
            shown = part.strip() or "(nothing)"
            raise ValueError(f"clause '{shown}' is not an operator ({', '.join(OPERATORS)}) followed by a"
                             " release such as 2.4 or 2.4.1")
        clauses.append(Clause(match.group(1), tuple(int(n) for n in match.group(2).split("."))))
    return TorchRange(tuple(clauses))


def both(first: TorchRange | None, second: TorchRange | None) -> TorchRange | None:
    """The range where both hold (a card's own key narrows its deck's; None means every release)."""
    if first is None or second is None:
        return first or second
    return TorchRange(first.clauses + second.clauses)


def parse_installed(version: str) -> Release:
    """The release numbers of an installed version string (``"2.13.0+cpu"`` -> ``(2, 13, 0)``)."""
    match = _INSTALLED.match(version)
    if match is None:
        raise ValueError(f"cannot read torch version {version!r}")
    numbers = tuple(int(n) for n in match.group(1).split("."))
    return _padded(numbers)


def installed_torch_version() -> str | None:
    """The version of the torch distribution in this environment (None when none is installed)."""
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def _padded(numbers: tuple[int, ...]) -> Release:
    padded = (tuple(numbers) + (0, 0, 0))[:3]
    return (padded[0], padded[1], padded[2])
