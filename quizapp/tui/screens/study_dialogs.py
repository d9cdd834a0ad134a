"""Dialogs of the study screen: a concept note asked for again, and leaving with an unrated verdict."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from quizapp.core.session import Concept
from quizapp.tui.widgets.code_view import markdown


def concept_renderable(concept: Concept, dark: bool) -> Group:
    """``Concept: Trailing rule · Broadcasting`` above the note (the concept's title and its deck)."""
    head = Text.assemble(("Concept: ", "bold"), (concept.title, "bold"), (f" · {concept.deck_title}", "dim"))
    return Group(head, markdown(concept.text, dark))


class ConceptScreen(ModalScreen[None]):
    """The current card's concept note, on request (it is taught once, before the first card of it)."""

    BINDINGS = [
        Binding("escape,enter,space,q", "close", "Close", id="concept-close", tooltip="Back to the card"),
        Binding("pagedown", "page(1)", "Page down", id="concept-page-down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="concept-page-up", show=False),
    ]

    def __init__(self, concept: Concept) -> None:
        super().__init__()
        self.concept = concept

    def compose(self) -> ComposeResult:
        with Vertical(id="concept-box"):
            with VerticalScroll(id="concept-scroll"):
                yield Static(concept_renderable(self.concept, self.app.current_theme.dark), id="concept-again")
            yield Static(Text("Esc, Enter or Space: back to the card · ↑ ↓ PgUp PgDn scroll", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#concept-scroll").focus()

    def action_page(self, direction: int) -> None:
        scroll = self.query_one("#concept-scroll", VerticalScroll)
        (scroll.scroll_page_down if direction > 0 else scroll.scroll_page_up)(animate=False)

    def action_close(self) -> None:
        self.dismiss()


class LeaveVerdictScreen(ModalScreen[str]):
    """Esc with a graded answer on screen: record the suggested rating, leave without it, or stay.

    Dismisses with "record", "discard" or "stay".
    """

    BINDINGS = [
        Binding("enter,r", "choose('record')", "Record and leave", id="leave-record"),
        Binding("d", "choose('discard')", "Leave, record nothing", id="leave-discard"),
        Binding("escape", "choose('stay')", "Stay", id="leave-stay"),
    ]

    def __init__(self, rating_label: str) -> None:
        super().__init__()
        self.rating_label = rating_label

    def compose(self) -> ComposeResult:
        with Vertical(id="leave-box"):
            yield Static(Text.assemble(("This answer is graded but not rated yet.\n", "bold"),
                                       f"Record it as {self.rating_label} (the suggested rating) and leave?"))
            with Horizontal(id="leave-buttons"):
                yield Button(f"Record {self.rating_label} (Enter)", id="leave-record", variant="primary")
                yield Button("Leave, record nothing (d)", id="leave-discard", variant="warning")
                yield Button("Stay (Esc)", id="leave-stay")

    def on_mount(self) -> None:
        self.query_one("#leave-record", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "leave-stay").removeprefix("leave-"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
