"""SVG snapshots at 80x24 in the dark and the light theme (pytest-textual-snapshot): home, and every stage
of the study screen. The verdict is taken scrolled to its end, to show that the last line of a long
explanation can be brought on screen at 80x24.

Refresh after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and
look at the report (or the SVGs as PNG: ``rsvg-convert x.svg -o x.png``) before committing.
"""

from __future__ import annotations

import time

import pytest
from textual.widgets import Input, TextArea

from quizapp.core.execution.outcome import Outcome

SIZE = (80, 24)
THEMES = {"dark": "textual-dark", "light": "textual-light"}

WHY = "\n".join(f"      Step {i}: the trailing sizes are compared right to left, one pair at a time." for i in range(1, 9))
LONG = f"""\
deck: snap
title: Snapshot deck
concepts:
  trailing-rule: |
    Shapes line up **from the right**: each pair of sizes must be equal, or one of them 1.

    ```python
    torch.zeros(4, 1) + torch.zeros(3)   # (4, 3)
    ```
cards:
  - id: long-why
    kind: shape
    concept: trailing-rule
    setup: |
      x = torch.zeros(2, 1)
      y = torch.zeros(3)
    ask: (x + y)
    explain: |
{WHY}
      The last line: the 1 stretches to 3 and the missing dimension becomes 2.
  - id: slow
    kind: value
    ask: sum(range(10))
"""


async def _steady(pilot) -> None:  # noqa: ANN001
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False  # a blinking cursor would make the snapshot flaky
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.pause()


async def _until(pilot, stage: str) -> None:  # noqa: ANN001
    for _ in range(150):
        if getattr(pilot.app.screen, "stage", None) == stage:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"stage {pilot.app.screen.stage!r}, expected {stage!r}")


async def _answer(pilot, text: str, stage: str = "rating") -> None:  # noqa: ANN001
    await pilot.press("enter")  # past the concept
    await _until(pilot, "question")
    pilot.app.screen.query_one("#answer", Input).value = text
    await pilot.press("enter")
    await _until(pilot, stage)


async def concept(pilot) -> None:  # noqa: ANN001
    await _until(pilot, "concept")


async def question(pilot) -> None:  # noqa: ANN001
    await pilot.press("enter")
    await _until(pilot, "question")


async def verdict_end(pilot) -> None:  # noqa: ANN001
    await _answer(pilot, "(3, 2)")
    await pilot.press("end")  # focus is on a rating button: End scrolls the verdict to its last line


async def dont_know(pilot) -> None:  # noqa: ANN001
    await _answer(pilot, "?", "shown")


async def try_it(pilot) -> None:  # noqa: ANN001
    await _answer(pilot, "2x3")
    await pilot.press("t")
    await _until(pilot, "try")
    pilot.app.screen.query_one("#try-editor", TextArea).text = "x = torch.zeros(5, 1)\ny = torch.zeros(3)\n(x + y)"
    await pilot.press("ctrl+r")
    for _ in range(150):
        if "(5, 3)" in str(pilot.app.screen.query_one("#try-output").content):
            break
        await pilot.pause(0.02)


async def failed(pilot) -> None:  # noqa: ANN001
    screen = pilot.app.screen
    screen.session.bury(pilot.app.catalog.card(("snap", "long-why")))
    screen.advance()
    await _until(pilot, "question")
    screen.query_one("#answer", Input).value = "45"
    await pilot.press("enter")
    await _until(pilot, "failed")


async def done(pilot) -> None:  # noqa: ANN001
    await _answer(pilot, "2x3")
    await pilot.press("4")  # Easy: out of today's queue (Good would bring it back within 20 minutes)
    await _until(pilot, "question")
    pilot.app.screen.session.bury(pilot.app.catalog.card(("snap", "slow")))
    pilot.app.screen.session.started = time.monotonic()  # "Time 0s": the snapshot must not depend on speed
    pilot.app.screen.advance()
    await _until(pilot, "done")


STAGES = {"concept": concept, "question": question, "verdict_end": verdict_end, "dont_know": dont_know,
          "try_it": try_it, "failed": failed, "done": done}


class SnapEngine:
    def start(self) -> SnapEngine:
        return self

    def run(self, job, limits=None) -> Outcome:  # noqa: ANN001
        if job.ask == "sum(range(10))":
            return Outcome.failure("time limit of 5 s exceeded")
        dims = [5, 3] if "5, 1" in (job.setup or "") else [2, 3]
        return Outcome(status="ok", value={"t": "tuple", "items": [{"t": "int", "v": d} for d in dims],
                                           "name": None, "fields": None}, display=str(tuple(dims)))

    def close(self) -> None:
        pass


@pytest.mark.parametrize("theme", THEMES)
def test_home(make_app, snap_compare, theme) -> None:  # noqa: ANN001
    app, _, _ = make_app()

    async def run_before(pilot) -> None:  # noqa: ANN001
        pilot.app.theme = THEMES[theme]
        await _steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("stage", STAGES)
def test_study(make_app, snap_compare, tmp_path, stage, theme) -> None:  # noqa: ANN001
    deck = tmp_path / "snap.yaml"
    deck.write_text(LONG)
    app, _, _ = make_app(study=True, deck_ids=["snap"], extra_decks=[deck], engine=SnapEngine())

    async def run_before(pilot) -> None:  # noqa: ANN001
        pilot.app.theme = THEMES[theme]
        await pilot.pause()
        await STAGES[stage](pilot)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
