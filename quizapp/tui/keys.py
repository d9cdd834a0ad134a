"""Every key binding of the app, by screen, with the user's ``keymap`` applied: what the help screen
lists (so it can never drift from what the keys do) and what the ``keymap`` setting is checked against.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class BoundKey:
    where: str  # the screen or pane
    id: str  # the binding id the keymap setting names
    keys: str  # as the user types them, e.g. "ctrl+z, u"
    action: str  # what it does (the binding's tooltip, else its description)


def _places() -> list[tuple[str, list[Binding]]]:
    # Imported here: the help screen is opened long after launch; launch must not load every screen.
    from quizapp.tui.app import QuizApp
    from quizapp.tui.screens.browse import BrowseScreen
    from quizapp.tui.screens.help import HelpScreen
    from quizapp.tui.screens.home import HomeScreen
    from quizapp.tui.screens.settings import SettingsScreen
    from quizapp.tui.screens.stats import StatsScreen
    from quizapp.tui.screens.study import StudyScreen
    from quizapp.tui.screens.study_dialogs import ConceptScreen, LeaveVerdictScreen
    from quizapp.tui.widgets.try_pane import TryPane

    def bindings(cls: type) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding)]  # type: ignore[attr-defined]

    return [
        ("Everywhere", bindings(QuizApp)), ("Home", bindings(HomeScreen)), ("Study", bindings(StudyScreen)),
        ("Try it (after a verdict)", bindings(TryPane)), ("Concept note", bindings(ConceptScreen)),
        ("Leaving with an unrated answer", bindings(LeaveVerdictScreen)), ("Browse", bindings(BrowseScreen)),
        ("Stats", bindings(StatsScreen)), ("Settings", bindings(SettingsScreen)), ("This help", bindings(HelpScreen)),
    ]


def key_names(keys: str) -> str:
    """``ctrl+z,u`` -> ``Ctrl+Z, u``; ``question_mark`` -> ``?``."""
    names = {"question_mark": "?", "escape": "Esc", "enter": "Enter", "space": "Space", "pagedown": "PgDn",
             "pageup": "PgUp", "up": "↑", "down": "↓", "home": "Home", "end": "End"}
    out = []
    for key in (k.strip() for k in keys.split(",") if k.strip()):
        if key in names:
            out.append(names[key])
        elif "+" in key:
            mods, _, last = key.rpartition("+")
            shown_last = last.upper() if len(last) == 1 else last.capitalize()
            out.append("+".join(m.capitalize() for m in mods.split("+")) + "+" + shown_last)
        elif key.startswith("f") and key[1:].isdigit():
            out.append(key.upper())
        else:
            out.append(key)
    return ", ".join(out)


def bound_keys(keymap: Mapping[str, str]) -> Iterator[BoundKey]:
    """Every binding with an id, in screen order, its keys taken from ``keymap`` where it names the id."""
    for where, bindings in _places():
        for binding in bindings:
            if not binding.id:
                continue
            keys = keymap.get(binding.id, binding.key)
            yield BoundKey(where, binding.id, key_names(keys), binding.tooltip or binding.description)


def known_ids() -> set[str]:
    return {b.id for _, bindings in _places() for b in bindings if b.id}


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """Ids in the keymap setting that no binding has (a typo): said once at launch."""
    known = known_ids()
    return sorted(k for k in keymap if k not in known)
