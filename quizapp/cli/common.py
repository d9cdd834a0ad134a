"""What every command module shares: the run's :class:`~quizapp.bootstrap.Root`, one-line failures, the
collection opened the one way, the clock.

Every failure a user can act on (a damaged database, a bad settings file, a missing file) is one line
``quizapp: <problem>`` on stderr and exit status 2; nothing here prints a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from quizapp.bootstrap import Root

if TYPE_CHECKING:
    from quizapp.core.storage.store import Store

# The run's root, set by the root callback for as long as its Click context is open (a context
# variable rather than ``ctx.obj`` so commands keep their signatures free of a Context parameter).
_current: ContextVar[Root | None] = ContextVar("quizapp_root", default=None)


def use_root(made: Root, ctx: typer.Context) -> None:
    """Make ``made`` the root of the command ``ctx`` runs, until that context closes."""
    token = _current.set(made)
    ctx.obj = made
    ctx.call_on_close(lambda: _current.reset(token))


def root() -> Root:
    """The run's composition root, made by the root callback from ``--db``, ``--learner`` and the
    environment (a command called outside a CLI run, as a function in a test, gets one made now)."""
    found = _current.get()
    return found if found is not None else Root.from_environment()


def fail(message: str) -> typer.Exit:
    """Say ``quizapp: <message>`` on stderr; raise the result for exit status 2."""
    typer.echo(f"quizapp: {message}", err=True)
    return typer.Exit(2)


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn the errors a user can fix into one line and exit status 2."""
    from quizapp.core.settings import SettingsError
    from quizapp.core.storage.errors import StoreError

    try:
        yield
    except (StoreError, SettingsError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def open_store(*, sync: bool = True, read_only_ok: bool = False) -> Store:
    """Open the collection; with ``sync``, register the catalog's cards first (text, deck order).

    ``read_only_ok`` (stats, export, report): a collection that cannot be written is opened read-only
    instead, without registering the cards (what the file holds is shown)."""
    from quizapp.core.storage.errors import StoreReadOnly

    made = root()
    try:
        store = made.open_store()
    except StoreReadOnly:
        if not read_only_ok:
            raise
        store = made.open_store(read_only=True)
        store.notices.append(f"{store.location} is read-only: showing it as it is")
    for notice in store.notices:
        typer.echo(f"quizapp: note: {notice}", err=True)
    if sync and not store.read_only:
        from quizapp.core.decks.registry import load_catalog, source_digests

        try:
            # Hashing the deck files is enough to know nothing changed since the last sync; only then
            # is loading every deck (seconds for a big catalogue) skipped.
            if not store.cards_synced(source_digests()):
                catalog = load_catalog()
                store.sync_cards(catalog.decks.values(), now(), digests=catalog.digests)
        except StoreReadOnly:
            if not read_only_ok:
                store.close()
                raise
    return store


__all__ = ["fail", "guarded", "now", "open_store", "root", "use_root"]
