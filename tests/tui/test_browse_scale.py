"""Browse at scale: debounced typing, searches off the UI thread, the match count, pages as you scroll."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from textual import events
from textual.widgets import DataTable, Input

from quizapp.core.decks.registry import load_catalog
from quizapp.core.storage.store import Store
from quizapp.tui.screens import browse

SIZE = (80, 24)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class FakeEngine:
    def start(self) -> FakeEngine:
        return self

    def close(self) -> None:
        pass


def big_deck(n: int) -> str:
    cards = "".join(f"  - id: card-{i:04d}\n    kind: recall\n    prompt: {'common' if i % 10 == 0 else 'other'} {i}\n"
                    f"    answer: a\n" for i in range(n))
    return f"deck: big\ntitle: Big\ncards:\n{cards}"


async def wait_for(pilot, condition, tries: int = 500) -> None:  # noqa: ANN001
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never became true")


@pytest.fixture
def scale_app(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    from quizapp.tui.app import QuizApp

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(browse, "SYNC_SEARCH_BELOW", 0)  # this small catalogue takes the at-scale path
    monkeypatch.setattr(browse, "PAGE", 50)
    deck = tmp_path / "big.yaml"
    deck.write_text(big_deck(1200))
    catalog = load_catalog([deck], bundled=False, user=False)
    store = Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", backups=False, now=NOW)
    store.sync_cards(catalog.decks.values(), NOW)
    searches: list[str | None] = []
    real = store.search_page
    gate = threading.Event()
    gate.set()

    def spy(text=None, **kwargs):  # noqa: ANN001, ANN202
        searches.append(text)
        assert gate.wait(20)
        return real(text, **kwargs)

    spy.gate = gate  # type: ignore[attr-defined]

    store.search_page = spy  # type: ignore[method-assign]
    app = QuizApp(catalog=catalog, store=store, engine=FakeEngine(), clock=lambda: NOW)
    yield app, searches
    gate.set()
    store.close()


async def test_typing_while_a_search_runs_coalesces_and_the_count_shows(scale_app) -> None:  # noqa: ANN001
    app, searches = scale_app
    gate = app.store.search_page.gate
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        box = app.screen.query_one("#query", Input)
        table = app.screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: table.row_count == 50)
        assert box.border_subtitle == "50 of 1,200"
        searches.clear()
        gate.clear()  # the first search is held in its thread: the UI must not wait for it
        box.value = "c"
        await wait_for(pilot, lambda: searches == ["c"])
        for typed in ("co", "com", "comm", "commo", "common"):
            box.value = typed
            await pilot.pause()
        assert box.value == "common" and searches == ["c"]  # typing went on; nothing piled up
        gate.set()
        await wait_for(pilot, lambda: box.border_subtitle == "50 of 120")
        assert searches == ["c", "common"]  # the held one, then only the newest text
        assert all(str(table.get_row_at(i)[5]).startswith("common") for i in range(table.row_count))


async def test_keys_that_arrive_together_start_one_search_for_the_whole_text(scale_app) -> None:  # noqa: ANN001
    # As a paste or a burst of fast typing reaches the app: the keys together, their changes after.
    # Searching each intermediate text would only delay the last one (at 100k cards each takes tens of ms).
    app, searches = scale_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        box = app.screen.query_one("#query", Input)
        table = app.screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: table.row_count == 50)
        searches.clear()
        for key in "common":
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: box.border_subtitle == "50 of 120")
        await pilot.pause(0.1)  # anything still queued would start now
        assert box.value == "common" and searches == ["common"]
        box.value = "commo"  # and an edit back to a text shown before is searched again
        await wait_for(pilot, lambda: searches == ["common", "commo"])
        await wait_for(pilot, lambda: box.border_subtitle == "50 of 120")


async def test_results_page_in_as_the_cursor_reaches_the_end(scale_app) -> None:  # noqa: ANN001
    app, searches = scale_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        box = app.screen.query_one("#query", Input)
        table = app.screen.query_one("#results", DataTable)
        box.value = "common"
        await wait_for(pilot, lambda: box.border_subtitle == "50 of 120" and table.row_count == 50)
        table.move_cursor(row=table.row_count - 1)
        await wait_for(pilot, lambda: table.row_count == 100)
        assert box.border_subtitle == "100 of 120"
        table.move_cursor(row=table.row_count - 1)
        await wait_for(pilot, lambda: table.row_count == 120)
        assert box.border_subtitle == "120 cards"
        ids = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert ids == [f"card-{i:04d}" for i in range(0, 1200, 10)]


async def test_a_page_draws_the_screen_first_then_the_rest_in_order(scale_app) -> None:  # noqa: ANN001
    app, searches = scale_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        screen = app.screen
        table = screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: table.row_count == 50)
        screen._generation += 1
        screen._show_results(screen._generation, *screen._fetch(browse.parse_query("common"), 0))
        first = table.row_count  # what the screen shows and a few more, before the paint
        assert table.size.height <= first < 50 and screen.query_one("#query", Input).border_subtitle == "50 of 120"
        table.move_cursor(row=first - 1)  # at the last row drawn: the rest of this page, not the next page
        await wait_for(pilot, lambda: table.row_count == 50)
        await pilot.pause(0.1)
        assert table.row_count == 50 and searches.count("common") == 1  # no second page was fetched
        ids = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert ids == [f"card-{i:04d}" for i in range(0, 500, 10)] and screen._row_cards[-1] == ("big", "card-0490")
        screen.query_one("#query", Input).value = "other"  # a new search drops what was not drawn yet
        await wait_for(pilot, lambda: screen.query_one("#query", Input).border_subtitle == "50 of 1,080")
        await wait_for(pilot, lambda: table.row_count == 50)
        assert all(str(table.get_row_at(i)[5]).startswith("other") for i in range(table.row_count))


async def test_an_older_search_never_overwrites_a_newer_one(scale_app) -> None:  # noqa: ANN001
    app, searches = scale_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        screen = app.screen
        table = screen.query_one("#results", DataTable)
        screen.query_one("#query", Input).value = "common 11"
        await wait_for(pilot, lambda: screen.query_one("#query", Input).border_subtitle == "11 cards")
        stale = screen._fetch(browse.parse_query("other"), 0)
        screen._show_results(screen._generation - 1, *stale)  # arrives late, from an earlier keystroke
        assert table.row_count == 11


async def test_short_text_waits_for_more_typing_and_still_runs(scale_app, monkeypatch) -> None:  # noqa: ANN001
    app, searches = scale_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        box = app.screen.query_one("#query", Input)
        table = app.screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: table.row_count == 50)
        searches.clear()
        monkeypatch.setattr(browse, "SHORT_TEXT_PAUSE", 30.0)  # longer than this test: only typing ends it
        for typed in ("c", "co", "com"):
            box.value = typed
        await wait_for(pilot, lambda: searches == ["com"])  # the index's length: at once, no scans before
        await wait_for(pilot, lambda: box.border_subtitle == "50 of 120")
        monkeypatch.setattr(browse, "SHORT_TEXT_PAUSE", 0.01)
        box.value = "9"  # alone, a short text is searched after the pause
        await wait_for(pilot, lambda: searches[-1] == "9" and box.border_subtitle not in ("", "50 of 120"))
