"""The quizapp Textual app: one factory shared by the CLI and the tests.

Everything the app works with is passed in (dependency injection): the deck catalog, the store and
the execution engine. The CLI builds the real ones; Pilot tests pass small real ones or fakes.

Launch is kept fast: the engine's worker (which imports torch) warms up in the background from
``on_mount`` while the first screen is already drawn, and screens other than home/study import
their heavier modules (plots, stats) only when opened.
"""

from __future__ import annotations

import threading

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding

from quizapp.core.session import StudySession, utc_now
from quizapp.tui.commands import QuizCommands

if TYPE_CHECKING:
    from quizapp.core.decks.registry import Catalog
    from quizapp.core.storage.store import Store

DEFAULT_THEME = "textual-dark"


class QuizApp(App[None]):
    """``study=True`` opens a session on ``deck_ids`` (None: all decks) straight away, over the home screen."""

    CSS_PATH = "app.tcss"
    TITLE = "quizapp"
    SUB_TITLE = "learn PyTorch by predicting what code does"
    COMMANDS = App.COMMANDS | {QuizCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", tooltip="List every key", show=False),
    ]

    def __init__(
        self,
        *,
        catalog: Catalog,
        store: Store,
        engine: Any = None,
        deck_ids: Sequence[str] | None = None,
        study: bool = False,
        catalog_loader: Callable[[], Catalog] | None = None,
        clock: Callable[[], datetime] = utc_now,
        settings_path: Path | None = None,
        grader: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.store = store
        self.engine = engine
        self.deck_ids = list(deck_ids) if deck_ids is not None else None
        self.study_at_launch = study
        self.catalog_loader = catalog_loader
        self.clock = clock
        self.settings_path = settings_path
        self.grader = grader  # None: the real grader (tests may pass another)

    def on_mount(self) -> None:
        if self.engine is not None:
            self.engine.start()  # returns at once: torch loads in the worker while we draw
            # A daemon thread, not a Textual worker: it waits for torch to load, and quitting before
            # that must not wait for it.
            threading.Thread(target=self._report_sandbox_gaps, name="sandbox-gaps", daemon=True).start()
        self.apply_theme(self.store.settings.theme)
        self._sync()
        if self.study_at_launch:
            # Straight to the first card; home is built only when the session is left.
            self.start_study(self.deck_ids, then=self.show_home)
        else:
            self.show_home()

    def _report_sandbox_gaps(self) -> None:
        """Say once what this kernel cannot enforce (it waits for the worker, so it runs in a thread)."""
        enforcement = getattr(self.engine, "enforcement", None)
        try:
            gaps = enforcement() if enforcement is not None else []
            if gaps:
                self.call_from_thread(
                    self.notify, "\n".join(gaps), title="Sandbox: not enforced on this machine",
                    severity="warning", timeout=12,
                )
        except Exception:  # the app quit first, or the worker died: each card will say so itself
            pass

    def show_home(self, _result: object = None) -> None:
        from quizapp.tui.screens.home import HomeScreen

        if not any(isinstance(screen, HomeScreen) for screen in self.screen_stack):
            self.push_screen(HomeScreen())

    def apply_theme(self, name: str) -> None:
        """Use the theme ``name``; an unknown name (a typo in settings.json) falls back to the default."""
        self.theme = name if name in self.available_themes else DEFAULT_THEME

    def _sync(self) -> None:
        try:
            self.store.sync_cards(self.catalog.decks.values(), self.clock(), digests=self.catalog.digests)
        except Exception as exc:  # a locked or damaged database: say so, keep the app usable
            self.notify(f"Could not register the decks' cards: {exc}", severity="error", timeout=10)

    # ----------------------------------------------------------------------------------- actions

    def start_study(self, deck_ids: Sequence[str] | None, then: Callable[[Any], None] | None = None) -> None:
        """Open a session on ``deck_ids`` (None: every deck)."""
        from quizapp.tui.screens.study import StudyScreen

        if deck_ids is None:
            title = "All decks"
        else:
            title = ", ".join(self.catalog.decks[d].title if d in self.catalog.decks else d for d in deck_ids)
        try:
            session = StudySession(self.catalog, self.store, self.engine, deck_ids, self.clock, grader=self.grader)
        except Exception as exc:
            self.notify(f"Could not start the session: {exc}", severity="error")
            return
        self.push_screen(StudyScreen(session, title=title), callback=then)

    def reload_catalog(self) -> Catalog | None:
        """Load the decks again from disk (after an edit); problems are shown, the old catalog kept on failure."""
        if self.catalog_loader is None:
            self.notify("Reloading is not available here.", severity="warning")
            return None
        try:
            catalog = self.catalog_loader()
        except Exception as exc:
            self.notify(f"Could not reload the decks: {exc}", severity="error")
            return None
        for problem in catalog.problems[:5]:
            self.notify(str(problem), title="Deck problem", severity="error", timeout=10)
        self.catalog = catalog
        self._sync()
        return catalog

    def action_help(self) -> None:
        from quizapp.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_browse(self) -> None:
        from quizapp.tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())

    def action_stats(self) -> None:
        from quizapp.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def action_settings(self) -> None:
        from quizapp.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def action_toggle_dark(self) -> None:
        self.apply_theme("textual-light" if self.current_theme.dark else "textual-dark")
