"""Try it: the card's snippet in an editor; run the edited code in the sandbox and see what it does.

Nothing run here is graded or recorded. The pane posts :class:`TryPane.Run` with the code; the study
screen runs it (off the UI thread) and hands the outcome back with :meth:`TryPane.show_outcome`.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, TextArea

from quizapp.core.execution.outcome import Outcome


class TryPane(Vertical):
    """A Python editor (TextArea with highlighting) above the output of the last run."""

    BINDINGS = [
        Binding("ctrl+r,f5", "run", "Run", id="try-run", tooltip="Run the edited code in the sandbox"),
        # priority: the code editor would otherwise take Esc (it moves focus out of the editor)
        Binding("escape", "close", "Close", id="try-close", tooltip="Back to the verdict", priority=True),
    ]
    DEFAULT_CSS = """
    TryPane { height: 1fr; }
    TryPane #try-editor { height: 1fr; min-height: 5; }
    TryPane #try-output-box { height: auto; max-height: 45%; }
    TryPane #try-hint { color: $text-muted; }
    """

    class Run(Message):
        """The learner asked to run ``code``."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    class Closed(Message):
        """The learner left the pane."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Try it: edit the code, Ctrl+R runs it (nothing is recorded) · Esc back", style="dim"),
                     id="try-hint")
        yield TextArea.code_editor("", language="python", id="try-editor", soft_wrap=True)
        with VerticalScroll(id="try-output-box"):
            yield Static(id="try-output")

    def open(self, code: str, dark: bool) -> None:
        editor = self.query_one("#try-editor", TextArea)
        editor.theme = "monokai" if dark else "github_light"
        editor.text = code
        self.query_one("#try-output", Static).update("")
        editor.focus()

    @property
    def code(self) -> str:
        return self.query_one("#try-editor", TextArea).text

    def action_run(self) -> None:
        self.query_one("#try-output", Static).update(Text("Running...", style="dim"))
        self.post_message(self.Run(self.code))

    def action_close(self) -> None:
        self.post_message(self.Closed())

    def show_outcome(self, outcome: Outcome) -> None:
        parts: list[object] = []
        if outcome.failed:
            parts.append(Text.assemble(("Could not run: ", "bold yellow"), outcome.reason or outcome.display))
        elif outcome.raised:
            parts.append(Text.assemble(("Raised ", "bold red"), outcome.display or outcome.error_type or "an error"))
        else:
            parts += [Text("Outcome", style="bold"), Text(outcome.display or "None")]
        if outcome.stdout:
            parts += [Text("Printed", style="bold"), Text(outcome.stdout.rstrip("\n"))]
        self.query_one("#try-output", Static).update(Group(*parts))  # type: ignore[arg-type]
