"""What the study screen does to the card on screen besides grading it: skip, undo, bury, suspend,
try it, edit, reload, and leaving. A mixin of :class:`~quizapp.tui.screens.study.StudyScreen`, kept
apart so each module holds one concern; it uses the screen's attributes (``card``, ``stage``,
``session``, ...) and its ``advance``/``show_card``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from quizapp.core.decks import params as P
from quizapp.core.kinds import registry as kinds
from quizapp.tui import format as fmt
from quizapp.tui.screens import study_edit
from quizapp.tui.screens.study_dialogs import LeaveVerdictScreen
from quizapp.tui.widgets.code_editor import shown_setup, writes_code
from quizapp.tui.widgets.try_pane import TryPane


class CardActions:
    """Card actions of the study screen (mixed into StudyScreen)."""

    if TYPE_CHECKING:  # provided by StudyScreen / Screen
        card: Any
        stage: str
        session: Any
        suggested: Any
        quit_on_leave: bool
        _banner: Any
        _try_return: str

        def __getattr__(self, name: str) -> Any: ...

    def action_skip(self) -> None:
        if self.card is None or self.stage != "failed":
            return
        self.session.skip(self.card)
        self.advance()

    def action_undo(self) -> None:
        if self.stage in ("grading", "try"):
            return
        try:
            action = self.session.undo()
        except Exception as exc:
            self.notify(f"Could not undo: {exc}", severity="error")
            return
        if action is None:
            self.notify("Nothing to undo in this session.")
            return
        name = f"{action.key[0]}/{action.key[1]}"
        self.notify({"rating": f"Took back the rating of {name}.", "bury": f"Unburied {name}.",
                     "suspend": f"Unsuspended {name}."}[action.what])
        self._banner = None
        self.advance()

    def action_bury(self) -> None:
        card = self.card
        if card is None or self.stage in ("done", "grading", "try"):
            return
        try:
            until = self.session.bury(card)
        except Exception as exc:
            self.notify(f"Could not bury: {exc}", severity="error")
            return
        self.notify(f"Buried {card.id} until {fmt.moment(until)} (u undoes).")
        self.advance()

    def action_suspend(self) -> None:
        card = self.card
        if card is None or self.stage in ("done", "grading", "try"):
            return
        try:
            self.session.suspend(card)
        except Exception as exc:
            self.notify(f"Could not suspend: {exc}", severity="error")
            return
        self.notify(f"Suspended {card.id}; u undoes, Browse (state:suspended) lists it.")
        self.advance()

    # ----------------------------------------------------------------------------------- try it

    def action_try_it(self) -> None:
        card = self.card
        if card is None or not card.executable or self.stage not in ("rating", "shown"):
            return
        self._try_return = self.stage
        self.stage = "try"
        code = card.code
        if writes_code(card):  # a write card: play with your own answer, on the inputs shown above it
            code = "\n".join(part for part in (shown_setup(card).rstrip("\n"), self.answer.rstrip("\n")) if part)
        self.query_one(TryPane).open(code, self.app.current_theme.dark)

    # Handlers by name (on_try_pane_*): @on in a mixin would not be collected by Textual's metaclass.
    def on_try_pane_run(self, event: TryPane.Run) -> None:
        self._run_tried(event.code)

    @work(thread=True, exclusive=True, group="try")
    def _run_tried(self, code: str) -> None:
        outcome = self.session.try_code(code)
        self.app.call_from_thread(self.query_one(TryPane).show_outcome, outcome)

    def on_try_pane_closed(self, _event: object = None) -> None:
        if self.stage != "try":
            return
        self.stage = self._try_return
        self._focus_later("#continue" if self.stage == "shown" else f"#rate-{self.suggested.name.lower()}")

    # ----------------------------------------------------------------------------------- edit, reload

    def action_edit(self) -> None:
        study_edit.edit_card(self)

    def action_reload(self) -> None:
        """Reload the decks from disk and show the current card's new text."""
        catalog = self.services.decks.reload_catalog()
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
        if fresh.params and kinds.of(fresh).predicts:  # keep the variant when its parameters still exist
            keep = card.bindings if card.bindings and set(card.bindings) == set(fresh.params) else None
            fresh = P.instantiate(fresh, keep or P.sample(fresh, self.session.rng))
        self.notify("Decks reloaded.")
        self.show_card(fresh, skip_concept=True)

    # ----------------------------------------------------------------------------------- leaving

    def action_leave(self) -> None:
        if self.stage == "try":
            self.on_try_pane_closed()
            return
        if self.stage == "rating" and self.card is not None:
            self.app.push_screen(LeaveVerdictScreen(self.suggested.label), callback=self._leave_choice)
            return
        self._leave()

    def _leave_choice(self, choice: str | None) -> None:
        if choice == "record":
            if self._record(int(self.suggested)):
                self._leave()
        elif choice == "discard":
            self._leave()

    def _leave(self) -> None:
        if self.quit_on_leave:
            self.app.exit()
        else:
            self.dismiss()

