"""The app as the composition root builds it: it owns the settings (a save reaches the store, the root
and settings.json), and what goes wrong in it is recorded in the log file, not only shown as a toast."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input

from quizapp.bootstrap import Root
from quizapp.core import logs
from quizapp.core.settings import Settings

SIZE = (80, 24)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def root(home: Path, deck_file: Path):  # noqa: ANN201
    made = Root.for_paths(home, learner="ann", settings=Settings(new_per_day=4))
    logs.setup(made.paths.log_dir)
    yield made
    logs.reset()


def _app(root: Root, deck_file: Path):  # noqa: ANN202
    loader = root.catalog_loader([deck_file], bundled=False, user=False)
    store = root.open_store(backups=False, now=NOW)
    return root.make_app(catalog=loader(), store=store, engine=None, catalog_loader=loader,
                         clock=lambda: NOW), store


async def test_the_settings_screen_saves_through_the_app(root: Root, deck_file: Path, home: Path) -> None:
    app, store = _app(root, deck_file)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.settings.current.new_per_day == 4  # the root's settings, not the file's (none yet)
            await pilot.press("o")
            await pilot.pause()
            app.screen.query_one("#new_per_day", Input).value = "6"
            await pilot.press("ctrl+s")
            await pilot.pause()
        assert app.settings.current.new_per_day == 6
        assert store.settings.new_per_day == 6 and root.settings.new_per_day == 6
        assert json.loads((home / "settings.json").read_text())["new_per_day"] == 6
    finally:
        store.close()


async def test_errors_shown_in_the_app_are_in_the_log(root: Root, deck_file: Path) -> None:
    app, store = _app(root, deck_file)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.notify("Could not read the counts: database is locked", severity="error")
            app.notify("Buried add-shapes until tomorrow.")  # information: not worth a line
            await pilot.pause()
        text = (root.paths.log_dir / "quizapp.log").read_text()
        assert "tui error: Could not read the counts: database is locked" in text
        assert "Buried" not in text
    finally:
        store.close()


async def test_an_uncaught_error_in_the_app_leaves_its_traceback_in_the_log(root: Root, deck_file: Path) -> None:
    app, store = _app(root, deck_file)

    def broken() -> None:
        raise RuntimeError("a bug in a handler")

    try:
        with pytest.raises(RuntimeError):
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                app.call_later(broken)
                await pilot.pause()
        text = (root.paths.log_dir / "quizapp.log").read_text()
        assert "tui: uncaught RuntimeError" in text and "Traceback" in text and "a bug in a handler" in text
    finally:
        store.close()
