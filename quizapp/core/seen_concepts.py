"""Which concept notes the learner has already been shown, so each is taught once.

A concept note is shown before the first new card of its concept that the learner meets, and never
again unless asked for. Whether it was shown cannot be read from the reviews (an undone first rating
would make the concept new again), so the collection keeps it apart, one row per learner and concept
(``storage/concepts.py``, schema 8): every window, device (through ``quizapp sync``) and learner of a
shared server sees the same answer. Each question goes to the collection (a second window's showing
counts at once); a collection that cannot be read or written (read-only, full disk, the server gone)
never stops a session: the note is then remembered for this run and may show once more elsewhere.

Before schema 8 this was a JSON file next to the settings, ``concepts_seen.json``; its pairs are
taken into the collection once, for the learner studying, and the file is renamed ``.imported``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core import locations
from quizapp.core.storage.errors import StoreError

if TYPE_CHECKING:
    from quizapp.core.storage.store import Store

ConceptKey = tuple[str, str]  # (deck id, concept name)


def legacy_path() -> Path:
    """Where quizapp before schema 8 kept the shown notes (one file per home folder)."""
    return locations.home() / "concepts_seen.json"


class SeenConcepts:
    """The (deck, concept) pairs already shown to the store's learner (``store`` None: in memory only)."""

    def __init__(self, store: Store | None, *, legacy: Path | None = None) -> None:
        self.store = store
        self.problem: str | None = None  # one line for the user when the collection could not be used
        self._seen: set[ConceptKey] = set()  # shown in this run, or known to have been
        if store is not None and legacy is not None:
            self._import(legacy)

    def __contains__(self, key: object) -> bool:
        if key in self._seen:
            return True
        if self.store is None or not (isinstance(key, tuple) and len(key) == 2):
            return False
        try:
            found = self.store.concept_seen(str(key[0]), str(key[1]))
        except StoreError as exc:
            self.problem = f"{exc}; concept notes may show again"
            return False
        if found:
            self._seen.add((str(key[0]), str(key[1])))
        return found

    def mark(self, key: ConceptKey, now: datetime | None = None) -> None:
        """Remember that ``key`` was shown; stored at once (a crash right after still remembers it)."""
        if key in self._seen:
            return
        self._seen.add(key)
        if self.store is None:
            return
        try:
            self.store.mark_concept_seen(key[0], key[1], now or datetime.now(UTC))
        except StoreError as exc:  # read-only or full: remembered for this run only
            self.problem = f"{exc}; concept notes may show again"

    def _import(self, path: Path) -> None:
        """Take the pre-schema-8 file's pairs into the collection, once (then rename the file)."""
        assert self.store is not None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self.problem = f"{path}: unreadable ({exc}); concept notes may show again"
            return
        pairs = data.get("seen") if isinstance(data, dict) else None
        keys = [(str(p[0]), str(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2] \
            if isinstance(pairs, list) else []
        try:
            from quizapp.core.storage.concepts import SeenRecord

            stamp = datetime.now(UTC).timestamp()
            self.store.merge_concepts(SeenRecord(self.store.learner, deck, concept, stamp, self.store.device)
                                      for deck, concept in keys)
            path.replace(path.with_name(path.name + ".imported"))
        except (StoreError, OSError) as exc:  # tried again next time; meanwhile this run still knows them
            self.problem = f"could not take {path} into the collection ({exc}); concept notes may show again"
        self._seen.update(keys)
