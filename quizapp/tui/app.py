"""The quizapp Textual app: one factory shared by the CLI and the tests.

Everything the app works with is passed in (dependency injection): the deck catalog, the store and
the execution engine. The CLI builds the real ones (through :mod:`quizapp.bootstrap`); Pilot tests pass
small real ones or fakes. The app owns the settings (:class:`~quizapp.tui.services.SettingsService`) and
hands screens typed :class:`~quizapp.tui.services.Services`. Every warning or error it shows is also
written to the log file (:mod:`quizapp.core.logs`), and so is the traceback of an uncaught error.

Launch is kept fast: the engine's worker (which imports torch) warms up in the background from
``on_mount`` while the first screen is already drawn, and screens other than home/study import
their heavier modules (plots, stats) only when opened. Given no catalog (``catalog=None``), the app
paints the home screen at once and loads the decks, registers their cards and reads the counts in a
background thread, showing its progress on the home screen (a 100,000-card catalogue takes seconds
to read when its cache is cold). Before it parses anything, the loader hands over a ``DeckIndex``:
every deck the collection knows unchanged (its file's digest) summarised from the store, the rest
parsed; the home screen lists that with its counts at once, and a session started before the full
load ends reads just its deck (or, for all decks, starts when the load ends).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from quizapp.core.logs import log
from quizapp.core.session import StudySession, utc_now
from quizapp.tui.commands import QuizCommands
from quizapp.tui.services import Services, SettingsService
from quizapp.tui.themes import apply_theme

if TYPE_CHECKING:
    from quizapp.core.decks.model import Deck
    from quizapp.core.decks.registry import Catalog, DeckIndex
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import Store

_LOG_LEVEL = {"information": logging.DEBUG, "warning": logging.WARNING, "error": logging.ERROR}


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
        catalog: Catalog | None,
        store: Store,
        engine: Any = None,
        deck_ids: Sequence[str] | None = None,
        study: bool = False,
        catalog_loader: Callable[..., Catalog] | None = None,
        clock: Callable[[], datetime] = utc_now,
        settings: Settings | None = None,
        settings_path: Path | None = None,
        on_settings_saved: Callable[[Settings], None] | None = None,
        grader: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__()
        from quizapp.core.decks.registry import Catalog

        # None: loaded in the background by ``catalog_loader``; until then an empty catalog stands in.
        self.catalog_loading = catalog is None
        self.catalog = catalog if catalog is not None else Catalog()
        self.deck_index: DeckIndex | None = None  # while loading: the decks as the store knows them
        self.store = store
        self.engine = engine
        self.deck_ids = list(deck_ids) if deck_ids is not None else None
        self.study_at_launch = study
        self.catalog_loader = catalog_loader
        self.clock = clock
        self.grader = grader  # None: the real grader (tests may pass another)
        # The app's one copy of the settings (default: the ones the store was opened with); a save
        # reaches the store, the composition root (``on_settings_saved``) and the theme.
        if settings is not None:
            store.settings = settings
        self.settings = SettingsService(settings or store.settings, settings_path, store)
        self.settings.subscribe(lambda new: self.apply_theme(new.theme))
        if on_settings_saved is not None:
            self.settings.subscribe(on_settings_saved)
        self.services = Services(store=store, clock=clock, settings=self.settings, decks=self)

    def on_mount(self) -> None:
        if self.engine is not None:
            self.engine.start()  # returns at once: torch loads in the worker while we draw
            # A daemon thread, not a Textual worker: it waits for torch to load, and quitting before
            # that must not wait for it.
            threading.Thread(target=self._report_sandbox_gaps, name="sandbox-gaps", daemon=True).start()
        self.apply_theme(self.settings.current.theme)
        self._apply_keymap()
        # A theme picked anywhere (the palette's "Change theme", Ctrl+P > toggle) is kept for next time.
        self.theme_changed_signal.subscribe(self, self._save_theme)
        if self.catalog_loading:
            self.show_home()  # painted now; the decks arrive from the loading thread
            threading.Thread(target=self._load_in_background, name="catalog", daemon=True).start()
            return
        self._sync()
        if self.study_at_launch:
            # Straight to the first card; home is built only when the session is left.
            self.start_study(self.deck_ids, then=self.show_home)
        else:
            self.show_home()

    async def action_quit(self) -> None:
        """Quit at once, even while a card runs: Textual waits for its thread workers on exit, and one
        may be waiting for a card's outcome; closing the engine answers every running card now."""
        close = getattr(self.engine, "close", None)
        if close is not None:
            await asyncio.to_thread(close)
        self.exit()

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

    # ------------------------------------------------------------------------ background catalogue

    def _load_in_background(self) -> None:
        """Load the catalog, register its cards and read the counts off the UI thread.

        A daemon thread rather than a Textual worker: quitting while a cold 100k-card catalogue is being
        parsed must not wait for it. Everything it hands back goes through ``call_from_thread``.
        """
        try:
            catalog = self._call_loader(lambda done, total: self._hand_over(self._loading_progress, done, total),
                                        known=self.store.known_decks, on_index=self._index_ready)
        except Exception as exc:  # the loader collects deck problems itself: this is something worse
            self._hand_over(self._catalog_failed, f"Could not load the decks: {exc}")
            return
        sync_error = None
        counts: dict[str, Any] | None = None
        try:
            self.store.sync_cards(catalog.decks.values(), self.clock(), digests=catalog.digests)
            counts = self.store.deck_counts(list(catalog.decks), self.clock())
        except Exception as exc:  # a locked or damaged database: the decks still show, without counts
            sync_error = f"Could not register the decks' cards: {exc}"
        self._hand_over(self._catalog_loaded, catalog, counts, sync_error)

    def _index_ready(self, index: DeckIndex) -> None:
        """(Loading thread) The decks as the store knows them: register the few that had to be parsed
        (the store-served ones are kept as they are), read the counts, and show them; then have the
        served ones parsed into the deck cache by a child process (the load that follows reads them
        from there), so the parse never competes with the UI for the interpreter."""
        from quizapp.core.decks import warm

        try:
            if index.decks:
                self.store.sync_cards(index.decks.values(), self.clock(), digests=index.digests, kept=index.kept)
            counts = self.store.deck_counts(list(index.summaries), self.clock())
        except Exception:  # the full load's sync after this says what is wrong
            return
        self._hand_over(self._index_loaded, index, counts)
        served = [index.summaries[d] for d in index.kept]
        warm.fill_cache([(s.source, s.bundled) for s in served if s.source is not None],
                        lambda done, total: self._hand_over(self._loading_progress, done, total))

    def _hand_over(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(fn, *args)
        except Exception:  # the app has quit meanwhile: nobody is waiting for the decks any more
            pass

    def _call_loader(self, progress: Callable[[int, int], None], **options: Any) -> Catalog:
        """The loader's catalog, passing it ``on_progress`` and those ``options`` it takes (by name)."""
        if self.catalog_loader is None:
            raise RuntimeError("no catalog loader was given")
        options["on_progress"] = progress
        try:
            params = inspect.signature(self.catalog_loader).parameters
        except (TypeError, ValueError):
            return self.catalog_loader()
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return self.catalog_loader(**options)
        return self.catalog_loader(**{k: v for k, v in options.items() if k in params})

    def _home(self) -> Any:
        from quizapp.tui.screens.home import HomeScreen

        # Not yet mounted: its own on_mount shows whatever state the catalogue is in by then.
        return next((s for s in self.screen_stack if isinstance(s, HomeScreen) and s.is_mounted), None)

    def _loading_progress(self, done: int, total: int) -> None:
        home = self._home()
        if home is not None:
            home.show_loading(done, total)

    def _index_loaded(self, index: DeckIndex, counts: dict[str, Any]) -> None:
        if not self.catalog_loading:
            return  # the full catalogue arrived first
        self.deck_index = index
        home = self._home()
        if home is not None:
            home.refresh_decks(counts=counts)

    def _catalog_failed(self, message: str) -> None:
        self.catalog_loading = False
        self.notify(message, severity="error", timeout=10)
        home = self._home()
        if home is not None:
            home.refresh_decks(counts={})

    def _catalog_loaded(self, catalog: Catalog, counts: dict[str, Any] | None, sync_error: str | None) -> None:
        if not self.catalog_loading:
            return  # reloaded meanwhile (an edit in a session started early): that catalog is newer
        self.catalog = catalog
        self.catalog_loading = False
        self.deck_index = None
        if sync_error:
            self.notify(sync_error, severity="error", timeout=10)
        home = self._home()
        if home is not None:
            home.refresh_decks(counts=counts if counts is not None else {})
        if self.study_at_launch:
            self.study_at_launch = False
            self.start_study(self.deck_ids)

    def show_home(self, _result: object = None) -> None:
        from quizapp.tui.screens.home import HomeScreen

        if not any(isinstance(screen, HomeScreen) for screen in self.screen_stack):
            self.push_screen(HomeScreen(self.services))

    @property
    def user_keymap(self) -> dict[str, str]:
        """The ``keymap`` setting: binding id -> keys."""
        return dict(self.settings.current.keymap)

    def _apply_keymap(self) -> None:
        from quizapp.tui.keys import unknown_ids

        keymap = self.user_keymap
        if not keymap:
            return
        unknown = unknown_ids(keymap)
        if unknown:
            self.notify(f"keymap setting: no key has the id {', '.join(map(repr, unknown))} (F1 lists the ids)",
                        severity="warning", timeout=10)
        self.set_keymap({k: v for k, v in keymap.items() if k not in unknown})

    def _save_theme(self, theme: Any) -> None:
        from quizapp.core.settings import SettingsError
        from quizapp.tui.screens.settings import SettingsScreen

        name = getattr(theme, "name", str(theme))
        if name == self.settings.current.theme or name != self.theme or isinstance(self.screen, SettingsScreen):
            return  # unchanged, stale, or a preview on the settings screen (which saves on its own)
        try:
            self.settings.save(theme=name)
        except (SettingsError, OSError) as exc:
            self.notify(f"Could not save the theme: {exc}", severity="warning")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """A toast, and for a warning or an error a line in the log file too (a bug report needs it)."""
        log.log(_LOG_LEVEL.get(severity, logging.INFO), "tui %s: %s%s", severity, f"{title}: " if title else "",
                message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _handle_exception(self, error: Exception) -> None:
        # Textual prints the traceback when the app exits; the log file keeps it for the bug report.
        log.error("tui: uncaught %s", error.__class__.__name__, exc_info=error)
        super()._handle_exception(error)

    def apply_theme(self, name: str) -> None:
        """Use the theme ``name``; an unknown name (a typo in settings.json) falls back to the default."""
        apply_theme(self, name)

    def _sync(self) -> None:
        try:
            self.store.sync_cards(self.catalog.decks.values(), self.clock(), digests=self.catalog.digests)
        except Exception as exc:  # a locked or damaged database: say so, keep the app usable
            self.notify(f"Could not register the decks' cards: {exc}", severity="error", timeout=10)

    # ----------------------------------------------------------------------------------- actions

    def start_study(self, deck_ids: Sequence[str] | None, then: Callable[[Any], None] | None = None) -> None:
        """Open a session on ``deck_ids`` (None: every deck)."""
        if self.catalog_loading:
            self._study_while_loading(deck_ids)
            return

        self._open_session(self.catalog, deck_ids, then)

    def _study_while_loading(self, deck_ids: Sequence[str] | None) -> None:
        """A session asked for before the catalogue is loaded: one deck is read now (from the parsed-deck
        cache, or parsed: about a second for 2,000 cards), every deck starts once the load ends."""
        index = self.deck_index
        one = index is not None and deck_ids is not None and len(deck_ids) == 1 and deck_ids[0] in index.summaries
        if index is None or deck_ids is None or not one:
            self.study_at_launch, self.deck_ids = True, (list(deck_ids) if deck_ids is not None else None)
            self.notify("The decks are still loading: the session starts when they are read.", timeout=8)
            return
        deck_id = deck_ids[0]
        if deck_id in index.decks:
            self._open_partial(index.decks[deck_id])
            return
        summary = index.summaries[deck_id]
        self.notify(f"Reading {summary.title}…", timeout=4)
        threading.Thread(target=self._read_one_deck, args=(summary.source, summary.bundled), name="one-deck",
                         daemon=True).start()

    def _read_one_deck(self, source: Path | None, bundled: bool) -> None:
        from quizapp.core.decks.cache import load_deck_cached
        from quizapp.core.decks.model import DeckLoadError

        try:
            if source is None:
                raise DeckLoadError([])
            deck = load_deck_cached(source, bundled=bundled).deck
        except (DeckLoadError, OSError) as exc:
            self._hand_over(self._deck_unreadable, str(exc))
            return
        self._hand_over(self._open_partial, deck)

    def _deck_unreadable(self, message: str) -> None:
        self.notify(f"Could not read the deck: {message}", severity="error")

    def _open_partial(self, deck: Deck) -> None:
        from quizapp.core.decks.registry import Catalog

        if not self.catalog_loading:  # the whole catalogue arrived meanwhile
            self._open_session(self.catalog, [deck.id], None)
        else:
            self._open_session(Catalog(decks={deck.id: deck}), [deck.id], None)

    def _open_session(self, catalog: Catalog, deck_ids: Sequence[str] | None,
                      then: Callable[[Any], None] | None) -> None:
        from quizapp.tui.screens.study import StudyScreen

        if deck_ids is None:
            title = "All decks"
        else:
            title = ", ".join(catalog.decks[d].title if d in catalog.decks else d for d in deck_ids)
        try:
            session = StudySession(catalog, self.store, self.engine, deck_ids, self.clock, grader=self.grader)
        except Exception as exc:
            self.notify(f"Could not start the session: {exc}", severity="error")
            return
        self.push_screen(StudyScreen(session, self.services, title=title), callback=then)

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
        self.catalog_loading, self.deck_index = False, None  # newer than what a background load brings
        self._sync()
        return catalog

    def action_help(self) -> None:
        from quizapp.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_browse(self) -> None:
        from quizapp.tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen(self.services))

    def action_stats(self) -> None:
        from quizapp.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen(self.services))

    def action_settings(self) -> None:
        from quizapp.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.services))

    def action_toggle_dark(self) -> None:
        self.apply_theme("textual-light" if self.current_theme.dark else "textual-dark")
