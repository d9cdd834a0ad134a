"""What screens work with, typed: the store, the clock, the settings and the decks, handed to each
screen when it is made (no screen reaches for ``self.app`` and casts it).

:class:`SettingsService` is the app's one copy of the settings: screens read ``current`` and change
them with :meth:`SettingsService.save`, which validates, writes settings.json, keeps the store in step
(its scheduling reads them) and tells the app (which re-applies the theme).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from quizapp.core import settings as settings_mod
from quizapp.core.settings import Settings

if TYPE_CHECKING:
    from quizapp.core.decks.registry import Catalog, DeckIndex
    from quizapp.core.storage.store import Store


class Decks(Protocol):
    """The deck catalogue as the app holds it (it may still be loading, and may be reloaded)."""

    catalog: Catalog
    catalog_loading: bool
    deck_index: DeckIndex | None  # while loading: the decks as the collection knows them

    def start_study(self, deck_ids: Sequence[str] | None, then: Callable[[Any], None] | None = None) -> None: ...

    def reload_catalog(self) -> Catalog | None: ...


class SettingsService:
    """The current settings, where they are saved, and who must hear of a change."""

    def __init__(self, current: Settings, path: Path | None, store: Store,
                 on_saved: Sequence[Callable[[Settings], None]] = ()) -> None:
        self.current = current
        self.path = path  # None: the default location (settings_mod.save decides)
        self._store = store
        self._on_saved = list(on_saved)

    def subscribe(self, listener: Callable[[Settings], None]) -> None:
        self._on_saved.append(listener)

    def save(self, **changes: Any) -> Settings:
        """Apply ``changes``, validate, write; raises SettingsError (one line) or OSError, changing nothing."""
        new = settings_mod.updated(self.current, **changes)
        settings_mod.save(new, self.path)
        self.current = new
        self._store.settings = new
        for listener in self._on_saved:
            listener(new)
        return new


@dataclass(frozen=True)
class Services:
    """Everything a screen needs from the app, as typed attributes."""

    store: Store
    clock: Callable[[], datetime]
    settings: SettingsService
    decks: Decks


__all__ = ["Decks", "Services", "SettingsService"]
