"""CLI commands: ``quizapp`` (no command: the home screen) and ``quizapp study [DECK ...]``.

A DECK is a deck id (``quizapp study broadcasting``) or a path to a deck file or folder. A deck that
does not load, an unknown id or a damaged database is one line on stderr and exit status 2, before
the terminal is taken over.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command("study")
    def study(
        decks: list[str] | None = typer.Argument(
            None, metavar="[DECK]...", help="Deck ids or paths to deck files (default: every deck)."),
    ) -> None:
        """Study now: due cards first, then new ones, in a full-screen session."""
        _launch(decks or [], study=True)


def open_home() -> None:
    """``quizapp`` with no command: the home screen with every deck."""
    _launch([], study=False)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"quizapp: {message}", err=True)
    return typer.Exit(2)


def _launch(names: list[str], *, study: bool) -> None:
    # The worker's torch import (the slowest thing at launch) starts first, on the other core, while
    # this process loads decks, the database and Textual; the first card never waits for it.
    from quizapp.core.execution.engine import Engine
    from quizapp.core.execution.limits import user_limits
    from quizapp.core.settings import SettingsError

    try:
        limits = user_limits()  # the card time / memory / output limits from the user's settings
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    engine = Engine(limits).start()
    try:
        _run(names, study=study, engine=engine)
    finally:
        engine.close()


def _run(names: list[str], *, study: bool, engine) -> None:  # noqa: ANN001
    from quizapp.core.decks.model import DeckLoadError
    from quizapp.core.decks.registry import load_catalog
    from quizapp.core.settings import SettingsError
    from quizapp.core.storage.errors import StoreError
    from quizapp.core.storage.store import Store

    # Paths given on the command line join the catalog (and are reloaded with it after an edit).
    paths = [Path(n).expanduser() for n in names if Path(n).expanduser().exists()]

    def catalog_loader(on_progress=None, **options):  # type: ignore[no-untyped-def]
        # options: the app's store lookup and early index callback (load_catalog's known, on_index)
        return load_catalog(paths, on_progress=on_progress, **options)

    # The home screen loads the catalogue itself, in the background, after its first paint; a study
    # session needs its decks resolved first (an unknown name is an error before the screen is taken).
    catalog = catalog_loader() if (names or study) else None
    deck_ids: list[str] | None = None
    if names and catalog is not None:
        deck_ids = []
        try:
            for name in names:
                deck_ids += [d.id for d in catalog.resolve(name)]
        except DeckLoadError as exc:
            for problem in exc.problems:
                typer.echo(f"quizapp: {problem}", err=True)
            raise typer.Exit(2) from None
        deck_ids = list(dict.fromkeys(deck_ids))
        missing = [d for d in deck_ids if d not in catalog.decks]
        if missing:  # resolve() loaded a file whose id another file already holds
            problems = [str(p) for p in catalog.problems]
            raise _fail("; ".join(problems) or f"deck {missing[0]} could not join the catalog")
    try:
        store = Store.open()
    except (StoreError, SettingsError) as exc:
        raise _fail(str(exc)) from None

    from quizapp.tui.app import QuizApp

    try:
        QuizApp(catalog=catalog, store=store, engine=engine, deck_ids=deck_ids, study=study,
                catalog_loader=catalog_loader).run()
    finally:
        store.close()
