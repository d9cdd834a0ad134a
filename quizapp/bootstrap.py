"""The composition root: the one place that reads the environment and builds what quizapp runs on.

A :class:`Root` is made once per run, by the CLI's root callback (from ``--db``, ``--learner`` and the
environment) or by a test (from explicit paths and settings). It reads ``os.environ`` once, when it is
made; after that everything comes from it: the settings (loaded once, on first use), the store, the
execution engine, the deck catalogue loader and the Textual app. Nothing downstream looks at
``QUIZAPP_DB`` / ``QUIZAPP_LEARNER`` again, and nothing writes them: ``--db`` reaches the store as an
argument, not through the environment.

Modelled on posting's ``make_posting``: front ends and tests share one factory, so a test builds the
app exactly as a user's launch does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core.locations import Paths
from quizapp.core.settings import Settings

if TYPE_CHECKING:
    from quizapp.core.decks.registry import Catalog
    from quizapp.core.execution.engine import Engine
    from quizapp.core.execution.limits import Limits
    from quizapp.core.storage.store import Store
    from quizapp.tui.app import QuizApp

ProgressCallback = Callable[[int, int], None]
CatalogLoader = Callable[..., "Catalog"]  # loader(on_progress=None) -> Catalog


def _quizapp_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """The part of the environment quizapp configures itself from (the rest is not its business)."""
    return {k: v for k, v in environ.items() if k.startswith("QUIZAPP_")}


@dataclass
class Root:
    """Everything one run is built from: where things are (:class:`Paths`), the ``QUIZAPP_*`` variables
    as they were at the start, and the settings once loaded."""

    paths: Paths
    environ: Mapping[str, str]
    verbose: bool = False
    _settings: Settings | None = None

    @classmethod
    def from_environment(cls, *, db: str | None = None, learner: str | None = None, verbose: bool = False,
                         environ: Mapping[str, str] | None = None) -> Root:
        """The root for a user's run: ``environ`` (default ``os.environ``) read now, once; an explicit
        ``db`` / ``learner`` (the ``--db`` / ``--learner`` options) wins over QUIZAPP_DB / QUIZAPP_LEARNER."""
        snapshot = _quizapp_variables(os.environ if environ is None else environ)
        return cls(Paths.from_environ(snapshot, db=db, learner_name=learner), snapshot, verbose)

    @classmethod
    def for_paths(cls, home: Path, *, db_url: str | None = None, learner: str = "tester",
                  settings: Settings | None = None) -> Root:
        """A root that reads no environment at all (tests): everything under ``home``."""
        environ = {"QUIZAPP_HOME": str(home)}
        paths = Paths.from_environ(environ, db=db_url, learner_name=learner)
        return cls(paths, environ, _settings=settings)

    # ------------------------------------------------------------------------------------- settings

    @property
    def settings(self) -> Settings:
        """The user's settings: the file plus ``QUIZAPP_<FIELD>`` overrides, loaded on first use and then
        kept (raises SettingsError, one line, when the file is unreadable)."""
        if self._settings is None:
            from quizapp.core import settings as settings_mod

            self._settings = settings_mod.load(self.paths.settings_path, environ=self.environ)
        return self._settings

    def settings_saved(self, settings: Settings) -> None:
        """The settings were changed and saved (``optimize``, the TUI): later builds use the new ones."""
        self._settings = settings

    # ------------------------------------------------------------------------------------- services

    def limits(self, timeout: float | None = None) -> Limits:
        """The card time / memory / output limits from the settings; ``timeout`` (``--timeout``) wins."""
        from quizapp.core.execution.limits import limits_from_settings

        return limits_from_settings(self.settings, wall_seconds=timeout)

    def start_engine(self, timeout: float | None = None) -> Engine:
        """A started engine: it returns at once, its worker importing torch in the background."""
        from quizapp.core.execution.engine import Engine

        return Engine(self.limits(timeout)).start()

    def open_store(self, *, read_only: bool = False, backups: bool = True, now: datetime | None = None) -> Store:
        """The collection at ``paths.db_url`` for ``paths.learner``, with these settings."""
        from quizapp.core.locations import device_id
        from quizapp.core.storage.store import Store

        return Store.open(self.paths.db_url, settings=self.settings, learner=self.paths.learner,
                          device=device_id(self.paths.home), read_only=read_only, backups=backups, now=now)

    def catalog_loader(self, paths: Sequence[Path] = (), *, bundled: bool = True,
                       user: bool = True) -> CatalogLoader:
        """A loader of the catalogue (bundled decks, the user's, and ``paths``), for launch and reloads."""
        from quizapp.core.decks.registry import load_catalog

        given = list(paths)

        def load(on_progress: ProgressCallback | None = None, **options: Any) -> Catalog:
            # options: the app's collection lookup and early index callback (load_catalog's known, on_index)
            return load_catalog(given, bundled=bundled, user=user, on_progress=on_progress, **options)

        return load

    def make_app(self, *, store: Store, engine: Any, catalog: Catalog | None = None,
                 deck_ids: Sequence[str] | None = None, study: bool = False,
                 catalog_loader: CatalogLoader | None = None, **extra: Any) -> QuizApp:
        """The Textual app on these services; it owns the settings (saves go to ``paths.settings_path``).

        ``extra`` goes to :class:`~quizapp.tui.app.QuizApp` as is (a test's clock or grader)."""
        from quizapp.tui.app import QuizApp

        return QuizApp(catalog=catalog, store=store, engine=engine, deck_ids=deck_ids, study=study,
                       catalog_loader=catalog_loader, settings=self.settings,
                       settings_path=self.paths.settings_path, on_settings_saved=self.settings_saved, **extra)


__all__ = ["CatalogLoader", "Root"]
