"""Which decks a user means by the names on a command line: deck ids, deck files, folders of decks.

One place for it, so ``study``, ``deck check``, ``deck fill`` and ``export -f apkg`` agree on what a name
means (an id of the catalog, else a path) and report an unknown name or a broken file the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quizapp.core.decks.model import Deck, DeckLoadError, Problem
from quizapp.core.decks.registry import Catalog, load_catalog


@dataclass
class Selection:
    """The decks named, each once in the order first named, and the problems met finding them."""

    decks: list[Deck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [deck.id for deck in self.decks]

    def add(self, decks: Iterable[Deck]) -> None:
        known = set(self.ids)
        for deck in decks:
            if deck.id not in known:
                known.add(deck.id)
                self.decks.append(deck)


def resolve_names(catalog: Catalog, names: Iterable[str]) -> Selection:
    """Each name through ``catalog.resolve``: a deck id of the catalog, or a file or folder (loaded now
    when it is not in the catalog). A name that finds nothing is a problem, never an exception."""
    selection = Selection()
    for name in names:
        try:
            selection.add(catalog.resolve(name))
        except DeckLoadError as exc:
            selection.problems.extend(exc.problems)
    return selection


def load_named(names: Iterable[str]) -> Selection:
    """The decks named (all known decks when none), loading as little as it can.

    Paths load on their own, so a broken deck elsewhere (say in the user's folder) does not fail a
    check of the one file an author is working on; the full catalog is loaded only to resolve ids.
    """
    names = list(names)
    if not names:
        catalog = load_catalog()
        return Selection(list(catalog.decks.values()), list(catalog.problems))
    selection = Selection()
    full: Catalog | None = None
    for name in names:
        if Path(name).expanduser().exists():
            alone = load_catalog([name], bundled=False, user=False)
            selection.add(alone.decks.values())
            selection.problems += alone.problems
            continue
        if full is None:
            full = load_catalog()
        found = resolve_names(full, [name])
        selection.add(found.decks)
        selection.problems += found.problems
    return selection


__all__ = ["Selection", "load_named", "resolve_names"]
