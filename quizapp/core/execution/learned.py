"""What each card's run imported, remembered between runs, so the worker can preload it next time.

A card's child reports where the imports its run made entered (``child._imported_since``, checked by
``preload.learned_names`` in the worker and again here); the app keeps them per card in
``locations.cache_dir()/preload/v<N>/learned.json``: ``{"version": N, "cards": {"deck/id": [module, ...]}}``.
The next ``deck check`` or study session asks the worker to preload the union for the cards it is
about to run (``preload.py``). Cards that never imported anything new have no entry and cost nothing.

A report without new imports leaves a card's entry as it is (the card did not import them because
they were preloaded), so an entry only grows; it is a hint, not a truth: a stale one costs one
unneeded import in the worker, never a wrong result. The file is bounded (:data:`MAX_CARDS`), written
atomically, and anything unreadable in it counts as empty. It is safe to delete.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from quizapp.core import locations
from quizapp.core.execution import preload

VERSION = 1
MAX_CARDS = 20_000
MAX_BYTES = 4 * 1024 * 1024  # a larger file is not read (it cannot be ours)


def default_path() -> Path:
    return locations.cache_dir() / "preload" / f"v{VERSION}" / "learned.json"


def card_of(label: str) -> str:
    """The card a job's label names ("deck/id", "deck/id (solution)") -> "deck/id"."""
    return label.split(" ", 1)[0]


class LearnedImports:
    """The per-card memo: read once, updated by outcomes, written back by :meth:`save` when changed."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._cards: dict[str, list[str]] | None = None  # read on first use
        self._changed = False
        self._lock = threading.Lock()  # outcomes arrive on several threads

    def _load(self) -> dict[str, list[str]]:
        if self._cards is None:
            self._cards = read(self.path)
        return self._cards

    def modules_for(self, cards: Iterable[str]) -> list[str]:
        """The union of what these cards ("deck/id") imported before, in a stable order."""
        with self._lock:
            known = self._load()
            found: dict[str, None] = {}
            for card in cards:
                for module in known.get(card, ()):
                    found[module] = None
            return list(found)

    def record(self, card: str, modules: Iterable[str]) -> None:
        """Remember that ``card`` imported ``modules`` (checked again here; nothing to record: no change)."""
        names = preload.learned_names(list(modules))
        if not card or not names:
            return
        with self._lock:
            known = self._load()
            merged = list(dict.fromkeys([*known.get(card, []), *names]))[:preload.MAX_LEARNED]
            if merged != known.get(card):
                if card not in known and len(known) >= MAX_CARDS:
                    known.pop(next(iter(known)))  # the oldest entry makes room
                known[card] = merged
                self._changed = True

    def save(self) -> None:
        """Write the memo back if it changed; a failure (read-only or full disk) costs only speed."""
        with self._lock:
            if not self._changed or self._cards is None:
                return
            data = json.dumps({"version": VERSION, "cards": self._cards}, sort_keys=True)
            self._changed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".learned-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w") as out:
                    out.write(data)
                os.replace(temporary, self.path)
            except OSError:
                Path(temporary).unlink(missing_ok=True)
        except OSError:
            pass


def read(path: Path) -> dict[str, list[str]]:
    """The memo in ``path``; empty when missing, too large, from another version or malformed."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("cards"), dict):
        return {}
    cards: dict[str, list[str]] = {}
    for card, modules in list(data["cards"].items())[:MAX_CARDS]:
        names = preload.learned_names(modules)
        if isinstance(card, str) and names:
            cards[card] = names
    return cards
