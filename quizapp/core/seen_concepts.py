"""Which concept notes the learner has already been shown, so each is taught once.

A concept note is shown before the first new card of its concept that the learner meets, and never
again unless asked for. Whether it was shown cannot be read from the reviews (an undone first rating
would make the concept new again), so it is kept apart, in a small JSON file next to the settings:
``{"seen": [["deck", "concept"], ...]}``. Writes are atomic (temp file, then rename); a file that
cannot be read or written never stops a session: the note may then show once more, nothing else.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from quizapp.core import locations

ConceptKey = tuple[str, str]  # (deck id, concept name)


def default_path() -> Path:
    return locations.home() / "concepts_seen.json"


class SeenConcepts:
    """The set of (deck, concept) pairs already shown, backed by ``path`` (None: kept in memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.problem: str | None = None  # one line for the user when the file could not be used
        self._seen: set[ConceptKey] = self._load()

    def _load(self) -> set[ConceptKey]:
        if self.path is None or not self.path.exists():
            return set()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            pairs = data["seen"] if isinstance(data, dict) else None
            if not isinstance(pairs, list):
                raise ValueError("no 'seen' list")
            return {(str(p[0]), str(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2}
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            self.problem = f"{self.path}: unreadable ({exc}); concept notes may show again"
            return set()

    def __contains__(self, key: object) -> bool:
        return key in self._seen

    def mark(self, key: ConceptKey) -> None:
        """Remember that ``key`` was shown; saved at once (a crash right after still remembers it)."""
        if key in self._seen:
            return
        self._seen.add(key)
        if self.path is not None:
            self._save()

    def _save(self) -> None:
        assert self.path is not None
        data = {"seen": sorted([list(k) for k in self._seen])}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".concepts-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # read-only or full disk: the note is remembered for this run only
            self.problem = f"could not save {self.path} ({exc.strerror or exc}); concept notes may show again"
