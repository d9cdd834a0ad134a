"""The prediction box: one line, but a multi-line paste (PyTorch's print of a 2-d tensor) is kept whole.

Textual's Input keeps only the first line of a paste; a tensor printed over several lines would then
be cut to ``tensor([[11, 22, 33],`` and be unreadable. Lines are joined with a space instead (the
grader ignores whitespace).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

# "?" (or these words) instead of a prediction: show the outcome and record Again.
DONT_KNOW = {"?", "??", "idk", "i don't know", "i dont know", "dont know", "don't know", "no idea", "pass"}

_PLACEHOLDERS = {
    "shape": "Its shape: (2, 3)  2x3  torch.Size([2, 3])  ()  · error if it raises · ? if you don't know",
    "stride": "Its strides: (3, 1)  3 1  () · error if it raises · ? if you don't know",
    "dtype": "Its dtype: float32  torch.long  bool · error if it raises · ? if you don't know",
    "value": "Its value: 3  True  [1, 2]  tensor([1., 2.]) · error if it raises · ? if you don't know",
}


def placeholder_for(kind: str) -> str:
    """The prediction box's hint for a card of ``kind`` (the one place that says it)."""
    return _PLACEHOLDERS.get(kind, "Your prediction · error if it raises · ? if you don't know")


def is_dont_know(answer: str) -> bool:
    return " ".join(answer.lower().split()).rstrip(".!") in DONT_KNOW


def join_lines(text: str) -> str:
    """A pasted block as one line: its lines stripped and joined with single spaces."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class AnswerInput(Input):
    """An Input whose paste keeps every line (joined), so multi-line prints can be pasted as they are."""

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            text = join_lines(event.text)
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()
