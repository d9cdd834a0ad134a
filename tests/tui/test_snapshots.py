"""SVG snapshots at 80x24 in the dark and the light theme (pytest-textual-snapshot).

Refresh after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and
look at the report before committing.
"""

from __future__ import annotations

from textual.widgets import Input

SIZE = (80, 24)


async def _steady(pilot) -> None:  # noqa: ANN001
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False  # a blinking cursor would make the snapshot flaky
    await pilot.pause()


def test_home_dark(make_app, snap_compare) -> None:  # noqa: ANN001
    app, _, _ = make_app()
    assert snap_compare(app, terminal_size=SIZE, run_before=_steady)


def test_study_question_light(make_app, snap_compare) -> None:  # noqa: ANN001
    app, _, _ = make_app(study=True, deck_ids=["tiny"])

    async def run_before(pilot) -> None:  # noqa: ANN001
        pilot.app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("enter")  # past the concept
        await _steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_study_verdict_dark(make_app, snap_compare) -> None:  # noqa: ANN001
    app, _, _ = make_app(study=True, deck_ids=["tiny"])

    async def run_before(pilot) -> None:  # noqa: ANN001
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.screen.query_one("#answer", Input).value = "(3, 2)"
        await pilot.press("enter")
        for _ in range(100):
            if pilot.app.screen.stage == "rating":
                break
            await pilot.pause(0.02)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
