"""CLI commands: ``quizapp`` (no command: the home screen) and ``quizapp study [DECK ...]``.

A DECK is a deck id (``quizapp study broadcasting``) or a path to a deck file or folder. A deck that
does not load, an unknown id or a damaged database is one line on stderr and exit status 2, before
the terminal is taken over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from quizapp.cli.common import fail, root

if TYPE_CHECKING:
    from quizapp.bootstrap import Root
    from quizapp.core.execution.engine import Engine


def study(
    decks: list[str] | None = typer.Argument(
        None, metavar="DECK", help="Deck ids or paths to deck files (default: every deck)."),
) -> None:
    """Study now: due cards first, then new ones, in a full-screen session."""
    _launch(decks or [], study=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("study")(study)


def open_home() -> None:
    """``quizapp`` with no command: the home screen with every deck."""
    _launch([], study=False)


def _launch(names: list[str], *, study: bool) -> None:
    # The worker's torch import (the slowest thing at launch) starts first, on the other core, while
    # this process loads decks, the database and Textual; the first card never waits for it.
    from quizapp.core.settings import SettingsError

    made = root()
    try:
        engine = made.start_engine()  # the card time / memory / output limits from the user's settings
    except SettingsError as exc:
        raise fail(str(exc)) from None
    try:
        _run(made, names, study=study, engine=engine)
    finally:
        engine.close()


def _run(made: Root, names: list[str], *, study: bool, engine: Engine) -> None:
    from quizapp.core.decks.selection import resolve_names
    from quizapp.core.settings import SettingsError
    from quizapp.core.storage.errors import StoreError

    # Paths given on the command line join the catalog (and are reloaded with it after an edit).
    paths = [Path(n).expanduser() for n in names if Path(n).expanduser().exists()]
    catalog_loader = made.catalog_loader(paths)

    # The home screen loads the catalogue itself, in the background, after its first paint; a study
    # session needs its decks resolved first (an unknown name is an error before the screen is taken).
    catalog = catalog_loader() if (names or study) else None
    deck_ids: list[str] | None = None
    if names and catalog is not None:
        chosen = resolve_names(catalog, names)
        if chosen.problems:
            for problem in chosen.problems:
                typer.echo(f"quizapp: {problem}", err=True)
            raise typer.Exit(2)
        deck_ids = chosen.ids
        missing = [d for d in deck_ids if d not in catalog.decks]
        if missing:  # resolve() loaded a file whose id another file already holds
            problems = [str(p) for p in catalog.problems]
            raise fail("; ".join(problems) or f"deck {missing[0]} could not join the catalog")
    try:
        store = made.open_store()
    except (StoreError, SettingsError) as exc:
        raise fail(str(exc)) from None

    try:
        made.make_app(catalog=catalog, store=store, engine=engine, deck_ids=deck_ids, study=study,
                      catalog_loader=catalog_loader).run()
    finally:
        store.close()
