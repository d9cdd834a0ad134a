"""The colour theme: the ``theme`` setting applied to the app, with a fallback for an unknown name."""

from __future__ import annotations

from typing import Any

from textual.app import App

DEFAULT_THEME = "textual-dark"


def apply_theme(app: App[Any], name: str) -> None:
    """Use the theme ``name``; an unknown name (a typo in settings.json) falls back to the default."""
    app.theme = name if name in app.available_themes else DEFAULT_THEME


__all__ = ["DEFAULT_THEME", "apply_theme"]
