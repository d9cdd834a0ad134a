"""Pilot tests of a write card in the study screen: the editor, submitting, and each kind of verdict.

The engine is a torch-free fake that answers each job from a table keyed by what it runs (the card's
setup, the program's statements and its last expression), as the real worker would report them; the
write kind, grader, session and store are real.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from quizapp.core.execution.outcome import Outcome
from quizapp.tui.screens.study import StudyScreen
from quizapp.tui.widgets.code_editor import PythonEditor, WriteStage

SIZE = (80, 24)

DECK = """\
deck: writing
title: Writing
cards:
  - id: running-total
    kind: write
    prompt: Return the running total of `x` without `cumsum` or loops.
    setup: x = torch.tensor([1, 2, 3])
    solution: torch.tril(torch.ones(3, 3, dtype=x.dtype)) @ x
    forbid: [cumsum, for, while]
    explain: A lower-triangular matrix of ones adds up each prefix.
"""


def tensor(values: list[int]) -> dict:
    return {"t": "tensor", "dtype": "torch.int64", "shape": [len(values)], "values": values,
            "requires_grad": False, "grad_fn": None}


def ok(values: list[int]) -> Outcome:
    return Outcome(status="ok", value=tensor(values), display=f"tensor({values})".replace(",", ", ").replace(",  ", ", "))


REFERENCE = "torch.tril(torch.ones(3, 3, dtype=x.dtype)) @ x"
# (statements before the result, the result expression) -> outcome
ANSWERS = {
    ("", REFERENCE): ok([1, 3, 6]),
    ("y = x * 2\n", "y"): ok([2, 4, 6]),
    ("y = x\n", "y"): ok([1, 2, 3]),
    ("m = (torch.arange(3)[:, None] >= torch.arange(3))\n", "(m * x).sum(1)"): ok([1, 3, 6]),
    ("", "x.view(2, 2)"): Outcome(status="raised", error_type="RuntimeError", error_types=("RuntimeError",),
                                  error_message="shape '[2, 2]' is invalid for input of size 3",
                                  display="RuntimeError: shape '[2, 2]' is invalid for input of size 3"),
    ("while_ = 1\nimport time\ntime.sleep(60)\n", "x"): Outcome.failure("time limit of 5 s exceeded"),
}


class WriteEngine:
    """Answers write jobs from :data:`ANSWERS`; records every job it was given."""

    def __init__(self) -> None:
        self.jobs: list = []

    def start(self) -> WriteEngine:
        return self

    def run(self, job, limits=None) -> Outcome:  # noqa: ANN001
        self.jobs.append(job)
        return ANSWERS[((job.payload or {}).get("answer", ""), job.ask)]

    def run_many(self, jobs, on_result=None, limits=None) -> list[Outcome]:  # noqa: ANN001
        return [self.run(job) for job in jobs]

    def close(self) -> None:
        pass


@pytest.fixture
def write_app(make_app, tmp_path: Path):  # noqa: ANN001, ANN201
    path = tmp_path / "writing.yaml"
    path.write_text(DECK)
    engine = WriteEngine()
    app, store, _ = make_app(study=True, deck_ids=["writing"], extra_decks=[path], engine=engine)
    return app, store, engine


def text_of(app, selector: str) -> str:  # noqa: ANN001
    widget = app.screen.query_one(selector, Static)
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def wait_stage(pilot, stage: str, tries: int = 150) -> None:  # noqa: ANN001
    for _ in range(tries):
        if getattr(pilot.app.screen, "stage", None) == stage:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"stage is {pilot.app.screen.stage!r}, expected {stage!r}")


async def type_code(pilot, code: str) -> None:  # noqa: ANN001
    """Type ``code`` key by key, as a learner does (Enter for each newline)."""
    for ch in code:
        await pilot.press("enter" if ch == "\n" else ("space" if ch == " " else ch))


async def test_typing_multi_line_code_and_submitting_grades_it_right(write_app) -> None:  # noqa: ANN001
    app, store, engine = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        screen = app.screen
        assert isinstance(screen, StudyScreen) and "write" in screen.classes
        editor = screen.query_one(PythonEditor)
        assert app.focused is editor
        assert not screen.query_one("#answer").display  # no one-line prediction box
        await type_code(pilot, "m = (torch.arange(3)[:, None] >= torch.arange(3))\n(m * x).sum(1)")
        assert editor.text == "m = (torch.arange(3)[:, None] >= torch.arange(3))\n(m * x).sum(1)"
        assert screen.stage == "question"  # Enter made a newline, it did not submit
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        verdict = text_of(app, "#verdict")
        assert verdict.startswith("Correct")
        assert "Reference solution" in verdict and REFERENCE in verdict
        assert [j.payload for j in engine.jobs] == [{"answer": ""},
                                                    {"answer": "m = (torch.arange(3)[:, None] >= torch.arange(3))\n"}]
        await pilot.press("3")
        [entry] = store.history(("writing", "running-total"))
        assert entry.correct is True


async def test_enter_keeps_indentation_and_indents_after_a_colon(write_app) -> None:  # noqa: ANN001
    app, _, _ = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        editor = app.screen.query_one(PythonEditor)
        await type_code(pilot, "def f(a):\nreturn a\n")
        assert editor.text == "def f(a):\n    return a\n    "


async def test_a_wrong_answer_shows_what_differs_and_comes_back_with_the_attempt_greyed(write_app) -> None:  # noqa: ANN001
    app, store, _ = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        stage = app.screen.query_one(WriteStage)
        assert not stage.query_one("#write-previous").display  # nothing greyed before a first try
        stage.editor.text = "y = x * 2\ny"
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        verdict = text_of(app, "#verdict")
        assert verdict.startswith("Incorrect")
        assert "Element [0] is 2, wanted 1 (2 of 3 elements differ)" in verdict
        assert "Your result" in verdict and "Reference solution" in verdict
        await pilot.press("1")  # Again: the card comes back in this session
        await wait_stage(pilot, "question")
        assert stage.editor.text == ""
        previous = text_of(app, "#write-previous")
        assert "Your last attempt (wrong):" in previous and "y = x * 2" in previous


async def test_a_forbidden_name_is_named_in_the_verdict(write_app) -> None:  # noqa: ANN001
    app, _, engine = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        app.screen.query_one(WriteStage).editor.text = "x.cumsum(0)"
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        assert "Your code uses cumsum (line 1), which this card forbids" in text_of(app, "#verdict")
        assert engine.jobs == []  # nothing ran


async def test_a_syntax_error_is_a_wrong_answer_with_its_line(write_app) -> None:  # noqa: ANN001
    app, _, _ = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        app.screen.query_one(WriteStage).editor.text = "y = (x\ny"
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        verdict = text_of(app, "#verdict")
        assert verdict.startswith("Incorrect")
        assert "Your code cannot run: syntax error (line 1)" in verdict


async def test_an_exception_and_a_time_out_are_wrong_answers_not_failed_cards(write_app) -> None:  # noqa: ANN001
    app, _, _ = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        app.screen.query_one(WriteStage).editor.text = "x.view(2, 2)"
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        assert "Your code raised RuntimeError: shape '[2, 2]' is invalid" in text_of(app, "#verdict")
        await pilot.press("1")
        await wait_stage(pilot, "question")
        app.screen.query_one(WriteStage).editor.text = "while_ = 1\nimport time\ntime.sleep(60)\nx"
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        assert "Your code did not finish: time limit of 5 s exceeded" in text_of(app, "#verdict")


async def test_the_write_card_fits_80x24_in_light_and_dark(write_app) -> None:  # noqa: ANN001
    app, _, _ = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        for theme in ("textual-light", "textual-dark"):
            app.theme = theme
            await pilot.pause()
            stage = app.screen.query_one(WriteStage)
            assert stage.editor.theme == ("github_light" if theme == "textual-light" else "monokai")
            region = stage.region
            assert region.y + region.height <= 23  # above the footer
            assert app.screen.query_one("#prompt").region.height > 0


async def test_keys_typed_before_the_editor_has_focus_go_into_it(write_app) -> None:  # noqa: ANN001
    app, _, _ = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        app.screen.set_focus(None)  # as in the instant after a card appears
        await type_code(pilot, "y = x\ny")
        assert app.screen.query_one(PythonEditor).text == "y = x\ny"
        app.screen.set_focus(None)
        await pilot.press("ctrl+s")  # submitting works without focus too
        await wait_stage(pilot, "rating")


async def test_try_it_on_a_write_card_runs_the_learners_own_code(write_app) -> None:  # noqa: ANN001
    from quizapp.tui.widgets.try_pane import TryPane

    app, _store, _engine = write_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_stage(pilot, "question")
        screen = app.screen
        assert screen.check_action("dont_know", ()) is False  # nothing to reveal: the verdict shows the reference
        await type_code(pilot, "x.cumsum(0)")
        await pilot.press("ctrl+s")
        await wait_stage(pilot, "rating")
        await pilot.press("t")
        await wait_stage(pilot, "try")
        code = screen.query_one(TryPane).query_one("TextArea").text
        assert code.endswith("x.cumsum(0)") and "x =" in code  # the inputs shown, then the learner's answer


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("stage", ["question", "wrong"])
def test_write_card_snapshot(write_app, snap_compare, stage: str, theme: str) -> None:  # noqa: ANN001
    """The write card at 80x24: the prompt and the editor with an attempt; then a wrong verdict."""
    from textual.widgets import TextArea

    app, _, _ = write_app

    async def run_before(pilot) -> None:  # noqa: ANN001
        pilot.app.theme = {"dark": "textual-dark", "light": "textual-light"}[theme]
        await wait_stage(pilot, "question")
        pilot.app.screen.query_one(PythonEditor).text = "y = x * 2\ny"
        if stage == "wrong":
            await pilot.press("ctrl+s")
            await wait_stage(pilot, "rating")
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False  # a blinking cursor would make the snapshot flaky
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
