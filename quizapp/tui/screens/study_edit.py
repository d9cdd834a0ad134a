"""Ctrl+O on the study screen: open the card's deck file in the user's editor at the card's line.

A bundled deck (shipped inside the installed package, maybe in site-packages) is never edited in
place: it is first copied into the user's decks folder, which then takes precedence over the bundled
one (see ``load_catalog``), and the copy is opened. The learner is told where the copy is.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from quizapp.core import locations

if TYPE_CHECKING:
    from quizapp.core.decks.model import Card


class EditingScreen(Protocol):
    """What :func:`edit_card` needs of the study screen (its card-actions mixin is one)."""

    card: Card | None

    @property
    def app(self) -> Any: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = True) -> None: ...

    def action_reload(self) -> None: ...


def is_bundled(path: Path) -> bool:
    """True for a file of the bundled decks, or any file inside an installed package."""
    resolved = path.resolve()
    bundled = locations.bundled_decks_dir().resolve()
    return resolved.is_relative_to(bundled) or "site-packages" in resolved.parts or "dist-packages" in resolved.parts


def editable_copy(path: Path) -> tuple[Path, bool]:
    """(the file to edit, whether it is a fresh copy): a bundled deck is copied to the user's decks folder."""
    if not is_bundled(path):
        return path, False
    target = locations.ensure(locations.user_decks_dir()) / path.name
    if target.exists():  # an earlier copy: edit that one (it is the deck the app loads)
        return target, False
    shutil.copyfile(path, target)
    return target, True


def edit_card(screen: EditingScreen) -> None:
    card = screen.card
    if card is None or card.source is None:
        screen.notify("This card has no file to edit.", severity="warning")
        return
    try:
        path, copied = editable_copy(Path(card.source))
    except OSError as exc:
        screen.notify(f"Could not copy the bundled deck to your decks folder: {exc}", severity="error")
        return
    if path != Path(card.source):
        screen.notify(f"{'Copied' if copied else 'Editing your copy of'} the bundled deck: {path} "
                      "(your copy is the one quizapp loads from now on).", timeout=10)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    command = shlex.split(editor) + [f"+{card.line}" if card.line else "+1", str(path)]
    try:
        with screen.app.suspend():
            subprocess.run(command, check=False)
    except Exception as exc:  # no terminal to hand over (headless), or the editor is missing
        screen.notify(f"Could not open the editor ({editor}): {exc}", severity="error")
        return
    screen.action_reload()
