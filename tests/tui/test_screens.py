"""Pilot tests of the home, browse, stats, settings and help screens and the command palette."""

from __future__ import annotations

import io
import json
from datetime import date

from rich.console import Console
from textual.widgets import DataTable, Input, Select, Static

from quizapp.core.rating import Rating
from quizapp.tui.widgets.heatmap import calendar_heatmap, level

SIZE = (80, 24)


def text_of(app, selector: str) -> str:  # noqa: ANN001
    widget = app.screen.query_one(selector, Static)
    console = Console(width=300, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


BROKEN = "deck: broken\ntitle: Broken\ncards:\n  - id: a\n    kind: shape\n    ask: x\n    expcet: (1,)\n"


# ------------------------------------------------------------------------------------------- home


async def test_home_lists_decks_with_counts_and_problems(make_app, tmp_path) -> None:  # noqa: ANN001
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    app, store, engine = make_app(extra_decks=[broken])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"
        table = app.screen.query_one("#decks", DataTable)
        assert rows(table) == [["All decks", "4", "0", "0", "4"], ["Tiny test deck", "4", "0", "0", "4"]]
        problems = text_of(app, "#problems")
        assert "broken.yaml:7: unknown" in problems and "'expcet'" in problems


async def test_home_all_decks_row_respects_the_shared_daily_limit(make_app, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "3")
    other = tmp_path / "other.yaml"
    other.write_text("deck: other\ntitle: Other\ncards:\n  - id: r\n    kind: recall\n    prompt: q\n    answer: a\n"
                     "  - id: s\n    kind: recall\n    prompt: q\n    answer: a\n")
    app, store, engine = make_app(extra_decks=[other])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        assert [r[:2] for r in rows(table)] == [["All decks", "3"], ["Tiny test deck", "3"], ["Other", "2"]]


async def test_home_enter_studies_the_highlighted_deck_and_counts_update(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        study = app.screen
        assert study.__class__.__name__ == "StudyScreen"
        assert study.session.deck_ids == ["tiny"]
        await pilot.press("enter")  # past the concept
        await pilot.pause()
        study.query_one("#answer", Input).value = "(2, 3)"
        await pilot.press("enter")
        for _ in range(100):
            if study.stage == "rating":
                break
            await pilot.pause(0.02)
        await pilot.press("1")  # Again: the card is now learning
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        assert rows(table)[1][1:4] == ["3", "1", "0"]


async def test_home_a_studies_all_decks(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.session.deck_ids is None


# ------------------------------------------------------------------------------------------- browse


async def test_browse_search_and_history(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    store.record_review(("tiny", "mean-dtype"), Rating.GOOD, answer="float32", correct=True, duration_s=3,
                        now=app.clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#results", DataTable)
        assert table.row_count == 4
        await pilot.press(*"mean")
        await pilot.pause()
        assert [r[1] for r in rows(table)] == ["mean-dtype"]
        assert rows(table)[0][2] == "learning"
        history = text_of(app, "#history")
        assert "tiny/mean-dtype" in history and "Good" in history and "float32" in history
        screen.query_one("#query", Input).value = "state:new"
        await pilot.pause()
        assert sorted(r[1] for r in rows(table)) == ["add-shapes", "define-stride", "slow-card"]
        screen.query_one("#query", Input).value = "state:bogus"
        await pilot.pause()
        assert "choose from" in text_of(app, "#history")


async def test_browse_suspend_and_unsuspend(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        app.screen.query_one("#query", Input).value = "define"
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert store.card_info(("tiny", "define-stride")).suspended
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not store.card_info(("tiny", "define-stride")).suspended
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


# ------------------------------------------------------------------------------------------- stats


async def test_stats_screen_shows_numbers_plots_and_calendar(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    store.record_review(("tiny", "mean-dtype"), Rating.AGAIN, now=app.clock())
    store.record_review(("tiny", "add-shapes"), Rating.GOOD, now=app.clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = text_of(app, "#stats-summary")
        assert "Reviews 2 (2 today)" in summary and "Streak 1 d" in summary
        assert "4: 2 new, 2 learning" in summary
        for tab in ("tab-forecast", "tab-retention", "tab-calendar"):
            app.screen.query_one("#stats-tabs").active = tab
            await pilot.pause()
        assert "Mon" in text_of(app, "#heatmap")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


def test_heatmap_levels_and_layout() -> None:
    assert [level(n, 8) for n in (0, 1, 2, 4, 8)] == [0, 1, 1, 2, 4]
    today = date(2026, 11, 29)  # a Sunday
    text = calendar_heatmap({today: 5, date(2026, 11, 23): 1}, today, weeks=4).plain
    lines = text.splitlines()
    assert lines[1].startswith("Mon") and lines[7].startswith("Sun")
    assert lines[7].count("■") == 4  # four Sundays, today included


# ------------------------------------------------------------------------------------------- settings


async def test_settings_saves_limits_and_theme(make_app, home) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#new_per_day", Input).value = "7"
        screen.query_one("#desired_retention", Input).value = "0.85"
        screen.query_one("#theme", Select).value = "textual-light"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"
        assert app.theme == "textual-light"
        saved = json.loads((home / "settings.json").read_text())
        assert saved["new_per_day"] == 7 and saved["desired_retention"] == 0.85
        assert saved["theme"] == "textual-light"
        assert store.settings.new_per_day == 7


async def test_settings_rejects_out_of_range_values(make_app, home) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#desired_retention", Input).value = "1.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "SettingsScreen"
        assert any("desired_retention" in n.message for n in app._notifications)
        assert not (home / "settings.json").exists()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


# ------------------------------------------------------------------------------------------- help, palette


async def test_help_screen_lists_keys(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        help_text = text_of(app, "#help-text")
        assert "Take back the last rating, bury or suspend" in help_text and "Ctrl+Z, u" in help_text
        assert "closes this help" in help_text.splitlines()[0]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_command_palette_starts_a_deck(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"study tiny")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen.__class__.__name__ == "StudyScreen"
        assert app.screen.session.deck_ids == ["tiny"]


async def test_unknown_theme_in_settings_falls_back(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_THEME", "no-such-theme")
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"


async def test_quit_closes_the_app(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
