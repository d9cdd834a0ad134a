"""Pilot tests of the study loop a learner lives in (issue 10): concepts taught once, every stage readable
at 80x24, answers as people give them, Anki-grade session control and the try-it pane.

The engine is a torch-free fake that answers from a table keyed by the job's ``ask``; the store, the
grader and the session are real.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from textual import events
from textual.containers import VerticalScroll
from textual.widgets import Input, Static, TextArea

from quizapp.core.execution.outcome import Outcome
from quizapp.core.rating import Rating
from quizapp.tui.screens.study import StudyScreen
from quizapp.tui.screens.study_dialogs import ConceptScreen, LeaveVerdictScreen

SIZE = (80, 24)

LONG_WHY = "\n\n".join(f"Paragraph {i} of a long explanation that wraps at eighty columns." for i in range(1, 16))
LAST_LINE = "THE LAST LINE OF THE EXPLANATION"

def _deck() -> str:
    why = "\n".join("      " + line for line in (LONG_WHY + "\n\n" + LAST_LINE).splitlines())
    return (
        "deck: loop\n"
        "title: Study loop\n"
        "concepts:\n"
        "  trailing-rule: |\n"
        "    Shapes line up **from the right**.\n"
        "cards:\n"
        "  - id: first\n"
        "    kind: shape\n"
        "    concept: trailing-rule\n"
        "    ask: torch.zeros(2, 3)\n"
        "    explain: |\n" + why + "\n"
        "  - id: second\n"
        "    kind: value\n"
        "    concept: trailing-rule\n"
        "    ask: torch.tensor([[11, 22, 33], [14, 25, 36]])\n"
        "  - id: raises\n"
        "    kind: shape\n"
        "    ask: torch.zeros(2, 3) + torch.zeros(2)\n"
    )


TENSOR_PRINT = "tensor([[11, 22, 33],\n        [14, 25, 36]])"
OUTCOMES = {
    "torch.zeros(2, 3)": Outcome(status="ok", value={"t": "tuple", "items": [{"t": "int", "v": 2}, {"t": "int", "v": 3}],
                                                     "name": None, "fields": None}, display="(2, 3)"),
    "torch.tensor([[11, 22, 33], [14, 25, 36]])": Outcome(
        status="ok", display=TENSOR_PRINT,
        value={"t": "tensor", "dtype": "torch.int64", "shape": [2, 3], "values": [[11, 22, 33], [14, 25, 36]],
               "requires_grad": False, "grad_fn": None}),
    "torch.zeros(2, 3) + torch.zeros(2)": Outcome(
        status="raised", display="RuntimeError: The size of tensor a (3) must match the size of tensor b (2)",
        error_type="RuntimeError", error_types=("RuntimeError", "Exception", "BaseException"),
        error_message="The size of tensor a (3) must match the size of tensor b (2)"),
    "torch.zeros(5)": Outcome(status="ok", display="tensor([0., 0., 0., 0., 0.])", stdout="edited and run\n",
                              value={"t": "tensor", "dtype": "torch.float32", "shape": [5],
                                     "values": [0.0] * 5, "requires_grad": False, "grad_fn": None}),
}


class Engine:
    def __init__(self) -> None:
        self.jobs: list[object] = []

    def start(self) -> Engine:
        return self

    def run(self, job, limits=None) -> Outcome:  # noqa: ANN001
        self.jobs.append(job)
        return OUTCOMES.get(job.ask) or Outcome.failure(f"no fake outcome for {job.ask!r}")

    def close(self) -> None:
        pass


def text_of(app, selector: str) -> str:  # noqa: ANN001
    widget = app.screen.query_one(selector, Static)
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def wait_for(pilot, condition, tries: int = 150) -> None:  # noqa: ANN001
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never true; stage is {getattr(pilot.app.screen, 'stage', None)!r}")


async def wait_stage(pilot, stage: str) -> None:  # noqa: ANN001
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "stage", None) == stage)


async def answer(pilot, text: str) -> None:  # noqa: ANN001
    pilot.app.screen.query_one("#answer", Input).value = text
    await pilot.press("enter")


def loop_app(make_app, tmp_path: Path, **kwargs):  # noqa: ANN001, ANN201
    deck = tmp_path / "loop.yaml"
    deck.write_text(_deck())
    return make_app(study=True, deck_ids=["loop"], extra_decks=[deck], engine=Engine(), **kwargs)


# ------------------------------------------------------------------------------------ concepts once


async def test_a_concept_is_shown_once_across_cards_undo_and_restart(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        screen = app.screen
        head = text_of(app, "#concept")
        assert "Concept: Trailing rule · Study loop" in head  # the concept's title and its deck, not a slug
        assert not screen.query_one("#code").display  # no code under the note
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.card.id == "second")
        assert screen.stage == "question"  # same concept, new card: straight to the question
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: screen.card.id == "first" and screen.stage == "question")  # not again after undo
    app2, _, _ = loop_app(make_app, tmp_path)
    async with app2.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app2.screen, StudyScreen) and app2.screen.stage == "question")
        assert app2.screen.card.id == "first"  # nor after a restart


async def test_the_concept_key_reopens_the_note_at_any_stage(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await pilot.press("ctrl+g")  # works while the prediction box has focus
        await wait_for(pilot, lambda: isinstance(app.screen, ConceptScreen))
        assert "Shapes line up from the right" in text_of(app, "#concept-again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StudyScreen))
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConceptScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StudyScreen))
        assert app.screen.stage == "rating" and store.history(("loop", "first")) == []


async def test_a_fast_right_first_answer_is_suggested_good_not_easy(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "2x3")  # at once: Easy by speed, but the note was just read
        await wait_stage(pilot, "rating")
        assert app.screen.suggested is Rating.GOOD


# ------------------------------------------------------------------------------------ readable at 80x24


async def test_the_last_line_of_a_long_explanation_can_be_brought_on_screen(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "3x2")
        await wait_stage(pilot, "rating")
        screen = app.screen
        body = screen.query_one("#study-body", VerticalScroll)
        verdict = screen.query_one("#verdict")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "rate-again"  # focus on a button...
        assert body.max_scroll_y > 0  # ...and the explanation does not fit
        bottom = verdict.virtual_region.bottom
        assert bottom > body.scroll_y + body.scrollable_content_region.height  # its end is off screen
        for _ in range(30):
            await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        assert bottom <= body.scroll_y + body.scrollable_content_region.height  # the last line is on screen
        assert LAST_LINE in text_of(app, "#verdict")
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0
        await pilot.press("down")
        await pilot.pause()
        assert body.scroll_y == 1


async def test_the_verdict_puts_the_difference_and_why_before_the_outcome_and_the_message_once(
        make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        screen.session.bury(app.catalog.card(("loop", "first")))
        screen.session.bury(app.catalog.card(("loop", "second")))
        screen.advance()
        await wait_for(pilot, lambda: screen.card.id == "raises" and screen.stage == "question")
        await answer(pilot, "(2, 3)")
        await wait_stage(pilot, "rating")
        verdict = text_of(app, "#verdict")
        assert verdict.count("must match the size of tensor b") == 1  # the exception message once
        assert verdict.startswith("Incorrect")


async def test_the_code_area_shows_only_the_current_card(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        for key in (("loop", "first"), ("loop", "second"), ("loop", "raises")):
            store.bury(key, app.clock())
        screen.advance()
        await wait_stage(pilot, "done")
        code = screen.query_one("#code")
        assert not code.display and code._code == ""  # nothing stale under "Nothing is due"


# ------------------------------------------------------------------------------------ answers as given


async def test_a_pasted_multi_line_tensor_print_is_joined_and_graded(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        screen.session.bury(app.catalog.card(("loop", "first")))
        screen.advance()
        await wait_for(pilot, lambda: screen.card.id == "second" and screen.stage == "question")
        box = screen.query_one("#answer", Input)
        assert "Its value" in box.placeholder  # the placeholder is the kind's
        box.post_message(events.Paste(TENSOR_PRINT))
        await wait_for(pilot, lambda: box.value != "")
        assert box.value == "tensor([[11, 22, 33], [14, 25, 36]])"
        await pilot.press("enter")
        await wait_stage(pilot, "rating")
        assert text_of(app, "#verdict").startswith("Correct")


async def test_i_dont_know_shows_the_outcome_and_records_again(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "?")
        await wait_stage(pilot, "shown")
        assert "Not known: recorded as Again" in text_of(app, "#verdict")
        assert "(2, 3)" in text_of(app, "#verdict")
        [entry] = store.history(("loop", "first"))
        assert entry.rating is Rating.AGAIN and entry.correct is False
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.card.id == "second")
        await pilot.press("f2")  # the key does the same
        await wait_stage(pilot, "shown")
        assert store.history(("loop", "second"))[0].rating is Rating.AGAIN


async def test_the_wrong_exception_class_is_partial_credit(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        screen.session.bury(app.catalog.card(("loop", "first")))
        screen.session.bury(app.catalog.card(("loop", "second")))
        screen.advance()
        await wait_for(pilot, lambda: screen.card.id == "raises" and screen.stage == "question")
        await answer(pilot, "ValueError")
        await wait_stage(pilot, "rating")
        assert text_of(app, "#verdict").startswith("Partly right")
        assert screen.suggested is Rating.HARD


# ------------------------------------------------------------------------------------ session control


async def test_undo_of_a_bury_unburies_the_card(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: screen.card.id == "second")
        assert store.card_info(("loop", "first")).buried_until is not None
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: screen.card.id == "first")
        assert store.card_info(("loop", "first")).buried_until is None
        assert any("Unburied loop/first" in n.message for n in app._notifications)


async def test_escape_at_the_verdict_asks_then_records_or_discards(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveVerdictScreen))
        await pilot.press("escape")  # stay
        await wait_for(pilot, lambda: isinstance(app.screen, StudyScreen))
        assert app.screen.stage == "rating"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveVerdictScreen))
        await pilot.press("enter")  # record the suggested rating and leave
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HomeScreen")
        [entry] = store.history(("loop", "first"))
        assert entry.rating is Rating.GOOD and entry.correct is True


async def test_escape_at_the_verdict_can_leave_without_recording(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveVerdictScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HomeScreen")
        assert store.history(("loop", "first")) == []


async def test_answer_time_is_capped(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        app.screen.shown_at -= 365  # left on screen
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("3")
        await pilot.pause()
        assert store.history(("loop", "first"))[0].duration_s == 60.0


async def test_daily_limit_reached_says_so_and_m_studies_more(make_app, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "1")
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("4")
        await wait_stage(pilot, "done")
        summary = text_of(app, "#summary")
        assert "Daily limit reached: 1 new card a day" in summary and "Press m" in summary
        assert "New 0" in text_of(app, "#study-counts")
        await pilot.press("m")
        await wait_for(pilot, lambda: screen.stage == "question" and screen.card.id == "second")
        assert "New 2" in text_of(app, "#study-counts")  # both cards left, the limit lifted by a day's worth


async def test_try_it_runs_an_edited_snippet_without_recording(make_app, tmp_path) -> None:  # noqa: ANN001
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        await pilot.press("enter")
        await wait_stage(pilot, "question")
        await answer(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("t")
        await wait_stage(pilot, "try")
        editor = screen.query_one("#try-editor", TextArea)
        assert editor.text == "torch.zeros(2, 3)" and editor.language == "python"
        await wait_for(pilot, lambda: app.focused is editor)
        editor.text = "torch.zeros(5)"
        await pilot.press("1", "space")  # typed into the editor: the rating keys do not act here
        assert store.history(("loop", "first")) == []
        editor.text = "torch.zeros(5)"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "edited and run" in text_of(app, "#try-output"))
        assert "tensor([0., 0., 0., 0., 0.])" in text_of(app, "#try-output")
        await pilot.press("ctrl+r")  # as often as they like
        await wait_for(pilot, lambda: len(engine.jobs) == 3)
        await pilot.press("escape")
        await wait_stage(pilot, "rating")
        assert store.history(("loop", "first")) == []  # nothing graded or recorded by trying
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.card.id == "second")
        assert [e.rating for e in store.history(("loop", "first"))] == [Rating.GOOD]


async def test_the_leech_count_reads_well(make_app, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_LEECH_THRESHOLD", "2")
    app, store, engine = loop_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_stage(pilot, "concept")
        for _ in range(2):  # graduate, come due, forget
            screen.session._first = ("loop", "first")
            screen.advance()
            await wait_for(pilot, lambda: screen.card.id == "first" and screen.stage == "question")
            await answer(pilot, "2x3")
            await wait_stage(pilot, "rating")
            await pilot.press("4")
            await pilot.pause()
            app.clock.now += timedelta(days=60)
            screen.session._first = ("loop", "first")
            screen.advance()
            await wait_for(pilot, lambda: screen.card.id == "first" and screen.stage == "question")
            await answer(pilot, "9")
            await wait_stage(pilot, "rating")
            await pilot.press("1")
            await pilot.pause()
        assert "was forgotten twice" in text_of(app, "#banner")
