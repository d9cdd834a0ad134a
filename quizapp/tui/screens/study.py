"""The study screen: one card at a time, predict, see the truth, rate.

Stages of a card (the screen's ``stage``; CSS shows the parts that belong to it):

    concept   the concept note, before the first new card of a concept never shown; Enter/Space go on
    question  code + question; type a prediction and press Enter (recall: Enter/Space reveals;
              write: the code editor of widgets/code_editor.py instead, Ctrl+S submits)
    grading   the snippet runs in a worker thread; a spinner appears if it takes longer than a blink
    failed    the snippet could not run (time limit, ...): a notice; skip it, nothing is recorded
    rating    the verdict (or the recall answer) and the four rating buttons labelled with intervals
    shown     "I don't know": the outcome, already recorded as Again; Enter/Space go on
    try       the try-it editor: run an edited snippet in the sandbox; Esc goes back to the verdict
    done      the session summary, or when the next card is due (and the daily limit, if that is why)

Keys that act on the card work in every stage as Ctrl+key (the prediction input keeps plain letters
for typing) and as the bare letter once the input is not focused. Every binding has an id, so the
``keymap`` setting can change it. The body scrolls with PageUp/PageDown (and the arrows, Home, End
where no input needs them) at every stage.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, LoadingIndicator, Static

from quizapp.core.decks.model import Card
from quizapp.core.execution.outcome import Outcome
from quizapp.core.rating import Rating
from quizapp.tui.screens.study_actions import CardActions
from quizapp.tui.screens.study_dialogs import ConceptScreen, concept_renderable
from quizapp.tui.screens.study_grading import Grading
from quizapp.tui.screens.study_progress import SessionProgress
from quizapp.tui.widgets.answer_input import AnswerInput, placeholder_for
from quizapp.tui.widgets.code_editor import WriteStage, shown_setup, variants_note
from quizapp.tui.widgets.code_editor import writes_code as _writes
from quizapp.tui.widgets.code_view import CodeView, markdown
from quizapp.tui.widgets.rating_bar import RatingBar
from quizapp.tui.widgets.try_pane import TryPane

if TYPE_CHECKING:
    from quizapp.core.grading.verdict import Verdict
    from quizapp.core.session import StudySession
    from quizapp.tui.services import Services

STAGES = ("concept", "question", "grading", "failed", "rating", "shown", "try", "done")


class StudyScreen(Grading, CardActions, SessionProgress, Screen[None]):
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
        Binding("f2", "dont_know", "Don't know", id="dont-know",
                tooltip="I don't know: show the outcome and record Again (or type ? and Enter)"),
        Binding("ctrl+g,c", "concept", "Concept", id="concept", tooltip="Show this card's concept note again"),
        Binding("t", "try_it", "Try it", id="try", tooltip="Edit the snippet and run it (nothing is recorded)"),
        Binding("ctrl+n,n", "skip", "Skip", id="skip", tooltip="Skip a card that could not run (nothing recorded)"),
        Binding("ctrl+z,u", "undo", "Undo", id="undo", tooltip="Take back the last rating, bury or suspend"),
        Binding("ctrl+b,b", "bury", "Bury", id="bury", tooltip="Hide this card until tomorrow"),
        Binding("ctrl+t,s", "suspend", "Suspend", id="suspend",
                tooltip="Take this card out of study (Browse can bring it back)"),
        Binding("ctrl+o,e", "edit", "Edit", id="edit", show=False,
                tooltip="Open the card in $EDITOR at its line, then reload"),
        Binding("ctrl+r,r", "reload", "Reload", id="reload", show=False, tooltip="Reload the decks from disk"),
        Binding("m", "study_more", "Study more", id="study-more",
                tooltip="Daily limit reached: allow more new cards today, in this session"),
        Binding("pagedown", "scroll_body('page_down')", "Page down", id="page-down", show=False),
        Binding("pageup", "scroll_body('page_up')", "Page up", id="page-up", show=False),
        Binding("down", "scroll_body('down')", "Scroll down", id="scroll-down", show=False),
        Binding("up", "scroll_body('up')", "Scroll up", id="scroll-up", show=False),
        Binding("end", "scroll_body('end')", "To the end", id="scroll-end", show=False),
        Binding("home", "scroll_body('home')", "To the top", id="scroll-home", show=False),
        Binding("escape", "leave", "Leave", id="leave",
                tooltip="End the session (asks first when an answer is unrated)"),
    ]

    stage: reactive[str] = reactive("", init=False)  # set by the first card (a watcher must see the change)

    def __init__(self, session: StudySession, services: Services, *, title: str = "",
                 quit_on_leave: bool = False) -> None:
        super().__init__()
        self.session = session
        self.services = services
        self.heading = title
        self.quit_on_leave = quit_on_leave
        self.card: Card | None = None
        self.answer = ""
        self.shown_at = time.monotonic()
        self.seconds = 0.0
        self.outcome: Outcome | None = None
        self.verdict: Verdict | None = None
        self.suggested = Rating.GOOD
        self.first_review = False  # the card on screen has never been reviewed (never suggested Easy)
        self.dont_know = False
        self._try_return = "rating"  # the stage the try-it pane goes back to
        self._banner: Text | None = None  # a notice that stays on the next card (a new leech)

    # ----------------------------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="study-top"):
            yield Label(self.heading, id="study-title")
            yield Label("", id="study-counts")
        with VerticalScroll(id="study-body"):
            yield Static(id="banner", classes="panel")
            yield Static(id="concept", classes="panel")
            yield Static(id="prompt")
            yield CodeView(id="code")
            yield Static(id="verdict")
            yield Static(id="notice", classes="panel")
            yield Static(id="summary", classes="panel")
            yield LoadingIndicator(id="spinner")
        yield TryPane(id="try")
        with Vertical(id="study-bottom"):
            yield AnswerInput(placeholder=placeholder_for("value"), id="answer", select_on_focus=False)
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
        ours = {f"stage-{name}" for name in STAGES} | {"stage-", "executable", "recall", "with-banner", "write"}
        wanted = {c for c in self.classes if c not in ours} | {f"stage-{self.stage}"}
        if self.card is not None and self.stage != "done":
            wanted.add("executable" if self.card.executable else "recall")
            if _writes(self.card):
                wanted.add("write")
        if self._banner is not None:
            wanted.add("with-banner")
        if wanted != set(self.classes):
            self.set_classes(wanted)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show each key in the footer only when it can act (None: shown greyed out)."""
        stage = self.stage
        if stage == "done" and action in ("bury", "suspend", "edit", "concept", "try_it", "skip", "dont_know",
                                          "rate", "primary"):
            return False  # the summary's footer has no card actions: there is no card
        if stage == "try":  # the editor owns the keyboard; its pane has Run and Close
            return action in ("leave",) and None
        if action == "rate":
            return stage == "rating"
        if action == "primary":  # never while a prediction is being typed: Space and Enter belong to the box
            return stage in ("concept", "rating", "shown") or (
                stage == "question" and self.card is not None and not self.card.executable)
        if action == "dont_know":  # a write card has no outcome to reveal: its verdict shows the reference
            return stage == "question" and self.card is not None and self.card.executable and not _writes(self.card)
        if action == "concept":
            return True if self.card is not None and stage != "done" and self.session.concept_of(self.card) else None
        if action == "try_it":
            return stage in ("rating", "shown") and self.card is not None and self.card.executable
        if action == "skip":
            return stage == "failed"
        if action == "study_more":
            return stage == "done" and self._limit_reached()
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
        self._update_counts()
        card = self.session.next_card()
        if card is None:
            self._finish()
            return
        self.show_card(card)

    def show_card(self, card: Card, *, skip_concept: bool = False) -> None:
        self.card = card
        self.outcome = self.verdict = None
        self.answer = ""
        self.dont_know = False
        self._show_banner()
        # The code area always holds the card on screen (hidden by CSS where its stage has no code).
        self.query_one("#code", CodeView).show(shown_setup(card) if _writes(card) else
                                               card.code if card.executable else "")
        concept = None if skip_concept else self.session.concept_to_teach(card)
        if concept is not None:
            self.query_one("#concept", Static).update(concept_renderable(concept, self.app.current_theme.dark))
            self.session.mark_concept_seen(concept)
            if self.session.seen.problem:
                self.notify(self.session.seen.problem, severity="warning")
            self.stage = "concept"
            self._restyle()
            self._scroll_top()
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
        self.query_one("#verdict", Static).update("")
        answer = self.query_one("#answer", Input)
        answer.value = ""
        answer.placeholder = placeholder_for(card.kind.value)
        self.first_review = self.session.is_new(card)
        self.stage = "question"
        self._restyle()  # the stage may not have changed (bury, suspend), the card's kind may have
        self.shown_at = time.monotonic()
        self._scroll_top()
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

    def _scroll_top(self) -> None:
        self.query_one("#study-body", VerticalScroll).scroll_home(animate=False)

    def _show_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(self._banner or "")
        self._restyle()

    def action_primary(self) -> None:
        """Space: the obvious next step of the stage (the focused button does the same with Enter)."""
        if self.stage == "concept":
            self._show_question()
        elif self.stage == "question":
            self.action_reveal()
        elif self.stage == "rating":
            self.action_rate(int(self.suggested))
        elif self.stage == "shown":
            self._banner = None
            self.advance()

    def action_scroll_body(self, how: str) -> None:
        body = self.query_one("#study-body", VerticalScroll)
        {"page_down": body.scroll_page_down, "page_up": body.scroll_page_up, "down": body.scroll_down,
         "up": body.scroll_up, "end": body.scroll_end, "home": body.scroll_home}[how](animate=False)

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
        def focus() -> None:
            if self.is_attached and self.app.screen is self:  # not after the session was left
                self.query_one(selector).focus()

        self.call_after_refresh(focus)

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.action_primary()

    def action_concept(self) -> None:
        concept = self.session.concept_of(self.card) if self.card is not None else None
        if concept is not None:
            self.app.push_screen(ConceptScreen(concept))

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

    def action_dont_know(self) -> None:
        if self.stage == "question" and self.card is not None and self.card.executable:
            self._submit("?")

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        self._submit(event.value)

    @on(Button.Pressed, "#skip-button")
    def _skip_pressed(self) -> None:
        self.action_skip()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self._leave()

    @on(WriteStage.Submitted)
    def _code_submitted(self, event: WriteStage.Submitted) -> None:
        self._submit_code(event.code)

    @on(RatingBar.Rated)
    def _rated(self, event: RatingBar.Rated) -> None:
        self.action_rate(int(event.rating))

    def action_rate(self, value: int) -> None:
        if self._record(value):
            self.advance()
