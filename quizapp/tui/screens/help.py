"""The help screen: every key of every screen, generated from the bindings in force (the user's keymap
applied), so it can never drift from what the keys do; and how a study session goes."""

from __future__ import annotations

from itertools import groupby

from rich.console import Group
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = """\
**Study**: type your prediction and press `Enter` (`?` if you don't know: the outcome shows and Again is
recorded). Then rate with `1`-`4` (each button shows when you would see the card again); `Enter` or
`Space` accepts the suggested one. Plain letters work once the prediction box is not focused; the `Ctrl`
and `F` keys work always.

**Write cards**: type your code in the editor (`Enter` new line, `Tab` indent); `Ctrl+S` (or
`Ctrl+Enter`) submits it; `Esc` leaves the editor.

**Answers**: `(2, 3)` `2x3` `torch.Size([2, 3])` · `float32` `fp16` `torch.long` · `tensor([1., 2.])`
`[[1, 2], [3, 4]]` `True` `nan` · `error` or the exception's name when you think it raises.

**Change a key**: put `"keymap": {"ID": "KEYS"}` in settings.json (the ids are in the last column),
e.g. `"keymap": {"rate-again": "j", "undo": "ctrl+z,u"}`.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close", id="close-help", tooltip="Close this help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._content(), id="help-text")

    def _content(self) -> Group:
        from quizapp.tui.keys import bound_keys, key_names

        keymap = getattr(self.app, "user_keymap", {})
        close = key_names(keymap.get("close-help", "escape,q,f1,question_mark"))
        parts: list[object] = [Text(f"Keys · {close} closes this help · ↑ ↓ PgUp PgDn scroll", style="bold"),
                               Text("")]
        for where, keys in groupby(bound_keys(keymap), key=lambda k: k.where):
            table = Table(title=where, title_justify="left", title_style="bold", box=None, padding=(0, 1),
                          show_header=False, expand=True)
            table.add_column("keys", style="bold", no_wrap=True)
            table.add_column("action", ratio=1)
            table.add_column("id", style="dim", no_wrap=True)
            for key in keys:
                table.add_row(key.keys, key.action, key.id)
            parts += [table, Text("")]
        parts.append(Markdown(INTRO))
        return Group(*parts)  # type: ignore[arg-type]

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss()
