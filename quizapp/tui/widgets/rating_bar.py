"""The four rating buttons, Anki style: each shows its key, its name and the interval it would give."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button
from textual.widgets.button import ButtonVariant

from quizapp.core.rating import Rating
from quizapp.tui.format import interval

VARIANTS: dict[Rating, ButtonVariant] = {Rating.AGAIN: "error", Rating.HARD: "warning", Rating.GOOD: "success",
                                         Rating.EASY: "primary"}


class RatingBar(Horizontal):
    """Press a button (or its number key, bound on the study screen) to rate the card."""

    DEFAULT_CSS = """
    RatingBar { height: auto; }
    RatingBar Button { width: 1fr; min-width: 10; margin: 0 1 0 0; }
    """

    class Rated(Message):
        """The user picked a rating."""

        def __init__(self, rating: Rating) -> None:
            super().__init__()
            self.rating = rating

    def compose(self) -> ComposeResult:
        for rating in Rating:
            yield Button(f"{int(rating)} {rating.label}", id=f"rate-{rating.name.lower()}",
                         variant=VARIANTS[rating], tooltip=f"Rate {rating.label} (key {int(rating)})")

    def show(self, intervals: dict[Rating, timedelta], suggested: Rating) -> None:
        """Label each button with its next interval and focus the suggested one (Enter/Space accept it)."""
        for rating in Rating:
            button = self.query_one(f"#rate-{rating.name.lower()}", Button)
            span = intervals.get(rating)
            label = f"{int(rating)} {rating.label}"
            button.label = f"{label} · {interval(span)}" if span is not None else label
            button.set_class(rating is suggested, "suggested")
        button = self.query_one(f"#rate-{suggested.name.lower()}", Button)
        self.call_after_refresh(button.focus)  # the bar has just been made visible

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("rate-").upper()
        if name in Rating.__members__:
            self.post_message(self.Rated(Rating[name]))
