"""The home screen paints before the catalogue is loaded, shows the load's progress, then fills in."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import DataTable, Label, ProgressBar

from quizapp.core.decks.registry import load_catalog
from quizapp.core.storage.store import Store

SIZE = (80, 24)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    def __call__(self) -> datetime:
        return NOW


class FakeEngine:
    """No card runs in these tests: the engine only has to start and close."""

    def start(self) -> FakeEngine:
        return self

    def close(self) -> None:
        pass


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def wait_for(pilot, condition, tries: int = 400) -> None:  # noqa: ANN001
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never became true")


def gated_app(home, deck_file, gate: threading.Event, *, study: bool = False, index: bool = False):  # noqa: ANN001
    """An app whose loader is held before its first file until ``gate`` is set. ``index``: the loader
    takes the app's store lookup and hands over its early deck index (as the CLI's does); the index is
    made before the hold, the full load (which parses) after it."""
    from quizapp.tui.app import QuizApp

    progress: list[tuple[int, int]] = []

    def held(on_progress):  # noqa: ANN001, ANN202
        def hold(done: int, total: int) -> None:
            progress.append((done, total))
            if on_progress is not None:
                on_progress(done, total)
            if done == 0:
                assert gate.wait(20), "the test never released the loader"
        return hold

    def loader(on_progress=None):  # noqa: ANN001, ANN202
        return load_catalog([deck_file], bundled=False, user=False, on_progress=held(on_progress))

    def indexing_loader(on_progress=None, **options):  # noqa: ANN001, ANN003, ANN202
        return load_catalog([deck_file], bundled=False, user=False, on_progress=held(on_progress), **options)

    store = Store.open(f"sqlite:///{home / 'test.sqlite3'}", backups=False, now=NOW)
    app = QuizApp(catalog=None, store=store, engine=FakeEngine(), study=study,
                  catalog_loader=indexing_loader if index else loader, clock=Clock())
    return app, store, progress


async def test_home_paints_before_the_catalogue_finishes_loading(home, deck_file) -> None:  # noqa: ANN001
    gate = threading.Event()
    app, store, progress = gated_app(home, deck_file, gate)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: progress and app.screen.__class__.__name__ == "HomeScreen")
            # The loader is held on its first file: the screen is up, with the progress showing.
            loading = app.screen.query_one("#loading")
            assert loading.display and app.catalog_loading
            assert app.screen.query_one("#decks", DataTable).row_count == 0
            assert "Loading decks" in str(app.screen.query_one("#loading-label", Label).render())
            gate.set()
            table = app.screen.query_one("#decks", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            assert rows(table) == [["All decks", "4", "0", "0", "4"], ["Tiny test deck", "4", "0", "0", "4"]]
            assert not loading.display and not app.catalog_loading
            assert app.screen.query_one("#loading-bar", ProgressBar).progress == 1
            assert progress == [(0, 1), (1, 1)]
            assert [i.key for i in store.search()] == [("tiny", c) for c in
                                                       ("add-shapes", "mean-dtype", "define-stride", "slow-card")]
    finally:
        gate.set()
        store.close()


async def test_a_failing_loader_leaves_a_usable_home_and_says_why(home, deck_file) -> None:  # noqa: ANN001
    from quizapp.tui.app import QuizApp

    def loader(on_progress=None):  # noqa: ANN001, ANN202
        raise OSError("disk on fire")

    store = Store.open(f"sqlite:///{home / 'test.sqlite3'}", backups=False, now=NOW)
    app = QuizApp(catalog=None, store=store, engine=FakeEngine(), catalog_loader=loader, clock=Clock())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: not app.catalog_loading)
            await pilot.pause()
            assert any("disk on fire" in str(n.message) for n in app._notifications)
            assert not app.screen.query_one("#loading").display
            assert app.screen.query_one("#decks", DataTable).row_count == 1  # "All decks", empty
    finally:
        store.close()


async def test_studying_all_decks_while_loading_waits_then_starts(home, deck_file) -> None:  # noqa: ANN001
    gate = threading.Event()
    app, store, progress = gated_app(home, deck_file, gate)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: progress and app.screen.__class__.__name__ == "HomeScreen")
            await pilot.press("a")  # not an empty session: a message, and the session once the decks are in
            await pilot.pause()
            assert app.screen.__class__.__name__ == "HomeScreen"
            assert any("still loading" in str(n.message) for n in app._notifications)
            gate.set()
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "StudyScreen" and app.screen.is_mounted)
            await pilot.pause()
            assert not app.catalog_loading
    finally:
        gate.set()
        store.close()


def synced_then_cold(home, deck_file) -> None:  # noqa: ANN001
    """The collection registers the deck (as any launch does), then the parsed-deck cache is deleted."""
    from quizapp.core.decks import cache

    with Store.open(f"sqlite:///{home / 'test.sqlite3'}", backups=False, now=NOW) as store:
        catalog = load_catalog([deck_file], bundled=False, user=False)
        store.sync_cards(catalog.decks.values(), NOW, digests=catalog.digests)
    cache.clear()
    assert not any(cache.cache_folder().glob("*.pickle"))


def gated_refill(monkeypatch, gate: threading.Event) -> list[list[str]]:  # noqa: ANN001
    """Hold the child process that refills the deck cache until ``gate`` is set; returns the files it got."""
    from quizapp.core.decks import warm

    real, given = warm.fill_cache, []

    def held(files, on_progress=None):  # noqa: ANN001, ANN202
        given.append([Path(f).name for f, _ in files])
        assert gate.wait(20), "the test never released the refill"
        return real(files, on_progress)

    monkeypatch.setattr(warm, "fill_cache", held)
    return given


async def test_a_cold_cache_home_is_usable_from_the_store_before_any_parse(home, deck_file, monkeypatch) -> None:  # noqa: ANN001
    from quizapp.core.decks import cache

    synced_then_cold(home, deck_file)
    gate = threading.Event()
    refilled = gated_refill(monkeypatch, gate)
    app, store, progress = gated_app(home, deck_file, gate, index=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one("#decks", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            # Held before the first file is parsed: the table comes from the store's summaries and counts,
            # the progress still shows, and no deck was parsed (the cache is still empty).
            assert app.catalog_loading and app.screen.query_one("#loading").display
            assert rows(table) == [["All decks", "4", "0", "0", "4"], ["Tiny test deck", "4", "0", "0", "4"]]
            assert not any(cache.cache_folder().glob("*.pickle"))
            assert app.deck_index is not None and set(app.deck_index.kept) == {"tiny"}
            # A session on that deck now reads just that deck, without waiting for the load.
            table.move_cursor(row=1)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "StudyScreen" and app.screen.is_mounted)
            await pilot.pause()
            assert app.catalog_loading
            gate.set()
            await wait_for(pilot, lambda: not app.catalog_loading)
            # The child process refilled the cache with the served deck; the load then read it from there.
            assert refilled == [[deck_file.name]] and any(cache.cache_folder().glob("*.pickle"))
    finally:
        gate.set()
        store.close()


async def test_an_edited_deck_is_parsed_for_the_index_and_its_new_card_counted(home, deck_file) -> None:  # noqa: ANN001
    synced_then_cold(home, deck_file)
    deck_file.write_text(deck_file.read_text() + """  - id: extra
    kind: recall
    prompt: One more?
    answer: Yes.
""")
    gate = threading.Event()
    app, store, _progress = gated_app(home, deck_file, gate, index=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one("#decks", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            assert app.catalog_loading and app.deck_index is not None
            assert set(app.deck_index.decks) == {"tiny"} and not app.deck_index.kept  # parsed, not trusted
            assert rows(table) == [["All decks", "5", "0", "0", "5"], ["Tiny test deck", "5", "0", "0", "5"]]
            gate.set()
            await wait_for(pilot, lambda: not app.catalog_loading)
            assert rows(table)[1] == ["Tiny test deck", "5", "0", "0", "5"]
    finally:
        gate.set()
        store.close()
