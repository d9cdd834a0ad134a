"""The answer area of a ``write`` card: a Python editor, the last wrong attempt, and the verdict.

The learner types code in a :class:`PythonEditor` (Textual's TextArea with Python highlighting):
Enter inserts a newline and keeps the line's indentation (one level more after a ``:``), Tab indents,
and **Ctrl+S** (or Ctrl+Enter, where the terminal reports it) submits. After a wrong try the card's
previous attempt is shown greyed above the editor when the card comes back, as a hint; it is never
shown before a first try. The study screen only places this widget and reacts to
:class:`WriteStage.Submitted`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

from quizapp.core.decks import params as P
from quizapp.core.kinds import registry as kinds
from quizapp.tui.widgets.code_view import code_theme, markdown

if TYPE_CHECKING:
    from quizapp.core.decks.model import Card, CardKey
    from quizapp.core.execution.outcome import Outcome
    from quizapp.core.grading.verdict import Verdict

SUBMIT_KEYS = "ctrl+s,ctrl+enter"
HINT = "Ctrl+S: submit (or Ctrl+Enter) · Enter: newline · Tab: indent · Esc: leave"
INDENT = "    "


def writes_code(card: Card) -> bool:
    """A card whose learner writes code (this editor) rather than typing a prediction."""
    kind = kinds.of(card)
    return kind.runs_code and not kind.predicts


def shown_setup(card: Card) -> str:
    """The code shown above the editor: a whole parametric card shows its first variant's setup."""
    if card.params and card.bindings is None and card.setup:
        return P.substitute(card.setup, P.variants(card)[0])
    return card.setup or ""


def variants_note(card: Card) -> str:
    """What the answer is checked on, for the card's heading: "  (checked on every variant: n in 2, 3)"."""
    if not card.params or card.bindings is not None:
        return ""
    values = "; ".join(f"{name} in {', '.join(P.value_text(v) for v in vals)}" for name, vals in card.params.items())
    return f"  (checked on every variant: {values})"


def editor_theme(dark: bool) -> str:
    """TextArea's built-in theme for a dark or a light background."""
    return "monokai" if dark else "github_light"


class PythonEditor(TextArea):
    """A TextArea for Python whose Enter keeps the current indentation (one level deeper after ':')."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            row, column = self.cursor_location
            line = self.document.get_line(row)[:column]
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += INDENT
            start, end = self.selection
            self.replace("\n" + indent, start, end, maintain_selection_offset=False)
            return
        await super()._on_key(event)


class WriteStage(Vertical):
    """The editor with its hint, and the greyed previous attempt after a failed try."""

    DEFAULT_CSS = """
    WriteStage { height: auto; }
    WriteStage #write-previous { height: auto; max-height: 5; color: $text-muted; padding: 0 1;
                                 border-left: outer $warning 50%; }
    WriteStage #write-editor { height: 9; }
    WriteStage #write-hint { height: 1; color: $text-muted; padding: 0 1; }
    """

    # Not a priority binding: those run ahead of keys still queued for the editor, so a fast
    # "...y<Ctrl+S>" would submit before the last characters arrived. This one acts in typing order.
    BINDINGS = [Binding(SUBMIT_KEYS, "submit", "Submit", id="write-submit",
                        tooltip="Run your code on every variant of the card and grade it")]

    class Submitted(Message):
        """The learner submitted ``code`` for the card being shown."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._failed: dict[CardKey, str] = {}  # the last wrong attempt per card, this session

    def compose(self) -> ComposeResult:
        yield Static(id="write-previous")
        editor = PythonEditor.code_editor("", language=None, id="write-editor", soft_wrap=False,
                                          placeholder="Your code: statements whose last line is the result")
        try:  # highlighting needs tree-sitter (textual[syntax]); without it the editor still edits
            editor.language = "python"
        except Exception:  # noqa: BLE001 - LanguageDoesNotExist when the grammar is not installed
            pass
        yield editor
        yield Static(HINT, id="write-hint")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self._recolour(), init=True)

    def _recolour(self) -> None:
        self.editor.theme = editor_theme(self.app.current_theme.dark)
        self._show_previous(getattr(self, "_previous_code", ""))

    @property
    def editor(self) -> PythonEditor:
        return self.query_one("#write-editor", PythonEditor)

    def show(self, card: Card) -> None:
        """A fresh editor for ``card``; its last wrong attempt greyed above, if it had one."""
        editor = self.editor
        editor.read_only = False
        editor.text = ""
        self._show_previous(self._failed.get(card.key, ""))

    def _show_previous(self, code: str) -> None:
        self._previous_code = code
        previous = self.query_one("#write-previous", Static)
        previous.display = bool(code)
        if code:
            previous.update(Group(Text("Your last attempt (wrong):", style="italic"),
                                  Text(code.rstrip("\n"), style="dim")))

    def remember(self, card: Card, code: str, correct: bool) -> None:
        """Keep a wrong attempt to show greyed next time; a right one clears it."""
        if correct:
            self._failed.pop(card.key, None)
        else:
            self._failed[card.key] = code

    def set_read_only(self) -> None:
        """While the answer is graded and shown: the code stays visible but cannot change."""
        self.editor.read_only = True

    def action_submit(self) -> None:
        editor = self.editor
        if editor.read_only:
            return
        self.post_message(self.Submitted(editor.text))

    def take_key(self, event: events.Key) -> None:
        """A key that reached the screen because the editor did not have focus yet (the card had just
        appeared): focus the editor and type the key there, so fast typing loses nothing."""
        editor = self.editor
        if editor.read_only:
            return
        if event.key in SUBMIT_KEYS.split(","):  # its binding lives on this widget, outside the focus chain
            event.stop()
            event.prevent_default()
            editor.focus()
            self.action_submit()
            return
        if not (event.is_printable or event.key in ("enter", "tab")):
            return
        event.stop()
        event.prevent_default()
        editor.focus()
        text = {"enter": "\n", "tab": INDENT}.get(event.key, event.character or "")
        editor.replace(text, *editor.selection, maintain_selection_offset=False)


def write_verdict(card: Card, outcome: Outcome, verdict: Verdict, dark: bool, solution: str) -> Group:
    """The verdict on a write answer: right or wrong and why, what it returned, then the reference solution."""
    word = Text("Correct" if verdict.correct else "Incorrect", style="bold green" if verdict.correct else "bold red")
    parts: list[object] = [word]
    if verdict.message:
        parts.append(Text(verdict.message[:1].upper() + verdict.message[1:], style="italic"))
    if outcome.display and outcome.display != "(not run)":
        parts += [Text(""), Text("Your result", style="bold"), Text(outcome.display)]
    parts += [Text(""), Text("Your code", style="bold"),
              Syntax(verdict.answer.rstrip("\n"), "python", theme=code_theme(dark), word_wrap=True)]
    if outcome.stdout:
        parts += [Text(""), Text("Printed", style="bold"), Text(outcome.stdout.rstrip("\n"))]
    parts += [Text(""), Text("Reference solution", style="bold"),
              Syntax(solution.rstrip("\n"), "python", theme=code_theme(dark), word_wrap=True)]
    if card.explain:
        parts += [Text(""), Text("Why", style="bold"), markdown(card.explain, dark)]
    return Group(*parts)  # type: ignore[arg-type]
