"""The command palette's app commands (Ctrl+P): study a deck, open a screen, switch light/dark."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp


class QuizCommands(Provider):
    """Every app action, plus one 'Study <deck>' command per loaded deck."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app: QuizApp = self.app  # type: ignore[assignment]
        yield "Study all decks", partial(app.start_study, None), "Start a session on every deck"
        for deck in app.catalog.decks.values():
            yield f"Study {deck.title}", partial(app.start_study, [deck.id]), f"Start a session on deck {deck.id}"
        yield "Browse cards", app.action_browse, "Search cards by text, deck, tag, state, due, lapses"
        yield "Statistics", app.action_stats, "Reviews per day, forecast, retention, calendar"
        yield "Settings", app.action_settings, "Desired retention, daily limits, theme"
        yield "Help: keys", app.action_help, "Every key of every screen"
        yield "Toggle light/dark theme", app.action_toggle_dark, "Switch between textual-light and textual-dark"

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
