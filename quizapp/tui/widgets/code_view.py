"""A card's snippet, syntax highlighted with colours that follow the app's light or dark theme."""

from __future__ import annotations

from rich.markdown import Markdown
from rich.syntax import Syntax
from textual.widgets import Static


def code_theme(dark: bool) -> str:
    """The Pygments theme for code on a dark or a light background."""
    return "monokai" if dark else "friendly"


def markdown(text: str, dark: bool) -> Markdown:
    """Markdown whose code (blocks and inline) is highlighted as Python in colours that suit the theme."""
    theme = code_theme(dark)
    return Markdown(text, code_theme=theme, inline_code_lexer="python", inline_code_theme=theme)


class CodeView(Static):
    """Read-only, highlighted Python. Re-colours itself when the app switches between light and dark."""

    DEFAULT_CSS = """
    CodeView { height: auto; padding: 0 1; background: $boost; border-left: outer $primary 60%; }
    """

    def __init__(self, code: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._code = code

    def on_mount(self) -> None:
        # After a theme change the new background is known only once styles are refreshed.
        self.watch(self.app, "theme", self._theme_changed, init=False)
        self._render_code()

    def _theme_changed(self, _theme: object) -> None:
        self.call_after_refresh(self._render_code)

    def show(self, code: str) -> None:
        self._code = code
        self._render_code()

    def _render_code(self) -> None:
        dark = self.app.current_theme.dark
        # Paint the widget's own background behind every line (not the theme's), so the block is even.
        background = self.background_colors[1].hex
        self.update(Syntax(self._code, "python", theme=code_theme(dark), background_color=background,
                           word_wrap=True))
        # Which stage shows the code is the screen's CSS; an inline display here would override it
        # (that left the previous card's code under the next concept note and the summary).
