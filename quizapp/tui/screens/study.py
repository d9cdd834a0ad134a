"""The study screen: one card at a time, predict, see the truth, rate.

Stages of a card (the screen's ``stage``; CSS shows the parts that belong to it):

    concept   a new card's concept, first; Enter/Space continues
    question  code + question; type a prediction and press Enter (recall: Enter/Space reveals;
              write: the code editor of widgets/code_editor.py instead, Ctrl+S submits)
    grading   the snippet runs in a worker thread; a spinner appears if it takes longer than a blink
    failed    the snippet could not run (time limit, ...): a notice; skip it, nothing is recorded
    rating    the verdict (or the recall answer) and the four rating buttons labelled with intervals
    done      the session summary, or when the next card is due

Keys that act on the card work in every stage as Ctrl+key (the prediction input keeps plain letters
for typing) and as the bare letter once the input is not focused.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, LoadingIndicator, ProgressBar, Static

from quizapp.core.decks import params as P
from quizapp.core.decks.model import Card
from quizapp.core.execution.outcome import Outcome
from quizapp.core.kinds import registry as kinds
from quizapp.core.rating import Rating
from quizapp.tui import format as fmt
from quizapp.tui.widgets.code_editor import WriteStage, shown_setup, variants_note, write_verdict
from quizapp.tui.widgets.code_editor import writes_code as _writes
from quizapp.tui.widgets.code_view import CodeView, markdown
from quizapp.tui.widgets.rating_bar import RatingBar

if TYPE_CHECKING:
    from quizapp.core.grading.verdict import Verdict
    from quizapp.core.session import StudySession
    from quizapp.tui.app import QuizApp

SPINNER_DELAY = 0.15  # seconds of grading before the spinner shows (a warm engine answers well before)
STAGES = ("concept", "question", "grading", "failed", "rating", "done")


class StudyScreen(Screen[None]):
    BINDINGS = [
        # Stage keys are priority bindings: they act in the order they were typed, before any key
        # typed after them reaches a widget (a fast "3int64<Enter>" rates, then answers the next card).
        # check_action disables them where they would steal typing, so the key then goes to the box.
        Binding("1", "rate(1)", "Again", id="rate-again", show=False, priority=True, tooltip="Rate: forgot / wrong"),
        Binding("2", "rate(2)", "Hard", id="rate-hard", show=False, priority=True, tooltip="Rate: right, with effort"),
        Binding("3", "rate(3)", "Good", id="rate-good", show=False, priority=True, tooltip="Rate: right"),
        Binding("4", "rate(4)", "Easy", id="rate-easy", show=False, priority=True, tooltip="Rate: right, effortlessly"),
        Binding("space", "primary", "Continue", id="primary", show=False, priority=True,
                tooltip="Continue / show the answer / accept the suggested rating"),
        Binding("enter", "primary", "Continue", id="primary-enter", show=False, priority=True,
                tooltip="Continue / show the answer / accept the suggested rating"),
        Binding("ctrl+n,n", "skip", "Skip", id="skip", tooltip="Skip a card that could not run (nothing recorded)"),
        Binding("ctrl+z,u", "undo", "Undo", id="undo", tooltip="Take back the last rating and show that card again"),
        Binding("ctrl+b,b", "bury", "Bury", id="bury", tooltip="Hide this card until tomorrow"),
        Binding("ctrl+t,s", "suspend", "Suspend", id="suspend", tooltip="Take this card out of study (Browse can bring it back)"),
        Binding("ctrl+o,e", "edit", "Edit", id="edit", tooltip="Open the card in $EDITOR at its line, then reload"),
        Binding("ctrl+r,r", "reload", "Reload", id="reload", tooltip="Reload the decks from disk"),
        Binding("escape", "leave", "Leave", id="leave", tooltip="End the session"),
    ]

    stage: reactive[str] = reactive("", init=False)  # set by the first card (a watcher must see the change)

    def __init__(self, session: StudySession, *, title: str = "", quit_on_leave: bool = False) -> None:
        super().__init__()
        self.session = session
        self.heading = title
        self.quit_on_leave = quit_on_leave
        self.card: Card | None = None
        self.answer = ""
        self.shown_at = time.monotonic()
        self.seconds = 0.0
        self.outcome: Outcome | None = None
        self.verdict: Verdict | None = None
        self.suggested = Rating.GOOD

    @property
    def quiz(self) -> QuizApp:
        return self.app  # type: ignore[return-value]

    # ----------------------------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="study-top"):
            yield Label(self.heading, id="study-title")
            yield ProgressBar(total=1, show_eta=False, id="study-progress")
        with VerticalScroll(id="study-body"):
            yield Static(id="concept", classes="panel")
            yield Static(id="prompt")
            yield CodeView(id="code")
            yield Static(id="verdict")
            yield Static(id="notice", classes="panel")
            yield Static(id="summary", classes="panel")
            yield LoadingIndicator(id="spinner")
        with Vertical(id="study-bottom"):
            yield Input(placeholder="Your prediction: e.g. (2, 3)  float32  tensor([1., 2.])  error",
                        id="answer", select_on_focus=False)
            yield WriteStage(id="write")
            yield Button("Continue (Enter)", id="continue", variant="primary")
            yield Button("Show answer (Space)", id="reveal", variant="primary")
            yield Button("Skip this card (n)", id="skip-button", variant="warning")
            yield Button("Back (Esc)", id="back", variant="primary")
            yield RatingBar(id="rating")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#spinner").display = False
        self.advance()

    def watch_stage(self, stage: str) -> None:
        self._restyle()
        self.refresh_bindings()

    def _restyle(self) -> None:
        """Set the stage and card-kind classes in one go: each class change restyles the whole screen."""
        ours = {f"stage-{name}" for name in STAGES} | {"executable", "recall", "write"}
        wanted = {c for c in self.classes if c not in ours} | {f"stage-{self.stage}"}
        if self.card is not None:
            wanted.add("executable" if self.card.executable else "recall")
            if _writes(self.card):
                wanted.add("write")
        if wanted != set(self.classes):
            self.set_classes(wanted)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show each key in the footer only when it can act (None: shown greyed out)."""
        stage = self.stage
        if action == "rate":
            return stage == "rating"
        if action == "primary":  # never while a prediction is being typed: Space and Enter belong to the box
            return stage in ("concept", "rating") or (
                stage == "question" and self.card is not None and not self.card.executable)
        if action == "skip":
            return stage == "failed"
        if action == "undo":
            return True if self.session.can_undo() and stage != "grading" else None
        if action in ("bury", "suspend", "edit"):
            if self.card is None or stage in ("done", "grading"):
                return None
            if action == "edit" and self.card.source is None:
                return None
        return True

    # ----------------------------------------------------------------------------------- flow

    def advance(self) -> None:
        """Show the next card, or the summary when the session is over."""
        self._update_progress()
        card = self.session.next_card()
        if card is None:
            self._finish()
            return
        self.show_card(card)

    def show_card(self, card: Card, *, skip_concept: bool = False) -> None:
        self.card = card
        self.outcome = self.verdict = None
        self.answer = ""
        concept = None if skip_concept else self.session.concept_text(card)
        if concept and self.session.is_new(card):
            self.query_one("#concept", Static).update(Group(
                Text(f"Concept: {card.concept}", style="bold"), self._md(concept)))
            self.stage = "concept"
            self._focus_later("#continue")
            return
        self._show_question()

    def _show_question(self) -> None:
        card = self.card
        assert card is not None
        where = f"{card.deck} · {card.id}"
        if card.bindings:
            where += "  (" + ", ".join(f"{k}={v}" for k, v in card.bindings.items()) + ")"
        if _writes(card):
            where += variants_note(card)
        self.query_one("#prompt", Static).update(Group(Text(where, style="dim"), self._md(card.prompt)))
        self.query_one("#code", CodeView).show(shown_setup(card) if _writes(card) else card.code)
        self.query_one("#verdict", Static).update("")
        answer = self.query_one("#answer", Input)
        answer.value = ""
        self.stage = "question"
        self._restyle()  # the stage may not have changed (bury, suspend), the card's kind may have
        self.shown_at = time.monotonic()
        self.query_one("#study-body", VerticalScroll).scroll_home(animate=False)
        # Focus moves now, not after the next refresh: keys a fast typist sends from here on must go
        # straight into the prediction box, in order, and never to a widget of the previous stage.
        if _writes(card):
            answer.disabled = True  # hidden, and it must not take the keys meant for the editor
            stage = self.query_one(WriteStage)
            stage.show(card)
            self.set_focus(stage.editor)
            self._focus_later("#write-editor")
        elif card.executable:
            answer.disabled = False
            self.set_focus(answer)
            self._focus_later("#answer")  # again once the stage's styles show it (a no-op if it has focus)
        else:
            self.set_focus(None)
            self._focus_later("#reveal")

    def action_primary(self) -> None:
        """Space: the obvious next step of the stage (the focused button does the same with Enter)."""
        if self.stage == "concept":
            self._show_question()
        elif self.stage == "question":
            self.action_reveal()
        elif self.stage == "rating":
            self.action_rate(int(self.suggested))

    def on_key(self, event: events.Key) -> None:
        """Keys typed in the instant before the prediction box has focus (the card just appeared) go into it.

        A printable key reaches the screen only when the box did not take it (the box stops every
        printable key it gets), so it is inserted whatever has focus by now. Enter submits here, and only
        here, for the same reason: it may have been typed before the box had focus.
        """
        if self.stage != "question" or self.card is None or not self.card.executable:
            return
        if _writes(self.card):  # the same for the code editor: keys typed before it has focus go into it
            self.query_one(WriteStage).take_key(event)
            return
        answer = self.query_one("#answer", Input)
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            answer.focus()
            answer.post_message(Input.Submitted(answer, answer.value))
            return
        if not event.is_printable or event.character is None:
            return
        event.stop()
        event.prevent_default()
        answer.focus()
        answer.insert_text_at_cursor(event.character)

    def _md(self, text: str) -> Markdown:
        return markdown(text, self.app.current_theme.dark)

    def _focus_later(self, selector: str) -> None:
        """Focus a widget the new stage just made visible (it can take focus once the CSS is applied)."""
        self.call_after_refresh(lambda: self.query_one(selector).focus())

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self._show_question()

    @on(Button.Pressed, "#reveal")
    def action_reveal(self) -> None:
        card = self.card
        if card is None or card.executable or self.stage != "question":
            return
        self.seconds = time.monotonic() - self.shown_at
        parts: list[object] = [Text("Answer", style="bold")]
        parts.append(self._md(card.answer or ""))
        if card.explain:
            parts += [Text(""), Text("Why", style="bold"), self._md(card.explain)]
        self.query_one("#verdict", Static).update(Group(*parts))  # type: ignore[arg-type]
        self._show_rating(Rating.GOOD)

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        card = self.card
        if card is None or self.stage != "question" or _writes(card):
            return
        answer = event.value.strip()
        if not answer:
            self.notify("Type your prediction first (or 'error' if you think it raises).", severity="warning")
            return
        self.answer = answer
        self.seconds = time.monotonic() - self.shown_at
        event.input.disabled = True
        self.stage = "grading"
        self.set_timer(SPINNER_DELAY, self._maybe_show_spinner)
        self._grade(card, answer)

    @on(WriteStage.Submitted)
    def _code_submitted(self, event: WriteStage.Submitted) -> None:
        card = self.card
        if card is None or self.stage != "question" or not _writes(card):
            return
        if not event.code.strip():
            self.notify("Write your code first: statements whose last line is the result.", severity="warning")
            return
        self.answer = event.code
        self.seconds = time.monotonic() - self.shown_at
        self.query_one(WriteStage).set_read_only()
        self.stage = "grading"
        self.set_timer(SPINNER_DELAY, self._maybe_show_spinner)
        self._grade(card, event.code)

    def _maybe_show_spinner(self) -> None:
        if self.stage == "grading":
            self.query_one("#spinner").display = True

    @work(thread=True, exclusive=True, group="grade")
    def _grade(self, card: Card, answer: str) -> None:
        try:
            outcome, verdict = self.session.grade(card, answer)
        except Exception as exc:  # a broken grader or store must not crash the app
            self.app.call_from_thread(self._graded_with_error, card, exc)
            return
        self.app.call_from_thread(self._graded, card, outcome, verdict)

    def _graded_with_error(self, card: Card, exc: Exception) -> None:
        self.query_one("#spinner").display = False
        if card is not self.card:
            return
        self.notify(f"Could not grade this card: {exc}", severity="error")
        self._show_failed(Outcome.failure(str(exc)))

    def _graded(self, card: Card, outcome: Outcome, verdict: Verdict) -> None:
        self.query_one("#spinner").display = False
        if card is not self.card or self.stage != "grading":
            return  # the user moved on (undo, bury, leave) while it ran
        if outcome.failed:
            self._show_failed(outcome)
            return
        if not verdict.readable:
            self.notify(verdict.message, title="Could not read this answer", severity="warning")
            self.stage = "question"
            answer = self.query_one("#answer", Input)
            answer.disabled = False
            answer.focus()
            return
        self.outcome, self.verdict = outcome, verdict
        if _writes(card):
            self.query_one(WriteStage).remember(card, self.answer, verdict.correct)
            solution = kinds.of(card).shown_answer(card, outcome) or ""
            shown = write_verdict(card, outcome, verdict, self.app.current_theme.dark, solution)
        else:
            shown = self._verdict_renderable(card, outcome, verdict)
        self.query_one("#verdict", Static).update(shown)
        self._show_rating(self.session.suggested_rating(verdict, self.seconds))

    def _verdict_renderable(self, card: Card, outcome: Outcome, verdict: Verdict) -> Group:
        word = Text("Correct" if verdict.correct else "Incorrect",
                    style="bold green" if verdict.correct else "bold red")
        parts: list[object] = [word, Text(f"You said: {self.answer}", style="dim"), Text("")]
        parts.append(Text("Outcome", style="bold"))
        parts.append(Text(outcome.display or verdict.actual))
        if verdict.message and not verdict.correct:
            parts += [Text(""), Text(verdict.message, style="italic")]
        if outcome.stdout:
            parts += [Text(""), Text("Printed", style="bold"), Text(outcome.stdout.rstrip("\n"))]
        if card.explain:
            parts += [Text(""), Text("Why", style="bold"), self._md(card.explain)]
        return Group(*parts)  # type: ignore[arg-type]

    def _show_failed(self, outcome: Outcome) -> None:
        reason = outcome.reason or outcome.display or "unknown reason"
        text = Text.assemble(("This card could not run: ", "bold"), reason,
                             "\nNothing is recorded for it. Skip it (n), or edit the deck (e) and reload.")
        if outcome.stdout:
            text.append("\n\nPrinted before it stopped:\n" + outcome.stdout.rstrip("\n"))
        self.query_one("#notice", Static).update(text)
        self.stage = "failed"
        self._focus_later("#skip-button")

    def _show_rating(self, suggested: Rating) -> None:
        card = self.card
        assert card is not None
        self.suggested = suggested
        try:
            intervals = self.session.preview(card)
        except Exception as exc:  # a database problem: rating labels are a nicety, not worth a crash
            self.notify(f"Could not preview intervals: {exc}", severity="warning")
            intervals = {}
        self.stage = "rating"
        self.query_one(RatingBar).show(intervals, suggested)

    @on(RatingBar.Rated)
    def _rated(self, event: RatingBar.Rated) -> None:
        self.action_rate(int(event.rating))

    def action_rate(self, value: int) -> None:
        card = self.card
        if card is None or self.stage != "rating":
            return
        rating = Rating(value)
        correct = self.verdict.correct if (self.verdict is not None and card.executable) else None
        try:
            result = self.session.rate(card, rating, answer=self.answer, correct=correct, seconds=self.seconds)
        except Exception as exc:
            self.notify(f"Could not save this rating: {exc}", severity="error", timeout=10)
            return
        if result.leech:
            self.notify(f"{card.deck}/{card.id} has lapsed {result.state.lapses} times: it is now a leech and "
                        "suspended. Rewrite it or study its concept; Browse can unsuspend it.",
                        title="Leech", severity="warning", timeout=10)
        self.advance()

    def action_skip(self) -> None:
        if self.card is None or self.stage != "failed":
            return
        self.session.skip(self.card)
        self.advance()

    @on(Button.Pressed, "#skip-button")
    def _skip_pressed(self) -> None:
        self.action_skip()

    def action_undo(self) -> None:
        if self.stage == "grading":
            return
        try:
            key = self.session.undo()
        except Exception as exc:
            self.notify(f"Could not undo: {exc}", severity="error")
            return
        if key is None:
            self.notify("Nothing to undo in this session.")
            return
        self.notify(f"Took back the rating of {key[0]}/{key[1]}.")
        self.advance()

    def action_bury(self) -> None:
        card = self.card
        if card is None or self.stage in ("done", "grading"):
            return
        try:
            until = self.session.bury(card)
        except Exception as exc:
            self.notify(f"Could not bury: {exc}", severity="error")
            return
        self.notify(f"Buried {card.id} until {fmt.moment(until)}.")
        self.advance()

    def action_suspend(self) -> None:
        card = self.card
        if card is None or self.stage in ("done", "grading"):
            return
        try:
            self.session.suspend(card)
        except Exception as exc:
            self.notify(f"Could not suspend: {exc}", severity="error")
            return
        self.notify(f"Suspended {card.id}; Browse (state:suspended) lists it.")
        self.advance()

    def action_edit(self) -> None:
        card = self.card
        if card is None or card.source is None:
            self.notify("This card has no file to edit.", severity="warning")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = shlex.split(editor) + [f"+{card.line}" if card.line else "+1", str(card.source)]
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except Exception as exc:  # no terminal to hand over (headless), or the editor is missing
            self.notify(f"Could not open the editor ({editor}): {exc}", severity="error")
            return
        self.action_reload()

    def action_reload(self) -> None:
        """Reload the decks from disk and show the current card's new text."""
        catalog = self.quiz.reload_catalog()
        if catalog is None:
            return
        self.session.reload(catalog)
        card = self.card
        if card is None or self.stage == "done":
            self.advance()
            return
        fresh = self.session.catalog.card(card.key)
        if fresh is None:
            self.notify(f"{card.deck}/{card.id} is no longer in its deck.", severity="warning")
            self.advance()
            return
        if fresh.params and kinds.of(fresh).predicts:  # keep the variant on screen when its parameters still exist
            keep = card.bindings if card.bindings and set(card.bindings) == set(fresh.params) else None
            fresh = P.instantiate(fresh, keep or P.sample(fresh, self.session.rng))
        self.notify("Decks reloaded.")
        self.show_card(fresh, skip_concept=True)

    def action_leave(self) -> None:
        if self.quit_on_leave:
            self.app.exit()
        else:
            self.dismiss()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_leave()

    # ----------------------------------------------------------------------------------- progress/end

    def _update_progress(self) -> None:
        try:
            done, total = self.session.progress()
        except Exception:  # the bar is not worth a crash
            return
        bar = self.query_one("#study-progress", ProgressBar)
        bar.update(total=total, progress=done)

    def _finish(self) -> None:
        self.card = None
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
        lines.append(f"\nNext card due {fmt.when(summary.next_due, now)}.")
        self.query_one("#summary", Static).update(lines)
        self.stage = "done"
        self._focus_later("#back")

