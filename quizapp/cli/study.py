"""CLI commands: study (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""


def open_home() -> None:
    raise SystemExit("the TUI is not built yet")
