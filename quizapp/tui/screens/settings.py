"""The settings screen: desired retention, daily limits and the colour theme, saved to settings.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select

from quizapp.core.settings import SettingsError
from quizapp.tui.themes import apply_theme

if TYPE_CHECKING:
    from quizapp.tui.services import Services

FIELDS: tuple[tuple[str, str, Literal["integer", "number"]], ...] = (
    ("desired_retention", "Desired retention (0.7-0.99)", "number"),
    ("new_per_day", "New cards per day", "integer"),
    ("reviews_per_day", "Reviews per day", "integer"),
)


class SettingsScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the settings"),
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Leave without saving"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        current = self.services.settings.current
        yield Header()
        with VerticalScroll(id="settings-form"):
            for name, label, kind in FIELDS:
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield Input(str(getattr(current, name)), type=kind, id=name)
            with Horizontal(classes="field"):
                yield Label("Theme", classes="field-label")
                themes = sorted(self.app.available_themes)
                yield Select([(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="theme")
            with Horizontal(id="settings-buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#desired_retention", Input).focus()

    @on(Select.Changed, "#theme")
    def _preview_theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.app.theme = event.value  # try it on at once; Cancel puts the saved one back

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        changes: dict[str, object] = {}
        try:
            for name, label, kind in FIELDS:  # noqa: B007 (label and kind name the field that failed)
                raw = self.query_one(f"#{name}", Input).value.strip()
                changes[name] = float(raw) if kind == "number" else int(raw)
        except ValueError:
            self.notify(f"{label}: '{raw}' is not a {kind}.", severity="error")
            return
        theme = self.query_one("#theme", Select).value
        if isinstance(theme, str):
            changes["theme"] = theme
        try:
            self.services.settings.save(**changes)  # the app re-applies the theme
        except (SettingsError, OSError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify("Settings saved.")
        self.app.pop_screen()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.app.pop_screen()

    def on_unmount(self) -> None:
        apply_theme(self.app, self.services.settings.current.theme)  # undo a previewed theme that was not saved
