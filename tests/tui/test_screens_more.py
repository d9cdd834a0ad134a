"""Pilot tests of the home, browse, help, stats and settings items of issue 10: exact All decks row,
Browse arrows without Tab and position kept, unbury, keymap and a help generated from it, the palette's
theme saved, integer ticks for counts, the summary footer, Ctrl+O on a bundled deck."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable, Input, Static

from quizapp.core import locations
from quizapp.core.rating import Rating
from quizapp.tui.screens.stats import count_ticks
from quizapp.tui.screens.study_edit import editable_copy, is_bundled

SIZE = (80, 24)


def text_of(app, selector: str) -> str:  # noqa: ANN001
    widget = app.screen.query_one(selector, Static)
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_all_decks_row_shows_what_is_left_today(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "3")
    app, store, engine = make_app()
    store.record_review(("tiny", "add-shapes"), Rating.EASY, now=app.clock())
    store.record_review(("tiny", "mean-dtype"), Rating.EASY, now=app.clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        assert [r[:2] for r in rows(table)] == [["All decks", "1"], ["Tiny test deck", "1"]]  # 3 - 2, not 3


async def test_browse_arrows_work_without_tab_and_keep_the_position_after_a_suspend(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#results", DataTable)
        assert app.focused is screen.query_one("#query", Input)
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.cursor_row == 2 and app.focused is screen.query_one("#query", Input)
        key = screen._selected()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert store.card_info(key).suspended
        assert table.cursor_row == 2 and screen._selected() == key  # not back at the top
        await pilot.press("up")
        await pilot.pause()
        assert table.cursor_row == 1


BRACKETS = ("deck: brackets\ntitle: Brackets\ncards:\n  - id: assign-mask\n    kind: recall\n"
            "    prompt: What does x[mask] = v call, and x[idx] += v?\n    answer: index_put_\n")


async def test_browse_shows_a_prompt_s_brackets_as_typed(make_app, tmp_path) -> None:  # noqa: ANN001
    # Indexing is everywhere in PyTorch prompts; a table cell given a str reads it as Rich markup,
    # where "[mask]" is a style tag and vanishes from the row.
    deck = tmp_path / "brackets.yaml"
    deck.write_text(BRACKETS)
    app, store, engine = make_app(extra_decks=[deck])
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.press(*"assign-mask")
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        assert table.row_count == 1
        shown = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert "What does x[mask] = v call, and x[idx] += v?" in shown


async def test_browse_unburies_a_buried_card(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    store.bury(("tiny", "define-stride"), app.clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        app.screen.query_one("#query", Input).value = "state:buried"
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        assert [r[1:3] for r in rows(table)] == [["define-stride", "buried"]]
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert store.card_info(("tiny", "define-stride")).buried_until is None
        assert any("unburied" in n.message for n in app._notifications)


async def test_the_keymap_setting_remaps_keys_and_the_help_shows_them(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_KEYMAP", "bury=ctrl+y;browse=x;no-such-key=z")
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("no-such-key" in n.message for n in app._notifications)  # a typo is said, not ignored
        await pilot.press("enter")  # past the concept
        await pilot.pause()
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert store.card_info(("tiny", "add-shapes")).buried_until is not None
        await pilot.press("f1")
        await pilot.pause()
        help_text = text_of(app, "#help-text")
        assert "Ctrl+Y" in help_text and "Hide this card until tomorrow" in help_text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # leave the session
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "BrowseScreen"


async def test_a_theme_picked_in_the_palette_is_saved(make_app, home) -> None:  # noqa: ANN001
    app, store, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_toggle_dark()  # what the palette's command does
        await pilot.pause()
        await pilot.pause()
        saved = json.loads((home / "settings.json").read_text())
        assert saved["theme"] == "textual-light" and store.settings.theme == "textual-light"


def test_count_ticks_are_whole_numbers() -> None:
    assert count_ticks(0) == [0, 1]
    assert count_ticks(3) == [0, 1, 2, 3]
    assert count_ticks(17) == [0, 4, 8, 12, 16, 20]
    assert all(isinstance(t, int) for t in count_ticks(1234))


async def test_the_summary_footer_has_no_card_actions(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "0")
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.stage == "done"
        for action in ("bury", "suspend", "edit", "try_it", "concept"):
            assert screen.check_action(action, ()) is False, action
        footer_keys = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert not footer_keys & {"bury", "suspend", "edit"}


def test_ctrl_o_on_a_bundled_deck_edits_a_copy_in_the_users_folder(home, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    deck = bundled / "views.yaml"
    deck.write_text("deck: views\ntitle: V\ncards: []\n")
    monkeypatch.setattr(locations, "bundled_decks_dir", lambda: bundled)
    assert is_bundled(deck) and is_bundled(Path("/usr/lib/python3/site-packages/quizapp/bundled_decks/x.yaml"))
    copy, fresh = editable_copy(deck)
    assert fresh and copy == home / "decks" / "views.yaml" and copy.read_text() == deck.read_text()
    assert editable_copy(deck) == (copy, False)  # the copy from before is the one edited next time
    mine = home / "decks" / "mine.yaml"
    mine.write_text("x")
    assert editable_copy(mine) == (mine, False)


async def test_toasts_never_cover_the_prediction_box(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # past the concept
        await pilot.pause()
        app.notify("a long notice " * 8, timeout=30)
        app.notify("another one", timeout=30)
        await pilot.pause(0.2)
        box = app.screen.query_one("#answer").region
        toasts = [t.region for t in app.screen.query("Toast")]
        assert toasts and all(not t.overlaps(box) for t in toasts)


async def test_the_placeholder_is_the_cards_kind(make_app) -> None:  # noqa: ANN001
    from quizapp.tui.widgets.answer_input import placeholder_for

    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#answer", Input).placeholder == placeholder_for("shape")
        screen.session.bury(screen.card)
        screen.advance()
        await pilot.pause()
        assert screen.card.kind.value == "dtype"
        assert screen.query_one("#answer", Input).placeholder == placeholder_for("dtype") != placeholder_for("shape")


async def test_ctrl_o_on_a_bundled_deck_says_it_edits_a_copy(make_app, monkeypatch, deck_file, home) -> None:  # noqa: ANN001
    monkeypatch.setenv("EDITOR", "true")
    monkeypatch.setattr(locations, "bundled_decks_dir", lambda: deck_file.parent)
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert (home / "decks" / deck_file.name).read_text() == deck_file.read_text()
        assert any("Copied the bundled deck" in n.message and str(home / "decks") in n.message
                   for n in app._notifications)
