"""The help screen: every key of every screen, and how a study session goes."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
# Keys

**Everywhere**: `Ctrl+P` command palette · `F1` this help · `Ctrl+Q` quit

**Home**: `↑` `↓` pick a deck · `Enter` study it · `a` study all decks · `b` browse ·
`s` stats · `o` settings · `?` help · `q` quit

**Study**: type your prediction and press `Enter`. Then rate with `1` Again · `2` Hard ·
`3` Good · `4` Easy (each button shows when you would see the card again); `Enter` or `Space`
accepts the suggested (highlighted) rating. Recall cards: `Space` or `Enter` shows the answer.
Write cards: type your code in the editor (`Enter` new line, `Tab` indent); `Ctrl+S` (or
`Ctrl+Enter`) submits it; `Esc` leaves the editor.

| key | action |
| --- | --- |
| `Ctrl+Z` / `u` | undo the last rating |
| `Ctrl+B` / `b` | bury the card until tomorrow |
| `Ctrl+T` / `s` | suspend the card |
| `Ctrl+O` / `e` | open the card in `$EDITOR` at its line, then reload |
| `Ctrl+R` / `r` | reload the decks from disk |
| `Ctrl+N` / `n` | skip a card that could not run |
| `Esc` | end the session |

Plain letters work once the prediction box is not focused; the `Ctrl` keys work always.

**Answers**: `(2, 3)` `2x3` `torch.Size([2, 3])` · `float32` `torch.long` · `tensor([1., 2.])`
`[[1, 2], [3, 4]]` `True` `nan` · `error` or the exception's name when you think it raises.

**Browse**: type a search (`text deck:ID tag:T state:new due:3 lapses:2`) · `↑` `↓` pick a card
to see its history · `Ctrl+T` suspend or unsuspend · `Esc` back

**Stats** and **Settings**: `Esc` back; settings: `Ctrl+S` save
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close", id="close-help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Markdown(HELP), id="help-text")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss()
