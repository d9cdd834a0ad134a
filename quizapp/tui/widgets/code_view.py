"""A card's snippet, syntax highlighted with colours that follow the app's light or dark theme."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.widgets import Static


class CodeView(Static):
    """Read-only, highlighted Python. Re-colours itself when the app switches between light and dark."""

    DEFAULT_CSS = """
    CodeView { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self, code: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._code = code

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self._render_code(), init=False)
        self._render_code()

    def show(self, code: str) -> None:
        self._code = code
        self._render_code()

    def _render_code(self) -> None:
        dark = self.app.current_theme.dark
        self.update(Syntax(self._code, "python", theme="monokai" if dark else "friendly",
                           background_color="default", word_wrap=True))
        self.display = bool(self._code)
