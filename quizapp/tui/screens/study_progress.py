"""The study screen's progress: the header's counts, the daily new-card limit, and the end of the session.

A mixin of :class:`~quizapp.tui.screens.study.StudyScreen`, kept apart so each module holds one concern:
the New / Learn / Due numbers in the header, whether today's limit is what ended the session (and
"study more" past it), and the summary shown when no card is left. It uses the screen's attributes
(``card``, ``stage``, ``session``, ``services``) and its ``advance``/``_restyle``/``_focus_later``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Label, Static

from quizapp.tui import format as fmt
from quizapp.tui.widgets.code_view import CodeView


class SessionProgress:
    """Counts, daily limit and summary of the study screen (mixed into StudyScreen)."""

    if TYPE_CHECKING:  # provided by StudyScreen / Screen
        card: Any
        stage: str
        session: Any
        services: Any

        def __getattr__(self, name: str) -> Any: ...

    def _limit_reached(self) -> bool:
        try:
            return bool(self.session.limit_reached())
        except Exception:  # a database problem: the key is a nicety
            return False

    def _update_counts(self) -> None:
        """The header: new, learning and review cards left today (Anki's three numbers)."""
        try:
            c = self.session.counts()
        except Exception:  # the header is not worth a crash
            return
        # Words and spaces in segments of their own: SVG exports (snapshots, the README's screenshot)
        # then place every word at its own column.
        self.query_one("#study-counts", Label).update(Text.assemble(
            ("New", "dim"), " ", (str(c.new), "bold blue"), "  ", ("Learn", "dim"), " ",
            (str(c.learning), "bold red"), "  ", ("Due", "dim"), " ", (str(c.due), "bold green")))

    def action_study_more(self) -> None:
        if self.stage != "done" or not self._limit_reached():
            return
        self.session.study_more()
        self.notify(f"Today's new-card limit raised by {self.session.extra_new} for this session.")
        self.advance()

    def _finish(self) -> None:
        self.card = None
        self.query_one("#code", CodeView).show("")
        self.query_one("#verdict", Static).update("")
        summary = self.session.summary()
        now = self.session.clock()
        lines = Text()
        if summary.reviewed == 0 and summary.skipped == 0:
            lines.append("Nothing is due.\n", style="bold")
        else:
            lines.append("Session complete\n\n", style="bold")
            lines.append(f"Cards reviewed  {summary.reviewed}\n")
            if summary.accuracy is not None:
                lines.append(f"Accuracy        {summary.accuracy:.0%} ({summary.correct} of {summary.graded} "
                             "predictions right)\n")
            lines.append(f"Time            {fmt.duration(summary.seconds)}\n")
            if summary.skipped:
                lines.append(f"Skipped         {summary.skipped} (could not run)\n")
            if summary.leeches:
                lines.append(f"New leeches     {', '.join('/'.join(k) for k in summary.leeches)}\n")
        if self._limit_reached():
            per_day = self.services.settings.current.new_per_day
            plural = "" if per_day == 1 else "s"
            lines.append(f"\nDaily limit reached: {per_day} new card{plural} a day (Settings changes it). ",
                         style="bold")
            lines.append("Press m to study more new cards today, in this session.\n")
        lines.append(f"\nNext card due {fmt.when(summary.next_due, now)}.")
        self.query_one("#summary", Static).update(lines)
        self.stage = "done"
        self._restyle()
        self._focus_later("#back")
